"""The Beam side of reading: match the input pattern on the workers, spread files, read each."""
from __future__ import annotations

import os
from typing import Iterator

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from transforms.beam_steps import METRICS_NAMESPACE
from transforms.model import Doc
from transforms.read.config import ReadConfig
from transforms.read.files import SourceManifest, read_file
from transforms.read.paths import is_input_path


class _ReadFileDoFn(beam.DoFn):
    def __init__(self, cfg: ReadConfig):
        self._cfg = cfg
        self._files = Metrics.counter(METRICS_NAMESPACE, "Read.files")
        self._records = Metrics.counter(METRICS_NAMESPACE, "Read.records")
        self._unparsed_dates = Metrics.counter(METRICS_NAMESPACE, "Read.published_unparsed")

    def process(self, listed: tuple[bytes, int]):
        path, size = listed
        for item in read_file(path.decode("utf-8", "surrogateescape"), self._cfg, size):
            if isinstance(item, SourceManifest):
                self._files.inc()
                self._records.inc(item.records)
            elif isinstance(item, Doc) and item.published_raw is not None:
                self._unparsed_dates.inc()
            yield item


class ReadArticles(beam.PTransform):
    """File patterns -> `Doc`s, `Rejection`s and one `SourceManifest` per file.

    Starts from file *names* (the caller `Create`s the patterns), matches them on the workers and
    reshuffles the paths so files spread across workers; contents are never loaded up front.
    """

    def __init__(self, cfg: ReadConfig):
        super().__init__()
        self._cfg = cfg

    def expand(self, patterns):
        return (patterns
                | "MatchFiles" >> beam.FlatMap(_match_inputs)
                | "SpreadFiles" >> beam.Reshuffle()
                | "ReadFile" >> beam.ParDo(_ReadFileDoFn(self._cfg)))


def _match_inputs(pattern: str) -> Iterator[tuple[bytes, int]]:
    """(path, size when listed) of every input file behind the pattern. The path travels as
    bytes: a file name that is not UTF-8 arrives from the OS with surrogate escapes, which
    Beam's string coder cannot encode."""
    for metadata in FileSystems.match([pattern])[0].metadata_list:
        if is_input_path(metadata.path):
            yield metadata.path.encode("utf-8", "surrogateescape"), metadata.size_in_bytes


def expand_input(path: str) -> str:
    """`--input` as a match pattern: a directory is read recursively, a glob or a file as is."""
    if path.endswith("/") or ("://" not in path and os.path.isdir(path)):
        return FileSystems.join(path.rstrip("/"), "**")
    return path
