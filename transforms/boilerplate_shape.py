"""What a line *is*, for boilerplate lines no pattern names: shape, place and vocabulary.

A site brings its own phrasings ("نقلاً عن كونا", "کانال ما در ایتا", "ع.ح/ م.ن"), and many of
its boilerplate lines are unique to their article, so neither the pattern file nor per-site
repetition catches them. These rules read a line as a whole instead:

- its vocabulary, from curated lists in `transforms/data/boilerplate/` (news agencies of the
  Arab world, Iran and Afghanistan with their abbreviations, app stores / messengers / social
  networks, month names in Arabic, Persian and Dari usage, dateline cities and provinces, and
  the cue words of each kind). These are knowledge, not tuning: no template phrasing is listed;
- its shape: length in words, a "label:" head over a list of short items, bracketed single
  tokens, digit / asterisk / slash codes made of initials, sentence-final punctuation;
- its place: the head (before the body starts), the body, or the tail (after the last
  paragraph). Lines whose shape is also common in article text (a short list, a short line
  ending in an agency name, bare initials) are taken only in the tail or the head.

Each rule returns the reason a removed line gets, the same codes the pattern kinds use.
"""
from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, NamedTuple, Optional

import regex

from transforms.folding import LETTER_FOLDS, fold_letters, replace_chars

VOCABULARY_DIR = Path(__file__).resolve().parent / "data" / "boilerplate"

# Match forms fold teh marbuta too: "مشاركة"/"مشارکه" match alike.
MATCH_ONLY_FOLDS = (("\u0629", "\u0647"),)
MATCH_LETTER_FOLDS = LETTER_FOLDS + MATCH_ONLY_FOLDS

_TOKEN = regex.compile(r"[\p{L}\p{N}]+")
# Arabic clitics written onto a word ("وتويتر", "بالرياض", "للأنباء") and Persian suffixes
# ("برچسب‌ها", "پربازدیدترین"): listed terms are also known in these forms, with a clitic only
# for names and nouns (`_CLITIC_CATEGORIES`): a cue word with one is another word ("وآخر").
_CLITICS = ("و", "ف", "ب", "ل", "ک", "ال", "وال", "بال", "فال", "لل", "وب", "ول")
_SUFFIXES = ("ها", "های", "هایی", "ی", "ترین", "ترینها")

CATEGORIES = ("agencies", "networks", "months", "places", "tag_labels", "sections",
              "section_labels", "related", "credit", "outlets", "promo", "end", "roles")
# Where each category's files are, under the vocabulary folder.
_SOURCES = {"agencies": "agencies", "networks": "networks", "months": "months", "places": "places"}
BIT = {name: 1 << number for number, name in enumerate(CATEGORIES)}
# What a body-zone rule needs to see in a line (besides a colon or a hashtag).
_BODY_EVIDENCE = BIT["agencies"] | BIT["networks"] | BIT["end"] | BIT["credit"]
_CLITIC_CATEGORIES = frozenset({"agencies", "networks", "months", "places", "sections", "outlets",
                                "promo"})


def fold_term(text: str) -> str:
    """A line or list term folded as match forms are (letters, digits, ZWNJ, Latin case),
    its words joined by single spaces."""
    return " ".join(_TOKEN.findall(fold_letters(text, MATCH_LETTER_FOLDS).casefold()))


def _forms_of(term: str, clitics: bool) -> set[str]:
    """The term, written without its spaces, with a suffix at the end and, when `clitics`,
    with a clitic in front."""
    forms = {term, term.replace(" ", "")}
    forms |= {term + suffix for suffix in _SUFFIXES}
    if clitics:
        forms |= {clitic + term for clitic in _CLITICS}
    return forms


