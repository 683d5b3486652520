"""Size limits on decoded text, with reasons a user can act on.

The byte limit is applied while reading (`ReadConfig.max_bytes`); these apply to the decoded,
normalized text, where a "line" is finally meaningful. A line longer than `max_line_chars` is not
prose: it is a minified blob, a base64 attachment or text that lost all its line breaks.
"""
from __future__ import annotations

from dataclasses import dataclass

from transforms.model import Doc, Reject


@dataclass(frozen=True)
class LimitsConfig:
    max_line_chars: int = 50_000
    max_text_chars: int = 3_000_000


def check_limits(doc: Doc, cfg: LimitsConfig) -> Doc:
    """Returns the document unchanged, or raises `Reject` naming the limit it breaks.

    >>> check_limits(Doc(id="a", source="a.txt", text="short"), LimitsConfig()).text
    'short'
    """
    if len(doc.text) > cfg.max_text_chars:
        raise Reject("too_large", f"the decoded text has {len(doc.text):,} characters; "
                                  f"the limit is {cfg.max_text_chars:,} (limits.max_text_chars)")
    longest = max((len(line) for line in doc.text.split("\n")), default=0)
    if longest > cfg.max_line_chars:
        raise Reject("line_too_long", f"a line has {longest:,} characters; the limit is "
                                      f"{cfg.max_line_chars:,} (limits.max_line_chars)")
    return doc
