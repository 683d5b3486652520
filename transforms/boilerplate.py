"""Boilerplate removal on plain-text lines: what is not the article goes, with a reason per line.

Four kinds of evidence:

1. Line patterns (`configs/boilerplate.yaml`, editable by users): site names, bylines and
   datelines at the top; source credits, share/comment/follow prompts, promos, tag lines, end
   markers, photo credits and related-story headings anywhere. Lines are matched in a folded
   *match form* (yeh/kaf/alef/digits/harakat/ZWNJ folded, punctuation kept), so legacy-yeh
   Persian and vocalised Arabic match the same patterns.
2. What a line is when no pattern names it (`transforms.boilerplate_shape`): its shape, its
   place (above the title, under it, in the body, after the last paragraph) and its words from
   curated lists (agencies, networks, months, places, cue words), for phrasings a new site
   brings and lines unique to their article.
3. Corpus signals computed by `transforms.boilerplate_beam.CorpusBoilerplateSignals` over the
   batch: lines that recur in many documents of one site (`site_boilerplate`), and the batch's
   own title index.
4. The trailing related-headline block: a run of short title-like lines at the end, scored as a
   block (length, similar line lengths, a heading or an article-ending line above it, lines
   unrelated to the body, lines that are titles of other batch documents) instead of line by
   line, because a single short line is as likely a body line as a headline.

Terminal punctuation is Arabic-script aware (؟ ۔ … ؛ ، and a sentence end inside closing » ” ").
"""
from __future__ import annotations

import functools
import itertools
import posixpath
import re
import statistics
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from re import _parser as re_parser
from types import MappingProxyType
from typing import Mapping, Optional

import regex
import xxhash
import yaml

from transforms.boilerplate_shape import (MATCH_LETTER_FOLDS, MATCH_ONLY_FOLDS, LineView,
                                         Vocabulary, dateline_prefix, last_mark, load_vocabulary,
                                         may_be_boilerplate, related_heading, shape_reason,
                                         tokens_of)
from transforms.folding import (fold, fold_key, fold_letters, fold_words, key_of_letters,
                                replace_chars, single_spaced, split_count)
from transforms.model import Doc, Reject, RemovedLine

PATTERNS_PATH = Path(__file__).resolve().parents[1] / "configs" / "boilerplate.yaml"
WHERE_VALUES = ("head", "tail", "anywhere")


@dataclass(frozen=True)
class BoilerplateConfig:
    """Thresholds of the boilerplate step (mirrored in `configs/default.yaml`, section `boilerplate`).

    patterns_path: YAML of line patterns; None = the packaged `configs/boilerplate.yaml`.
    min_clean_chars: a document with fewer non-space characters left is rejected
        (`empty_after_cleaning`) instead of being kept nearly empty.
    head_lines: how many non-empty lines at the top may be site name / title / byline / dateline.
    title_max_words, title_max_chars: the longest first line still taken as a title.
    headline_max_words, headline_max_chars: the longest line still counted as a related headline.
    headline_block_min_lines: a trailing block with no heading above it needs this many lines.
    headline_block_min_score: score (0..~2) a trailing block needs to be removed.
    site_line_min_docs, site_line_min_share: a line is corpus-learned boilerplate when it occurs
        in at least this many documents of its site and in this share of the site's documents.
    site_line_prose_words: a recurring line with at least this many words that ends like a
        sentence is shared article text (wire copies), not a template line, and is kept.
    vocabulary_dir: folder of the curated word lists the shape rules read (agencies, networks,
        months, places, cues; see `transforms/boilerplate_shape.py`); None = the packaged
        `transforms/data/boilerplate`.
    """
    patterns_path: Optional[str] = None
    min_clean_chars: int = 50
    head_lines: int = 5
    title_max_words: int = 30
    title_max_chars: int = 220
    headline_max_words: int = 24
    headline_max_chars: int = 170
    headline_block_min_lines: int = 3
    headline_block_min_score: float = 0.75
    site_line_min_docs: int = 5
    site_line_min_share: float = 0.02
    site_line_prose_words: int = 12
    vocabulary_dir: Optional[str] = None


# --- match form -------------------------------------------------------------------------------

_SPACES = regex.compile(r"\s+")
# Decoration around a line: bullets, slashes, dashes, stars, pipes, dots, brackets, quotes.
_EDGE_RUN = regex.compile(
    r"[\s\p{Pd}\p{Ps}\p{Pe}\p{Pi}\p{Pf}/\\|*•·▪■►◄▶◀●○◆◇~_=+#.…:：،,؛;!?؟»«\"'<>]+")


def _fold_letters(text: str) -> str:
    return fold_letters(text, MATCH_LETTER_FOLDS)


def _has_python_only_space(text: str) -> bool:
    return "\x1c" in text or "\x1d" in text or "\x1e" in text or "\x1f" in text


def _collapse_spaces(text: str) -> str:
    r"""Runs of regex `\s` as one space, ends stripped; `str.split` does it several times faster
    and splits on the same characters unless one of \x1c-\x1f, whitespace to `str.split` and
    `str.strip` only (not to regex `\s`), is there."""
    if _has_python_only_space(text):
        return _SPACES.sub(" ", text).strip()
    return text if single_spaced(text) else " ".join(text.split())


# Characters no edge run holds (ASCII and Arabic-script letters and digits), read from the
# pattern itself: most lines open, and many end, with one and need no regex there.
_NOT_EDGE = frozenset(char for char in map(chr, (*range(0x30, 0x7B), *range(0x600, 0x700)))
                      if not _EDGE_RUN.match(char))


def _trim(text: str) -> str:
    """`text` without decoration at either end. The trailing run is found by matching the
    reversed text, not by trying every position of the line as a regex `<edge>+$` would."""
    head = None if text[:1] in _NOT_EDGE else _EDGE_RUN.match(text)
    start = head.end() if head else 0
    if start == len(text):
        return ""
    tail = None if text[-1] in _NOT_EDGE else _EDGE_RUN.match(text[::-1])
    return text[start:len(text) - tail.end()] if tail else text[start:]


def match_form(line: str) -> str:
    """The line as patterns see it: letters folded, punctuation kept, decoration trimmed.

    >>> match_form("  // يتبع //")
    'یتبع'
    >>> match_form("منبع : خبرگزاري مهر")
    'منبع : خبرگزاری مهر'
    """
    return _match_form_of_letters(fold_letters(line))


def _match_form_of_letters(letters: str) -> str:
    """`match_form` of the line whose `fold_letters` is `letters` (shared with its line key).
    The match-only folds neither make nor take a digit, so applied after `fold_letters`'s digit
    pass they give what `fold_letters(line, MATCH_LETTER_FOLDS)` does."""
    return _match_form_of_cased(_cased(letters))


def _cased(letters: str) -> str:
    return replace_chars(letters, MATCH_ONLY_FOLDS).casefold()


def _match_form_of_cased(cased: str) -> str:
    """`match_form` of the line whose `_cased(fold_letters(line))` is `cased`."""
    folded = _collapse_spaces(cased)
    return _trim(folded) or folded