@dataclass(frozen=True)
class Vocabulary:
    """Every listed term in all its written forms, with the categories it belongs to.

    `entries` maps a folded form (several words joined by one space) to category bits;
    `term_sizes` maps the first word of each several-word form to the sizes in words of the
    forms it starts, longest first, so a line's tokens are looked up one dict probe each unless
    a longer term may start there, and then only at the sizes of such terms; `longest_term`
    is the most words of any form (the marks of a line's first n tokens are those of its first
    n - 1 + `longest_term` tokens)."""
    entries: dict[str, int]
    term_sizes: Mapping[str, tuple[int, ...]]
    longest_term: int = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        # A frozen dataclass sets its derived fields through object.__setattr__.
        object.__setattr__(self, "longest_term", max(
            (sizes[0] for sizes in self.term_sizes.values()), default=1))

    def marks(self, tokens: list[str]) -> list[int]:
        """Category bits of each token: of the longest term covering it, and of itself."""
        entries = self.entries
        if self.term_sizes.keys().isdisjoint(tokens):  # most lines: one probe per token
            return [entries.get(token, 0) for token in tokens]
        marks = [0] * len(tokens)
        index = 0
        while index < len(tokens):
            size = 1
            for longer in self.term_sizes.get(tokens[index], ()):
                if index + longer <= len(tokens):
                    bits = self.entries.get(" ".join(tokens[index:index + longer]))
                    if bits:
                        for at in range(index, index + longer):
                            marks[at] = bits | self.entries.get(tokens[at], 0)
                        size = longer
                        break
            if size == 1:
                marks[index] = self.entries.get(tokens[index], 0)
            index += size
        return marks


def _category_files(root: Path, category: str) -> list[Path]:
    if category in _SOURCES:
        return sorted((root / _SOURCES[category]).glob("*.txt"))
    return [root / "cues" / f"{category}.txt"]


@functools.lru_cache(maxsize=4)
def load_vocabulary(folder: Optional[str] = None) -> Vocabulary:
    """The lists under `folder` (default: the packaged `transforms/data/boilerplate`): one
    `*.txt` per list, one term a line, `#` comments."""
    root = Path(folder) if folder else VOCABULARY_DIR
    entries: dict[str, int] = {}
    for category in CATEGORIES:
        for path in _category_files(root, category):
            for raw in path.read_text(encoding="utf-8").splitlines():
                term = fold_term(raw.split("#", 1)[0])
                for form in _forms_of(term, category in _CLITIC_CATEGORIES) if term else ():
                    entries[form] = entries.get(form, 0) | BIT[category]
    sizes: dict[str, set[int]] = {}
    for words in (form.split() for form in entries if " " in form):
        if len(words) >= 2:
            sizes.setdefault(words[0], set()).add(len(words))
    return Vocabulary(entries=entries, term_sizes={
        first: tuple(sorted(found, reverse=True)) for first, found in sizes.items()})


# --- shape ------------------------------------------------------------------------------------

_SENTENCE_MARKS = (".", "۔", "؟", "?", "!", "…", "؛", ";")
_CLOSERS = "»«\"”“’'）)]】"
_DECORATION = "/\\*-–—_ـ()[]{}<>|•·#"
_LIST_SEPARATORS = regex.compile(r"\s*(?:[،,;؛|/]|\s[-–—]\s)\s*")
_PART_SEPARATORS = regex.compile(r"\s*(?:[|:：،,]|\s[-–—]\s?|[-–—]\s)\s*")
_CRUMB_SEPARATORS = regex.compile(r"\s*[|»›>/\-–—]\s*")
_CODE_SYMBOLS = regex.compile(r"[/*\\.\-–_#]")
_HANDLE_OR_URL = regex.compile(r"@\w{2,}|\bwww\.|https?://|\.(com|net|org|ir|af|info)\b")
_HASHTAG = regex.compile(r"#[\p{L}\p{N}_]{2,}")
_NUMERIC_DATE = regex.compile(r"\d{1,4}\s*[/.\-]\s*\d{1,2}(\s*[/.\-]\s*\d{1,4})?|\d{1,2}:\d{2}")
_PERSIAN_IMPERATIVE = regex.compile(r"^(ب\p{L}{2,}ید|کنید|شوید|نمایید|بزنید)$")
# Words that join the parts of a dateline ("في", "در", "الموافق") besides numbers.
_LINKING_WORDS = frozenset({"فی", "در", "من", "از", "الی", "به", "و", "الموافق", "ساعت", "الساعه",
                            "بتاریخ", "تاریخ", "یوم", "روز", "هـ", "ه", "م", "ش", "ق"})
