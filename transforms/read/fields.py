"""One input record (a JSON object, a Parquet or CSV row) -> a `Doc` or a reasoned `Rejection`.

The same field mapping (`ReadConfig.*_field`) applies to every format, so a feed with `body`
and `date` columns is read with `--set read.text_field=body --set read.published_field=date`
whether it ships as JSONL, Parquet or CSV.
"""
from __future__ import annotations

import datetime
import email.utils
import re
from typing import Any, Iterable, Mapping

from transforms.model import Doc, Rejection
from transforms.read.config import ReadConfig

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ISO_DATE_TIME = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"                     # date
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"              # time
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?", re.ASCII)     # zone
# Years before this are Solar Hijri (1404 = 2025) or Hijri (1447 = 2025) dates in this domain,
# not Gregorian ones; they are kept raw rather than misread.
MIN_GREGORIAN_YEAR = 1800
MAX_FIELDS_NAMED = 20


def without_surrogates(value: str) -> tuple[str, bool]:
    """(value without lone surrogates, whether any were dropped). JSON's `\\ud800` escapes decode
    to them; no UTF-8 writer (Parquet included) can store them."""
    if value.isascii() or not _LONE_SURROGATE.search(value):
        return value, False
    return _LONE_SURROGATE.sub("", value), True


def readable_id(value: str) -> str:
    """An id with lone surrogates written as `\\udXXX` escapes: readable, and still distinct."""
    if value.isascii() or not _LONE_SURROGATE.search(value):
        return value
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def normalize_published(value: Any) -> tuple[str | None, str | None]:
    """(ISO date, the raw value when it is not a date khabar reads).

    Reads dates and datetimes (Parquet), ISO 8601 dates and datetimes with or without a zone
    (`2025-07-01`, `2025-07-01T10:00:00+03:30`, `2025-07-01 02:47:32`, also with `/` or `.`),
    and RFC 2822 (`Tue, 01 Jul 2025 10:00:00 +0000`, as RSS feeds write them); Solar Hijri and
    Hijri dates (`1404/04/10`) are kept raw. The date is the calendar date as written: a zone is
    not converted, because the publisher's own date is the one its readers saw.
    """
    if value is None:
        return None, None
    if isinstance(value, datetime.datetime):
        return value.date().isoformat(), None
    if isinstance(value, datetime.date):
        return value.isoformat(), None
    text = without_surrogates(value if isinstance(value, str) else str(value))[0].strip()
    if not text:
        return None, None
    date = _date_of(text)
    if date is None or date < f"{MIN_GREGORIAN_YEAR:04d}":
        return None, text
    return date, None


def _date_of(text: str) -> str | None:
    if match := _ISO_DATE_TIME.fullmatch(text):
        try:
            return datetime.date(*map(int, match.groups())).isoformat()
        except ValueError:
            return None
    try:
        return email.utils.parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        return None


def _listed(field_names: Iterable) -> str:
    every = [str(name) for name in field_names]
    names = every[:MAX_FIELDS_NAMED]
    more = len(every) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "") if names else "none"


def _optional_string(record: Mapping, field: str | None) -> tuple[str | None, bool]:
    value = record.get(field) if field else None
    if not isinstance(value, str):
        return None, False
    value, dropped = without_surrogates(value)
    return value if value.strip() else None, dropped


def _size_in_bytes(text: str | bytes, limit: int) -> int:
    """UTF-8 size, encoding only when the character count alone cannot settle the limit."""
    if isinstance(text, bytes) or len(text) * 4 <= limit:
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def record_to_doc(record: Mapping, cfg: ReadConfig, *, fallback_id: str, source: str,
                  order: tuple[str, int], raw: bytes, raw_truncated: bool,
                  encoding: str = "utf-8", field_names: Iterable[str] | None = None
                  ) -> Doc | Rejection:
    """A mapped record as a `Doc`, or the `Rejection` that says which field is missing and
    which fields the record has (`field_names`: a file's columns when only the mapped ones were
    read). Text given as bytes (a CSV value that is not UTF-8) is left
    in `raw` for the decode step, which reads any common encoding."""
    def fields_held() -> str:
        return _listed(record if field_names is None else field_names)

    def reject(reason: str, detail: str, doc_id: str = fallback_id) -> Rejection:
        return Rejection(id=doc_id, source=source, reason=reason, detail=detail, step="Read",
                         raw=raw, raw_truncated=raw_truncated, source_order=order)

    if cfg.id_field is None:
        doc_id = fallback_id
    else:
        raw_id = record.get(cfg.id_field)
        if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
            return reject("missing_id", f"{source} has no `{cfg.id_field}` (read.id_field); its "
                                        f"fields are: {fields_held()}")
        if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool):
            return reject("missing_id", f"{source} has a `{cfg.id_field}` of type "
                                        f"{type(raw_id).__name__}, not a string")
        doc_id = readable_id(str(raw_id))
    text = record.get(cfg.text_field)
    if text is None:
        return reject("missing_text", f"record {doc_id!r} has no `{cfg.text_field}` "
                                      f"(read.text_field); its fields are: {fields_held()}",
                      doc_id)
    if not isinstance(text, (str, bytes)):
        return reject("missing_text", f"record {doc_id!r} has a `{cfg.text_field}` of type "
                                      f"{type(text).__name__}, not a string", doc_id)
    if not text.strip():
        return reject("empty_text", f"record {doc_id!r} has an empty `{cfg.text_field}`", doc_id)
    if (size := _size_in_bytes(text, cfg.max_bytes)) > cfg.max_bytes:
        return reject("too_large", f"record {doc_id!r} has a `{cfg.text_field}` of {size:,} "
                                   f"bytes; the limit is {cfg.max_bytes:,} (read.max_bytes)",
                      doc_id)
    dropped = []
    if isinstance(text, str):
        text, changed = without_surrogates(text)
        dropped.append(changed)
    strings = {}
    for name, field in (("title", cfg.title_field), ("url", cfg.url_field),
                        ("site", cfg.site_field), ("lang", cfg.lang_field)):
        strings[name], changed = _optional_string(record, field)
        dropped.append(changed)
    published, published_raw = normalize_published(
        record.get(cfg.published_field) if cfg.published_field else None)
    doc = Doc(id=doc_id, source=source, title=strings["title"], url=strings["url"],
              site=strings["site"], input_lang=strings["lang"], published=published,
              published_raw=published_raw, raw_truncated=raw_truncated, source_order=order,
              **({"raw": text} if isinstance(text, bytes)
                 else {"raw": raw, "text": text, "input_encoding": encoding}))
    return doc.with_repairs(["drop_lone_surrogates"]) if any(dropped) else doc
