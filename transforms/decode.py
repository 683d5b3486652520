"""Whole-file decoding: raw bytes of any encoding → text with "\\n" line endings, or a rejection.

Order: size limit, binary signatures (gzip is unpacked once), BOMs, BOM-less UTF-16, strict
UTF-8 (a character cut off at the very end is dropped), then every legacy Arabic-script
candidate decoded strictly and scored by the character-bigram model (`charmodel`). Generic
detectors get mac-arabic and short Persian windows-1256 wrong; the model does not. Nothing is
ever silently replaced: bytes no candidate explains raise `Reject("undecodable", ...)`.
"""
from __future__ import annotations

import codecs
import zlib
from typing import TYPE_CHECKING

import regex

from transforms.charmodel import load_model
from transforms.model import Doc, Reject

if TYPE_CHECKING:
    from transforms.repair import RepairConfig

# Signatures of files that are not text even though they may be named .txt.
BINARY_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "zip archive (or docx/xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE document (doc/xls)"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"RIFF", "RIFF media (webp/wav/avi)"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"\x00\x00\x01\x00", "icon"),
)
GZIP_MAGIC = b"\x1f\x8b"

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Python codec name → the name recorded in `input_encoding`.
LEGACY_CODECS = {
    "cp1256": "cp1256",
    "iso-8859-6": "iso-8859-6",
    "mac_arabic": "mac-arabic",
    "cp1252": "cp1252",
}

# In UTF-16 text of Arabic script or ASCII, the high byte of most code units is 0x00 (ASCII)
# or 0x06 (the Arabic block), and the low bytes rarely are; in UTF-8 both are rare.
UTF16_HIGH_BYTES = frozenset(b"\x00\x06")
UTF16_HIGH_BYTE_SHARE = 0.5

_C0_OR_CR = regex.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_OTHER_CONTROLS = regex.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


def binary_kind(raw: bytes) -> str | None:
    for signature, kind in BINARY_SIGNATURES:
        if raw.startswith(signature):
            return kind
    return None


