"""Zero-width non-joiner (ZWNJ, U+200C) repair for Persian and Dari.

Persian writes "می‌گذارد", "بیانیه‌ای", "رئیس‌جمهور" with a ZWNJ: the parts are one word that must
not join visually. Scraped text often lost it, in two ways: it became a space ("می گذارد") or it was
deleted ("میگذارد"). Rule-based normalizers only guess (hazm's recall on deleted ZWNJs is .34), so
the decisions here come from a lexicon learned from Persian news that kept its ZWNJs
(`data/zwnj_lexicon.tsv`, built by `benchmarks/build_zwnj_lexicon.py`):

- a known ZWNJ form wins over the same letters written joined / split when it is the more
  frequent spelling in the lexicon ("بیانیهای" -> "بیانیه‌ای", while "میز", "میان", "تنها" stay);
- the lexicon also holds the closed compounds of hazm's word list ("لاک‌پشت"), each worth one
  occurrence: they spell compounds our news corpus never saw without overruling its spellings;
- unseen words fall back to productive affixes learned from the same lexicon (the verbal prefix
  می/نمی, بی, the plural and pronoun suffixes, compound heads such as سازی) that fire only when
  the rest is itself a known word, never after a non-joining letter.
"""
from __future__ import annotations

import collections
import functools
import itertools
import operator
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import regex

from transforms.charclass import twin_pattern

ZWNJ = "\u200c"
LEXICON_PATH = Path(__file__).parent / "data" / "zwnj_lexicon.tsv"

# Splitting on a captured word run gives [separator, word, separator, ..., word, separator].
WORD_RUN = twin_pattern("({word}+)", word=r"[\p{L}\p{M}\u200c]")
# A ZWNJ belongs directly between two letters; any other one (next to a space, at a word edge)
# is typing debris. "می‌ شود" loses its ZWNJ here and is rejoined by the restoration.
_ZWNJ_RUN = regex.compile(r"(?<=[\p{L}\p{M}])\u200c{2,}(?=\p{L})")
_ZWNJ_WITH_SPACES = regex.compile(r" *\u200c[ \u200c]*")
_DIACRITICS = regex.compile(r"\p{M}")
_ARABIC_LETTERS = regex.compile(r"[\p{Arabic}\u200c]+")

# Letters that never join to the next one: a ZWNJ after them is invisible and usually omitted.
NON_JOINING = frozenset("اآأإدذرزژوؤۀة")


