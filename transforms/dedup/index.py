"""Index rows that let a later run match this run's kept documents, and the probe that reads
only the earlier rows a run can meet.

One row per kept document: its band keys (to meet new documents in LSH buckets) and what ranks
it (id, `published`, text length). Its shingles are not stored: they are ~90% of a row's bytes
and a run needs them only for the few earlier documents it meets, so those are re-fingerprinted
from their kept text in `documents/lang=*/date=<run_date>/` (the sibling of `index/`), which is
exactly the text that was fingerprinted (`earlier_shingles`). Index files written before this
change carry a `shingles` column; a probe uses it when it is there.
The `layout` tag records everything that makes band keys and shingles comparable; rows written
under another layout are skipped and counted, never silently mismatched.

A later run does not replay the index: an earlier document can only become a candidate through
a bucket it shares with a document of the run, so `probe_index_file` keeps the rows with at
least one band key among the run's keys (vectorized, on the Arrow columns). The texts of those
rows are read by id from the row groups whose id statistics can hold them (documents files are
sorted by id and written in row groups of `transforms.write.ROW_GROUP_ROWS`), `id` and `text`
columns only.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from transforms.dedup.select import EARLIER_RUN, Node, node_id, rank_node
from transforms.dedup.shingles import fingerprint, pack

INDEX_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("run_date", pa.string(), nullable=False),
    pa.field("published", pa.string()),
    pa.field("text_length", pa.int64(), nullable=False),
    pa.field("layout", pa.string(), nullable=False),
    pa.field("bands", pa.list_(pa.uint64()), nullable=False),
])
# Everything a probe needs to decide which rows match.
PROBE_COLUMNS = ["id", "published", "text_length", "layout", "bands"]
# The packed shingle hashes that index files written before they were re-fingerprinted hold.
STORED_SHINGLES = "shingles"


def layout_tag(cfg) -> str:
    """Shingle size, permutations, seed and band layout, e.g. `w5-p128-s1-b14x9`."""
    bands, rows = cfg.band_layout
    return f"w{cfg.shingle_size}-p{cfg.num_perm}-s{cfg.seed}-b{bands}x{rows}"


def index_row(node: Node, bands, layout: str, run_date: str) -> dict:
    """The row of a kept document, from its rank node (`select.rank_node`), which holds its id,
    `published` and text length."""
    _, _, published, negative_length, doc_id = node
    return {"id": doc_id, "run_date": run_date, "published": published or None,
            "text_length": -negative_length, "layout": layout,
            # an array, not a list: Beam's default coder pickles each int >= 2**63 on its own
            "bands": np.asarray(bands, dtype=np.uint64)}


def sorted_keys(keys) -> np.ndarray:
    """Distinct uint64 band keys, sorted for `rows_meeting`'s binary search."""
    return np.unique(np.asarray(keys, dtype=np.uint64))


@dataclass(frozen=True)
class ProbeResult:
    """What one index file gave a run: the matching members, (node, band keys, packed shingles
    or None when the file stores none), and how many rows were looked at."""
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


def members_of(table: pa.Table, shingles: list, rows: np.ndarray) -> list[tuple]:
    """(node, band keys, packed shingles or None) of the given rows; `shingles` holds those
    rows only."""
    picked = table.take(pa.array(rows, type=pa.int64())).to_pylist()
    return [(rank_node(row["id"], _optional(row["published"]), int(row["text_length"]),
                       era=EARLIER_RUN),
             tuple(row["bands"]), shingle_bytes)
            for row, shingle_bytes in zip(picked, shingles)]


def probe_index_file(path: str, run_keys: np.ndarray, run_ids: pa.Array,
                     layout: str) -> ProbeResult:
    """The earlier kept documents of one index file that share a bucket or an id with this
    run; their stored shingles where the file has them (an index written before shingles were
    re-fingerprinted), else None. Read a row group at a time: a probe's arrays stay the size
    of one group, however large the file."""
    members: list[tuple] = []
    rows_read = other_layout = 0
    with FileSystems.open(path) as handle:
        parquet = pq.ParquetFile(handle)
        stored = STORED_SHINGLES in parquet.schema_arrow.names
        for group in range(parquet.num_row_groups):
            table = parquet.read_row_group(group, columns=PROBE_COLUMNS)
            rows, other = rows_meeting(table, run_keys, run_ids, layout)
            shingles = [None] * rows.size
            if rows.size and stored:
                shingles = (parquet.read_row_group(group, columns=[STORED_SHINGLES])
                            [STORED_SHINGLES].take(pa.array(rows)).to_pylist())
            members.extend(members_of(table, shingles, rows))
            rows_read += table.num_rows
            other_layout += other
    pa.default_memory_pool().release_unused()
    return ProbeResult(members, rows_read, other_layout)


