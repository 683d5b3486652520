"""Aggressive folding for *matching only* (dedup shingles, boilerplate keys, title index).

It never changes stored text. Folds every spelling difference that does not change the word:
combining marks (harakat), tatweel, ZWNJ/ZWJ and bidi marks vanish without splitting a word;
Arabic yeh / alef maksura -> Persian yeh, Arabic kaf -> keheh, hamza-carrying alefs -> bare alef,
any script's digits -> ASCII, Latin letters casefolded; every other non-letter, non-digit run
becomes one space so word boundaries survive.
"""
from __future__ import annotations

import unicodedata
from typing import Optional

import numpy as np
import regex

from transforms.charclass import bmp_table, twin_pattern

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
    if len(text) >= VECTOR_FOLD_MIN_CHARS:
        folded = _fold_code_units(text)
        if folded is not None:
            return folded
    return _fold_string(text)


def _fold_string(text: str) -> str:
    """`fold` by string operations, one pass per rule: any text."""
    folded = _fold_chars(text)
    return _NON_WORD.on(folded).sub(" ", folded).strip()


# `fold` of a whole document on its UTF-16 code units: one numpy table look-up per rule, where the
# string path scans the text once per rule (a regex scan costs ~10 ns a character). Its fixed
# cost (a dozen numpy calls) pays from a few hundred characters on: lines take the string path.
VECTOR_FOLD_MIN_CHARS = 300
_SPACE = ord(" ")
_BMP_CODES = np.arange(0x10000, dtype=np.uint16)
# Code units `fold_letters` keeps: all but the vanishing characters and the marks.
_KEPT_UNITS = ~bmp_table(r"[\p{M}]")
_KEPT_UNITS[[ord(char) for char, _ in _VANISH]] = False
# Each code unit as itself if it is a word character (letter or digit), else a space.
_SPACED_UNITS = np.where(bmp_table(r"[\p{L}\p{Nd}]"), _BMP_CODES, np.uint16(_SPACE))


def _folded_units() -> np.ndarray:
    """Each BMP code unit after `fold_letters`'s one-to-one rules: its letter folds and digits.
    A lone surrogate, a non-word character to every rule, becomes a space, so that decoding the
    units can never pair it with a neighbour."""
    table = _BMP_CODES.copy()
    for char, replacement in LETTER_FOLDS:
        table[ord(char)] = ord(replacement)
    for match in _DIGITS.finditer("".join(map(chr, _BMP_CODES))):
        table[match.start()] = ord(_ascii_digit(match))
    table[0xD800:0xE000] = _SPACE
    return table


_FOLDED_UNITS = _folded_units()
# Composed once: a unit's fold, spaced; whether `str.casefold` changes its fold.
_FOLDED_SPACED_UNITS = _SPACED_UNITS.take(_FOLDED_UNITS)
_CASEFOLD_CHANGES = np.array([chr(code).casefold() != chr(code) for code in _FOLDED_UNITS])


def _fold_code_units(text: str) -> Optional[str]:
    """`fold(text)` for a text within the BMP (None for one beyond it: the tables stop there),
    computed on its UTF-16 code units in the order of `fold_letters`: NFKC, deletions, one-to-one
    folds, then `str.casefold` (it may lengthen a character) only for a text it changes."""
    normalized = unicodedata.normalize("NFKC", text)
    encoded = normalized.encode("utf-16-le", "surrogatepass")
    if len(encoded) != 2 * len(normalized):
        return None
    units = np.frombuffer(encoded, dtype=np.uint16)
    kept = _KEPT_UNITS.take(units)
    if np.count_nonzero(kept) < units.size:
        units = units[kept]
    if np.count_nonzero(_CASEFOLD_CHANGES.take(units)):
        casefolded = _FOLDED_UNITS.take(units).tobytes().decode("utf-16-le").casefold()
        encoded = casefolded.encode("utf-16-le", "surrogatepass")
        if len(encoded) != 2 * len(casefolded):
            return None
        spaced = _SPACED_UNITS.take(np.frombuffer(encoded, dtype=np.uint16))
    else:
        spaced = _FOLDED_SPACED_UNITS.take(units)
    # Each word unit, and the first space after a word: one space per run, none at the start.
    word = spaced != _SPACE
    emitted = word.copy()
    emitted[1:] |= word[:-1]
    spaced = spaced[emitted]
    if spaced.size and spaced[-1] == _SPACE:
        spaced = spaced[:-1]
    return spaced.tobytes().decode("utf-16-le")


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
