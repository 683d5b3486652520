"""Aggressive folding for *matching only* (dedup shingles, boilerplate keys, title index).

It never changes stored text. Folds every spelling difference that does not change the word:
combining marks (harakat), tatweel, ZWNJ/ZWJ and bidi marks vanish without splitting a word;
Arabic yeh / alef maksura -> Persian yeh, Arabic kaf -> keheh, hamza-carrying alefs -> bare alef,
any script's digits -> ASCII, Latin letters casefolded; every other non-letter, non-digit run
becomes one space so word boundaries survive.
"""
from __future__ import annotations

import unicodedata

import regex

_LETTER_FOLDS = str.maketrans({
    "\u064a": "\u06cc",  # ARABIC YEH -> FARSI YEH
    "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC KAF -> KEHEH
    "\u0623": "\u0627",  # ALEF WITH HAMZA ABOVE -> ALEF
    "\u0625": "\u0627",  # ALEF WITH HAMZA BELOW -> ALEF
    "\u0622": "\u0627",  # ALEF WITH MADDA -> ALEF
    "\u0671": "\u0627",  # ALEF WASLA -> ALEF
})
_VANISH = dict.fromkeys(
    [0x0640, 0x200C, 0x200D, 0x200E, 0x200F, 0x061C, 0xFEFF, 0x00AD]
    + list(range(0x202A, 0x202F)) + list(range(0x2066, 0x206A)))
_MARKS = regex.compile(r"\p{M}+")
_DIGITS = regex.compile(r"\p{Nd}")
_NON_WORD = regex.compile(r"[^\p{L}\p{Nd}]+")


def _ascii_digit(match: regex.Match) -> str:
    return str(unicodedata.digit(match.group()))


def fold(text: str) -> str:
    """Folded text with single spaces between words.

    >>> fold("كِتَابٌ  مـــی‌شود ١٢")
    'کتاب میشود 12'
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_VANISH)
    text = _MARKS.sub("", text).translate(_LETTER_FOLDS)
    text = _DIGITS.sub(_ascii_digit, text).casefold()
    return _NON_WORD.sub(" ", text).strip()


def fold_key(text: str) -> str:
    """Folded key of a line with no spaces: equal keys mean the same line for matching."""
    return fold(text).replace(" ", "")
