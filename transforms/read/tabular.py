"""Parquet and CSV/TSV: rows of named columns, through the same field mapping as JSONL.

Parquet is read one row group at a time, and only the mapped columns; the folders of a
hive-partitioned dataset (`lang=fa/`) fill mapped fields the files do not hold. CSV and TSV need
a header row; pyarrow parses them block by block from the bounded stream (a block holds
`read.max_bytes` and a little more), every value as bytes so that `007` stays a string and text
that is not UTF-8 reaches the decode step.
"""
from __future__ import annotations

import csv
import io
import json
from typing import BinaryIO, Iterable, Iterator

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from transforms.model import Doc, Rejection
from transforms.read.config import MAPPED_FIELDS, ReadConfig
from transforms.read.fields import record_to_doc
from transforms.read.paths import file_stem, hive_partitions
from transforms.read.streams import CHUNK_BYTES, BrokenInput, ChunkReader, as_utf8, prepend

Record = Doc | Rejection
BATCH_ROWS = 1_024  # rows turned into Python objects at a time
DELIMITERS = {"csv": ",", "tsv": "\t"}


def _mapped_names(cfg: ReadConfig) -> list[str]:
    return [name for name in (getattr(cfg, field) for field in MAPPED_FIELDS) if name]


def row_record(path: str, number: int, values: dict, cfg: ReadConfig,
               field_names: Iterable[str]) -> Record:
    """One row as a document; its raw form (for rejected rows) is the row as JSON."""
    raw = json.dumps(values, ensure_ascii=False, default=_json_value).encode("utf-8")
    return record_to_doc(values, cfg, fallback_id=f"{file_stem(path)}:{number}",
                         source=f"{path}:{number}", order=(path, number),
                         raw=raw[: cfg.raw_keep_bytes],
                         raw_truncated=len(raw) > cfg.raw_keep_bytes, field_names=field_names)


def _json_value(value) -> str:
    return value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else str(value)


def parquet_records(path: str, handle: BinaryIO, cfg: ReadConfig) -> Iterator[Record]:
    """Rows of one Parquet file, one row group in memory at a time."""
    try:
        parquet = pq.ParquetFile(handle)
        names = parquet.schema_arrow.names
    except (pa.ArrowException, OSError) as error:
        raise BrokenInput("malformed_parquet", f"not a readable Parquet file: {error}") from None
    mapped = _mapped_names(cfg)
    columns = [name for name in mapped if name in names]
    from_folders = {key: value for key, value in hive_partitions(path).items()
                    if key in mapped and key not in names}
    field_names = names + list(from_folders)
    number = 0
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            for values in batch.to_pylist():
                number += 1
                yield row_record(path, number, {**from_folders, **values}, cfg, field_names)
    except (pa.ArrowException, OSError) as error:
        raise BrokenInput("malformed_parquet", f"reading stopped after row {number:,}: "
                                               f"{error}") from None


def _utf8_values(values: dict, text_field: str) -> dict:
    """CSV bytes as strings; a text value that is not UTF-8 stays bytes for the decode step."""
    decoded = {}
    for name, value in values.items():
        try:
            decoded[name] = value.decode("utf-8")
        except UnicodeDecodeError:
            decoded[name] = value if name == text_field else value.decode("utf-8", "replace")
    return decoded


def _header(first_chunk: bytes, delimiter: str, quoting: bool) -> list[str]:
    text = first_chunk.decode("utf-8", "ignore")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter,
                        quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE)
    try:
        return next(reader)
    except (StopIteration, csv.Error):
        return []


def delimited_records(path: str, chunks: Iterable[bytes], cfg: ReadConfig,
                      kind: str) -> Iterator[Record]:
    """Rows of a CSV (quoted values may hold newlines) or TSV (no quoting) file with a header.

    A row with the wrong number of values is rejected as `malformed_csv`; a row too long for a
    parse block ends the file with one `too_large` rejection (pyarrow cannot skip past it).
    """
    delimiter, quoting = DELIMITERS[kind], kind == "csv"
    _, utf8_chunks = as_utf8(chunks)
    first = next(utf8_chunks, b"")
    if not first:
        return
    names = _header(first, delimiter, quoting)
    if not names:
        raise BrokenInput("malformed_csv", "the file has no header row naming its columns")
    malformed: list[pa_csv.InvalidRow] = []

    def keep_malformed(row: pa_csv.InvalidRow) -> str:
        malformed.append(row)
        return "skip"

    skipped, number = set(), 1  # row 1 is the header
    try:
        reader = pa_csv.open_csv(
            io.BufferedReader(ChunkReader(prepend(first, utf8_chunks))),
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, use_threads=False,
                                            block_size=cfg.max_bytes + CHUNK_BYTES),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter,
                                              quote_char='"' if quoting else False,
                                              newlines_in_values=quoting,
                                              invalid_row_handler=keep_malformed),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.binary() for name in names}, strings_can_be_null=False))
        for batch in reader:
            for row in malformed:
                skipped.add(row.number)
                yield _malformed_row(path, row, len(names), cfg)
            malformed.clear()
            for values in batch.to_pylist():
                number += 1
                while number in skipped:
                    number += 1
                yield row_record(path, number, _utf8_values(values, cfg.text_field), cfg, names)
    except pa.ArrowInvalid as error:
        raise BrokenInput("too_large" if "straddl" in str(error) else "malformed_csv",
                          f"reading stopped after row {number:,}: {error}") from None
    for row in malformed:
        yield _malformed_row(path, row, len(names), cfg)


def _malformed_row(path: str, row: pa_csv.InvalidRow, columns: int, cfg: ReadConfig) -> Rejection:
    raw = row.text.encode("utf-8", "replace")
    return Rejection(id=f"{file_stem(path)}:{row.number}", source=f"{path}:{row.number}",
                     reason="malformed_csv",
                     detail=f"row {row.number} has {row.actual_columns} values for "
                            f"{columns} columns", step="Read",
                     raw=raw[: cfg.raw_keep_bytes], raw_truncated=len(raw) > cfg.raw_keep_bytes,
                     source_order=(path, row.number))
