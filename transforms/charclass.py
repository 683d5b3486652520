"""`regex` patterns with a standard-library `re` twin for the text they mostly see.

The `regex` module scans a `\\p{...}` class several times slower than `re` scans a class of
plain code points, and `restore_zwnj` and language ID split and count whole articles with such
classes. `re` has no Unicode properties, so the twin spells the class out: the code points of
the Basic Multilingual Plane that `regex` itself puts in it, which makes the two agree on every
BMP character by construction. Characters beyond the BMP (emoji, rare scripts) stay with the
`regex` pattern: `re` would test them against each of its astral ranges in turn.
"""
from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import regex

# Every BMP code point, the surrogates included, so that neighbours in it are neighbours in code.
_BMP = "".join(map(chr, range(0x10000)))


def bmp_class(regex_class: str) -> str:
    """`regex_class` (say r"[\\p{L}\\p{M}]", in `regex.V1` syntax) as an `re` class of the BMP
    code points in it."""
    spans = (match.span() for match in regex.finditer(f"{regex_class}+", _BMP, regex.V1))
    return "[" + "".join(re.escape(_BMP[start]) if end - start == 1 else
                         f"{re.escape(_BMP[start])}-{re.escape(_BMP[end - 1])}"
                         for start, end in spans) + "]"


def bmp_table(regex_class: str) -> np.ndarray:
    """Whether each BMP code point is in `regex_class`: a look-up table indexed by UTF-16 code
    unit, for numpy passes over whole texts, with `regex`'s own classification (as `bmp_class`)."""
    table = np.zeros(len(_BMP), dtype=bool)
    for match in regex.finditer(f"{regex_class}+", _BMP, regex.V1):
        table[match.start():match.end()] = True
    return table


def bmp_only(text: str) -> bool:
    """Whether `text` holds no character beyond the BMP: UTF-16 takes two units for those only."""
    return len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text)


class TwinPattern(NamedTuple):
    """One pattern as `regex` compiles it and as `re` does for BMP-only text (`twin_pattern`)."""
    full: regex.Pattern
    bmp: re.Pattern

    def on(self, text: str):
        """The faster of the two patterns that scans `text` the same way."""
        return self.bmp if bmp_only(text) else self.full


def twin_pattern(template: str, flags: int = 0, **classes: str) -> TwinPattern:
    """`template` with each `{name}` replaced by the `regex` class `classes[name]`, compiled by
    `regex` with `flags`, and with the class's `bmp_class` by `re`. Other braces are doubled."""
    return TwinPattern(regex.compile(template.format(**classes), flags),
                       re.compile(template.format(**{name: bmp_class(cls)
                                                     for name, cls in classes.items()})))
