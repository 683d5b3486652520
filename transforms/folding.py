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

# (from, to) pairs applied with `str.replace`: a dict `str.translate` costs a Python lookup per
# character, several times the whole fold. No target is also a source, so order is free.
_LETTER_FOLDS = (
    ("\u064a", "\u06cc"),  # ARABIC YEH -> FARSI YEH
    ("\u0649", "\u06cc"),  # ALEF MAKSURA -> FARSI YEH
    ("\u0643", "\u06a9"),  # ARABIC KAF -> KEHEH
    ("\u0623", "\u0627"),  # ALEF WITH HAMZA ABOVE -> ALEF
    ("\u0625", "\u0627"),  # ALEF WITH HAMZA BELOW -> ALEF
    ("\u0622", "\u0627"),  # ALEF WITH MADDA -> ALEF
    ("\u0671", "\u0627"),  # ALEF WASLA -> ALEF
)
# Tatweel, ZWNJ/ZWJ, LRM/RLM, ALM, BOM, soft hyphen, bidi embeddings and isolates.
_VANISH = regex.compile("[\u0640\u200c-\u200f\u061c\ufeff\u00ad\u202a-\u202e\u2066-\u2069]+")
_MARKS = regex.compile(r"\p{M}+")
_DIGITS = regex.compile(r"\p{Nd}")
_NON_WORD = regex.compile(r"[^\p{L}\p{Nd}]+")


def replace_chars(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """`text` with each pair's character replaced: `str.translate` with the same mapping, for
    pairs whose targets are not sources, at a fraction of its cost on non-ASCII text."""
    for char, replacement in pairs:
        if char in text:
            text = text.replace(char, replacement)
    return text


def _ascii_digit(match: regex.Match) -> str:
    return str(unicodedata.digit(match.group()))


def fold(text: str) -> str:
    """Folded text with single spaces between words.

    >>> fold("كِتَابٌ  مـــی‌شود ١٢")
    'کتاب میشود 12'
    """
    if not text:
        return ""
    text = _MARKS.sub("", _VANISH.sub("", unicodedata.normalize("NFKC", text)))
    text = replace_chars(text, _LETTER_FOLDS)
    text = _DIGITS.sub(_ascii_digit, text).casefold()
    return _NON_WORD.sub(" ", text).strip()


def fold_key(text: str) -> str:
    """Folded key of a line with no spaces: equal keys mean the same line for matching."""
    return fold(text).replace(" ", "")