# Credit and promo words that are also ordinary words of news ("عن الاتفاق", "نسخه", "الرابط"):
# they count only beside a named source, or with no sentence around them.
_WEAK_CREDIT_WORDS = frozenset(fold_term(w) for w in (
    "عن", "بحسب", "حسب", "وفقا", "طبقا", "استنادا", "نقل", "خدمة", "via"))
_WEAK_PROMO_WORDS = frozenset(fold_term(w) for w in (
    "التطبيق", "تطبيق", "رابط", "الرابط", "هنا", "الآن", "مجانا", "نسخه", "لینک", "کانال", "دانلود",
    "نصب", "دریافت", "اپ", "اپلیکیشن", "متابعة", "اشتراك", "الاشتراك", "تحميل", "تنزيل", "پیج",
    "عضو", "عضویت", "مشترک"))

_MAX_TAGS = 8
_SHAPE_MAX_WORDS = 30  # longer lines are paragraphs to every rule
_PROMO_SENTENCE_WORDS = 14  # a promo written as a sentence is no longer


def last_mark(line: str) -> str:
    """The line's last meaningful character, looking inside closing quotes and brackets.

    >>> last_mark('گفت: «ما آماده‌ایم.»')
    '.'
    >>> last_mark("هل تنجح الخطة؟")
    '؟'
    """
    stripped = line.rstrip().rstrip(_CLOSERS).rstrip()
    return stripped[-1:] if stripped else ""


def ends_with_sentence_mark(line: str) -> bool:
    """The line's last meaningful character closes a sentence (a question too, unlike
    `boilerplate.ends_like_sentence`, which asks whether a line reads as a title)."""
    return last_mark(line) in _SENTENCE_MARKS


def tokens_of(form: str) -> list[str]:
    """The letter/digit runs of a match form."""
    return _TOKEN.findall(form)


class LineView(NamedTuple):
    """One line as the rules read it (a tuple: built for every short line, so kept cheap).

    zone: "top" (above the title), "head" (between the title and the body), "body", or "tail"
    (after the last paragraph). `marks[i]` holds the category bits of `tokens[i]`."""
    line: str
    form: str
    tokens: list[str]
    marks: list[int]
    zone: str

    def has(self, category: str) -> bool:
        bit = BIT[category]
        return any(mark & bit for mark in self.marks)

    def each(self, *categories: str, linking: bool = True) -> bool:
        """Every token is in one of `categories`, or "و", or (`linking`) a number or a linking
        word."""
        bits = sum(BIT[c] for c in categories)
        return all(mark & bits or token == "و"
                   or linking and (token.isdigit() or token in _LINKING_WORDS)
                   for token, mark in zip(self.tokens, self.marks))

    def part(self, start: int, end: int) -> "LineView":
        return LineView(self.line, self.form, self.tokens[start:end], self.marks[start:end],
                        self.zone)

    def parts(self, separators: regex.Pattern) -> list["LineView"]:
        """The views of the form's parts between separators (tokens never span one)."""
        out, at = [], 0
        for piece in separators.split(self.form):
            count = len(tokens_of(piece))
            if count:
                out.append(self.part(at, at + count))
                at += count
        return out


def view_of(line: str, form: str, zone: str, vocab: Vocabulary) -> LineView:
    tokens = tokens_of(form)
    return LineView(line, form, tokens, vocab.marks(tokens), zone)


def _is_code_token(token: str, joined: bool) -> bool:
    """A number, or initials: one or two letters, three when symbols join the code
    ("غمظ/ث/57"), not a word."""
    return token.isdigit() or len(token) <= (3 if joined else 2)