def letters_of_lines(lines: list[str]) -> list[str]:
    """`fold_letters` of each line, folded together.

    Every fold (NFKC, the letter, mark and digit folds) maps a character, or a run of marks, on
    its own, and NFKC composes nothing across a newline: so lines joined by newlines fold to
    their folds joined by newlines, in one call for a document instead of one per line. Lines
    holding a newline themselves are folded one by one."""
    letters = fold_letters("\n".join(lines)).split("\n")
    return letters if len(letters) == len(lines) else [fold_letters(line) for line in lines]


def fold_lines(lines: list[str]) -> tuple[list[str], list[str]]:
    """`fold_letters` and `match_form` of each line, folded together (casefolding too maps
    each character on its own)."""
    letters = letters_of_lines(lines)
    cased = _cased("\n".join(letters)).split("\n")
    if len(cased) != len(letters):  # a line holding a newline
        cased = [_cased(folded) for folded in letters]
    return letters, [_match_form_of_cased(text) for text in cased]


def _key_hash(key: str) -> int:
    """63 bits: Beam's default coder writes ints below 2**63 as varints and pickles larger ones,
    and these hashes are shuffled as keys (one per line of every document)."""
    return xxhash.xxh64_intdigest(key.encode("utf-8")) >> 1


def line_hash(line: str) -> int:
    """Stable 63-bit hash of a line's fold key (the unit of corpus-learned boilerplate)."""
    return _hash_of_letters(fold_letters(line))


def line_hashes(lines: list[str]) -> list[int]:
    """`line_hash` of each line, the lines folded together (`letters_of_lines`)."""
    return [_hash_of_letters(letters) for letters in letters_of_lines(lines)]


def _hash_of_letters(letters: str) -> int:
    """`line_hash` of the line whose `fold_letters` is `letters`."""
    return _key_hash(key_of_letters(letters))


# --- punctuation and shape --------------------------------------------------------------------

_WORD_SPLIT = regex.compile(r"[\s\u200c]+|(?<=\p{L})[:：](?=\p{L})")
_LETTER_COLON = regex.compile(r"[:：](?<=\p{L}[:：])(?=\p{L})")  # the second kind of split
_SENTENCE_END = (".", "۔", "…", "؛", ";", "،", ",", ":", "：")
_TITLE_PREFIX = regex.compile(r"^[^:：]{2,40}[:：]\s*\S")
_QUOTED = regex.compile(r"[«»\"“”]")
_DASH_SPLIT = regex.compile(r"\s*[-–—|]\s*")
_STRONG_CRUMB_SPLIT = regex.compile(r"\s+[»›>]\s+|\s*\|\s*")
_CRUMB_SPLIT = regex.compile(r"\s+[|»›>/\-–—]\s+|\s*\|\s*")
_WORD_RE = regex.compile(r"[\p{L}\p{N}]+")
_ELLIPSIS_END = regex.compile(r"(\.\.+|…)\s*$")  # "..": a pause in Arabic headlines


def ends_like_sentence(line: str) -> bool:
    """True when the line ends with sentence punctuation (`...` and `…` included)."""
    return last_mark(line) in _SENTENCE_END


def word_count(line: str) -> int:
    """Words, counting ZWNJ-joined parts apart ("سبک‌دست:برای‌اجاره" is several words).

    Without a Python-only space or a ZWNJ at an end, `str.split` cuts at the space/ZWNJ runs of
    `_WORD_SPLIT` several times faster (`split_count` counts its cuts without making them);
    colons between letters are counted apart.
    """
    text = line.strip()
    if not text:
        return 0
    if not _str_split_counts(text):
        return len(_WORD_SPLIT.split(text))
    return split_count(text.replace("\u200c", " ")) + _letter_colons(text)


def _str_split_counts(text: str) -> bool:
    """Whether `str.split` at spaces and ZWNJs cuts the stripped, non-empty `text` as
    `_WORD_SPLIT` does (colons between letters aside)."""
    return text[0] != "\u200c" and text[-1] != "\u200c" and not _has_python_only_space(text)


def _form_word_count(form: str) -> int:
    """`word_count` of a match form: single spaces between its words and no ZWNJ (folded
    away), so its spaces count them unless a Python-only space was left in it."""
    if not form or _has_python_only_space(form):
        return word_count(form)
    return form.count(" ") + 1 + _letter_colons(form)


def _letter_colons(text: str) -> int:
    """Colons between two letters. Most lines hold one or two colons: each is tried where it
    stands (the lookbehind reads the letter before it) instead of the regex scanning the line."""
    if ":" not in text and "：" not in text:
        return 0
    count = 0
    for colon in ":：":
        at = text.find(colon, 1)
        while at > 0:
            count += _LETTER_COLON.match(text, at) is not None
            at = text.find(colon, at + 1)
    return count


def has_words(line: str, least: int) -> bool:
    """`word_count(line) >= least`, counting the colons only when the words fall short (the
    threshold tests of lines nobody needs the count of).

    A paragraph's first `least` space-separated words settle it without reading the rest:
    cutting at its ZWNJs and colons too only adds words."""
    text = line.strip()
    if not text or not _str_split_counts(text):
        return word_count(text) >= least
    if len(text.split(None, least - 1)) >= least:
        return True
    words = split_count(text.replace("\u200c", " "))
    return words >= least or words + _letter_colons(text) >= least


# The shape tests below take the line's `word_count` from callers that already have it: counting
# is a regex split of the whole line, the costliest part of a test on a long paragraph.

def is_headline_like(line: str, cfg: BoilerplateConfig, words: Optional[int] = None) -> bool:
    """Short, 2+ words and not ending like a sentence: the shape of a title."""
    words = word_count(line) if words is None else words
    return (2 <= words <= cfg.headline_max_words and len(line) <= cfg.headline_max_chars
            and (not ends_like_sentence(line) or _ELLIPSIS_END.search(line) is not None))


def is_prose(line: str, words: Optional[int] = None) -> bool:
    """An article paragraph: a long line, or a medium one ending like a sentence."""
    words = word_count(line) if words is None else words
    return words >= 25 or (words >= 8 and ends_like_sentence(line))


def is_shared_prose(line: str, cfg: BoilerplateConfig, words: Optional[int] = None) -> bool:
    """A sentence long enough that its recurring in a site's documents means shared wire copy,
    not boilerplate: never removed as `site_boilerplate`, so never worth counting either."""
    if words is None:  # (the signals' test of every line: the cheap part first)
        return ends_like_sentence(line) and has_words(line, cfg.site_line_prose_words)
    return words >= cfg.site_line_prose_words and ends_like_sentence(line)


def looks_like_title(line: str, cfg: BoilerplateConfig, words: Optional[int] = None) -> bool:
    words = word_count(line) if words is None else words
    return (2 <= words <= cfg.title_max_words and len(line) <= cfg.title_max_chars
            and last_mark(line) not in (".", "۔", "…", "؛", ";", "،", ",", ":", "："))


