"""Records that wait for a batch-wide result wait on disk, not in the runner.

Two steps need the whole batch before they can finish a document: boilerplate stripping (the
per-site line counts) and deduplication (the clusters). On the local runners every PCollection
that crosses such a barrier is held in memory until its consumer runs, so the documents
themselves were held there, several times over. `ThroughDisk` moves them across the barrier as
files instead: each bundle streams its records into one file of the staging folder and emits
the file's path once; the paths cross the barrier (a `Distinct`, a grouping, so every file is
closed before it is read) and are read back one record at a time. Memory holds one record at a
time plus a path per bundle, whatever the batch size.

A file is written under a temporary name and renamed when its bundle finishes, under a name
derived from the bundle's first record: a retried bundle rewrites the same file, and a runner
that re-executes a stage (Dask recomputes side-input upstreams) replaces it with the same
content instead of racing a reader. Nothing is emitted from `finish_bundle`, so the shape runs
on the Dask runner too.
"""
from __future__ import annotations

import os
import pickle
from typing import Iterator

import apache_beam as beam
import xxhash
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from transforms.beam_steps import METRICS_NAMESPACE

_PROTOCOL = pickle.HIGHEST_PROTOCOL


def spill_file_name(first_record_id: str) -> str:
    """Stable for a bundle: the same first record always names the same file."""
    return f"spill-{xxhash.xxh3_64_hexdigest(first_record_id.encode('utf-8'))}.pickle"


def read_spilled(path: str) -> Iterator:
    """The records of one spill file, in the order they were written."""
    with FileSystems.open(path) as handle:
        while True:
            try:
                yield pickle.load(handle)
            except EOFError:
                return


class _SpillRecords(beam.DoFn):
    """Records -> their bundle's spill file path (once per bundle); records go to the file."""

    def __init__(self, folder: str, label: str):
        self._folder = folder
        self._label = label
        self._records = Metrics.counter(METRICS_NAMESPACE, f"{label}.records_spilled")
        self._handle = None
        self._path = None
        self._temporary = None

    def start_bundle(self):
        self._handle = None

    def process(self, record):
        if self._handle is None:
            self._path = FileSystems.join(self._folder, spill_file_name(record.id))
            self._temporary = f"{self._path}.{os.getpid()}.tmp"
            if "://" not in self._folder:
                os.makedirs(self._folder, exist_ok=True)
            self._handle = FileSystems.create(self._temporary)
            yield self._path
        pickle.dump(record, self._handle, protocol=_PROTOCOL)
        self._records.inc()

    def finish_bundle(self):
        if self._handle is None:
            return
        self._handle.close()
        FileSystems.rename([self._temporary], [self._path])
        self._handle = None


class ThroughDisk(beam.PTransform):
    """`records | ThroughDisk(folder)`: the same records, read back from files in `folder`
    after every one of them was written (see the module docstring)."""

    def __init__(self, folder: str):
        super().__init__()
        self._folder = folder

    def expand(self, records):
        return (records
                | "Spill" >> beam.ParDo(_SpillRecords(self._folder, self.label))
                | "AllWritten" >> beam.Distinct()
                | "ReadBack" >> beam.FlatMap(read_spilled))