@dataclass(frozen=True)
class ZwnjLexicon:
    """Word-form counts from Persian text that kept its ZWNJs, and what they imply.

    counts: plain words, ZWNJ forms ("می‌گذارد") and space-split forms ("می گذارد") -> count in
      every record that uses ZWNJs.
    careful: the same counts in the records that never write می/ها/های apart: elsewhere a space
      is as likely a lost ZWNJ as a spelling, so these say which affixes are bound.
    zwnj_by_letters: letters without ZWNJ ("میگذارد") -> most frequent ZWNJ form.
    affix_heads / affix_tails: productive parts before / after a ZWNJ ("می", "بی" / "ها",
      "ترین", "سازی"): they follow many different words and rarely stand alone.
    bound_heads / bound_tails: the productive parts that careful writers never write as words of
      their own (می, نمی / ها, های): one of them next to a space is a ZWNJ that became a space.
    verb_stems: what follows a bound head, with and without the person ending ("گذار", "کرد").
    tail_finals: for affix tails that follow only a few final letters, those letters ("ای" and
      "اند" follow a silent heh: "نامه‌ای", "رفته‌اند"; "اش" heh or yeh), so "کتابش" stays.

    The rest is derived from the fields above when the lexicon is built, so that `restore_zwnj`
    decides the words the lexicon knows (~97% of news words) with a lookup or two:
    head_set / tail_set: affix_heads / affix_tails as sets.
    bound_affixes: bound_heads and bound_tails together.
    head_sizes / tail_sizes: their lengths, longest first.
    joining_pairs: the first two parts of each ZWNJ form of two or three parts that is more
      frequent than its spaced spelling (("رئیس", "جمهور")).
    spellings: `_split_joined` of every lexicon word.
    careful_spellings: the words whose ZWNJ spelling wins on the careful counts but not on all
      counts ("مهم‌ترین", "فعالیت‌ها"): how a writer who never sets می/ها apart spells them.
    steady: the lexicon words that stay as they are unless a neighbour joins them: spelled as
      they are (on either count) and not an affix head.
    """
    counts: Mapping[str, int]
    careful: Mapping[str, int]
    zwnj_by_letters: Mapping[str, str]
    affix_heads: tuple[str, ...]
    affix_tails: tuple[str, ...]
    bound_heads: frozenset
    bound_tails: frozenset
    verb_stems: frozenset
    tail_finals: Mapping[str, frozenset]
    min_stem_count: int = 3
    head_set: frozenset = field(init=False, repr=False, compare=False)
    tail_set: frozenset = field(init=False, repr=False, compare=False)
    bound_affixes: frozenset = field(init=False, repr=False, compare=False)
    head_sizes: tuple[int, ...] = field(init=False, repr=False, compare=False)
    tail_sizes: tuple[int, ...] = field(init=False, repr=False, compare=False)
    joining_pairs: frozenset = field(init=False, repr=False, compare=False)
    spellings: Mapping[str, str] = field(init=False, repr=False, compare=False)
    careful_spellings: Mapping[str, str] = field(init=False, repr=False, compare=False)
    steady: frozenset = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        # A frozen dataclass sets its derived fields through object.__setattr__.
        derive = functools.partial(object.__setattr__, self)
        derive("head_set", frozenset(self.affix_heads))
        derive("tail_set", frozenset(self.affix_tails))
        derive("bound_affixes", self.bound_heads | self.bound_tails)
        derive("head_sizes", tuple(sorted({len(head) for head in self.affix_heads}, reverse=True)))
        derive("tail_sizes", tuple(sorted({len(tail) for tail in self.affix_tails}, reverse=True)))
        derive("joining_pairs", frozenset(
            (parts[0], parts[1]) for form in self.counts
            if len(parts := form.split(ZWNJ)) in (2, 3) and self.prefers(form, " ".join(parts))))
        spellings = {word: _split_joined(word, self)
                     for word in (*self.counts, *self.zwnj_by_letters) if " " not in word}
        derive("spellings", MappingProxyType(spellings))
        derive("careful_spellings", MappingProxyType({
            word: form for word, form in self.zwnj_by_letters.items()
            if spellings.get(word) == word and self.careful.get(form, 0) > self.careful.get(word, 0)}))
        derive("steady", frozenset(word for word, spelled in spellings.items()
                                   if spelled == word and word not in self.head_set
                                   and word not in self.careful_spellings))

    def count(self, form: str) -> int:
        return self.counts.get(form, 0)

    def known(self, word: str) -> bool:
        return self.counts.get(word, 0) >= self.min_stem_count

    def prefers(self, form: str, other: str) -> bool:
        """Whether `form` is the more frequent spelling of the two. On all counts: arbitrating on
        the careful counts alone was measured to trade as much precision as it gains recall."""
        return self.count(form) > self.count(other)

    def verb_like(self, word: str) -> bool:
        return any(stem in self.verb_stems for stem in _verb_stems(word))

    def may_join(self, head: str, tail: str) -> bool:
        """Whether `_should_join` can be true for parts starting with `head`, `tail`: without an
        affix only a lexicon form preferred to its spaced spelling joins. False for most pairs."""
        return head in self.head_set or tail in self.tail_set or (head, tail) in self.joining_pairs


# Present and past person endings: "می‌گذار|ند", "می‌کرد|یم". Stripping them from what follows
# می/نمی gives the stems a new form of the same verb shares.
_PERSON_ENDINGS = ("یم", "ید", "ند", "م", "ی", "د")


def _verb_stems(word: str) -> list[str]:
    return [word] + [word[:-len(e)] for e in _PERSON_ENDINGS
                     if word.endswith(e) and len(word) - len(e) >= 2]


def _dominant(letters: collections.Counter, share: float = 0.9, at_most: int = 3) -> frozenset:
    """The few letters that end at least `share` of an affix's heads, or an empty set."""
    total, covered, chosen = sum(letters.values()), 0, []
    for letter, n in sorted(letters.items(), key=lambda kv: (-kv[1], kv[0])):
        if covered >= share * total:
            break
        chosen.append(letter)
        covered += n
    return frozenset(chosen) if len(chosen) <= at_most else frozenset()