# --- patterns ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class LineKind:
    """One boilerplate kind from the YAML: where it may occur, how long it may be, its regexes.

    `screens[i]` holds strings one of which every match of `patterns[i]` contains (empty: no
    screen, see `literal_screen`); a line holding none of them is not tried against it.
    `starts[i]`: the characters a match of `patterns[i]` starts with (None: any, see
    `first_chars`)."""
    name: str
    reason: str
    where: str
    max_words: int
    patterns: tuple[regex.Pattern, ...]
    screens: tuple[tuple[str, ...], ...]
    starts: tuple[Optional[frozenset[str]], ...]


@dataclass(frozen=True)
class KindSet:
    """The kinds one line may be (those of its place whose `max_words` admit its word count),
    in order, as one flat list of their patterns, with the patterns a line may be tried
    against by its first character (`first_chars`).

    `any_screen` is all the screens' strings: a line holding none of those (most lines: the
    screened patterns are `promo`'s) is tried against the unscreened patterns alone."""
    kinds: tuple[LineKind, ...]
    any_screen: tuple[str, ...] = field(init=False, repr=False, compare=False)
    # [screens read or not][first character]: (kind, pattern, screen) in order; the `None` key
    # holds those for a character no pattern names (the patterns that may start with any).
    _by_start: tuple[Mapping, Mapping] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        entries = [(kind, pattern, screen, starts) for kind in self.kinds
                   for pattern, screen, starts in zip(kind.patterns, kind.screens, kind.starts)]
        named = set().union(*(starts for *_, starts in entries if starts is not None))
        tables = []
        for with_screened in (False, True):
            kept = [entry for entry in entries if with_screened or not entry[2]]
            tables.append({char: tuple((kind, pattern, screen) for kind, pattern, screen, starts
                                       in kept if starts is None or char in starts)
                           for char in (*named, None)})
        # A frozen dataclass sets its derived fields through object.__setattr__.
        object.__setattr__(self, "_by_start", tuple(map(MappingProxyType, tables)))
        object.__setattr__(self, "any_screen", tuple(dict.fromkeys(
            text for *_, screen, _ in entries for text in screen)))

    def first_match(self, form: str) -> Optional[LineKind]:
        """The first kind with a pattern matching the whole `form` (a `match_form`)."""
        table = self._by_start[_contains_any(form, self.any_screen)]
        tried = table.get(form[:1], table[None])
        for kind, pattern, screen in tried:
            if (not screen or _contains_any(form, screen)) and pattern.fullmatch(form):
                return kind
        return None


_NO_KINDS = KindSet(())


def _contains_any(form: str, strings: tuple[str, ...]) -> bool:
    """`any(s in form for s in strings)` without a generator per call (one per pattern tried)."""
    for text in strings:
        if text in form:
            return True
    return False


# --- literal screens ----------------------------------------------------------------------------
# A pattern opening with a run like `.{0,80}` is tried at every length of that run before it
# fails: the costliest test of a long line. Most such patterns need one of a few words ("sms",
# "کانال") and `str` containment rules them out several times faster. The words are read from
# the pattern's parse by Python's `re` parser; a pattern it cannot parse, or may read otherwise
# than the `regex` module (nested sets, fuzzy `{e<=1}`), gets no screen and is always tried.
# Containment of the casefolded word in the (casefolded) match form stands for the patterns'
# case-insensitive match: what `regex` matches case-insensitively has the same casefold.

_REPEATS = (re_parser.MAX_REPEAT, re_parser.MIN_REPEAT, re_parser.POSSESSIVE_REPEAT)


class _Unscreenable(Exception):
    """The pattern holds syntax the `re` parse may not read as `regex` does."""


def _required_strings(items) -> Optional[frozenset[str]]:
    """Strings one of which every match of the parsed sequence `items` contains, or None.

    Consecutive literals make one string; a group, a branch whose every alternative has such
    strings, and a repeat of at least once give theirs. Of the candidates the one whose shortest
    string is longest is kept (the rarest, the cheapest to rule out)."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for op, arg in items:
        if op is re_parser.LITERAL:
            if chr(arg) in "{}":
                raise _Unscreenable  # `regex` fuzzy constraints, read as literal text by `re`
            run.append(chr(arg))
            continue
        if run:
            candidates.append(frozenset({"".join(run)}))
            run = []
        found = None
        if op is re_parser.SUBPATTERN:
            found = _required_strings(arg[-1])
        elif op is re_parser.BRANCH:
            branches = [_required_strings(branch) for branch in arg[1]]
            if all(branches):
                found = frozenset().union(*branches)
        elif op in _REPEATS and arg[0] >= 1:
            found = _required_strings(arg[2])
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset({"".join(run)}))
    return max(candidates, key=lambda strings: min(map(len, strings)), default=None)


def _opens_with_wildcard_run(parsed) -> bool:
    """The pattern starts with a repeat of `.`, `\\S` or a negated set: a fullmatch cannot fail
    at the first character and tries every length of the run."""
    if not parsed or parsed[0][0] not in _REPEATS:
        return False
    body = list(parsed[0][1][2])
    if len(body) != 1:
        return False
    op, arg = body[0]
    return op is re_parser.ANY or op is re_parser.IN and arg[:1] in (
        [(re_parser.NEGATE, None)], [(re_parser.CATEGORY, re_parser.CATEGORY_NOT_SPACE)])


def literal_screen(pattern: str) -> tuple[str, ...]:
    """Casefolded strings one of which every fullmatch of `pattern` contains; empty when the
    pattern does not open with a wildcard run (a fullmatch then fails within a few characters,
    sooner than the screen) or no such strings can be read from it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "possible nested set": `regex` V1 syntax
            parsed = list(re_parser.parse(pattern))
        strings = _required_strings(parsed) if _opens_with_wildcard_run(parsed) else None
    except (re.error, Warning, _Unscreenable):
        return ()
    folded = {text.casefold() for text in strings or ()}
    # A string containing another of the set is found only where that one is: not looked for.
    return tuple(sorted(text for text in folded
                        if not any(other != text and other in text for other in folded)))



# --- first characters ---------------------------------------------------------------------------
# Most patterns open with a word or an alternation of words, so a fullmatch can start with a few
# characters only; a line starting with another one is not tried against them (most lines, most
# patterns). Read, like the screens, from Python's parse of the pattern; a pattern whose start it
# cannot read safely may start with anything.

_ZERO_WIDTH = (re_parser.AT, re_parser.ASSERT, re_parser.ASSERT_NOT)
_LARGEST_RANGE = 512  # a class with a wider range may start with anything


class _AnyStart(Exception):
    """The pattern may start with any character (or its start cannot be read safely)."""


def _case_variants(code: int) -> set[str]:
    """A pattern character and the first character of its casefold: what it matches first in
    a casefolded match form under full case-insensitive matching."""
    char = chr(code)
    return {char, char.casefold()[:1] or char}


