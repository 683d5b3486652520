"""JSONL: one JSON object per line, in UTF-8, UTF-16 or UTF-32 (told by its BOM or zero bytes).

Lines are cut from a bounded stream, so an oversized line is rejected by its counted size with
only its head in memory. A record nested deeper than the parser can follow is rejected like any
other unusable line.
"""
from __future__ import annotations

import json
from typing import BinaryIO, Iterable, Iterator

from transforms.model import Doc, Rejection
from transforms.read.config import ReadConfig
from transforms.read.fields import record_to_doc
from transforms.read.paths import file_stem
from transforms.read.streams import Line, as_utf8, read_chunks, split_lines

Record = Doc | Rejection


def jsonl_record(path: str, line_number: int, line: bytes, cfg: ReadConfig,
                 encoding: str = "utf-8") -> Record:
    """One JSONL line (UTF-8) through the field mapping; unusable lines become rejections that
    carry the head of the raw line."""
    return _line_record(path, file_stem(path), Line(line_number, line, len(line), True), cfg,
                        encoding)


def _line_record(path: str, stem: str, line: Line, cfg: ReadConfig, encoding: str) -> Record:
    """`stem`: `file_stem(path)`, read once per file by the caller."""
    source, order = f"{path}:{line.number}", (path, line.number)
    raw = line.data[: cfg.raw_keep_bytes]
    raw_truncated = line.size > len(raw)

    def reject(reason: str, detail: str) -> Rejection:
        return Rejection(id=f"{stem}:{line.number}", source=source, reason=reason,
                         detail=detail, step="Read", raw=raw, raw_truncated=raw_truncated,
                         source_order=order)

    if not line.complete or line.size > cfg.max_bytes:
        return reject("too_large", f"line {line.number} has {line.size:,} bytes; the limit is "
                                   f"{cfg.max_bytes:,} (read.max_bytes)")
    try:
        record = json.loads(line.data)
    except RecursionError:
        return reject("too_deeply_nested", f"line {line.number} nests JSON deeper than the "
                                           "parser follows")
    except (UnicodeDecodeError, ValueError) as error:
        return reject("malformed_json", f"line {line.number} is not valid JSON: {error}")
    if not isinstance(record, dict):
        return reject("malformed_json", f"line {line.number} is JSON but not an object")
    return record_to_doc(record, cfg, fallback_id=f"{stem}:{line.number}",
                         source=source, order=order, raw=raw, raw_truncated=raw_truncated,
                         encoding=encoding)


def jsonl_records(path: str, chunks: Iterable[bytes], cfg: ReadConfig) -> Iterator[Record]:
    """A record per non-blank line of a decompressed byte stream."""
    encoding, utf8_chunks = as_utf8(chunks)
    stem = file_stem(path)
    for line in split_lines(utf8_chunks, cfg.max_bytes, cfg.raw_keep_bytes):
        if not line.complete or line.data.strip():
            yield _line_record(path, stem, line, cfg, encoding)


def iter_jsonl(path: str, stream: BinaryIO, cfg: ReadConfig) -> Iterator[Record]:
    """The records of an uncompressed JSONL stream (an open file)."""
    return jsonl_records(path, read_chunks(stream), cfg)