def lexicon_from_counts(counts: Mapping[str, int], careful: Mapping[str, int],
                        listed: frozenset = frozenset(), listed_weight: int = 1,
                        min_partners: int = 8, min_head_partners: int = 12,
                        bound_ratio: int = 20, min_bound_uses: int = 20) -> ZwnjLexicon:
    """Derive the lookup tables from raw form counts (ties broken on the form: deterministic).

    An affix is productive when it appears with at least `min_partners` different words and is
    used more often as an affix than as a word of its own (that rules out "در", "که", "شده",
    which typos glue to the word before). A head needs `min_head_partners` partners that are not
    themselves affix tails: "سرمایه‌گذاری", "دانش‌آموز", "سرمایه‌ها" make compounds and plurals,
    not a prefix that goes before any word the way بی and می do. It is bound when careful text uses it at least
    `min_bound_uses` times and `bound_ratio` times more often as an affix than alone.

    `listed` forms (a dictionary's closed compounds) count `listed_weight` more, a dictionary's
    vote: enough to spell a compound the corpus never saw, not to overrule its spellings. They
    make no affix productive: that stays the corpus's evidence of how news is written.
    """
    counts = {**dict.fromkeys(listed, 0), **counts}
    counts = {form: n + listed_weight * (form in listed) for form, n in counts.items()}
    best: dict[str, tuple[int, str]] = {}
    partners = {"head": collections.defaultdict(set), "tail": collections.defaultdict(set)}
    uses = {"head": collections.Counter(), "tail": collections.Counter()}
    careful_uses = {"head": collections.Counter(), "tail": collections.Counter()}
    finals = collections.defaultdict(collections.Counter)
    for form, n in counts.items():
        if ZWNJ not in form or " " in form:
            continue
        letters = form.replace(ZWNJ, "")
        if letters not in best or (n, form) > best[letters]:
            best[letters] = (n, form)
        parts = form.split(ZWNJ)
        if len(parts) != 2 or form in listed and n <= listed_weight:
            continue
        head, tail = parts
        partners["head"][head].add(tail)
        partners["tail"][tail].add(head)
        n -= listed_weight * (form in listed)
        uses["head"][head] += n
        uses["tail"][tail] += n
        careful_uses["head"][head] += careful.get(form, 0)
        careful_uses["tail"][tail] += careful.get(form, 0)
        finals[tail][head[-1]] += 1

    def productive(side: str, exclude: frozenset = frozenset(), least: int = min_partners):
        found = [a for a, p in partners[side].items()
                 if len(p - exclude) >= least and uses[side][a] > counts.get(a, 0)]
        return tuple(sorted(found, key=lambda a: (-len(a), a)))

    def bound(side: str, affixes: tuple[str, ...]) -> frozenset:
        return frozenset(a for a in affixes if careful_uses[side][a] >= min_bound_uses
                         and careful_uses[side][a] >= bound_ratio * careful.get(a, 0))

    tails = productive("tail")
    heads = productive("head", frozenset(tails), min_head_partners)
    bound_heads = bound("head", heads)
    verb_stems = frozenset(stem for head in bound_heads for tail in partners["head"][head]
                           for stem in _verb_stems(tail))
    return ZwnjLexicon(
        counts=MappingProxyType(counts),
        careful=MappingProxyType({k: v for k, v in careful.items() if v}),
        zwnj_by_letters=MappingProxyType({k: v[1] for k, v in best.items()}),
        affix_heads=heads,
        affix_tails=tails,
        bound_heads=bound_heads,
        bound_tails=bound("tail", tails),
        verb_stems=verb_stems,
        tail_finals=MappingProxyType({t: f for t in tails if (f := _dominant(finals[t]))}),
    )


def read_counts(path: Path) -> tuple[dict[str, int], dict[str, int], frozenset]:
    """The lexicon file's columns: counts in all records with ZWNJs and in careful records, and
    the forms of hazm's word list."""
    counts, careful, listed = {}, {}, set()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#") or not line.strip():
                continue
            form, n, n_careful, in_hazm = line.rstrip("\n").split("\t")
            counts[form] = int(n)
            careful[form] = int(n_careful)
            if in_hazm == "1":
                listed.add(form)
    return counts, careful, frozenset(listed)