def _set_starts(items) -> set[str]:
    starts: set[str] = set()
    for op, arg in items:
        if op is re_parser.LITERAL:
            starts |= _case_variants(arg)
        elif op is re_parser.RANGE and arg[1] - arg[0] < _LARGEST_RANGE:
            for code in range(arg[0], arg[1] + 1):
                starts |= _case_variants(code)
        else:  # a negation, a category (\w, \s) or a wide range
            raise _AnyStart
    return starts


def _starts(items) -> tuple[set[str], bool]:
    """(characters a match of the parsed sequence `items` can start with, whether it can match
    the empty string)."""
    starts: set[str] = set()
    for op, arg in items:
        if op is re_parser.LITERAL:
            return starts | _case_variants(arg), False
        if op in _ZERO_WIDTH:
            continue
        if op is re_parser.IN:
            return starts | _set_starts(arg), False
        if op is re_parser.SUBPATTERN:
            found, empty = _starts(arg[-1])
        elif op is re_parser.ATOMIC_GROUP:
            found, empty = _starts(arg)
        elif op is re_parser.BRANCH:
            branches = [_starts(branch) for branch in arg[1]]
            found = set().union(*(branch for branch, _ in branches))
            empty = any(branch_empty for _, branch_empty in branches)
        elif op in _REPEATS:
            found, empty = _starts(arg[2])
            empty = empty or arg[0] == 0
        else:  # any character, a back reference, a conditional group
            raise _AnyStart
        starts |= found
        if not empty:
            return starts, False
    return starts, True


def _has_braces(items) -> bool:
    """A literal brace anywhere: `regex` fuzzy constraints (`{e<=1}`) that `re` reads as text,
    under which a match may start with any character."""
    for op, arg in items:
        if op is re_parser.LITERAL and chr(arg) in "{}":
            return True
        nested = (arg[-1] if op is re_parser.SUBPATTERN else arg if op is re_parser.ATOMIC_GROUP
                  else arg[2] if op in _REPEATS else None)
        if nested is not None and _has_braces(nested):
            return True
        if op is re_parser.BRANCH and any(_has_braces(branch) for branch in arg[1]):
            return True
    return False


