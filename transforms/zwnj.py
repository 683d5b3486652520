"""Zero-width non-joiner (ZWNJ, U+200C) repair for Persian and Dari.

Persian writes "می‌گذارد", "بیانیه‌ای", "رئیس‌جمهور" with a ZWNJ: the parts are one word that must
not join visually. Scraped text often lost it, in two ways: it became a space ("می گذارد") or it was
deleted ("میگذارد"). Rule-based normalizers only guess (hazm's recall on deleted ZWNJs is .34), so
the decisions here come from a lexicon learned from Persian news that kept its ZWNJs
(`data/zwnj_lexicon.tsv`, built by `benchmarks/build_zwnj_lexicon.py`):

- a known ZWNJ form wins over the same letters written joined / split when it is the more
  frequent spelling in the lexicon ("بیانیهای" -> "بیانیه‌ای", while "میز", "میان", "تنها" stay);
- unseen words fall back to productive rules (the verbal prefix می/نمی, the plural and
  pronoun suffixes) that fire only when the remaining stem is itself a known word.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import regex

ZWNJ = "\u200c"
LEXICON_PATH = Path(__file__).parent / "data" / "zwnj_lexicon.tsv"

_WORD = regex.compile(r"[\p{L}\p{M}\u200c]+")
# A ZWNJ belongs between two letters; spaces around it are typing debris ("می‌ شود").
_ZWNJ_RUN_BETWEEN_LETTERS = regex.compile(r"(?<=[\p{L}\p{M}])[ \u200c]*\u200c[ \u200c]*(?=\p{L})")
_STRAY_ZWNJ = regex.compile(r"\u200c+(?![\p{L}])|(?<![\p{L}\p{M}])\u200c+")
_DIACRITICS = regex.compile(r"\p{M}")

VERB_PREFIXES = ("نمی", "می")
# Suffixes written after a ZWNJ whatever the stem ends with.
PLURAL_SUFFIXES = ("هایشان", "هایمان", "هایتان", "هایش", "هایم", "هایت", "هایی", "های", "ها",
                   "ترین")
# Suffixes that take a ZWNJ only after a silent final heh ("نامه‌ای", "رفته‌اند").
AFTER_HEH_SUFFIXES = ("ایم", "اید", "اند", "ای", "ام", "اش", "ات")
# Letters that never join to the next one: a ZWNJ after them is invisible and usually omitted.
NON_JOINING = frozenset("اآأإدذرزژوؤۀة")


@dataclass(frozen=True)
class ZwnjLexicon:
    """Word-form counts from Persian text that kept its ZWNJs.

    counts: plain words, ZWNJ forms ("می‌گذارد") and space-split forms ("می گذارد") -> count.
    zwnj_by_letters: letters without ZWNJ ("میگذارد") -> most frequent ZWNJ form.
    verb_stems: what follows می‌/نمی‌ in the lexicon ("گذارد"), for unseen prefixed forms.
    """
    counts: Mapping[str, int]
    zwnj_by_letters: Mapping[str, str]
    verb_stems: frozenset
    min_stem_count: int = 3

    def count(self, form: str) -> int:
        return self.counts.get(form, 0)

    def known(self, word: str) -> bool:
        return self.counts.get(word, 0) >= self.min_stem_count


def lexicon_from_counts(counts: Mapping[str, int]) -> ZwnjLexicon:
    """Derive the lookup tables from raw form counts (deterministic tie-break on the form)."""
    best: dict[str, tuple[int, str]] = {}
    stems = set()
    for form, n in counts.items():
        if ZWNJ not in form or " " in form:
            continue
        letters = form.replace(ZWNJ, "")
        if letters not in best or (n, form) > best[letters]:
            best[letters] = (n, form)
        head, _, rest = form.partition(ZWNJ)
        if head in VERB_PREFIXES and ZWNJ not in rest:
            stems.add(rest)
    return ZwnjLexicon(
        counts=MappingProxyType(dict(counts)),
        zwnj_by_letters=MappingProxyType({k: v[1] for k, v in best.items()}),
        verb_stems=frozenset(stems),
    )


def read_counts(path: Path) -> dict[str, int]:
    counts = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#") or not line.strip():
                continue
            form, n = line.rstrip("\n").split("\t")
            counts[form] = int(n)
    return counts


@functools.lru_cache(maxsize=1)
def load_lexicon() -> ZwnjLexicon:
    """The packaged lexicon, read once per process (immutable, safe to share)."""
    return lexicon_from_counts(read_counts(LEXICON_PATH))


def tidy_zwnj(text: str) -> tuple[str, int]:
    """Collapse ZWNJ runs and spaces around a ZWNJ between letters; drop ZWNJs not between letters.

    Returns the text and how many places changed.
    """
    changed = 0

    def between(match: regex.Match) -> str:
        nonlocal changed
        if match.group() != ZWNJ:
            changed += 1
        return ZWNJ

    text = _ZWNJ_RUN_BETWEEN_LETTERS.sub(between, text)
    text, stray = _STRAY_ZWNJ.subn("", text)
    return text, changed + stray


def _split_joined(word: str, lex: ZwnjLexicon) -> str:
    """The ZWNJ spelling of a word written without its ZWNJ, or the word unchanged."""
    if ZWNJ in word or len(word) < 3 or _DIACRITICS.search(word):
        return word
    form = lex.zwnj_by_letters.get(word)
    if form is not None:
        return form if lex.count(form) > lex.count(word) else word
    if lex.count(word):
        return word  # a known word that is never written with a ZWNJ
    for prefix in VERB_PREFIXES:
        rest = word[len(prefix):]
        if word.startswith(prefix) and rest in lex.verb_stems:
            return prefix + ZWNJ + rest
    for suffix in PLURAL_SUFFIXES + AFTER_HEH_SUFFIXES:
        stem = word[:-len(suffix)]
        if not word.endswith(suffix) or len(stem) < 2 or not lex.known(stem):
            continue
        if suffix in AFTER_HEH_SUFFIXES and stem[-1] != "ه":
            continue
        if stem[-1] in NON_JOINING:
            continue
        return stem + ZWNJ + suffix
    return word


def _should_join(parts: list[str], lex: ZwnjLexicon) -> bool:
    """Whether space-separated parts are one word whose ZWNJs became spaces."""
    form = ZWNJ.join(parts)
    zwnj_count = lex.count(form)
    if zwnj_count:
        return zwnj_count > lex.count(" ".join(parts))
    if len(parts) != 2:
        return False
    head, tail = parts
    if head in VERB_PREFIXES:
        return tail in lex.verb_stems
    if tail in PLURAL_SUFFIXES[-4:]:  # ها های هایی ترین: never words of their own
        return lex.known(head)
    return False


def restore_zwnj(text: str, lexicon: ZwnjLexicon | None = None) -> tuple[str, int]:
    """Restore ZWNJs that became spaces or were deleted; returns the text and the number of words
    changed. Only for Persian-family text: the lexicon is Persian.
    """
    lex = lexicon or load_lexicon()
    pieces = regex.split(r"([\p{L}\p{M}\u200c]+)", text)
    # pieces alternate: separator, word, separator, word, ..., separator
    out: list[str] = [pieces[0]]
    changed = 0
    i = 1
    while i < len(pieces):
        joined = False
        for n in (3, 2):
            end = i + 2 * (n - 1)
            if end >= len(pieces):
                continue
            if any(pieces[j] != " " for j in range(i + 1, end, 2)):
                continue
            parts = pieces[i:end + 1:2]
            if _should_join(parts, lex):
                out.append(ZWNJ.join(parts))
                out.append(pieces[end + 1])
                changed += 1
                i = end + 2
                joined = True
                break
        if joined:
            continue
        word = _split_joined(pieces[i], lex)
        changed += word != pieces[i]
        out.append(word)
        out.append(pieces[i + 1])
        i += 2
    return "".join(out), changed
