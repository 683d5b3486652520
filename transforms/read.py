"""Reading inputs: `.txt` files are one article of raw bytes, `.jsonl[.gz]` files one per line.

Reading is lenient and lossless: every record becomes a `Doc` or a `Rejection` (with the raw
line), and a truncated `.jsonl.gz` keeps the lines before the break and leaves one rejection
that says what was lost. Each file also yields a `SourceManifest` after its last record, so the
run can prove that every input record ended in exactly one output dataset.
"""
from __future__ import annotations

import datetime
import gzip
import io
import json
import os
import posixpath
import zlib
from dataclasses import dataclass
from typing import Iterator, Union

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from transforms.beam_steps import METRICS_NAMESPACE
from transforms.model import Doc, Rejection

INPUT_SUFFIXES = (".txt", ".jsonl", ".jsonl.gz")
OPTIONAL_STRING_FIELDS = ("title", "url", "site", "lang")


@dataclass(frozen=True)
class ReadConfig:
    """Limits applied while reading, before any decoding."""
    max_bytes: int = 5_000_000       # one article (a .txt file or one JSONL line)
    raw_keep_bytes: int = 4_096      # raw bytes kept on a rejected row


@dataclass(frozen=True, slots=True)
class SourceManifest:
    """How many records one input file yielded; used by the end-of-run invariant check."""
    source: str
    records: int


Record = Union[Doc, Rejection]


def is_input_path(path: str) -> bool:
    return path.lower().endswith(INPUT_SUFFIXES)


def _file_stem(path: str) -> str:
    name = posixpath.basename(path.replace("\\", "/"))
    for suffix in (".jsonl.gz", ".jsonl", ".txt"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _head(raw: bytes, cfg: ReadConfig) -> bytes:
    return raw[: cfg.raw_keep_bytes]


def txt_record(path: str, raw: bytes, cfg: ReadConfig) -> Record:
    """One `.txt` file: id = file name without `.txt`; decoding happens in the next step."""
    doc_id = _file_stem(path)
    if len(raw) > cfg.max_bytes:
        return Rejection(id=doc_id, source=path, reason="too_large",
                         detail=f"file has {len(raw):,} bytes; the limit is {cfg.max_bytes:,}",
                         step="Read", raw=_head(raw, cfg), source_order=(path, 0))
    return Doc(id=doc_id, source=path, raw=raw, source_order=(path, 0))


def _published(value) -> str | None:
    """An ISO date (or datetime) string reduced to YYYY-MM-DD; anything else is dropped."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return datetime.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def jsonl_record(path: str, line_number: int, line: bytes, cfg: ReadConfig) -> Record:
    """One JSONL line: `id` and `text` are required, `title`/`url`/`site`/`published`/`lang`
    optional. Records that are not usable become rejections carrying the raw line."""
    fallback_id = f"{_file_stem(path)}:{line_number}"
    order = (path, line_number)

    def reject(reason: str, detail: str, doc_id: str = fallback_id) -> Rejection:
        return Rejection(id=doc_id, source=f"{path}:{line_number}", reason=reason, detail=detail,
                         step="Read", raw=_head(line, cfg), source_order=order)

    if len(line) > cfg.max_bytes:
        return reject("too_large", f"line has {len(line):,} bytes; the limit is {cfg.max_bytes:,}")
    try:
        record = json.loads(line)
    except (UnicodeDecodeError, ValueError) as error:
        return reject("malformed_json", f"line {line_number} is not valid JSON: {error}")
    if not isinstance(record, dict):
        return reject("malformed_json", f"line {line_number} is JSON but not an object")
    raw_id = record.get("id")
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        return reject("missing_id", f"line {line_number} has no `id`")
    if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool):
        return reject("missing_id", f"line {line_number} has an `id` that is not a string")
    doc_id = str(raw_id)
    if "text" not in record or record["text"] is None:
        return reject("missing_text", f"record {doc_id!r} has no `text`", doc_id)
    text = record["text"]
    if not isinstance(text, str):
        return reject("missing_text",
                      f"record {doc_id!r} has a `text` of type {type(text).__name__}, not a string",
                      doc_id)
    if not text.strip():
        return reject("empty_text", f"record {doc_id!r} has an empty `text`", doc_id)
    fields = {name: record[name] if isinstance(record.get(name), str) and record[name].strip()
              else None for name in OPTIONAL_STRING_FIELDS}
    return Doc(id=doc_id, source=f"{path}:{line_number}", raw=_head(line, cfg), text=text,
               title=fields["title"], url=fields["url"], site=fields["site"],
               input_lang=fields["lang"], published=_published(record.get("published")),
               input_encoding="utf-8", source_order=order)


def iter_jsonl(path: str, stream: io.BufferedIOBase, cfg: ReadConfig) -> Iterator[Record]:
    """Yields a record per non-blank line; a broken compressed stream ends the file with one
    `truncated_input` rejection instead of an exception."""
    line_number = 0
    try:
        for line_number, line in enumerate(stream, start=1):
            if line.strip():
                yield jsonl_record(path, line_number, line, cfg)
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as error:
        yield Rejection(
            id=f"{_file_stem(path)}:truncated", source=path, reason="truncated_input",
            detail=f"the compressed stream broke after line {line_number}: {error}; "
                   "records after that point are lost with the file",
            step="Read", source_order=(path, line_number + 1))


def read_file(path: str, cfg: ReadConfig) -> Iterator[Union[Record, SourceManifest]]:
    """All records of one input file, then its manifest."""
    records = 0
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        if path.lower().endswith(".txt"):
            raw = handle.read(cfg.max_bytes + 1)
            if len(raw) > cfg.max_bytes:
                raw += handle.read()  # the true size goes into the rejection's detail
            records += 1
            yield txt_record(path, raw, cfg)
        else:
            stream = gzip.GzipFile(fileobj=handle) if path.lower().endswith(".gz") else handle
            for record in iter_jsonl(path, stream, cfg):
                records += 1
                yield record
    yield SourceManifest(source=path, records=records)


class _ReadFileDoFn(beam.DoFn):
    def __init__(self, cfg: ReadConfig):
        self._cfg = cfg
        self._files = Metrics.counter(METRICS_NAMESPACE, "Read.files")
        self._records = Metrics.counter(METRICS_NAMESPACE, "Read.records")

    def process(self, path: str):
        for item in read_file(path, self._cfg):
            if isinstance(item, SourceManifest):
                self._files.inc()
                self._records.inc(item.records)
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


def _match_inputs(pattern: str) -> Iterator[str]:
    for metadata in FileSystems.match([pattern])[0].metadata_list:
        if is_input_path(metadata.path):
            yield metadata.path


def expand_input(path: str) -> str:
    """`--input` as a match pattern: a directory is read recursively, a glob or a file as is."""
    if path.endswith("/") or ("://" not in path and os.path.isdir(path)):
        return FileSystems.join(path.rstrip("/"), "**")
    return path