def _decorated(line: str) -> bool:
    stripped = line.strip()
    return stripped[:1] in _DECORATION or stripped[-1:] in _DECORATION


def end_code(view: LineView) -> bool:
    """Digit groups and initials with slashes or asterisks ("ع.ح/ م.ن", "12*345*6789") in the
    tail; a decorated "the end" word ("/ انتهى /", "(پایان)") anywhere."""
    if not view.tokens or len(view.tokens) > 8:
        return False
    end_bit = BIT["end"]
    joined = _CODE_SYMBOLS.search(view.line) is not None
    if not all(mark & end_bit or _is_code_token(token, joined)
               for token, mark in zip(view.tokens, view.marks)):
        return False
    if view.has("end"):
        return len(view.tokens) <= 3 and (view.zone == "tail" or _decorated(view.line))
    if _NUMERIC_DATE.fullmatch(view.form):
        return False  # a date closing the article ("15/7/1383")
    # initials alone ("ع ح م") or joined by symbols, numbers with slashes or asterisks
    return view.zone == "tail" and (joined or all(len(token) == 1 for token in view.tokens)
                                    or len(view.tokens) <= 2)


def source_credit(view: LineView) -> bool:
    """An agency named alone or with its city and date ("(واس)", "- کونا", "کابل (باختر)"),
    after a credit word ("نقلاً عن ...", "به نقل از ...", "منبع‌ها: ..."), or closing a short
    tail line ("عکس و خبر از ایرنا")."""
    tokens = view.tokens
    if not tokens or len(tokens) > 10 or ends_with_sentence_mark(view.line) and len(tokens) > 5:
        return False
    if view.has("agencies") and view.each("agencies", "places", "months", "outlets"):
        return True
    credit_bit = BIT["credit"]
    if view.marks[0] & credit_bit:
        rest = next((i for i, mark in enumerate(view.marks) if not mark & credit_bit), None)
        named = view.part(rest, len(tokens)) if rest is not None else None
        if named is not None and len(named.tokens) <= 6 and not named.each("credit"):
            if named.has("agencies") or named.has("outlets") or _has_latin(view.form):
                return True
            if tokens[0] not in _WEAK_CREDIT_WORDS and len(tokens) <= 7:
                return True
    return (view.zone == "tail" and len(tokens) <= 6 and bool(view.marks[-1] & BIT["agencies"])
            and not ends_with_sentence_mark(view.line))


def _has_latin(form: str) -> bool:
    return any("a" <= char <= "z" for char in form)


def promo(view: LineView) -> bool:
    """A network, messenger or app store named with a call to act ("تابعونا", "دانلود کنید",
    "قناتنا", "کانال ما در"), a handle or a link. A reported sentence about a network ("كتب
    على حسابه في تويتر أن ...") has no such call."""
    tokens = view.tokens
    if not 2 <= len(tokens) <= 30 or not view.has("networks"):
        return False
    if _HANDLE_OR_URL.search(view.line):
        return True
    promo_bit = BIT["promo"]
    calls = [token for token, mark in zip(tokens, view.marks) if mark & promo_bit]
    strong = (any(token not in _WEAK_PROMO_WORDS for token in calls)
              or any(_PERSIAN_IMPERATIVE.match(token) for token in tokens)
              or "ما" in tokens and ("در" in tokens or "را" in tokens))  # "کانال ما در", "ما را"
    if strong:
        return not (ends_with_sentence_mark(view.line) and len(tokens) > _PROMO_SENTENCE_WORDS)
    return bool(calls) and len(tokens) <= 8 and not ends_with_sentence_mark(view.line)