@functools.lru_cache(maxsize=1)
def load_lexicon() -> ZwnjLexicon:
    """The packaged lexicon, read once per process (immutable, safe to share)."""
    return lexicon_from_counts(*read_counts(LEXICON_PATH))


def tidy_zwnj(text: str) -> tuple[str, int]:
    """Collapse ZWNJ runs between letters and drop ZWNJs that are not between two letters,
    leaving one space where spaces were. Returns the text and how many places changed.
    """
    if ZWNJ not in text or _only_between_letters(text):
        return text, 0
    return _tidied_strays(text)


def _tidied_strays(text: str) -> tuple[str, int]:
    """`tidy_zwnj` without its shortcut: a Python call for every ZWNJ."""
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


def _only_between_letters(text: str) -> bool:
    """Whether every ZWNJ in `text` is one `tidy_zwnj` keeps: alone, after a letter or mark and
    before a letter. Most texts that hold ZWNJs hold only those; this costs a split and a
    lookup per distinct neighbour, not a Python call per ZWNJ."""
    parts = text.split(ZWNJ)
    return all(parts) and all(_is_letter(char, True) for char in {part[-1] for part in parts[:-1]}) \
        and all(_is_letter(char, False) for char in {part[0] for part in parts[1:]})


def _is_letter(char: str, or_mark: bool) -> bool:
    category = unicodedata.category(char)
    return category.startswith("L") or (or_mark and category.startswith("M"))


def _takes_tail(stem: str, tail: str, lex: ZwnjLexicon) -> bool:
    """Whether a word can carry a productive tail after a ZWNJ: a known word, or any word of three
    letters or more before a bound tail ("هنرستان‌ها", "کهنسال‌ترین"): careful writers always
    separate those, so an unseen word that ends in one is an unseen stem, not a new word."""
    if len(stem) < 2 or stem[-1] in NON_JOINING:
        return False
    if not _fits_finals(stem, tail, lex):
        return False
    if tail in lex.bound_tails and len(stem) >= 3:
        return True
    return lex.known(stem) or stem in lex.zwnj_by_letters


def _fits_finals(stem: str, tail: str, lex: ZwnjLexicon) -> bool:
    return tail not in lex.tail_finals or stem[-1] in lex.tail_finals[tail]


def _takes_bound_tail(word: str, tail: str, lex: ZwnjLexicon) -> bool:
    """Whether a separate bound tail ("کشور ها", "نامه ای") belongs to the word before it. After
    a non-joining letter the ZWNJ is invisible but still the spelling of the space's meaning."""
    if tail not in lex.bound_tails:
        return False
    stem = word.rsplit(ZWNJ, 1)[-1]
    return len(stem) >= 2 and _ARABIC_LETTERS.fullmatch(word) is not None \
        and _fits_finals(stem, tail, lex)


def _split_joined(word: str, lex: ZwnjLexicon) -> str:
    """The ZWNJ spelling of a word written without its ZWNJ, or the word unchanged."""
    # (a word of letters only holds no mark: `str.isalpha` spares most words the regex)
    if ZWNJ in word or len(word) < 3 or not word.isalpha() and _DIACRITICS.search(word):
        return word
    form = lex.zwnj_by_letters.get(word)
    if form is not None:
        return _preferred(form, word, lex)
    if lex.count(word):
        return word  # a known word that is never written with a ZWNJ
    # Longest affix first, as affix_heads / affix_tails are ordered: one candidate per length,
    # the rest of the word cut only for an affix.
    for size in lex.head_sizes:
        head = word[:size]
        if head in lex.head_set and len(word) - size >= 2 and (
                lex.known(rest := word[size:])
                or (head in lex.bound_heads and lex.verb_like(rest))):
            return head + ZWNJ + rest
    for size in lex.tail_sizes:
        tail = word[-size:]
        if size < len(word) and tail in lex.tail_set and _takes_tail(
                stem := word[:-size], tail, lex):
            return _preferred(lex.zwnj_by_letters.get(stem, stem), stem, lex) + ZWNJ + tail
    return word


