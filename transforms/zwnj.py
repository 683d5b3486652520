"""Zero-width non-joiner (ZWNJ, U+200C) repair for Persian and Dari.

Persian writes "می‌گذارد", "بیانیه‌ای", "رئیس‌جمهور" with a ZWNJ: the parts are one word that must
not join visually. Scraped text often lost it, in two ways: it became a space ("می گذارد") or it was
deleted ("میگذارد"). Rule-based normalizers only guess (hazm's recall on deleted ZWNJs is .34), so
the decisions here come from a lexicon learned from Persian news that kept its ZWNJs
(`data/zwnj_lexicon.tsv`, built by `benchmarks/build_zwnj_lexicon.py`):

- a known ZWNJ form wins over the same letters written joined / split when it is the more
  frequent spelling in the lexicon ("بیانیهای" -> "بیانیه‌ای", while "میز", "میان", "تنها" stay);
- unseen words fall back to productive affixes learned from the same lexicon (the verbal prefix
  می/نمی, بی, the plural and pronoun suffixes, compound heads such as سازی) that fire only when
  the rest is itself a known word, never after a non-joining letter.
"""
from __future__ import annotations

import collections
import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import regex

ZWNJ = "\u200c"
LEXICON_PATH = Path(__file__).parent / "data" / "zwnj_lexicon.tsv"

# Splitting on a captured word run gives [separator, word, separator, ..., word, separator].
WORD_RUN = regex.compile(r"([\p{L}\p{M}\u200c]+)")
# A ZWNJ belongs directly between two letters; any other one (next to a space, at a word edge)
# is typing debris. "می‌ شود" loses its ZWNJ here and is rejoined by the restoration.
_ZWNJ_RUN = regex.compile(r"(?<=[\p{L}\p{M}])\u200c{2,}(?=\p{L})")
_ZWNJ_WITH_SPACES = regex.compile(r" *\u200c[ \u200c]*")
_DIACRITICS = regex.compile(r"\p{M}")

# Letters that never join to the next one: a ZWNJ after them is invisible and usually omitted.
NON_JOINING = frozenset("اآأإدذرزژوؤۀة")


@dataclass(frozen=True)
class ZwnjLexicon:
    """Word-form counts from Persian text that kept its ZWNJs, and what they imply.

    counts: plain words, ZWNJ forms ("می‌گذارد") and space-split forms ("می گذارد") -> count.
    zwnj_by_letters: letters without ZWNJ ("میگذارد") -> most frequent ZWNJ form.
    affix_heads / affix_tails: productive parts before / after a ZWNJ ("می", "بی" / "ها",
      "ترین", "سازی"): they follow many different words and rarely stand alone.
    tail_finals: for affix tails that follow only a few final letters, those letters ("ای" and
      "اند" follow a silent heh: "نامه‌ای", "رفته‌اند"; "اش" heh or yeh), so "کتابش" stays.
    """
    counts: Mapping[str, int]
    zwnj_by_letters: Mapping[str, str]
    affix_heads: tuple[str, ...]
    affix_tails: tuple[str, ...]
    tail_finals: Mapping[str, frozenset]
    min_stem_count: int = 3
    min_join_count: int = 2

    def count(self, form: str) -> int:
        return self.counts.get(form, 0)

    def known(self, word: str) -> bool:
        return self.counts.get(word, 0) >= self.min_stem_count


def _dominant(letters: collections.Counter, share: float = 0.9, at_most: int = 3) -> frozenset:
    """The few letters that end at least `share` of an affix's heads, or an empty set."""
    total, covered, chosen = sum(letters.values()), 0, []
    for letter, n in sorted(letters.items(), key=lambda kv: (-kv[1], kv[0])):
        if covered >= share * total:
            break
        chosen.append(letter)
        covered += n
    return frozenset(chosen) if len(chosen) <= at_most else frozenset()


