"""The `read` config section: size limits applied while reading, and the field mapping."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

MAPPED_FIELDS = ("id_field", "text_field", "title_field", "published_field", "url_field",
                 "site_field", "lang_field")


@dataclass(frozen=True)
class ReadConfig:
    """Limits are applied while bytes stream in, never after loading a record whole.

    `*_field` name the input field (JSONL key, Parquet or CSV column) that fills each document
    field. `text_field` is required; the others may be null: no title/url/... is read, and a
    null `id_field` makes ids from the file name and record number (`feed:12`).
    """
    max_bytes: int = 5_000_000       # one article (a .txt file, a JSONL line, one text value)
    raw_keep_bytes: int = 4_096      # raw bytes kept on a rejected row
    id_field: Optional[str] = "id"
    text_field: str = "text"
    title_field: Optional[str] = "title"
    published_field: Optional[str] = "published"
    url_field: Optional[str] = "url"
    site_field: Optional[str] = "site"
    lang_field: Optional[str] = "lang"

    def __post_init__(self):
        if not isinstance(self.text_field, str) or not self.text_field:
            raise ValueError("read.text_field must name the field that holds the article text")
        for name in MAPPED_FIELDS:
            value = getattr(self, name)
            if not (value is None or isinstance(value, str)):
                raise ValueError(f"read.{name} must be a field name or null, got {value!r}")
