"""The one record that flows through every step, and the one way a step rejects it.

Steps never mutate a document: they return a new one with `Doc.replace`, appending to
the provenance tuples (`repairs`, `removed_lines`) so every change stays auditable.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


def _replaced(record, changes: dict):
    """A copy of a slotted frozen record with `changes`: what `dataclasses.replace` gives, at a
    third of its cost (it checks every field's init flag and calls `__init__`; a document is
    copied once per step that changes it). An unknown field still raises AttributeError."""
    copied = object.__new__(type(record))
    for name in record.__slots__:
        object.__setattr__(copied, name, getattr(record, name))
    for name, value in changes.items():
        object.__setattr__(copied, name, value)
    return copied


def reduce_by_fields(record):
    """Pickle a slotted record as (class, field values): `__reduce__ = reduce_by_fields` on a
    frozen slotted dataclass that crosses a shuffle or a spill. Dataclasses' generated state
    methods call `fields()` for every object, which made pickling a noticeable share of each."""
    return type(record), tuple(getattr(record, name) for name in record.__slots__)


@dataclass(frozen=True, slots=True)
class RemovedLine:
    """A line taken out of the text, and the stable reason code why."""
    text: str
    reason: str

    __reduce__ = reduce_by_fields


@dataclass(frozen=True, slots=True)
class Doc:
    """An article between reading and writing.

    `raw` keeps (the head of) the original bytes only so that a later rejection can still carry
    them, `raw_truncated` says whether it is only the head; `text` is the body with lines joined
    by "\\n".
    """
    id: str
    source: str
    raw: bytes = b""
    raw_truncated: bool = False
    text: str = ""
    title: Optional[str] = None
    url: Optional[str] = None
    site: Optional[str] = None
    published: Optional[str] = None
    # The input's publication value when it is not a date khabar reads (`published` is null).
    published_raw: Optional[str] = None
    input_lang: Optional[str] = None
    input_encoding: Optional[str] = None
    lang: str = "und"
    lang_confidence: float = 0.0
    credited_source: Optional[str] = None
    title_from_text: bool = False
    repairs: tuple[str, ...] = ()
    removed_lines: tuple[RemovedLine, ...] = ()
    # `source_order` breaks ties deterministically between inputs (path, line number).
    source_order: tuple[str, int] = ("", 0)
    # Set by deduplication: a singleton is its own cluster with no `duplicate_of`.
    cluster_id: Optional[str] = None
    duplicate_of: Optional[str] = None
    similarity: Optional[float] = None
    cluster_size: int = 1

    __reduce__ = reduce_by_fields

    def replace(self, **changes) -> "Doc":
        return _replaced(self, changes)

    def with_repairs(self, names) -> "Doc":
        """Append fix names in order, keeping the first occurrence of each."""
        if not names:
            return self
        seen = set(self.repairs)
        added = [n for n in names if not (n in seen or seen.add(n))]
        return _replaced(self, {"repairs": self.repairs + tuple(added)}) if added else self

    def with_removed(self, removed) -> "Doc":
        if not removed:
            return self
        return _replaced(self, {"removed_lines": self.removed_lines + tuple(removed)})


class Reject(Exception):
    """Raised by a step for a document it cannot process; becomes a `rejected/` row.

    `doc`, when given, is the document as the step left it (e.g. with the lines it removed), so
    the rejected row keeps that provenance; otherwise the step's input is recorded.
    """

    def __init__(self, reason: str, detail: str, doc: "Doc | None" = None):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.doc = doc


@dataclass(frozen=True, slots=True)
class Rejection:
    """A dead letter: an input that ends in `rejected/`."""
    id: str
    source: str
    reason: str
    detail: str
    step: str
    raw: bytes = b""
    raw_truncated: bool = False
    lang: Optional[str] = None
    removed_lines: tuple[RemovedLine, ...] = field(default=())
    source_order: tuple[str, int] = ("", 0)

    __reduce__ = reduce_by_fields

    @classmethod
    def of(cls, doc: Doc, reason: str, detail: str, step: str) -> "Rejection":
        return cls(id=doc.id, source=doc.source, reason=reason, detail=detail, step=step,
                   raw=doc.raw, raw_truncated=doc.raw_truncated,
                   lang=doc.lang if doc.lang != "und" else None,
                   removed_lines=doc.removed_lines, source_order=doc.source_order)