def _preferred(form: str, word: str, lex: ZwnjLexicon) -> str:
    """The ZWNJ form of `word`'s letters where it is the more frequent spelling, else `word`. On
    equal counts the careful counts decide (a tie there too goes to the ZWNJ form): the joined
    count includes records that lost their ZWNJs (measured: +.003 F1 on deleted ZWNJs)."""
    n_form, n_word = lex.count(form), lex.count(word)
    if n_form == n_word:
        return form if lex.careful.get(form, 0) >= lex.careful.get(word, 0) else word
    return form if n_form > n_word else word


def _should_join(parts: tuple[str, ...], lex: ZwnjLexicon, open_ok: bool = True) -> bool:
    """Whether space-separated parts are one word whose ZWNJs became spaces. Without `open_ok`
    only a bound affix joins: the text's other spaces are its writer's.

    Parts that already hold a ZWNJ are words on their own: joining them again would make a second
    pass change what the first one produced (bound tails are the exception, see restore_zwnj).
    """
    if any(ZWNJ in part for part in parts):
        return False
    if len(parts) == 2:
        head, tail = parts
        if head in lex.bound_heads and len(tail) >= 2 and (lex.known(tail) or lex.verb_like(tail)):
            return True
        if _takes_bound_tail(head, tail, lex):
            return True
    if not open_ok:
        return False
    joined, spaced = ZWNJ.join(parts), " ".join(parts)
    if lex.count(joined) or lex.count(spaced):
        return lex.count(joined) > 0 and lex.prefers(joined, spaced)
    if len(parts) != 2:
        return False
    head, tail = parts
    return (head in lex.affix_heads and lex.known(tail)) or \
        (tail in lex.affix_tails and _takes_tail(head, tail, lex))


@dataclass(frozen=True)
class BoundSites:
    """Where a text's bound affixes meet their words: written apart ("می شود"), joined without a
    ZWNJ ("میشود", "کتابهای": the split `_split_joined` makes) or with one ("می‌شود")."""
    apart: int
    deleted: int
    kept: int

    def careful(self) -> bool:
        """No bound affix apart: the writer was careful, so careful writers' spellings decide."""
        return self.apart == 0

    def split_ok(self) -> bool:
        """Joined words lost their ZWNJ: most bound sites are joined without one (or none exist).
        A pass keeps apart + kept, so a second pass never splits what the first one kept."""
        return self.deleted >= self.apart + self.kept

    def open_join_ok(self) -> bool:
        """Spaces are lost ZWNJs: most bound sites are apart (or none exist). Passes only turn
        apart or deleted sites into kept ones, so a refusal holds on the second pass."""
        return self.apart >= self.deleted + self.kept


def _may_change(words: list[str], distinct: set[str], unsteady: set[str],
                lex: ZwnjLexicon) -> list[int]:
    """Indices of the words `restore_zwnj` may change, in order. Every other word is steady and
    starts no join (it is not before an affix tail and no joining pair starts with it and the next
    word), so `_decide` would leave it as it is: most words need no decision at all. `distinct`
    holds the words, `unsteady` those not in `lex.steady`."""
    suspects = set(unsteady)
    suspects.update(head for head, _ in lex.joining_pairs.intersection(zip(words, words[1:])))
    if not distinct.isdisjoint(lex.tail_set):
        suspects.update(itertools.compress(words, map(lex.tail_set.__contains__, words[1:])))
    return list(itertools.compress(range(len(words)), map(suspects.__contains__, words)))


def _decide(pieces: list[str], i: int, lex: ZwnjLexicon, joins: dict[tuple[str, ...], bool],
            splits: dict[str, str], sites: BoundSites) -> tuple[str, int]:
    """The word `restore_zwnj` writes for `pieces[i]` and the index of the separator after it
    (past the words it joined). `joins` and `splits` memoise the decisions for one text, `sites`
    says which kinds of repair it needs."""
    first, word, after = pieces[i], None, i + 1
    # only parts separated by single spaces may be one word
    if i + 2 < len(pieces) and pieces[i + 1] == " " and lex.may_join(first, pieces[i + 2]):
        for n in (3, 2):
            end = i + 2 * (n - 1)
            if end >= len(pieces) or (n == 3 and pieces[i + 3] != " "):
                continue
            parts = tuple(pieces[i:end + 1:2])
            join = joins.get(parts)
            if join is None:
                join = joins[parts] = _should_join(parts, lex, sites.open_join_ok())
            if join:
                word, after = ZWNJ.join(parts), end + 1
                break
    if word is None and not sites.split_ok():
        word = first
    if word is None and sites.careful():
        word = lex.careful_spellings.get(first)
    if word is None:
        word = _spelling(first, lex, splits)
    while after + 1 < len(pieces) and pieces[after] == " " \
            and ZWNJ not in pieces[after + 1] and _takes_bound_tail(word, pieces[after + 1], lex):
        word, after = word + ZWNJ + pieces[after + 1], after + 2
    return word, after


