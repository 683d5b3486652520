"""Records that wait for a batch-wide result wait on disk, not in the runner.

Two steps need the whole batch before they can finish a document: boilerplate stripping (the
per-site line counts) and deduplication (the clusters). On the local runners every PCollection
that crosses such a barrier is held in memory until its consumer runs, so the documents
themselves were held there, several times over. `ThroughDisk` moves them across the barrier as
files instead: each bundle writes its records into files of `BUFFERED_RECORDS` records in the
staging folder and emits each file's prefix once; the prefixes cross the barrier (a `Distinct`,
a grouping, so every file is closed before it is read) and are read back one record at a time.
Memory holds one chunk of records plus a prefix per chunk, whatever the batch size. A file per
chunk, not per bundle, because the prefixes are the elements a runner spreads over its workers
after the barrier: one per bundle would put each bundle's records back on a single worker.

`GroupByKeyThroughDisk` does the same for a grouping: each bundle writes one file per key it
sees, only (key, file) pairs are grouped, and each group's values are read back from its files.

A file is written under a temporary name and renamed when it is full or its bundle finishes.
What a bundle emits is the file's *prefix*, derived from its first record (and key), because
nothing may be emitted from `finish_bundle` (Beam's Dask runner drops it); a prefix is a folder,
and the file's name in it is a hash of the file's whole content. So a retried bundle, or a
runner that re-executes a stage (Dask recomputes side-input upstreams), rewrites the same file
with the same content instead of adding a copy,
while two bundles that happen to start with the same record (an LSH candidate edge found in two
bands) keep both their files: readers take every file under a prefix.

Records are pickled in chunks, one pickle call per chunk instead of per record (band entries
are dozens per document); a bundle buffers at most `BUFFERED_RECORDS` records (a grouping's
`buffered_values`) across all its files before it writes them.
"""
from __future__ import annotations

import functools
import os
import pickle
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

import apache_beam as beam
import xxhash
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from transforms.beam_steps import METRICS_NAMESPACE

_PROTOCOL = pickle.HIGHEST_PROTOCOL
BUFFERED_RECORDS = 1024


def spill_prefix(folder: str, first_record: bytes) -> str:
    """What a bundle emits for a file: the same first record always gives the same prefix, a
    folder of its own, so that a reader lists its few files and not the whole barrier's."""
    return FileSystems.join(folder, f"spill-{xxhash.xxh3_64_hexdigest(first_record)}")


def spill_file(prefix: str, content_hash: str) -> str:
    return FileSystems.join(prefix, f"{content_hash}{SPILL_SUFFIX}")


SPILL_SUFFIX = ".pickle"


def read_spilled(prefix: str) -> Iterator:
    """The records of the spill files under one prefix, file by file in name order, each in
    the order it was written."""
    matched = FileSystems.match([FileSystems.join(prefix, f"*{SPILL_SUFFIX}")])[0].metadata_list
    for path in sorted(metadata.path for metadata in matched):
        with FileSystems.open(path) as handle:
            while True:
                try:
                    chunk = pickle.load(handle)
                except EOFError:
                    break
                yield from chunk


class _SpillFile:
    """One spill file being written: a temporary name until `close` renames it after its
    prefix and content."""

    def __init__(self, folder: str, first_record: bytes,
                 pack: Optional[Callable[[list], list]] = None):
        self.prefix = spill_prefix(folder, first_record)
        self._pack = pack
        self._temporary = FileSystems.join(self.prefix, f"{os.getpid()}.{id(self):x}.tmp")
        if "://" not in folder:
            os.makedirs(self.prefix, exist_ok=True)
        self._handle = FileSystems.create(self._temporary)
        self._content = xxhash.xxh3_64()
        self._chunk: list = []

    def add(self, record) -> None:
        """Buffers a record until the next `flush`."""
        self._chunk.append(record)

    def flush(self) -> None:
        if self._chunk:
            chunk = self._pack(self._chunk) if self._pack else self._chunk
            pickled = pickle.dumps(chunk, protocol=_PROTOCOL)
            self._content.update(pickled)
            self._handle.write(pickled)
            self._chunk = []

    def close(self) -> None:
        self.flush()
        self._handle.close()
        FileSystems.rename([self._temporary], [spill_file(self.prefix,
                                                          self._content.hexdigest())])