def tag_line(view: LineView) -> bool:
    """Hashtags; or a label, a colon and short items ("العلامات: أ، ب، ج"). A label the lists
    know counts anywhere; another label only in the tail, over two or more short items."""
    hashtags = len(_HASHTAG.findall(view.line))
    if hashtags >= 2 and hashtags * 2 >= len(view.line.split()):
        return True
    colon = min((at for at in (view.form.find(":"), view.form.find("：")) if at >= 0), default=-1)
    if colon < 0 or ends_with_sentence_mark(view.line):
        return False
    label_size = len(tokens_of(view.form[:colon]))
    items = [tokens_of(item) for item in _LIST_SEPARATORS.split(view.form[colon + 1:])]
    items = [item for item in items if item]
    if not 1 <= label_size <= 3 or not items:
        return False
    short_items = all(len(item) <= 4 for item in items)
    label = view.part(0, label_size)
    if label.has("tag_labels"):
        return short_items or hashtags >= 1
    # A roster ("الهلال: أ، ب، ...", eleven names; "داوران: ... ناظر: ...") is no tag list.
    return (view.zone == "tail" and 2 <= len(items) <= _MAX_TAGS and short_items
            and label_size <= 2 and not label.has("places")
            and view.form.count(":") + view.form.count("：") == 1)


def section_label(view: LineView) -> bool:
    """Above or under the title: a breadcrumb or label made of section names ("اقتصاد |
    الفجر نيوز", "سرویس: ورزشی", "أخبار رياضة")."""
    tokens = view.tokens
    if view.zone not in ("top", "head") or not tokens or len(tokens) > 7 \
            or ends_with_sentence_mark(view.line):
        return False
    if view.each("sections", linking=False):
        return True
    if view.marks[0] & BIT["section_labels"] and len(tokens) <= 4 and view.part(1, 4).has("sections"):
        return True
    crumbs = view.parts(_CRUMB_SEPARATORS)
    return (len(crumbs) >= 2 and all(len(crumb.tokens) <= 3 for crumb in crumbs)
            and any(crumb.each("sections", linking=False) for crumb in crumbs))


def byline_or_dateline(view: LineView) -> Optional[str]:
    """Under the title: dates, places and agencies ("کابل، ۲۵ حمل ۱۴۰۲"), a reporter's role
    with a separator ("مراسلنا في جدة – ..."), or two to four short parts across bars, dashes,
    colons or commas, one of them a place, a date, an agency or a role ("name – city – date")."""
    tokens = view.tokens
    if view.zone != "head" or not tokens or len(tokens) > 12 or ends_with_sentence_mark(view.line):
        return None
    dated = view.has("months") and any(t.isdigit() for t in tokens) or _NUMERIC_DATE.search(view.form)
    if (dated or view.has("places") or view.has("agencies")) and view.each(
            "places", "months", "agencies"):
        return "dateline"
    if len(tokens) >= 2 and any(_is_date_or_source([view.part(start, len(tokens))])
                                for start in (1, 2)):
        return "dateline"  # a place no list holds, then a date or an agency
    parts = view.parts(_PART_SEPARATORS)
    if view.marks[0] & BIT["roles"] and len(parts) >= 2 and len(tokens) <= 8:
        return "byline"
    if not 2 <= len(parts) <= 4 or any(len(part.tokens) > 5 for part in parts):
        return None
    if any(part.each("places") or part.each("agencies") or part.marks[0] & BIT["roles"]
           or _is_date_or_source([part]) for part in parts):
        return "byline"
    return None


def _is_date_or_source(parts: list[LineView]) -> bool:
    """Parts made only of dates, times and agencies, with at least one of them."""
    tokens = [token for part in parts for token in part.tokens]
    text = " ".join(tokens)
    return bool(tokens) and all(part.each("months", "agencies") for part in parts) and (
        any(part.has("agencies") for part in parts) or _NUMERIC_DATE.search(text) is not None
        or any(part.has("months") for part in parts) and any(t.isdigit() for t in tokens))


def related_heading(view: LineView) -> bool:
    """A short line with a related-stories word ("شاهد أيضاً", "پیوندهای مرتبط") and no comma
    (a verse line has them); the caller checks that only short title-like lines follow it."""
    return (1 <= len(view.tokens) <= 6 and not ends_with_sentence_mark(view.line)
            and "،" not in view.line and "," not in view.line and view.has("related"))


