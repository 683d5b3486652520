"""Bytes of one input file as a stream of bounded chunks: gunzipped, transcoded, cut into lines.

Every stage holds at most one chunk (plus, for lines, the part of one line that is still within
the size limit), so a 1 GB line inside a small `.gz` costs a chunk of memory, not a gigabyte.
A stream that cannot be read to its end raises `BrokenInput`; the reader turns that into one
rejection after the records read before the break.
"""
from __future__ import annotations

import codecs
import io
import json
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Iterable, Iterator

CHUNK_BYTES = 1 << 16
GZIP_WBITS = 31  # zlib: a gzip header and trailer around the deflate stream


class BrokenInput(Exception):
    """The rest of a file cannot be read; `reason` is the stable code of its rejected row."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def read_chunks(handle: BinaryIO, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    while chunk := handle.read(chunk_bytes):
        yield chunk


def gunzip_chunks(chunks: Iterable[bytes], chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Decompressed chunks of at most `chunk_bytes`, over any number of gzip members.

    An empty file, bytes that are not gzip and a stream cut before its end marker all raise
    `BrokenInput("truncated_input")`: each is a file whose records cannot all be recovered.
    """
    inflater = zlib.decompressobj(wbits=GZIP_WBITS)
    compressed = 0
    try:
        for data in chunks:
            compressed += len(data)
            while data:
                out = inflater.decompress(data, chunk_bytes)
                if out:
                    yield out
                if inflater.eof:  # a member ended; whatever follows starts the next one
                    data = inflater.unused_data
                    if data:
                        inflater = zlib.decompressobj(wbits=GZIP_WBITS)
                    continue
                data = inflater.unconsumed_tail
            while not inflater.eof and (out := inflater.decompress(b"", chunk_bytes)):
                yield out
    except zlib.error as error:
        raise BrokenInput("truncated_input", f"the gzip stream is corrupt ({error}) after "
                                             f"{compressed:,} compressed bytes") from None
    if not compressed:
        raise BrokenInput("truncated_input", "the file is empty (0 bytes): not even a gzip header")
    if not inflater.eof:
        raise BrokenInput("truncated_input", f"the gzip stream is cut short after {compressed:,} "
                                             "compressed bytes")


def sniff_encoding(head: bytes) -> str:
    """The JSON/CSV text encoding its first bytes show: a BOM, or the zero bytes of BOM-less
    UTF-16/32 around an ASCII first character (the rule of RFC 4627 that `json` itself uses)."""
    encoding = json.detect_encoding(head)
    return "utf-8" if encoding == "utf-8-sig" else encoding


def as_utf8(chunks: Iterable[bytes]) -> tuple[str, Iterator[bytes]]:
    """(the stream's encoding, its chunks in UTF-8 without a BOM). UTF-16 and UTF-32 are
    transcoded chunk by chunk; code units that do not decode become U+FFFD."""
    chunks = iter(chunks)
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= 4:
            break
    encoding = sniff_encoding(head)
    if encoding == "utf-8":
        bom = codecs.BOM_UTF8 if head.startswith(codecs.BOM_UTF8) else b""
        return encoding, prepend(head[len(bom):], chunks)
    return encoding, _transcode(prepend(head, chunks), encoding)


def prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    """`first` (a chunk taken to look at) back in front of the rest of the stream."""
    if first:
        yield first
    yield from rest


def _transcode(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    for chunk in chunks:
        if text := decoder.decode(chunk):
            yield text.encode("utf-8")
    if text := decoder.decode(b"", final=True):
        yield text.encode("utf-8")


@dataclass(frozen=True, slots=True)
class Line:
    """One line: its bytes when within the limit, else only its first `keep_bytes`."""
    number: int
    data: bytes
    size: int           # bytes of the whole line, newline included
    complete: bool      # False: `data` is only the head of an oversized line


def split_lines(chunks: Iterable[bytes], max_bytes: int, keep_bytes: int) -> Iterator[Line]:
    """Lines of at most `max_bytes` whole; longer ones are counted to their end but only their
    head is kept, so memory stays bounded whatever the line length."""
    number, size, pieces, head = 0, 0, [], None
    for chunk in chunks:
        start = 0
        while start < len(chunk):
            end = chunk.find(b"\n", start)
            stop = len(chunk) if end < 0 else end + 1
            piece = chunk[start:stop]
            size += len(piece)
            if head is None:
                pieces.append(piece)
                if size > max_bytes:
                    head = b"".join(pieces)[:keep_bytes]
                    pieces = []
            elif len(head) < keep_bytes:  # a head longer than `max_bytes` fills up to its size
                head += piece[:keep_bytes - len(head)]
            start = stop
            if end >= 0:
                number += 1
                yield _line(number, size, pieces, head)
                size, pieces, head = 0, [], None
    if size:
        yield _line(number + 1, size, pieces, head)


def _line(number: int, size: int, pieces: list[bytes], head: bytes | None) -> Line:
    if head is not None:
        return Line(number, head, size, complete=False)
    return Line(number, b"".join(pieces), size, complete=True)


class CountingReader(io.RawIOBase):
    """A binary handle that counts the bytes read through it (to notice a file that shrank)."""

    def __init__(self, handle: BinaryIO):
        super().__init__()
        self._handle = handle
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._handle.read(len(buffer))
        buffer[: len(data)] = data
        self.bytes_read += len(data)
        return len(data)


class ChunkReader(io.RawIOBase):
    """An iterator of chunks as a readable binary file, for libraries that want one (pyarrow)."""

    def __init__(self, chunks: Iterable[bytes]):
        super().__init__()
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            self._pending = next(self._chunks, b"")
            if not self._pending:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size
