"""`.txt`: one article per file, raw bytes in any encoding (decoded by the decode step)."""
from __future__ import annotations

from typing import BinaryIO

from transforms.model import Doc, Rejection
from transforms.read.config import ReadConfig
from transforms.read.paths import file_stem


def txt_record(path: str, raw: bytes, cfg: ReadConfig, size: int | None = None) -> Doc | Rejection:
    """One file: id = file name without `.txt`. `raw` holds at most `max_bytes + 1` bytes; `size`
    is the file's listed size, so an oversized file is never read whole to learn it."""
    doc_id = file_stem(path)
    if len(raw) > cfg.max_bytes:
        size_text = f"{size:,} bytes" if size and size > cfg.max_bytes else \
            f"more than {cfg.max_bytes:,} bytes"
        head = raw[: cfg.raw_keep_bytes]
        return Rejection(id=doc_id, source=path, reason="too_large",
                         detail=f"file has {size_text}; the limit is {cfg.max_bytes:,} "
                                "(read.max_bytes)",
                         step="Read", raw=head, raw_truncated=True, source_order=(path, 0))
    return Doc(id=doc_id, source=path, raw=raw, source_order=(path, 0))


def read_txt(path: str, handle: BinaryIO, cfg: ReadConfig, size: int | None) -> Doc | Rejection:
    return txt_record(path, handle.read(cfg.max_bytes + 1), cfg, size)
