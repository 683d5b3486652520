"""The index probe: only rows sharing a band key or an id with the run, only their shingles
read."""
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, strategies as st

from transforms.dedup.index import (INDEX_SCHEMA, probe_index_file, rows_meeting,
                                    sorted_keys)
from transforms.dedup.select import EARLIER_RUN, rank_node

NO_IDS = pa.array([], pa.string())

LAYOUT = "w3-p128-s1-b37x3"


def _row(doc_id, bands, layout=LAYOUT, published=None):
    return {"id": doc_id, "run_date": "2025-07-01", "published": published,
            "text_length": 100, "layout": layout, "bands": bands,
            "shingles": doc_id.encode() * 8}


def _table(rows):
    return pa.Table.from_pylist(rows, schema=INDEX_SCHEMA)


def test_probe_returns_only_rows_meeting_the_run_with_their_shingles(tmp_path):
    path = tmp_path / "index.parquet"
    big = (1 << 64) - 5  # keys above 2**63 must match too
    pq.write_table(_table([
        _row("meets", [1, 2, big], published="2025-06-30"),
        _row("misses", [3, 4, 5]),
        _row("other-layout", [1, 2, 3], layout="w5-p128-s1-b14x9"),
        _row("meets-twice", [2, 7, 8]),
    ]), path)
    probed = probe_index_file(str(path), sorted_keys([big, 2, 9]), NO_IDS, LAYOUT)
    assert probed.rows == 4 and probed.other_layout == 1
    assert probed.members == [
        (rank_node("meets", "2025-06-30", 100, era=EARLIER_RUN), (1, 2, big), b"meets" * 8),
        (rank_node("meets-twice", None, 100, era=EARLIER_RUN), (2, 7, 8), b"meets-twice" * 8),
    ]


def test_probe_of_an_empty_run_or_index_matches_nothing(tmp_path):
    path = tmp_path / "index.parquet"
    pq.write_table(_table([_row("a", [1, 2])]), path)
    assert probe_index_file(str(path), sorted_keys([]), NO_IDS, LAYOUT).members == []
    assert rows_meeting(_table([]), sorted_keys([1]), NO_IDS, LAYOUT)[0].size == 0


def test_probe_finds_an_earlier_row_of_a_run_id_whatever_its_bands(tmp_path):
    path = tmp_path / "index.parquet"
    pq.write_table(_table([_row("recrawled", [3, 4]), _row("other", [5, 6])]), path)
    probed = probe_index_file(str(path), sorted_keys([1]), pa.array(["recrawled"]), LAYOUT)
    assert [node[4] for node, _, _ in probed.members] == ["recrawled"]


@given(st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=5), max_size=30),
       st.lists(st.integers(0, 40), max_size=20), st.sets(st.integers(0, 35), max_size=5))
def test_rows_meeting_equals_a_set_intersection(bands_per_row, run_keys, run_ids):
    table = _table([_row(str(i), bands) for i, bands in enumerate(bands_per_row)])
    ids = pa.array(sorted(str(i) for i in run_ids), pa.string())
    meeting, _ = rows_meeting(table, sorted_keys(run_keys), ids, LAYOUT)
    assert meeting.tolist() == [i for i, bands in enumerate(bands_per_row)
                                if set(bands) & set(run_keys) or i in run_ids]