def gunzip_bounded(raw: bytes, max_bytes: int) -> bytes:
    """Decompress a whole gzip member, refusing output larger than `max_bytes`."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(raw, max_bytes + 1)
    except zlib.error as err:
        raise Reject("undecodable", f"The file starts like gzip but does not decompress ({err}).")
    if len(out) > max_bytes:
        raise Reject("too_large", f"The gzip-compressed file unpacks to more than {max_bytes} bytes.")
    if not inflater.eof:
        raise Reject("undecodable", "The file is gzip-compressed but the stream is cut short.")
    return out


def _utf16_parity_share(raw: bytes, high_first: bool) -> float:
    """How much more often the would-be high bytes of UTF-16 code units are 0x00/0x06 than the
    low bytes are: near 1 for UTF-16 Arabic-script or ASCII text, near 0 for anything else."""
    highs, lows = (raw[0::2], raw[1::2]) if high_first else (raw[1::2], raw[0::2])
    if not highs or not lows:
        return 0.0
    high_share = sum(1 for b in highs if b in UTF16_HIGH_BYTES) / len(highs)
    low_share = sum(1 for b in lows if b in UTF16_HIGH_BYTES) / len(lows)
    return high_share - low_share


def _decode_utf16(raw: bytes, encoding: str) -> tuple[str, list[str]]:
    """Strict UTF-16; an odd trailing byte (a cut-off code unit) is dropped and recorded."""
    fixes = []
    if len(raw) % 2:
        raw = raw[:-1]
        fixes.append("drop_truncated_tail")
    try:
        return raw.decode(encoding), fixes
    except UnicodeDecodeError as err:
        if err.start >= len(raw) - 4:
            try:
                return raw[:err.start].decode(encoding), fixes + ["drop_truncated_tail"]
            except UnicodeDecodeError:
                pass
        raise Reject("undecodable", f"The file looks like {encoding} but byte {err.start} is "
                                    f"not valid there ({err.reason}).")


def _decode_utf8(raw: bytes, encoding: str) -> tuple[str, list[str]] | None:
    """Strict UTF-8, or None when the bytes are not UTF-8.

    A multi-byte character cut off at the very end (a truncated download) is dropped and recorded
    instead of failing the whole file.
    """
    try:
        return raw.decode(encoding), []
    except UnicodeDecodeError as err:
        if err.reason == "unexpected end of data" and err.end == len(raw) and len(raw) - err.start < 4:
            try:
                return raw[:err.start].decode(encoding), ["drop_truncated_utf8_char"]
            except UnicodeDecodeError:
                return None
        return None


def _best_legacy_decode(raw: bytes, cfg: "RepairConfig") -> tuple[str, str]:
    """Decode with each legacy candidate; keep the one the character model finds most text-like.

    Candidates are in order of how common they are; a later one must win by
    `cfg.legacy_margin`. ISO-8859-6 and mac-arabic agree on every letter, and mac-arabic reads
    NBSP (0xA0) as a space, which always scores a little better.
    """
    model = load_model()
    sample = raw[: cfg.decode_sample_bytes]
    best_score, best_codec = None, None
    for codec in cfg.legacy_encodings:
        try:
            score = model.score(sample.decode(codec))
        except UnicodeDecodeError:
            continue
        if best_score is None or score > best_score + cfg.legacy_margin:
            best_score, best_codec = score, codec
    if best_codec is None:
        raise Reject("undecodable", "The bytes are not UTF-8, UTF-16 or any legacy Arabic "
                                    "encoding tried (" + ", ".join(cfg.legacy_encodings) + ").")
    if best_score < cfg.min_text_score:
        raise Reject("undecodable", f"The bytes are not UTF-8, and decoded as {best_codec} (the "
                                    "best legacy candidate) they still do not look like text.")
    try:
        return raw.decode(best_codec), LEGACY_CODECS.get(best_codec, best_codec)
    except UnicodeDecodeError as err:
        raise Reject("undecodable", f"The file looks like {best_codec}, but byte {err.start} is "
                                    "not defined in it.")


def decode_text(raw: bytes, cfg: "RepairConfig") -> tuple[str, str, list[str]]:
    """Bytes that are known not to be binary → (text, encoding name, fixes)."""
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            if encoding == "utf-8-sig":
                decoded = _decode_utf8(raw, encoding)
                if decoded is None:
                    raise Reject("undecodable", "The file starts with a UTF-8 byte order mark "
                                                "but is not valid UTF-8.")
                return decoded[0], encoding, decoded[1]
            text, fixes = _decode_utf16(raw[len(bom):], encoding)
            return text, encoding, fixes
    if len(raw) >= 4:
        for encoding, high_first in (("utf-16-le", False), ("utf-16-be", True)):
            if _utf16_parity_share(raw, high_first) >= UTF16_HIGH_BYTE_SHARE:
                try:
                    text, fixes = _decode_utf16(raw, encoding)
                except Reject:
                    continue
                return text, encoding, fixes
    decoded = _decode_utf8(raw, "utf-8")
    if decoded is not None:
        return decoded[0], "utf-8", decoded[1]
    text, encoding = _best_legacy_decode(raw, cfg)
    return text, encoding, []


def fix_utf16_read_as_latin1(text: str) -> tuple[str, list[str]]:
    """UTF-16 code units that were decoded one byte per character ("J\\x06'\\x06") → the text."""
    if len(text) < 4 or ("\x06" not in text and "\x00" not in text):
        return text, []
    for encoding, high_first in (("utf-16-le", False), ("utf-16-be", True)):
        try:
            raw = text.encode("latin-1")
        except UnicodeEncodeError:
            return text, []
        if _utf16_parity_share(raw, high_first) < UTF16_HIGH_BYTE_SHARE:
            continue
        if len(raw) % 2:
            return text, []
        try:
            return raw.decode(encoding), ["utf16_read_as_latin1"]
        except UnicodeDecodeError:
            return text, []
    return text, []


def remove_decode_debris(text: str) -> tuple[str, list[str]]:
    """NULs, CR line endings and other C0 controls are debris of decoding, never content.

    UTF-16 seen through latin-1 is full of NULs and \\x06, so it is repaired first.
    """
    if not _C0_OR_CR.search(text):
        return text, []
    text, fixes = fix_utf16_read_as_latin1(text)
    if "\x00" in text:
        text = text.replace("\x00", "")
        fixes.append("remove_nul")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        fixes.append("normalize_line_endings")
    if _OTHER_CONTROLS.search(text):
        text = _OTHER_CONTROLS.sub("", text)
        fixes.append("remove_control_chars")
    return text, fixes


def decode_bytes(raw: bytes, cfg: "RepairConfig") -> tuple[str, str, tuple[str, ...]]:
    """Raw file bytes → (text, input encoding, fixes applied); raises `Reject`."""
    if len(raw) > cfg.max_bytes:
        raise Reject("too_large", f"The file has {len(raw)} bytes; the limit is {cfg.max_bytes}.")
    fixes: list[str] = []
    if raw.startswith(GZIP_MAGIC):
        raw = gunzip_bounded(raw, cfg.max_bytes)
        fixes.append("gunzip")
    kind = binary_kind(raw) or ("gzip archive" if raw.startswith(GZIP_MAGIC) else None)
    if kind:
        raise Reject("binary_input", f"The file is a {kind}, not text.")
    text, encoding, decode_fixes = decode_text(raw, cfg)
    fixes.extend(decode_fixes)
    text, debris_fixes = remove_decode_debris(text)
    fixes.extend(debris_fixes)
    return text, encoding, tuple(fixes)


def decode_step(doc: Doc, cfg: "RepairConfig") -> Doc:
    """Decode `doc.raw` into `doc.text`; records already decoded by a reader pass unchanged."""
    if doc.input_encoding is not None:
        return doc
    text, encoding, fixes = decode_bytes(doc.raw, cfg)
    return doc.replace(text=text, input_encoding=encoding).with_repairs(fixes)
