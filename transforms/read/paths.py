"""Which files are inputs, and their names as text that any writer can store.

File names are bytes on POSIX. Python hands names that are not UTF-8 over with surrogate escapes,
which no UTF-8 writer accepts; khabar decodes such a name the way it decodes file contents (a
cp1256 name becomes the Arabic it spells), and writes any byte that still does not decode as a
`\\xNN` escape.
"""
from __future__ import annotations

import posixpath

from transforms.decode import decode_text
from transforms.model import Reject
from transforms.repair import RepairConfig

# suffix -> format, longest suffixes first so `.jsonl.gz` wins over `.gz`.
INPUT_FORMATS = {
    ".jsonl.gz": "jsonl", ".csv.gz": "csv", ".tsv.gz": "tsv",
    ".jsonl": "jsonl", ".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".txt": "txt",
}


def input_format(path: str) -> str | None:
    lowered = path.lower()
    return next((kind for suffix, kind in INPUT_FORMATS.items() if lowered.endswith(suffix)),
                None)


def is_input_path(path: str) -> bool:
    return input_format(path) is not None


def readable_path(path: str) -> str:
    """`path` without surrogate escapes: each name that is not UTF-8 decoded on its own."""
    if path.isascii() or not any("\udc80" <= char <= "\udcff" for char in path):
        return path
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return path.encode("utf-8", "backslashreplace").decode("utf-8")
    return "/".join(_readable_name(name) for name in raw.split(b"/"))


def _readable_name(name: bytes) -> str:
    try:
        return name.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text, _, _ = decode_text(name, RepairConfig())
    except Reject:
        return name.decode("utf-8", "backslashreplace")
    return text if text.isprintable() else name.decode("utf-8", "backslashreplace")


def file_stem(path: str) -> str:
    """The file name without its input suffix: the id of a `.txt` article."""
    name = posixpath.basename(path.replace("\\", "/"))
    lowered = name.lower()
    for suffix in INPUT_FORMATS:
        if lowered.endswith(suffix):
            return name[: -len(suffix)]
    return name


def hive_partitions(path: str) -> dict[str, str]:
    """`key=value` folder names of a hive-partitioned path (`lang=fa/date=2025-07-01/...`)."""
    folders = path.replace("\\", "/").split("/")[:-1]
    return dict(folder.split("=", 1) for folder in folders if "=" in folder.strip("="))