def _spelling(word: str, lex: ZwnjLexicon, splits: dict[str, str]) -> str:
    """`_split_joined(word)`: precomputed for lexicon words, memoised in `splits` for the rest."""
    spelled = lex.spellings.get(word) or splits.get(word)
    if spelled is None:
        spelled = splits[word] = _split_joined(word, lex)
    return spelled


def _bound_sites(words: list[str], unsteady: set[str], splits: dict[str, str],
                 lex: ZwnjLexicon) -> BoundSites:
    """How this text spells the places where a bound affix meets its word. `unsteady` holds the
    distinct words not in `lex.steady`; `splits` the spelling `_split_joined` gives each suspect
    word (filled here, reused by `_decide`)."""
    apart = sum(map(lex.bound_affixes.__contains__, words))
    # `_bound_parts` of every word with a ZWNJ (no affix holds one), in one split of them all.
    with_zwnj = itertools.compress(words, map(operator.contains, words, itertools.repeat(ZWNJ)))
    kept = sum(map(lex.bound_affixes.__contains__,
                   "\n".join(with_zwnj).replace(ZWNJ, "\n").split("\n")))
    deleted = 0
    for word in unsteady:
        if ZWNJ in word:
            continue
        spelled = _spelling(word, lex, splits)
        if spelled != word and _bound_parts(spelled, lex):
            deleted += words.count(word)
    return BoundSites(apart, deleted, kept)


def _bound_parts(word: str, lex: ZwnjLexicon) -> int:
    """The bound affixes among a ZWNJ word's parts, wherever they stand: one per apart word a join
    put in it ("ای‌ها" holds two, "بی‌می" one), so joins keep apart + kept as it was."""
    return sum(part in lex.bound_heads or part in lex.bound_tails for part in word.split(ZWNJ))


def restore_zwnj(text: str, lexicon: ZwnjLexicon | None = None) -> tuple[str, int]:
    """Restore ZWNJs that became spaces or were deleted; returns the text and the number of words
    changed. Only for Persian-family text: the lexicon is Persian.

    One text lost its ZWNJs one way, and its bound affixes (می, ها...) show which (`BoundSites`):
    the words it writes joined are split only where most of them are written without ZWNJ, and
    its spaces join open compounds only where most of them are apart. Otherwise they are the
    writer's spelling ("گروههای", "حجت الاسلام"). Bound affixes always join across a space.

    A bound tail after a space joins the word before it even when that word already holds a ZWNJ
    ("فوق‌العاده ای"): the decision looks only at that word, so a second pass agrees with the first.
    """
    lex = lexicon or load_lexicon()
    pieces = WORD_RUN.on(text).split(text)
    # pieces alternate: separator, word, separator, word, ..., separator; word k is pieces[2k + 1]
    words = pieces[1::2]
    distinct = set(words)
    unsteady = distinct - lex.steady  # (a lookup per word in a large set: done once)
    splits: dict[str, str] = {}
    sites = _bound_sites(words, unsteady, splits, lex)
    changed = 0
    joins: dict[tuple[str, ...], bool] = {}
    decided = 0  # pieces before this index are already written (joined words included)
    for k in _may_change(words, distinct, unsteady, lex):
        i = 2 * k + 1
        if i < decided:
            continue
        word, after = _decide(pieces, i, lex, joins, splits, sites)
        if word != pieces[i]:
            changed += 1
            pieces[i:after] = [word] + [""] * (after - i - 1)
        decided = after + 1
    return ("".join(pieces) if changed else text), changed