def may_be_boilerplate(line: str, words: int) -> bool:
    """False for lines no shape rule can take, decided before a line is tokenized: paragraphs
    of more than `_SHAPE_MAX_WORDS` words, and sentences of more than `_PROMO_SENTENCE_WORDS`
    (a promo's limit) without a hashtag (a tag line's)."""
    return words <= _SHAPE_MAX_WORDS and (
        words <= _PROMO_SENTENCE_WORDS or not ends_with_sentence_mark(line) or "#" in line)


def shape_reason(view: LineView) -> Optional[str]:
    """The boilerplate reason the line's shape, place and vocabulary give, or None."""
    words = len(view.tokens)
    if not words or words > _SHAPE_MAX_WORDS:
        return None
    if view.zone == "body" and ":" not in view.form and "#" not in view.line and not any(
            mark & _BODY_EVIDENCE for mark in view.marks):
        return None  # in the body only a colon, a hashtag or one of these words can tell
    if words <= 12:
        if end_code(view):
            return "end_marker"
        if source_credit(view):
            return "source_credit"
        if section_label(view):
            return "section_label"
        head = byline_or_dateline(view)
        if head:
            return head
    if promo(view):
        return "promo"
    if tag_line(view):
        return "tag_line"
    return None


# --- a dateline glued to the first paragraph ----------------------------------------------------

_PREFIX_CUT = regex.compile(r"\s*(?:[:：]|\s[-–—]|[-–—]\s|\)\s*[-–—:：]?)\s*")
_PREFIX_MAX_CHARS = 80
_PREFIX_MAX_WORDS = 10
_DATELINE_EVIDENCE = BIT["places"] | BIT["agencies"] | BIT["months"]
_EVIDENCE_WORDS = 3


def dateline_prefix(line: str, letters: str, vocab: Vocabulary) -> Optional[str]:
    """The longest "city – date (agency) –" head of a first paragraph whose every word is a
    place, date, agency or outlet word, one of them a place or an agency (or whose first one
    or two words are followed only by dates and agencies); None otherwise.

    `letters` is the line's `fold_letters` (the caller has it). Folding neither makes nor
    removes a separator, so the cuts of the line's head and of its folded form pair up."""
    raw_head = line[:_PREFIX_MAX_CHARS]
    folded = replace_chars(letters[:_PREFIX_MAX_CHARS], MATCH_ONLY_FOLDS).casefold()
    # A place, or a date or agency after an unlisted one, in the first three words: most
    # paragraphs have none, told from those words and the terms they may start before the
    # head is read whole.
    opening = [found.group() for found in
               itertools.islice(_TOKEN.finditer(folded), _EVIDENCE_WORDS - 1 + vocab.longest_term)]
    if not any(mark & _DATELINE_EVIDENCE or token.isdigit()
               for token, mark in zip(opening[:_EVIDENCE_WORDS], vocab.marks(opening))):
        return None
    head = view_of(raw_head, folded, "head", vocab)
    raw_cuts = [cut.end() for cut in _PREFIX_CUT.finditer(raw_head)]
    folded_cuts = [cut.end() for cut in _PREFIX_CUT.finditer(folded)]
    if len(raw_cuts) != len(folded_cuts):
        return None
    best = None
    for raw_end, folded_end in zip(raw_cuts, folded_cuts):
        size = len(tokens_of(folded[:folded_end]))
        if raw_end >= len(line) or not size:
            continue
        if size > _PREFIX_MAX_WORDS:
            break
        view = head.part(0, size)
        if (view.has("places") or view.has("agencies")) and view.each(
                "places", "agencies", "months", "outlets"):
            best = line[:raw_end]
        elif size >= 3 and any(_is_date_or_source([view.part(start, size)]) for start in (1, 2)):
            best = line[:raw_end]  # a place no list holds, then a date or an agency
    return best
