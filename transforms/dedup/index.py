"""Index rows that let a later run match this run's kept documents, and the probe that reads
only the earlier rows a run can meet.

One row per kept document: its band keys (to meet new documents in LSH buckets) and its
packed shingle hashes (to verify those candidates exactly and name the earlier document).
The `layout` tag records everything that makes band keys and shingles comparable; rows written
under another layout are skipped and counted, never silently mismatched.

A later run does not replay the index: an earlier document can only become a candidate through
a bucket it shares with a document of the run, so `probe_index_file` keeps the rows with at
least one band key among the run's keys (vectorized, on the Arrow columns) and reads the
shingles of those rows alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from transforms.dedup.select import EARLIER_RUN, Node, rank_node

INDEX_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("run_date", pa.string(), nullable=False),
    pa.field("published", pa.string()),
    pa.field("text_length", pa.int64(), nullable=False),
    pa.field("layout", pa.string(), nullable=False),
    pa.field("bands", pa.list_(pa.uint64()), nullable=False),
    pa.field("shingles", pa.binary(), nullable=False),
])
# Everything a probe needs to decide which rows match, without the (large) shingles.
PROBE_COLUMNS = ["id", "published", "text_length", "layout", "bands"]


def layout_tag(cfg) -> str:
    """Shingle size, permutations, seed and band layout, e.g. `w5-p128-s1-b14x9`."""
    bands, rows = cfg.band_layout
    return f"w{cfg.shingle_size}-p{cfg.num_perm}-s{cfg.seed}-b{bands}x{rows}"


def index_row(node: Node, bands, shingles: bytes, cfg, run_date: str) -> dict:
    """The row of a kept document, from its rank node (`select.rank_node`), which holds its id,
    `published` and text length."""
    _, _, published, negative_length, doc_id = node
    return {"id": doc_id, "run_date": run_date, "published": published or None,
            "text_length": -negative_length, "layout": layout_tag(cfg),
            # an array, not a list: Beam's default coder pickles each int >= 2**63 on its own
            "bands": np.asarray(bands, dtype=np.uint64), "shingles": shingles}


def sorted_keys(keys) -> np.ndarray:
    """Distinct uint64 band keys, sorted for `rows_meeting`'s binary search."""
    return np.unique(np.asarray(keys, dtype=np.uint64))


@dataclass(frozen=True)
class ProbeResult:
    """What one index file gave a run: the matching members and how many rows were looked at."""
    members: list[tuple]
    rows: int
    other_layout: int


def rows_meeting(table: pa.Table, run_keys: np.ndarray, run_ids: pa.Array,
                 layout: str) -> tuple[np.ndarray, int]:
    """(row numbers of this layout with a band key in `run_keys` or an id in `run_ids`, rows
    of another layout).

    `run_keys` is sorted and distinct (`sorted_keys`); the test is one binary search over all
    band keys of the file and one hash lookup per id, never a Python loop over its rows. An id
    of this run finds its earlier self whatever the texts share: a re-crawl.
    """
    same_layout = pc.equal(table["layout"], layout).combine_chunks()
    other_layout = len(same_layout) - pc.sum(same_layout).as_py() if len(same_layout) else 0
    bands = table["bands"].combine_chunks()
    flat = pc.list_flatten(bands).to_numpy(zero_copy_only=False)
    meeting = np.flatnonzero(pc.is_in(table["id"], value_set=run_ids)
                             .to_numpy(zero_copy_only=False))
    if flat.size and run_keys.size:
        owners = pc.list_parent_indices(bands).to_numpy(zero_copy_only=False)
        found = np.minimum(np.searchsorted(run_keys, flat), run_keys.size - 1)
        meeting = np.union1d(meeting, owners[run_keys[found] == flat])
    meeting = meeting.astype(np.int64)
    return meeting[same_layout.to_numpy(zero_copy_only=False)[meeting]], other_layout


def members_of(table: pa.Table, shingles: pa.Array, rows: np.ndarray) -> list[tuple]:
    """(node, band keys, packed shingles) of the given rows; `shingles` holds those rows only."""
    picked = table.take(pa.array(rows, type=pa.int64())).to_pylist()
    return [(rank_node(row["id"], _optional(row["published"]), int(row["text_length"]),
                       era=EARLIER_RUN),
             tuple(row["bands"]), shingle_bytes)
            for row, shingle_bytes in zip(picked, shingles.to_pylist())]


def probe_index_file(path: str, run_keys: np.ndarray, run_ids: pa.Array,
                     layout: str) -> ProbeResult:
    """The earlier kept documents of one index file that share a bucket or an id with this
    run."""
    with FileSystems.open(path) as handle:
        parquet = pq.ParquetFile(handle)
        table = parquet.read(columns=PROBE_COLUMNS)
        rows, other_layout = rows_meeting(table, run_keys, run_ids, layout)
        shingles = (parquet.read(columns=["shingles"])["shingles"].take(pa.array(rows))
                    if rows.size else pa.array([], pa.binary()))
    return ProbeResult(members_of(table, shingles, rows), table.num_rows, other_layout)


def _optional(value) -> Optional[str]:
    return value or None