def first_chars(pattern: str) -> Optional[frozenset[str]]:
    """The characters a fullmatch of `pattern` (case-insensitive) on a casefolded match form can
    start with; None when it may start with any, or the pattern holds syntax the `re` parse may
    not read as the `regex` module does."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "possible nested set": `regex` V1 syntax
            parsed = list(re_parser.parse(pattern))
        if _has_braces(parsed):
            return None
        starts, empty = _starts(parsed)
    except (re.error, Warning, _AnyStart):
        return None
    return None if empty else frozenset(starts)


@dataclass(frozen=True)
class BoilerplateState:
    """Everything the step needs, built once per worker by `load_boilerplate`.

    `kinds_by_words[place][n]`: the `KindSet` of the kinds a line of n words may be in `place`
    (most lines are paragraphs longer than every kind's limit). Places are the YAML's `where`
    values, and "top": the head above the title, the only place site names are looked for."""
    cfg: BoilerplateConfig
    kinds: tuple[LineKind, ...]
    site_name_words: frozenset[str]
    share_bar_words: frozenset[str]
    date_words: frozenset[str]
    vocab: Vocabulary
    kinds_by_words: Mapping[str, tuple[KindSet, ...]] = field(
        init=False, repr=False, compare=False)

    def __post_init__(self):
        head = self.kinds_for("head")
        places = {"top": head, "head": tuple(kind for kind in head if kind.reason != "site_name"),
                  "anywhere": self.kinds_for("anywhere"), "tail": self.kinds_for("tail")}
        tables = {}
        sets: dict[tuple[LineKind, ...], KindSet] = {}  # one per distinct admitted kinds
        for place, kinds in places.items():
            longest = max((kind.max_words for kind in kinds), default=-1)
            table = []
            for words in range(longest + 1):
                admitted = tuple(kind for kind in kinds if words <= kind.max_words)
                if admitted not in sets:
                    sets[admitted] = KindSet(admitted)
                table.append(sets[admitted])
            tables[place] = tuple(table)
        object.__setattr__(self, "kinds_by_words", MappingProxyType(tables))

    def kinds_for(self, where: str) -> tuple[LineKind, ...]:
        return tuple(kind for kind in self.kinds if kind.where == where)

    def kinds_within(self, place: str, words: int) -> KindSet:
        """The kinds a line of `words` words may be in `place`."""
        table = self.kinds_by_words[place]
        return table[words] if words < len(table) else _NO_KINDS


def _fold_pattern(pattern: str) -> str:
    """Same letter folding as the match form, without touching regex syntax (no casefold)."""
    return _fold_letters(pattern)


def _fold_word(word: str) -> str:
    return _fold_letters(word).casefold()


# The pattern file's word lists, in `BoilerplateState`'s order.
WORD_LISTS = ("site_name_words", "share_bar_words", "date_words")


@functools.lru_cache(maxsize=8)
def load_patterns(path: str | None = None) -> dict:
    """The parsed pattern YAML (packaged `configs/boilerplate.yaml` when `path` is None)."""
    source = Path(path) if path else PATTERNS_PATH
    data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    if not isinstance(data.get("kinds"), dict):
        raise ValueError(f"{source}: a mapping 'kinds' is required")
    for name, spec in data["kinds"].items():
        if spec.get("where", "anywhere") not in WHERE_VALUES:
            raise ValueError(f"{source}: kind {name!r}: 'where' must be one of {WHERE_VALUES}")
        _check_strings(source, f"kind {name!r} patterns", spec.get("patterns", []))
    for key in WORD_LISTS:
        _check_strings(source, repr(key), data.get(key, []))
    return data


def _check_strings(source: Path, what: str, values) -> None:
    """YAML reads a bare on/yes/no as a boolean and `word:` as a mapping: quote such entries."""
    odd = [v for v in values if not isinstance(v, str)] if isinstance(values, list) else [values]
    if odd:
        raise ValueError(f"{source}: {what} holds {odd!r}, not strings: quote them")


_PATTERN_FLAGS = regex.IGNORECASE | regex.V1


def _compile_kind(name: str, spec: dict) -> LineKind:
    sources = [_fold_pattern(p) for p in spec.get("patterns", ())]
    return LineKind(name=name, reason=spec.get("reason", name), where=spec.get("where", "anywhere"),
                    max_words=int(spec.get("max_words", 12)),
                    patterns=tuple(regex.compile(p, _PATTERN_FLAGS) for p in sources),
                    screens=tuple(literal_screen(p) for p in sources),
                    starts=tuple(first_chars(p) for p in sources))


def load_boilerplate(cfg: BoilerplateConfig = BoilerplateConfig()) -> BoilerplateState:
    """Compile the patterns once per worker (the `setup` of the StripBoilerplate step)."""
    data = load_patterns(cfg.patterns_path)
    kinds = tuple(_compile_kind(name, spec) for name, spec in data["kinds"].items())
    site_name_words, share_bar_words, date_words = (
        frozenset(_fold_word(w) for w in data.get(key, ())) for key in WORD_LISTS)
    return BoilerplateState(cfg=cfg, kinds=kinds, site_name_words=site_name_words,
                            share_bar_words=share_bar_words, date_words=date_words,
                            vocab=load_vocabulary(cfg.vocabulary_dir))


# --- shape rules that patterns cannot express ---------------------------------------------------

_NUMERIC_DATE = regex.compile(r"^\d{1,4}([/.\-]\d{1,2}){1,2}([/.\-]\d{2,4})?$|^\d{1,2}:\d{2}(:\d{2})?$")
_NUMBER = regex.compile(r"^\d+$")


def _is_dateline(form: str, state: BoilerplateState) -> bool:
    """Mostly date tokens (month/day names, numbers, calendar marks) with a real date in it.

    The digits of a match form are ASCII (`fold_letters`), so the number patterns are tried
    only on tokens opening with one; and the tokens are read only while enough may be dates."""
    tokens = form.replace("،", " ").replace(",", " ").split()
    if not 2 <= len(tokens) <= 16:
        return False
    dated = anchored = 0
    least = 0.7 * len(tokens)
    for seen, token in enumerate(tokens, 1):
        token = token.strip("()[]-–:.")
        numeric = "0" <= token[:1] <= "9"
        if numeric and _NUMERIC_DATE.match(token):
            dated += 1
            anchored += 2
        elif numeric and _NUMBER.match(token):
            dated += 1
        elif token in state.date_words:
            dated += 1
            anchored += len(token) >= 3
        elif dated + len(tokens) - seen < least:  # too few dates even if the rest are
            return False
    return anchored >= 2 and dated >= least


def _is_share_bar(form: str, state: BoilerplateState) -> bool:
    """A short line made of share verbs and social-network names: 2 to 16 tokens, 3 in 4 of them
    share-bar words. Five other tokens already rule it out (at most 4 of 16 may be other), so a
    paragraph is read only that far."""
    tokens = other = 0
    for found in _WORD_RE.finditer(form):
        tokens += 1
        other += found.group() not in state.share_bar_words
        if tokens > 16 or other > 4:
            return False
    return tokens >= 2 and tokens - other >= 0.75 * tokens


def _tokens_share_bar(tokens: list[str], state: BoilerplateState) -> bool:
    """`_is_share_bar` of the line whose `tokens_of` are `tokens` (short lines have them for
    the shape rules): set lookups instead of the regex."""
    shared = sum(map(state.share_bar_words.__contains__, tokens))
    return 2 <= len(tokens) <= 16 and len(tokens) - shared <= 4 and shared >= 0.75 * len(tokens)


def _is_site_name(form: str, state: BoilerplateState) -> bool:
    """A top line that names the site whatever follows it: "<name> نیوز", "جريدة <name>",
    or a breadcrumb with "|" or " » " ("site | section", "الرئيسية » أخبار")."""
    tokens = form.split()
    if len(tokens) <= 3 and any(token.endswith(word) for token in tokens
                                for word in state.site_name_words):
        return True
    crumbs = [c for c in _STRONG_CRUMB_SPLIT.split(form) if c]
    return ("«" not in form and len(crumbs) >= 2 and len(tokens) <= 7
            and all(word_count(c) <= 3 for c in crumbs))


def _may_be_site_name(form: str) -> bool:
    """Up to three words, or a short breadcrumb ("site - section"): a site name when a title
    follows it, a title (or byline) otherwise."""
    if sum(1 for _ in itertools.islice(_WORD_RE.finditer(form), 4)) <= 3:  # reads 4 words at most
        return True
    crumbs = [c for c in _CRUMB_SPLIT.split(form) if c]
    return ("«" not in form and len(crumbs) >= 2 and word_count(form) <= 7
            and all(word_count(c) <= 3 for c in crumbs))


_BULLET = regex.compile(r"^[\s\p{Cf}]*[-–—•*▪●◦]")


def _is_list_item(line: str) -> bool:
    """A line opening with a bullet or a dialogue dash: an item or a turn, never a headline."""
    return _BULLET.match(line) is not None


def _names_the_body(first: str, second: str, rest: list[str]) -> bool:
    """True when a short first line is the article's own title rather than the site's name.

    A plain line (no breadcrumb separator) whose content words recur in the body, while the
    line below it does not, is what the body is about; a site name is not. Needs two content
    words: one word ("ورزش" of a "به گزارش ورزش سه" lead) recurs in bodies by chance.
    """
    words = _content_words(first)
    if len(words) < 2 or len(_CRUMB_SPLIT.split(first)) > 1:
        return False
    body_words = Counter(w for line in rest for w in _content_words(line))
    return _body_overlap(first, body_words) >= 0.5 > _body_overlap(second, body_words)


def _is_byline_shape(form: str, words: int) -> bool:
    """"Name – City", "Site | City", "Name- Site- City:": short dash- or bar-separated
    segments. `words` is the form's `word_count` (the cheap test, made first)."""
    if words > 7:
        return False
    parts = [p for p in _DASH_SPLIT.split(form) if p]
    return 2 <= len(parts) <= 4 and all(word_count(p) <= 3 for p in parts)


# --- the related-headline block ---------------------------------------------------------------

_STOP_LEN = 3  # folded words this short are function words for the overlap feature

# Reasons that end an article: a title-like run after one of them is not body text.
_ARTICLE_END_REASONS = frozenset({"source_credit", "end_marker", "tag_line", "share_prompt",
                                  "comment_prompt", "follow_prompt", "promo", "photo_credit",
                                  "site_boilerplate"})


# Page furniture that may sit between the list and the end, or inside the list's tail.
_PROMPT_REASONS = frozenset({"share_prompt", "comment_prompt", "follow_prompt", "promo",
                             "navigation", "site_boilerplate"})


def _content_words(line: str) -> set[str]:
    return {w for w in fold_words(line) if len(w) > _STOP_LEN}


def _body_overlap(line: str, body_words: Counter) -> float:
    words = _content_words(line)
    if not words:
        return 1.0
    return sum(1 for w in words if body_words[w]) / len(words)


@dataclass(frozen=True)
class HeadlineBlock:
    """A trailing run of title-like lines and the evidence that it is a related-stories list."""
    indices: tuple[int, ...]
    score: float


_NUMBER_RUN = regex.compile(r"\d+")


def _shared_prefix_share(lines: list[str]) -> float:
    """Share of lines starting with the most common two words (any number as one symbol).

    A roster or results table ("55 کیلوگرم: ...", "60 کیلوگرم: ...") repeats its first word;
    a list of other stories' headlines does not.
    """
    firsts = Counter(" ".join(_NUMBER_RUN.sub("#", fold(line)).split(" ", 2)[:2]) for line in lines)
    return firsts.most_common(1)[0][1] / len(lines) if lines else 0.0


_LIST_MARK = regex.compile(r"^\s*([-–•*▪●◦]|\(?\d{1,2}[-–.)]|[-–]\d{1,2})\s*\S")


def _rhyme_share(lines: list[str]) -> float:
    """Share of lines (all, or every other one) ending in the most common two letters: verse
    rhymes, a list of unrelated headlines does not."""
    best = 0.0
    for group in (lines, lines[0::2], lines[1::2]):
        if len(group) >= 4:
            endings = Counter(fold_key(line)[-2:] for line in group)
            best = max(best, endings.most_common(1)[0][1] / len(group))
    return best


def _block_score(lines: list[str], title_hits: int, after_end: bool, body_words: Counter) -> float:
    count = len(lines)
    lengths = [len(line) for line in lines]
    spread = statistics.pstdev(lengths) / max(statistics.mean(lengths), 1) if count > 1 else 1.0
    unrelated = sum(_body_overlap(line, body_words) < 0.5 for line in lines) / count
    styled = sum(bool(_TITLE_PREFIX.match(line) or _QUOTED.search(line)) for line in lines) / count
    repeated = _shared_prefix_share(lines) if count >= 3 else 0.0
    listed = sum(bool(_LIST_MARK.match(line)) for line in lines) / count
    rhymed = _rhyme_share(lines)
    return (0.35 * min(count, 8) / 8          # longer runs are rarely body text
            + 0.2 * max(0.0, 1 - spread)      # similar lengths
            + 0.35 * unrelated                # about other stories than the body
            + 0.1 * styled                    # "X: ..." prefixes and quotes
            + 0.5 * after_end                 # below a source credit / end marker / tag line
            + 1.0 * title_hits / count        # titles of other documents in the batch
            - 1.0 * max(0.0, repeated - 0.3)  # a table or roster, not headlines
            - 0.4 * listed                    # bullets / numbers: the author's own list
            - 1.5 * max(0.0, rhymed - 0.5))   # verse


def lines_under_headings(lines: list[str], words: list[int], reasons: dict[int, str],
                         cfg: BoilerplateConfig) -> list[int]:
    """Title-like lines right below a related-stories heading ("اخبار مرتبط", "اقرأ أيضا").

    `words` holds each line's `word_count`."""
    found = []
    for heading in (i for i, r in reasons.items() if r == "related_heading"):
        index = heading + 1
        while index < len(lines) and (index in reasons or (
                not is_prose(lines[index], words[index]) and words[index] <= cfg.headline_max_words)):
            if index not in reasons:
                found.append(index)
            index += 1
    return sorted(set(found))


def find_headline_block(lines: list[str], words: list[int], reasons: dict[int, str],
                        batch_titles: frozenset, own_title_key: Optional[str],
                        cfg: BoilerplateConfig) -> Optional[HeadlineBlock]:
    """The trailing related-headline block of `lines` (`words`: their `word_count`s) that has no
    heading above it, or None.

    Walks back from the end over title-like lines, stepping over trailing prompts already
    removed; stops at an article-ending line, a body line, or a line quoting the document's own
    title (a "link to this story" line is not another story). A body line ending in ":" or
    "،" just above the run ("به گزارش ورزش سه،") introduces a list that belongs to the article.
    """
    own_title_hash = _key_hash(own_title_key) if own_title_key else None
    run: list[int] = []
    after_end = False
    index = len(lines) - 1
    while index >= 0:
        reason = reasons.get(index)
        if reason is not None:
            # A headline that recurs across the site's pages stays part of the run.
            recurring_headline = reason == "site_boilerplate" and is_headline_like(
                lines[index], cfg, words[index])
            if run and not recurring_headline and (
                    reason not in _PROMPT_REASONS or len(run) >= cfg.headline_block_min_lines):
                after_end = reason in _ARTICLE_END_REASONS
                break
            index -= 1  # trailing prompts, or one stray line below a prompt: keep walking
            continue
        line = lines[index]
        one_word_title = words[index] == 1 and not ends_like_sentence(line)
        if not (is_headline_like(line, cfg, words[index]) or one_word_title) or (
                own_title_key and own_title_key in fold_key(line)):
            break
        run.append(index)
        index -= 1
    run.reverse()
    while run and words[run[0]] == 1:  # a one-word line above the run stays body
        run.pop(0)
    if not run:
        return None
    above = run[0] - 1
    if not after_end and above >= 0 and above not in reasons and last_mark(lines[above]) in ":：،,":
        return None
    body_indices = [i for i in range(run[0]) if i not in reasons]
    body = [lines[i] for i in body_indices]
    if not any(is_prose(lines[i], words[i]) for i in body_indices):
        return None  # no paragraph above: the short lines are the article itself (verse, notes)
    hits = [i for i in run
            if (h := line_hash(lines[i])) in batch_titles and h != own_title_hash]
    if not (len(run) >= cfg.headline_block_min_lines or after_end or len(hits) == len(run)):
        return None  # too short a run to be a block whatever its score
    body_words = Counter(w for line in body for w in _content_words(line))
    score = _block_score([lines[i] for i in run], len(hits), after_end, body_words)
    if score < cfg.headline_block_min_score:
        return None
    if not after_end:
        # No line above marks the article's end: leave the body's own closing lines (those
        # sharing its vocabulary and matching no batch title) in the body.
        hit_set = set(hits)
        while run and run[0] not in hit_set and _body_overlap(lines[run[0]], body_words) >= 0.5:
            run.pop(0)
        if not run or len(run) < cfg.headline_block_min_lines and len(hits) < len(run):
            return None
    return HeadlineBlock(tuple(run), score)


# --- boilerplate glued to the first paragraph ---------------------------------------------------

_DASH_BYLINE_PREFIX = regex.compile(
    r"^((?:[^\s:：\-–]+ ?){1,3}[-–] ?){1,3}(?:[^\s:：\-–]+ ?){1,3}[:：]\s+(?=\S)")


_SHARE_PREFIX_WORDS = 4  # a share bar glued to the first paragraph has at least this many


def _dash_before_colon(line: str) -> bool:
    """A dash before the line's first colon: what a `_DASH_BYLINE_PREFIX` match holds, its words
    holding neither (the costly part of the pattern, its nested repeats, is not tried)."""
    colon = min((at for at in (line.find(":"), line.find("：")) if at >= 0), default=-1)
    return colon > 0 and (line.find("-", 0, colon) >= 0 or line.find("–", 0, colon) >= 0)


def split_inline_prefix(line: str, letters: str,
                        state: BoilerplateState) -> Optional[tuple[str, str, str]]:
    """`(prefix, rest, reason)` when the first paragraph starts with a share bar, a
    "name- site- city:" byline or a "city – date (agency) –" dateline that lost its own line;
    None otherwise. `letters` is the line's `fold_letters`."""
    head = line.split(" ", _SHARE_PREFIX_WORDS)  # (most first words are no share word)
    if len(head) > _SHARE_PREFIX_WORDS and all(
            _fold_word(token) in state.share_bar_words for token in head[:-1]):
        tokens = line.split(" ")
        consumed = _SHARE_PREFIX_WORDS
        while consumed < len(tokens) and _fold_word(tokens[consumed]) in state.share_bar_words:
            consumed += 1
        if consumed < len(tokens):
            rest = " ".join(tokens[consumed:])
            if is_prose(rest):
                return " ".join(tokens[:consumed]), rest, "share_prompt"
    found = _DASH_BYLINE_PREFIX.match(line) if _dash_before_colon(line) else None
    if found and word_count(found.group()) <= 8 and is_prose(line[found.end():]):
        return found.group().strip(), line[found.end():], "byline"
    prefix = dateline_prefix(line, letters, state.vocab)
    if prefix and is_prose(line[len(prefix):]):
        return prefix.strip(), line[len(prefix):], "dateline"
    return None


# --- classification -----------------------------------------------------------------------------

_HEADING_MAX_WORDS = 4


def _cued_headings(lines: list[str], words: list[int], reasons: dict[int, str],
                   cfg: BoilerplateConfig, view_at) -> list[int]:
    """Short lines with a related-stories word ("شاهد أيضاً", "پیوندهای مرتبط") below the
    article's last paragraph, with only title-like lines after them. `view_at(i)` gives line
    i's `LineView`."""
    open_lines = [i for i in range(len(lines)) if i not in reasons]
    # the trailing run of short non-prose lines: candidates, each but the last with titles below
    start = len(open_lines)
    while start > 0 and not is_prose(lines[open_lines[start - 1]], words[open_lines[start - 1]]) \
            and words[open_lines[start - 1]] <= cfg.headline_max_words:
        start -= 1
    if start == 0:  # no paragraph above: the short lines are the article
        return []
    found = []
    for i in open_lines[start:-1]:
        line_view = view_at(i)
        if line_view is not None and related_heading(line_view):
            found.append(i)
    return found


def _is_block_heading(line: str, words: int) -> bool:
    """A short line right above a related-headline block, not a sentence: its heading."""
    return 1 <= words <= _HEADING_MAX_WORDS and (
        not ends_like_sentence(line) or last_mark(line) in ":：")

@dataclass(frozen=True)
class Classified:
    """The verdict on a document's lines (indices refer to the non-empty input lines)."""
    title: Optional[str]
    kept: tuple[str, ...]
    kept_indices: tuple[int, ...]
    removed: tuple[RemovedLine, ...]
    credited_source: Optional[str] = None
    site_name: Optional[str] = None


_SEPARATOR = regex.compile(r"[:：\-–—]")


def _after_separator(line: str) -> str:
    """Original text after the first ':'/'-' (the agency of a source credit)."""
    parts = _SEPARATOR.split(line, maxsplit=1)
    value = parts[1] if len(parts) == 2 else ""
    return _trim(value.strip())


def _site_label(line: str) -> str:
    first = _CRUMB_SPLIT.split(line.strip(), maxsplit=1)[0]
    return _trim(first) or line.strip()


def classify_lines(lines: list[str], lang: str, state: BoilerplateState,
                   site_common_lines: frozenset = frozenset(),
                   batch_titles: frozenset = frozenset(),
                   has_title: bool = False, title: Optional[str] = None) -> Classified:
    """Decide, line by line and block by block, what is article and what is boilerplate.

    Args:
      lines: the document's lines (empty lines are ignored and dropped).
      lang: document language (patterns cover the Arabic-script languages together).
      site_common_lines: `line_hash`es that recur across this document's site in the batch.
      batch_titles: `line_hash`es of the titles in the batch.
      has_title: the document came with a title (JSONL): no title is taken from the text, and
        a first line equal to `title` is removed as `repeated_title`.
    """
    cfg = state.cfg
    lines = [line for line in map(str.strip, lines) if line]
    letters, forms = fold_lines(lines)  # letters: for both match forms and line keys
    # Word counts once per line: every pattern kind and shape test asks for them.
    form_words = [_form_word_count(form) for form in forms]
    words = [word_count(line) for line in lines]
    reasons: dict[int, str] = {}
    credited = site_name = None
    title_index: Optional[int] = None
    title_key = fold_key(title) if has_title and title else None
    # Lines some shape rule may take; their tokens and vocabulary marks are found once.
    shapeable = [may_be_boilerplate(line, count) for line, count in zip(lines, form_words)]
    token_marks: dict[int, tuple[list[str], list[int]]] = {}
    shape_reasons: dict[tuple[int, str], Optional[str]] = {}

    def tokens_and_marks(i: int) -> tuple[list[str], list[int]]:
        if i not in token_marks:
            tokens = tokens_of(forms[i])
            token_marks[i] = tokens, state.vocab.marks(tokens)
        return token_marks[i]

    def view(i: int, zone: str) -> Optional[LineView]:
        """The line as the shape rules read it in `zone`; None for a paragraph too long for
        any of them."""
        if not shapeable[i]:
            return None
        return LineView(lines[i], forms[i], *tokens_and_marks(i), zone)

    def is_share_bar(i: int) -> bool:
        """A line the shape rules read has its tokens found once for both."""
        if shapeable[i]:
            return _tokens_share_bar(tokens_and_marks(i)[0], state)
        return _is_share_bar(forms[i], state)

    def shape(i: int, zone: str) -> Optional[str]:
        """`shape_reason` of line i in `zone`, once per line and zone. The body's rules are
        among the head's: a line the head rules left is no body boilerplate either."""
        if not shapeable[i]:
            return None
        if zone == "body" and (shape_reasons.get((i, "head"), "") is None
                               or shape_reasons.get((i, "top"), "") is None):
            return None
        if (i, zone) not in shape_reasons:
            shape_reasons[i, zone] = shape_reason(view(i, zone))
        return shape_reasons[i, zone]

    def take_anywhere(i: int) -> bool:
        nonlocal credited
        kind = state.kinds_within("anywhere", form_words[i]).first_match(forms[i])
        if kind is not None:
            reasons[i] = kind.reason
            if kind.reason == "source_credit" and credited is None:
                credited = _after_separator(lines[i]) or None
            return True
        if is_share_bar(i):
            reasons[i] = "share_prompt"
            return True
        reason = shape(i, "body")
        if reason is not None:
            reasons[i] = reason
            return True
        return False

    def head_reason(i: int, before_title: bool = False) -> Optional[str]:
        kind = state.kinds_within("top" if before_title else "head", form_words[i]).first_match(
            forms[i])
        if kind is not None:
            return kind.reason
        if _is_dateline(forms[i], state):
            return "dateline"
        return shape(i, "top" if before_title else "head")

    def is_title_candidate(i: int) -> bool:
        return (i + 1 < len(lines) and looks_like_title(lines[i], cfg, words[i])
                and not is_prose(lines[i], words[i])
                and not _is_list_item(lines[i]) and head_reason(i) is None
                and not _is_byline_shape(forms[i], form_words[i]))

    # 1. The head: site name, title, byline, dateline, repeated title — until the body starts.
    title_decided = has_title
    index = 0
    while index < len(lines) and index < cfg.head_lines + (title_index is not None):
        line, form = lines[index], forms[index]
        reason = head_reason(index, before_title=not title_decided)
        if title_key is not None and key_of_letters(letters[index]) == title_key:
            reasons[index] = "repeated_title"
        elif not title_decided and index + 1 < len(lines) and reason != "section_label" and (
                reason == "site_name" or _is_site_name(form, state)
                or _may_be_site_name(form) and is_title_candidate(index + 1)
                and not _names_the_body(line, lines[index + 1], lines[index + 2:])):
            reasons[index] = "site_name"
            site_name = site_name or _site_label(line)
        elif reason is not None and reason != "site_name":
            reasons[index] = reason
        elif _is_byline_shape(form, form_words[index]) and (title_decided or index + 1 < len(lines)
                                         and is_prose(lines[index + 1], words[index + 1])):
            reasons[index] = "byline"
        elif take_anywhere(index):
            pass
        elif not title_decided:
            title_decided = True
            if not (index + 1 < len(lines) and looks_like_title(line, cfg, words[index])
                    and not is_prose(line, words[index])):
                break
            title_index = index
            title_key = key_of_letters(letters[index])
        else:
            break
        index += 1

    # 2. Everywhere else: patterns, share bars, lines the site repeats in many documents.
    for i in range(len(lines)):
        if i in reasons or i == title_index:
            continue
        if take_anywhere(i):
            continue
        if (site_common_lines and not is_shared_prose(lines[i], cfg, words[i])
                and _hash_of_letters(letters[i]) in site_common_lines):
            reasons[i] = "site_boilerplate"  # (hashed last: the costliest test)

    # The first paragraph may start with a share bar or byline that lost its line break.
    first_body = next((i for i in range(len(lines)) if i not in reasons and i != title_index), None)
    prefix_removed: list[RemovedLine] = []
    split = (split_inline_prefix(lines[first_body], letters[first_body], state)
             if first_body is not None else None)
    if split:
        prefix, lines[first_body], reason = split
        words[first_body] = word_count(lines[first_body])
        prefix_removed.append(RemovedLine(prefix, reason))

    # 3. The trailing related-headline block, then tail-only kinds after the last paragraph.
    body_reasons = dict(reasons)
    if title_index is not None:
        body_reasons[title_index] = "title"
    for i in _cued_headings(lines, words, body_reasons, cfg, lambda i: view(i, "body")):
        reasons[i] = body_reasons[i] = "related_heading"
    for i in lines_under_headings(lines, words, body_reasons, cfg):
        reasons[i] = body_reasons[i] = "related_headlines"
    block = find_headline_block(lines, words, body_reasons, batch_titles, title_key, cfg)
    if block is not None:
        for i in block.indices:
            reasons[i] = "related_headlines"
        above = block.indices[0] - 1
        if above >= 0 and above not in reasons and above != title_index \
                and _is_block_heading(lines[above], words[above]):
            reasons[above] = "related_heading"
    last_paragraph = max((i for i in range(len(lines)) if i not in reasons and i != title_index
                          and is_prose(lines[i], words[i])), default=-1)
    for i in range(last_paragraph + 1, len(lines)):
        if i in reasons or i == title_index:
            continue
        kind = state.kinds_within("tail", form_words[i]).first_match(forms[i])
        reason = kind.reason if kind is not None else shape(i, "tail")
        if reason is not None:
            reasons[i] = reason

    kept = tuple(i for i in range(len(lines)) if i not in reasons and i != title_index)
    removed = tuple(prefix_removed) + tuple(RemovedLine(lines[i], reasons[i]) for i in sorted(reasons))
    found_title = lines[title_index] if title_index is not None else None
    return Classified(title=found_title, kept=tuple(lines[i] for i in kept), kept_indices=kept,
                      removed=removed, credited_source=credited, site_name=site_name)


# --- the step -----------------------------------------------------------------------------------

def site_key(doc: Doc) -> str:
    """The site a document's recurring lines are counted under.

    `doc.site` when the input named it; otherwise the folder the input file sits in, since
    crawls are usually stored one site per folder. (The first line cannot serve: it is the
    title as often as the site name.)
    """
    if doc.site:
        return "site:" + doc.site.strip().casefold()
    path = doc.source.replace("\\", "/")
    if not path.lower().endswith(".txt"):
        path = path.rsplit(":", 1)[0]  # JSONL sources are "path:line"
    return "dir:" + posixpath.dirname(path)


def strip_step(doc: Doc, state: BoilerplateState,
               site_common_lines: Mapping[str, frozenset] | None = None,
               batch_titles: frozenset = frozenset()) -> Doc:
    """Remove boilerplate lines from `doc.text` (each with a reason), take the title from line 1
    of title-less inputs, keep the credited agency and site name, reject a document left empty.

    Side inputs (from `CorpusBoilerplateSignals`): `site_common_lines` maps `site_key(doc)` to
    the `line_hash`es recurring in that site; `batch_titles` holds the batch's title hashes.
    """
    common = (site_common_lines or {}).get(site_key(doc), frozenset())
    has_title = bool(doc.title)
    verdict = classify_lines(doc.text.split("\n"), doc.lang, state, common, batch_titles,
                             has_title=has_title, title=doc.title)
    text = _join_paragraphs(doc.text, verdict)
    if not _has_chars(text, state.cfg.min_clean_chars):
        left = _non_space_chars(text)
        reasons = Counter(line.reason for line in verdict.removed)
        summary = ", ".join(f"{reason}×{count}" for reason, count in sorted(reasons.items()))
        raise Reject("empty_after_cleaning",
                     f"{left} characters left (minimum {state.cfg.min_clean_chars}); "
                     f"removed {len(verdict.removed)} lines ({summary or 'none'})",
                     doc.with_removed(verdict.removed))
    changes = {}
    if text != doc.text:
        changes["text"] = text
    if verdict.title is not None:
        changes.update(title=verdict.title, title_from_text=True)
    if verdict.credited_source and not doc.credited_source:
        changes["credited_source"] = verdict.credited_source
    if verdict.site_name and not doc.site:
        changes["site"] = verdict.site_name
    if not changes and not verdict.removed:
        return doc
    return doc.replace(**changes).with_removed(verdict.removed)


def _non_space_chars(text: str) -> int:
    return len("".join(text.split()))  # `str.split` splits on `isspace`


def _has_chars(text: str, least: int) -> bool:
    """`_non_space_chars(text) >= least`, read from the text's head when that holds enough:
    splitting a whole article into words only to count its letters was a tenth of the step."""
    head = text[:4 * least]
    return _non_space_chars(head) >= least or (len(head) < len(text)
                                                and _non_space_chars(text) >= least)


def _join_paragraphs(original: str, verdict: Classified) -> str:
    """Kept lines in order, with one blank line where the input had blanks between kept lines."""
    kept = dict(zip(verdict.kept_indices, verdict.kept))
    out: list[str] = []
    blank_seen = False
    index = -1
    for raw in original.split("\n"):
        line = raw.strip()
        if not line:
            blank_seen = True
            continue
        index += 1
        if index in kept:
            if blank_seen and out:
                out.append("")
            out.append(kept[index])
            blank_seen = False
    return "\n".join(out)
