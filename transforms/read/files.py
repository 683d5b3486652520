"""One input file -> its records, then a `SourceManifest` that says how many it yielded.

Whatever goes wrong with a file as a whole (it vanished after listing, cannot be opened, its
gzip stream breaks, it shrank while it was read) ends it with one rejection after the records
read before the break: a bad file costs its own records, never the run.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Iterator, Union

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from transforms.beam_steps import STEP_FAILED
from transforms.model import Doc, Rejection
from transforms.read.config import ReadConfig
from transforms.read.jsonl import jsonl_records
from transforms.read.paths import file_stem, input_format, readable_path
from transforms.read.streams import BrokenInput, CountingReader, gunzip_chunks, read_chunks
from transforms.read.tabular import delimited_records, parquet_records
from transforms.read.txt import read_txt

Record = Union[Doc, Rejection]
FILE_REJECTION_ID_SUFFIX = {"truncated_input": "truncated", "unreadable_input": "unreadable"}


@dataclass(frozen=True, slots=True)
class SourceManifest:
    """How many records one input file yielded; used by the end-of-run invariant check."""
    source: str
    records: int


def read_file(path: str, cfg: ReadConfig,
              listed_size: int | None = None) -> Iterator[Union[Record, SourceManifest]]:
    """All records of one input file, then its manifest. `listed_size` is the file's size when
    it was listed: a file that yields fewer bytes has shrunk while it was read."""
    source = readable_path(path)
    records = 0
    for record in _records(path, source, cfg, listed_size):
        records += 1
        yield record
    yield SourceManifest(source=source, records=records)


def _records(path: str, source: str, cfg: ReadConfig, listed_size: int | None) -> Iterator[Record]:
    kind = input_format(path)
    count = 0
    try:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            for record in _format_records(path, source, kind, handle, cfg, listed_size):
                count += 1
                yield record
    except BrokenInput as broken:
        yield _file_rejection(source, kind, broken.reason, broken.detail, count)
    except OSError as error:
        yield _file_rejection(source, kind, "unreadable_input",
                              f"the file cannot be read after {count:,} records: {error}", count)
    except Exception as error:  # a reader bug met by one file must not sink the whole run
        yield _file_rejection(source, kind, STEP_FAILED,
                              f"reading failed after {count:,} records: "
                              f"{type(error).__name__}: {error}", count)


def _format_records(path: str, source: str, kind: str, handle: BinaryIO, cfg: ReadConfig,
                    listed_size: int | None) -> Iterator[Record]:
    if kind == "txt":
        yield read_txt(source, handle, cfg, listed_size)
        return
    if kind == "parquet":  # needs random access to its footer, so it reads the handle itself
        yield from parquet_records(source, handle, cfg)
        return
    counted = CountingReader(handle)
    chunks = read_chunks(counted)
    if path.lower().endswith(".gz"):
        chunks = gunzip_chunks(chunks)
    if kind == "jsonl":
        yield from jsonl_records(source, chunks, cfg)
    else:
        yield from delimited_records(source, chunks, cfg, kind)
    if listed_size is not None and counted.bytes_read < listed_size:
        raise BrokenInput("truncated_input",
                          f"the file had {listed_size:,} bytes when listed but ended after "
                          f"{counted.bytes_read:,}: it shrank while it was read, and the records "
                          "past that point are lost")


def _file_rejection(source: str, kind: str, reason: str, detail: str, count: int) -> Rejection:
    """The one row that stands for what a broken file could not give; a `.txt` file is one
    record, so its row keeps the article's id."""
    stem = file_stem(source)
    doc_id = stem if kind == "txt" else f"{stem}:{FILE_REJECTION_ID_SUFFIX.get(reason, reason)}"
    return Rejection(id=doc_id, source=source, reason=reason, detail=detail, step="Read",
                     source_order=(source, count + 1))