def documents_of(index_path: str) -> tuple[str, str]:
    """(the output root's `documents` folder, run date) of an index file
    `<root>/index/date=<run_date>/<file>`: where its rows' kept texts are."""
    date_folder, _ = FileSystems.split(index_path)
    index_folder, partition = FileSystems.split(date_folder)
    root, _ = FileSystems.split(index_folder)
    return FileSystems.join(root, "documents"), partition[len("date="):]


def documents_files(documents_folder: str, run_date: str) -> list[str]:
    """The kept documents files of one run date, every language."""
    pattern = FileSystems.join(documents_folder, "lang=*", f"date={run_date}", "*.parquet")
    return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)


def row_groups_holding(metadata: pq.FileMetaData, ids: list[str]) -> list[int]:
    """The row groups whose `id` min/max statistics can hold one of `ids` (sorted): the only
    ones a lookup reads. A row group without statistics is always read."""
    if not metadata.num_row_groups:
        return []
    first = metadata.row_group(0)
    column = next(i for i in range(first.num_columns) if first.column(i).path_in_schema == "id")
    holding = []
    for group in range(metadata.num_row_groups):
        statistics = metadata.row_group(group).column(column).statistics
        if statistics is None or not statistics.has_min_max:
            holding.append(group)
            continue
        at = bisect.bisect_left(ids, statistics.min)
        if at < len(ids) and ids[at] <= statistics.max:
            holding.append(group)
    return holding


@dataclass(frozen=True)
class TextsFound:
    """Texts read by id from documents files, and how many row groups the read touched of
    those the files it opened hold."""
    texts: dict[str, str]
    row_groups_read: int
    row_groups: int


def texts_by_id(paths: list[str], ids) -> TextsFound:
    """Id -> kept text of the given ids found in these documents files; each file is opened
    at most once (none after every id was found) and only its row groups that can hold a
    wanted id are read (`id`, `text` only)."""
    wanted = sorted(set(ids))
    texts: dict[str, str] = {}
    read = total = 0
    for path in paths:
        missing = [doc_id for doc_id in wanted if doc_id not in texts]
        if not missing:
            break
        with FileSystems.open(path) as handle:
            parquet = pq.ParquetFile(handle)
            groups = row_groups_holding(parquet.metadata, missing)
            total += parquet.metadata.num_row_groups
            if not groups:
                continue
            read += len(groups)
            table = parquet.read_row_groups(groups, columns=["id", "text"])
        table = table.filter(pc.is_in(table["id"], value_set=pa.array(missing, pa.string())))
        texts.update(zip(table["id"].to_pylist(), table["text"].to_pylist()))
    return TextsFound(texts, read, total)


@dataclass(frozen=True)
class EarlierShingles:
    """The members of one run date with their shingles, how many of those were
    re-fingerprinted, the nodes whose kept text was not found (a documents file removed by
    hand), and the documents row groups read of those the opened files hold."""
    members: list[tuple]
    refingerprinted: int
    missing: list[Node]
    row_groups_read: int
    row_groups: int


def earlier_shingles(documents_folder: str, run_date: str, members, shingle_size: int
                     ) -> EarlierShingles:
    """Members of one earlier run date, (node, band keys, packed shingles or None), with the
    missing shingles re-fingerprinted from their kept text (`shingles.fingerprint`, the
    function that made them), in node order."""
    members = sorted(members, key=_node_of)
    unresolved = {node_id(node) for node, _, shingles in members if shingles is None}
    found = (texts_by_id(documents_files(documents_folder, run_date), unresolved)
             if unresolved else TextsFound({}, 0, 0))
    complete, missing, refingerprinted = [], [], 0
    for node, bands, shingles in members:
        if shingles is None:
            text = found.texts.get(node_id(node))
            if text is None:
                missing.append(node)
                continue
            shingles = pack(fingerprint(text, shingle_size)[1])
            refingerprinted += 1
        complete.append((node, bands, shingles))
    return EarlierShingles(complete, refingerprinted, missing, found.row_groups_read,
                           found.row_groups)


def _node_of(member) -> Node:
    return member[0]


def _optional(value) -> Optional[str]:
    return value or None
