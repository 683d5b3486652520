"""Lossless hive-partitioned Parquet, written into the run's private staging folder.

Rows are keyed by (dataset, partition, shard = crc32(id) % shards) and each group is written as
one zstd Parquet file into a staging folder, sorted by id in row groups of `ROW_GROUP_ROWS`,
under a name that depends only on its key: a retried bundle overwrites its own file, and the
same input always gives the same files.
The number of shards grows with the run's input records (`shards_for`), so a writer holds a
bounded file's rows, as Arrow columns, whatever the size of the run.
After the pipeline has finished, the driver's journaled commit (`pipeline/commit.py`) renames
the staged files into place, replacing what an earlier run of that date wrote (dynamic partition
overwrite).

This shape avoids `fileio.WriteToFiles` (its local rename silently leaves rows in a temp folder
when the partition folder does not exist), tagged outputs and `finish_bundle` output, so it also
runs on Beam's Dask runner.
"""
from __future__ import annotations

import datetime
import functools
import os
import zlib
from dataclasses import dataclass

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from transforms.beam_steps import METRICS_NAMESPACE
from transforms.spill import GroupByKeyThroughDisk

PARQUET_COMPRESSION = "zstd"


@dataclass(frozen=True)
class OutputConfig:
    """How output files are cut (`shards` files per partition, one more per
    `records_per_shard` input records beyond that), and how long a run waits for another run
    to release the output root before it gives up (exit 2)."""
    shards: int = 2
    records_per_shard: int = 10_000
    lock_wait_seconds: float = 300.0

    def __post_init__(self):
        if self.shards < 1:
            raise ValueError(f"output.shards must be >= 1, got {self.shards}")
        if self.records_per_shard < 1:
            raise ValueError(f"output.records_per_shard must be >= 1, got "
                             f"{self.records_per_shard}")
        if self.lock_wait_seconds < 0:
            raise ValueError(f"output.lock_wait_seconds must be >= 0, got "
                             f"{self.lock_wait_seconds}")


@dataclass(frozen=True, slots=True)
class OutputRow:
    """One row bound for a dataset; `partition` is its hive path below the dataset folder."""
    dataset: str
    partition: str
    row: dict


def partition_path(run_date: str, lang: str | None = None) -> str:
    return f"lang={lang}/date={run_date}" if lang is not None else f"date={run_date}"


def shards_for(input_records: int, cfg: OutputConfig) -> int:
    """Files per partition for a run of this many input records: a file holds at most about
    `records_per_shard` of them, so the writer's memory does not grow with the run."""
    return max(cfg.shards, -(-input_records // cfg.records_per_shard))


def shard_of(row_id: str, shards: int) -> int:
    """Stable across processes and runs (Python's str hash is salted per process)."""
    return zlib.crc32(row_id.encode("utf-8")) % shards


def staged_file(staging_root: str, dataset: str, partition: str, shard: int) -> str:
    return FileSystems.join(staging_root, dataset, partition, f"part-{shard:05d}.parquet")


def _make_dirs(path: str) -> None:
    if "://" not in path:
        os.makedirs(path, exist_ok=True)


# Rows per Parquet row group. Files are sorted by id, so each row group's id statistics
# bound a narrow id range: a later run that needs a few earlier documents' texts
# (`transforms/dedup/index.py` `texts_by_id`) reads only the row groups that can hold them.
ROW_GROUP_ROWS = 2_000


def write_table(path: str, table: pa.Table) -> None:
    _make_dirs(os.path.dirname(path))
    with FileSystems.create(path) as handle:
        pq.write_table(table, handle, compression=PARQUET_COMPRESSION,
                       row_group_size=ROW_GROUP_ROWS)


class _WriteGroupDoFn(beam.DoFn):
    def __init__(self, staging_root: str, schemas: dict[str, pa.Schema]):
        self._staging_root = staging_root
        self._schemas = schemas
        self._files = Metrics.counter(METRICS_NAMESPACE, "Write.files")
        self._rows = Metrics.counter(METRICS_NAMESPACE, "Write.rows")

    def process(self, keyed_batches):
        (dataset, partition, shard), batches = keyed_batches
        # The file's rows arrive as the Arrow record batches they were spilled as.
        table = pa.Table.from_batches(list(batches), schema=self._schemas[dataset])
        table = table.sort_by("id")  # stable: equal ids keep their order, as `sorted` did
        path = staged_file(self._staging_root, dataset, partition, shard)
        write_table(path, table)
        rows = table.num_rows
        del table
        # Arrow's allocator keeps freed pages for reuse; a writer of many files gives them back.
        pa.default_memory_pool().release_unused()
        self._files.inc()
        self._rows.inc(rows)
        yield dataset, partition, rows


def _record_batch(schemas: dict[str, pa.Schema], file_key, rows: list[dict]) -> list:
    """A chunk of one file's rows as one Arrow record batch: columns are spilled and read
    back as buffers, several times cheaper than pickled dicts (and built once, not per file
    read)."""
    return [pa.RecordBatch.from_pylist(rows, schema=schemas[file_key[0]])]


# Rows a writing bundle buffers over all its files before it spills them: each file's chunk
# becomes one record batch, and small batches cost more to pickle than their dicts did.
BUFFERED_ROWS = 8_192


class WriteStaged(beam.PTransform):
    """`OutputRow`s -> Parquet files under `staging_root`; emits (dataset, partition, rows).

    The rows wait for their file's group in `staging_root/_spill/rows`, not in the runner's
    memory (`GroupByKeyThroughDisk`): a writer holds one file's rows at a time. Given a tuple
    of row PCollections, each is spilled where it is produced, so no step holds every row.
    `shards`: a singleton PCollection of the files per partition (`shards_for` the run's
    input, known only once it is read)."""

    def __init__(self, staging_root: str, schemas: dict[str, pa.Schema], shards):
        super().__init__()
        self._staging_root = staging_root
        self._schemas = schemas
        self._shards = shards

    def expand(self, rows):
        shards = beam.pvalue.AsSingleton(self._shards)
        inputs = rows if isinstance(rows, (tuple, list)) else (rows,)
        keyed = tuple(pcoll | f"KeyByFile{index or ''}" >> beam.Map(_file_key, shards)
                      for index, pcoll in enumerate(inputs))
        return (keyed
                | "GroupByFile" >> GroupByKeyThroughDisk(
                    FileSystems.join(self._staging_root, "_spill", "rows"),
                    pack_chunk=functools.partial(_record_batch, self._schemas),
                    buffered_values=BUFFERED_ROWS)
                | "WriteFile" >> beam.ParDo(_WriteGroupDoFn(self._staging_root, self._schemas)))


def _file_key(out: OutputRow, shards: int):
    """((dataset, partition, shard), row): the file a row belongs in."""
    return (out.dataset, out.partition, shard_of(out.row["id"], shards)), out.row


def as_date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None