def lexicon_from_counts(counts: Mapping[str, int], min_partners: int = 8) -> ZwnjLexicon:
    """Derive the lookup tables from raw form counts (ties broken on the form: deterministic).

    An affix is productive when it appears with at least `min_partners` different words and is
    used more often as an affix than as a word of its own (that rules out "در", "که", "شده",
    which typos glue to the word before).
    """
    best: dict[str, tuple[int, str]] = {}
    partners = {"head": collections.defaultdict(set), "tail": collections.defaultdict(set)}
    uses = {"head": collections.Counter(), "tail": collections.Counter()}
    finals = collections.defaultdict(collections.Counter)
    for form, n in counts.items():
        if ZWNJ not in form or " " in form:
            continue
        letters = form.replace(ZWNJ, "")
        if letters not in best or (n, form) > best[letters]:
            best[letters] = (n, form)
        parts = form.split(ZWNJ)
        if len(parts) != 2:
            continue
        head, tail = parts
        partners["head"][head].add(tail)
        partners["tail"][tail].add(head)
        uses["head"][head] += n
        uses["tail"][tail] += n
        finals[tail][head[-1]] += 1

    def productive(side: str) -> tuple[str, ...]:
        found = [a for a, p in partners[side].items()
                 if len(p) >= min_partners and uses[side][a] > counts.get(a, 0)]
        return tuple(sorted(found, key=lambda a: (-len(a), a)))

    tails = productive("tail")
    return ZwnjLexicon(
        counts=MappingProxyType(dict(counts)),
        zwnj_by_letters=MappingProxyType({k: v[1] for k, v in best.items()}),
        affix_heads=productive("head"),
        affix_tails=tails,
        tail_finals=MappingProxyType({t: f for t in tails if (f := _dominant(finals[t]))}),
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
    """Collapse ZWNJ runs between letters and drop ZWNJs that are not between two letters,
    leaving one space where spaces were. Returns the text and how many places changed.
    """
    text, changed = _ZWNJ_RUN.subn(ZWNJ, text)

    def stray(match: regex.Match) -> str:
        nonlocal changed
        start, end = match.span()
        inside = 0 < start and end < len(text)
        if match.group() == ZWNJ and inside and _is_letter(text[start - 1], True) \
                and _is_letter(text[end], False):
            return ZWNJ
        changed += 1
        keep_space = " " in match.group() and inside and not text[start - 1].isspace() \
            and not text[end].isspace()
        return " " if keep_space else ""

    return _ZWNJ_WITH_SPACES.sub(stray, text), changed


def _is_letter(char: str, or_mark: bool) -> bool:
    category = unicodedata.category(char)
    return category.startswith("L") or (or_mark and category.startswith("M"))


def _takes_tail(stem: str, tail: str, lex: ZwnjLexicon) -> bool:
    """Whether a word can carry a productive tail after a ZWNJ: a known word, or any word ending
    in a silent heh before the plural ("سفارتخانه‌های": "ههای" is not Persian spelling)."""
    if len(stem) < 2 or stem[-1] in NON_JOINING:
        return False
    if tail in lex.tail_finals and stem[-1] not in lex.tail_finals[tail]:
        return False
    if stem.endswith("ه") and tail.startswith("ها"):
        return True
    return lex.known(stem) or stem in lex.zwnj_by_letters


def _split_joined(word: str, lex: ZwnjLexicon) -> str:
    """The ZWNJ spelling of a word written without its ZWNJ, or the word unchanged."""
    if ZWNJ in word or len(word) < 3 or _DIACRITICS.search(word):
        return word
    form = lex.zwnj_by_letters.get(word)
    if form is not None:
        return form if lex.count(form) > lex.count(word) else word
    if lex.count(word):
        return word  # a known word that is never written with a ZWNJ
    for head in lex.affix_heads:
        rest = word[len(head):]
        if word.startswith(head) and len(rest) >= 2 and lex.known(rest):
            return head + ZWNJ + rest
    for tail in lex.affix_tails:
        stem = word[:-len(tail)]
        if word.endswith(tail) and _takes_tail(stem, tail, lex):
            return lex.zwnj_by_letters.get(stem, stem) + ZWNJ + tail
    return word


def _should_join(parts: list[str], lex: ZwnjLexicon) -> bool:
    """Whether space-separated parts are one word whose ZWNJs became spaces.

    Parts that already hold a ZWNJ are words on their own: joining them again would make a second
    pass change what the first one produced.
    """
    if any(ZWNJ in part for part in parts):
        return False
    zwnj_count = lex.count(ZWNJ.join(parts))
    spaced_count = lex.count(" ".join(parts))
    if zwnj_count or spaced_count:
        return zwnj_count >= lex.min_join_count and zwnj_count > spaced_count
    if len(parts) != 2:
        return False
    head, tail = parts
    return (head in lex.affix_heads and lex.known(tail)) or \
        (tail in lex.affix_tails and _takes_tail(head, tail, lex))


def restore_zwnj(text: str, lexicon: ZwnjLexicon | None = None) -> tuple[str, int]:
    """Restore ZWNJs that became spaces or were deleted; returns the text and the number of words
    changed. Only for Persian-family text: the lexicon is Persian.
    """
    lex = lexicon or load_lexicon()
    pieces = WORD_RUN.split(text)
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
