"""The index probe: only rows sharing a band key or an id with the run; their shingles from
an old index file's own column, or re-fingerprinted from the kept texts, of which only the row
groups that can hold them are read."""
import os
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, strategies as st

from transforms.dedup.index import (INDEX_SCHEMA, documents_of, earlier_shingles,
                                    probe_index_file, rows_meeting, sorted_keys, texts_by_id)
from transforms.dedup.select import EARLIER_RUN, rank_node
from transforms.dedup.shingles import fingerprint, pack
from transforms.write import ROW_GROUP_ROWS, write_table

NO_IDS = pa.array([], pa.string())

LAYOUT = "w3-p128-s1-b37x3"


def _row(doc_id, bands, layout=LAYOUT, published=None):
    return {"id": doc_id, "run_date": "2025-07-01", "published": published,
            "text_length": 100, "layout": layout, "bands": bands}


def _table(rows):
    return pa.Table.from_pylist(rows, schema=INDEX_SCHEMA)


def _with_stored_shingles(table):
    """An index file as versions before re-fingerprinting wrote it: shingles in a column."""
    return table.append_column("shingles", pa.array(
        [doc_id.encode() * 8 for doc_id in table["id"].to_pylist()], pa.binary()))


def _probe_table():
    return _table([
        _row("meets", [1, 2, BIG], published="2025-06-30"),
        _row("misses", [3, 4, 5]),
        _row("other-layout", [1, 2, 3], layout="w5-p128-s1-b14x9"),
        _row("meets-twice", [2, 7, 8]),
    ])


BIG = (1 << 64) - 5  # keys above 2**63 must match too
MEETING = [rank_node("meets", "2025-06-30", 100, era=EARLIER_RUN),
           rank_node("meets-twice", None, 100, era=EARLIER_RUN)]


def test_probe_returns_only_rows_meeting_the_run_without_shingles(tmp_path):
    path = tmp_path / "index.parquet"
    pq.write_table(_probe_table(), path)
    probed = probe_index_file(str(path), sorted_keys([BIG, 2, 9]), NO_IDS, LAYOUT)
    assert probed.rows == 4 and probed.other_layout == 1
    assert probed.members == [(MEETING[0], (1, 2, BIG), None), (MEETING[1], (2, 7, 8), None)]


def test_an_index_file_with_stored_shingles_gives_them_without_reading_documents(tmp_path):
    path = tmp_path / "index" / "date=2025-07-01" / "part-00000.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(_with_stored_shingles(_probe_table()), path)
    probed = probe_index_file(str(path), sorted_keys([BIG, 2, 9]), NO_IDS, LAYOUT)
    assert probed.members == [(MEETING[0], (1, 2, BIG), b"meets" * 8),
                              (MEETING[1], (2, 7, 8), b"meets-twice" * 8)]
    found = earlier_shingles(*documents_of(str(path)), probed.members, 3)
    assert found.members == probed.members and found.refingerprinted == 0
    assert not (tmp_path / "documents").exists()


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


def _texts(count: int) -> dict[str, str]:
    """Texts that compress about as well as articles do (not a repeated phrase)."""
    words = random.Random(count)
    return {f"doc-{i:06d}": " ".join(f"كلمة{words.randrange(50_000)}" for _ in range(60))
            for i in range(count)}


def _write_documents(root: Path, lang: str, texts: dict) -> str:
    path = root / "documents" / f"lang={lang}" / "date=2025-07-01" / "part-00000.parquet"
    write_table(str(path), pa.table({"id": list(texts), "text": list(texts.values())}))
    return str(path)


def test_earlier_shingles_are_the_fingerprints_of_the_kept_texts(tmp_path):
    arabic, persian = _texts(3), {"fa-doc": "این یک خبر تازه است " * 20}
    _write_documents(tmp_path, "ar", arabic)
    _write_documents(tmp_path, "fa", persian)
    texts = {**arabic, **persian}
    members = [(rank_node(doc_id, None, len(texts[doc_id]), era=EARLIER_RUN), (7,), None)
               for doc_id in ("fa-doc", "doc-000001")]
    found = earlier_shingles(str(tmp_path / "documents"), "2025-07-01", members, 5)
    assert found.members == sorted((node, bands, pack(fingerprint(texts[node[4]], 5)[1]))
                                   for node, bands, _ in members)
    assert found.refingerprinted == 2 and found.missing == []


def test_an_earlier_document_without_its_text_is_reported_missing(tmp_path):
    _write_documents(tmp_path, "ar", _texts(2))
    gone = rank_node("removed-by-hand", None, 10, era=EARLIER_RUN)
    kept = rank_node("doc-000000", None, 10, era=EARLIER_RUN)
    found = earlier_shingles(str(tmp_path / "documents"), "2025-07-01",
                             [(gone, (1,), None), (kept, (2,), None)], 5)
    assert [member[0] for member in found.members] == [kept] and found.missing == [gone]
    nowhere = earlier_shingles(str(tmp_path / "no-documents"), "2025-07-01",
                               [(gone, (1,), None)], 5)
    assert nowhere.members == [] and nowhere.missing == [gone]


def _bytes_read() -> int:
    """Bytes this process has read through system calls (page cache included)."""
    fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(fields["rchar"])


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="needs Linux /proc/self/io")
def test_a_lookup_reads_only_the_row_groups_that_can_hold_its_ids(tmp_path):
    texts = _texts(10 * ROW_GROUP_ROWS)
    path = _write_documents(tmp_path, "ar", texts)
    size = os.path.getsize(path)
    wanted = ["doc-000003", "doc-000004", f"doc-{5 * ROW_GROUP_ROWS + 1:06d}"]
    before = _bytes_read()
    found = texts_by_id([path], wanted + ["absent"])
    read = _bytes_read() - before
    assert found.texts == {doc_id: texts[doc_id] for doc_id in wanted}
    assert (found.row_groups_read, found.row_groups) == (2, 10)
    assert read < 0.3 * size, (read, size)


@given(st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=5), max_size=30),
       st.lists(st.integers(0, 40), max_size=20), st.sets(st.integers(0, 35), max_size=5))
def test_rows_meeting_equals_a_set_intersection(bands_per_row, run_keys, run_ids):
    table = _table([_row(str(i), bands) for i, bands in enumerate(bands_per_row)])
    ids = pa.array(sorted(str(i) for i in run_ids), pa.string())
    meeting, _ = rows_meeting(table, sorted_keys(run_keys), ids, LAYOUT)
    assert meeting.tolist() == [i for i, bands in enumerate(bands_per_row)
                                if set(bands) & set(run_keys) or i in run_ids]
