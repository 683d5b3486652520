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

from transforms.charclass import twin_pattern

# (from, to) pairs applied with `str.replace`: a dict `str.translate` costs a Python lookup per
# character, several times the whole fold. No target is also a source, so order is free.
LETTER_FOLDS = (
    ("\u064a", "\u06cc"),  # ARABIC YEH -> FARSI YEH
    ("\u0649", "\u06cc"),  # ALEF MAKSURA -> FARSI YEH
    ("\u0643", "\u06a9"),  # ARABIC KAF -> KEHEH
    ("\u0623", "\u0627"),  # ALEF WITH HAMZA ABOVE -> ALEF
    ("\u0625", "\u0627"),  # ALEF WITH HAMZA BELOW -> ALEF
    ("\u0622", "\u0627"),  # ALEF WITH MADDA -> ALEF
    ("\u0671", "\u0627"),  # ALEF WASLA -> ALEF
)
# Tatweel, ZWNJ/ZWJ, LRM/RLM, ALM, BOM, soft hyphen, bidi embeddings and isolates, as
# `replace_chars` pairs (a regex character class scans these lines several times slower).
_VANISH = tuple((char, "") for char in "\u0640\u200c\u200d\u200e\u200f\u061c\ufeff\u00ad"
                "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MARKS = regex.compile(r"\p{M}+")
# Digits other than ASCII ones (those fold to themselves, so they need no Python callback).
_DIGITS = regex.compile(r"(?![0-9])\p{Nd}")
# Both have a match in most words' neighbourhoods: `re` (`TwinPattern`) substitutes for those
# faster than `regex`.
_NON_WORD = twin_pattern("{non_word}+", non_word=r"[^\p{L}\p{Nd}]")
# `_NON_WORD` but for the space and the newline, at which `str.split` cuts anyway: most of a
# text's non-word runs are a lone space, and a substitution for each was most of `fold`'s cost.
_NON_WORD_NOR_SPACE = twin_pattern("{non_word}+", non_word=r"[^\p{L}\p{Nd} \n]")


def replace_chars(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """`text` with each pair's character replaced: `str.translate` with the same mapping, for
    pairs whose targets are not sources, at a fraction of its cost on non-ASCII text."""
    for char, replacement in pairs:
        if char in text:
            text = text.replace(char, replacement)
    return text


def _ascii_digit(match: regex.Match) -> str:
    """The digit's ASCII form; a digit newer than Python's Unicode tables (which `regex` may
    already know, e.g. U+1CCF0) stays as it is rather than failing the document."""
    digit = unicodedata.digit(match.group(), None)
    return match.group() if digit is None else str(digit)


def fold_letters(text: str, letter_folds: tuple[tuple[str, str], ...] = LETTER_FOLDS) -> str:
    """Character-by-character folding, case kept: NFKC, marks and vanishing characters out,
    `letter_folds` applied (boilerplate matching adds its own), digits to ASCII."""
    text = _MARKS.sub("", replace_chars(unicodedata.normalize("NFKC", text), _VANISH))
    return _DIGITS.sub(_ascii_digit, replace_chars(text, letter_folds))


def _fold_chars(text: str) -> str:
    return fold_letters(text).casefold()


def fold(text: str) -> str:
    """Folded text with single spaces between words.

    >>> fold("كِتَابٌ  مـــی‌شود ١٢")
    'کتاب میشود 12'
    """
    if not text:
        return ""
    folded = _fold_chars(text)
    return _NON_WORD.on(folded).sub(" ", folded).strip()


def fold_words(text: str) -> list[str]:
    """`fold(text).split()`, without building `fold`'s single-spaced text: what is left after
    the substitution is letters, digits and whitespace, so `str.split` yields the same runs of
    letters and digits.

    >>> fold_words("كِتَابٌ،  مـــی‌شود ١٢.")
    ['کتاب', 'میشود', '12']
    """
    folded = _fold_chars(text)
    return _NON_WORD_NOR_SPACE.on(folded).sub(" ", folded).split()


def fold_key(text: str) -> str:
    """Folded key of a line with no spaces: equal keys mean the same line for matching.

    `fold(text)` without its spaces, built without them: `str.split` drops the whitespace
    first, so the slow non-word pass has few runs left to remove.
    """
    return key_of_letters(fold_letters(text))


def key_of_letters(letters: str) -> str:
    """`fold_key` of the text whose `fold_letters` is `letters`, for callers that have it."""
    folded = letters.casefold()
    # printable: no whitespace but the space (see `single_spaced`)
    spaceless = folded.replace(" ", "") if folded.isprintable() else "".join(folded.split())
    return _NON_WORD.on(spaceless).sub("", spaceless)


def single_spaced(text: str) -> bool:
    """Whether `text`'s whitespace is single spaces between other characters, so that
    `str.split` cuts it at each space: `str.isprintable` is False for every whitespace
    character but the space. News lines are, once normalized; scanning them is several times
    cheaper than splitting them."""
    return text.isprintable() and "  " not in text and not text.startswith(" ") \
        and not text.endswith(" ")


def split_count(text: str) -> int:
    """`len(text.split())` without building the list of words."""
    if not text:
        return 0
    return text.count(" ") + 1 if single_spaced(text) else len(text.split())