class _SpillRecords(beam.DoFn):
    """Records -> their bundle's spill file path (once per bundle); records go to the file."""

    def __init__(self, folder: str, label: str):
        self._folder = folder
        self._records = Metrics.counter(METRICS_NAMESPACE, f"{label}.records_spilled")
        self._file = None
        self._buffered = 0

    def start_bundle(self):
        self._file = None
        self._buffered = 0

    def process(self, record):
        if self._file is None:
            self._file = _SpillFile(self._folder, pickle.dumps(record, protocol=_PROTOCOL))
            yield self._file.prefix
        self._file.add(record)
        self._buffered += 1
        if self._buffered >= BUFFERED_RECORDS:
            # One file per chunk: the files are what a runner spreads over its workers after
            # the barrier, so a bundle's records must not all come back as one element.
            self._file.close()
            self._file = None
            self._buffered = 0
        self._records.inc()

    def finish_bundle(self):
        if self._file is not None:
            self._file.close()
            self._file = None


def _one_pair(key_and_value) -> tuple:
    return (key_and_value,)


class _SpillGroups(beam.DoFn):
    """(key, value) -> (key, spill file) once per key and bundle; values go to the key's file.

    With `pairs_of`, each element gives its (key, value) pairs through that function here,
    instead of through a `FlatMap` before: one Beam element per document, not one per pair
    (LSH band entries are dozens per document). A `pairs_of` with a `start_bundle()` method
    has it called as each bundle starts: what it remembers must not outlive the bundle whose
    output it shaped (a retried bundle starts again). With `pack_chunk`, a file stores
    `pack_chunk(key, values)` for each chunk of its values, and its readers get that back."""

    def __init__(self, folder: str, label: str, pairs_of: Callable = _one_pair,
                 pack_chunk: Optional[Callable] = None, buffered_values: int = BUFFERED_RECORDS):
        self._folder = folder
        self._pairs_of = pairs_of
        self._pack_chunk = pack_chunk
        self._buffered_values = buffered_values
        self._values = Metrics.counter(METRICS_NAMESPACE, f"{label}.values_spilled")
        self._files: dict = {}
        self._buffered = 0

    def start_bundle(self):
        self._files = {}
        self._buffered = 0
        start = getattr(self._pairs_of, "start_bundle", None)
        if start is not None:
            start()

    def process(self, element):
        added = 0
        for key, value in self._pairs_of(element):
            spill = self._files.get(key)
            if spill is None:
                spill = self._files[key] = _SpillFile(
                    self._folder, pickle.dumps((key, value), protocol=_PROTOCOL),
                    functools.partial(self._pack_chunk, key) if self._pack_chunk else None)
                yield key, spill.prefix
            spill.add(value)
            added += 1
            self._buffered += 1
            if self._buffered >= self._buffered_values:
                for open_file in self._files.values():
                    open_file.flush()
                self._buffered = 0
        self._values.inc(added)

    def finish_bundle(self):
        for spill in self._files.values():
            spill.close()
        self._files = {}


@dataclass(frozen=True)
class SpilledValues:
    """The values of one key: iterating reads its files one after the other (picklable, so
    it may cross any runner's stage boundary as a few spill prefixes)."""
    prefixes: tuple[str, ...]

    def __iter__(self) -> Iterator:
        for prefix in self.prefixes:
            yield from read_spilled(prefix)


def _spilled_group(key, prefixes):
    return key, SpilledValues(tuple(sorted(set(prefixes))))


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


class GroupByKeyThroughDisk(beam.PTransform):
    """`GroupByKey` whose values wait in `folder`: (key, value) -> (key, iterator of values).

    Only (key, file) pairs are shuffled, so the runner holds a path per key and bundle instead
    of every value; a consumer holds what it takes from the iterator. Given a tuple of
    PCollections, each is spilled where it is produced and only their paths are flattened: a
    `Flatten` of the values themselves would hold them all in a local runner's memory. Given
    `pairs_of`, the inputs' elements are not pairs but what `pairs_of` turns into pairs.

    Given `pack_chunk(key, values) -> list`, each chunk of a key's values is stored, and
    iterated, as what it returns (the writer stores a chunk of rows as one Arrow record
    batch); `buffered_values` bounds what a bundle holds before it writes."""

    def __init__(self, folder: str, pairs_of: Callable = _one_pair,
                 pack_chunk: Optional[Callable] = None, buffered_values: int = BUFFERED_RECORDS):
        super().__init__()
        self._folder = folder
        self._pairs_of = pairs_of
        self._pack_chunk = pack_chunk
        self._buffered_values = buffered_values

    def expand(self, keyed):
        inputs = keyed if isinstance(keyed, (tuple, list)) else (keyed,)
        spill = _SpillGroups(self._folder, self.label, self._pairs_of, self._pack_chunk,
                             self._buffered_values)
        paths = [pcoll | f"Spill{index or ''}" >> beam.ParDo(spill)
                 for index, pcoll in enumerate(inputs)]
        if len(paths) > 1:
            paths = [tuple(paths) | "AllFiles" >> beam.Flatten()]
        return (paths[0]
                | "FilesByKey" >> beam.GroupByKey()
                | "Values" >> beam.MapTuple(_spilled_group))
