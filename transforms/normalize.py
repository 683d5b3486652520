"""Faithful text normalization: one language-independent pass and one per-language pass.

The output text is what users train on, so every rule is conservative, named, and recorded in
`Doc.repairs` when it changed something. Diacritics stay. Nothing folds one language's letters into
another's: Arabic keeps ي/ى/ة/ه as written, Urdu and Pashto keep their letters, Persian keeps the
ezafe hamza ("خانهٔ"). Aggressive folding for matching lives in `transforms.folding`.

Unicode form: NFC. Note that NFC reorders shadda+vowel (U+0651 U+064E -> U+064E U+0651) and
composes alef/yeh + hamza above (ا+ٔ -> أ); that is the documented canonical form of the output.
Heh + hamza above (the ezafe, ه+ٔ) has no composed form and stays two code points.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Optional

import regex

from transforms.folding import replace_chars
from transforms.model import Doc
from transforms.zwnj import restore_zwnj, tidy_zwnj

PERSIAN_FAMILY = ("fa", "prs")


@dataclass(frozen=True)
class NormalizeConfig:
    """Switches for `basic_normalize_step` and `normalize_step`.

    unify_quotes: curly double/single quotes -> ASCII " and ' (off: Arabic sites use ” as a quote).
    max_blank_lines: longest run of empty lines kept between paragraphs.
    ascii_digits: Arabic-Indic and Persian digits -> ASCII (off: digits stay as written).
    persian_yeh_kaf: Arabic ي/ى/ك -> Persian ی/ک in fa/prs text.
    restore_zwnj: lexicon-based ZWNJ restoration in fa/prs text.
    """
    unify_quotes: bool = False
    max_blank_lines: int = 1
    ascii_digits: bool = False
    persian_yeh_kaf: bool = True
    restore_zwnj: bool = True


# --- language-independent --------------------------------------------------------------------

_LINE_BREAKS = regex.compile(r"\r\n?|[\u2028\u2029\u0085\x0b\x0c]")
# C0/C1 controls except \n and \t (tab is an odd space, below).
_CONTROL_CHARS = r"\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"
_CONTROL = regex.compile(f"[{_CONTROL_CHARS}]")
_BIDI_CHARS = r"\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
_BIDI = regex.compile(f"[{_BIDI_CHARS}]")
# Invisible format characters that carry nothing in plain text: BOM/ZWNBSP, soft hyphen, word
# joiner, zero-width space. ZWNJ and ZWJ are kept (they are spelling).
_INVISIBLE_CHARS = r"\ufeff\u00ad\u2060\u200b\u180e"
_INVISIBLE = regex.compile(f"[{_INVISIBLE_CHARS}]")
_ODD_SPACE_CHARS = r"\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_ODD_SPACE = regex.compile(f"[{_ODD_SPACE_CHARS}]")
# Every character the four rules above and the line-break rule act on: one scan for them all
# lets the ~90% of texts that hold none skip five scans. The standard `re` scans this class of
# plain ranges ~6x faster than `regex`.
_ODD_CHARS = re.compile(
    rf"[\r\u2028\u2029\u0085\x0b\x0c{_CONTROL_CHARS}{_BIDI_CHARS}{_INVISIBLE_CHARS}"
    rf"{_ODD_SPACE_CHARS}]")
_ODD_CHAR_RULES = ("newlines", "control_chars", "bidi_marks", "invisible_chars", "odd_spaces")
_QUOTES = (("\u201c", '"'), ("\u201d", '"'), ("\u201e", '"'), ("\u201f", '"'),
           ("\u2033", '"'), ("\u2018", "'"), ("\u2019", "'"), ("\u201a", "'"), ("\u201b", "'"))

Rule = tuple[str, Callable[[str, NormalizeConfig], str]]


def _collapse_blank_lines(text: str, cfg: NormalizeConfig) -> str:
    limit = "\n" * (cfg.max_blank_lines + 1)
    if limit + "\n" in text:  # most texts have no run to collapse: skip the regex compile and scan
        text = regex.sub(r"\n{%d,}" % (cfg.max_blank_lines + 2), limit, text)
    return text.strip("\n")


def _single_spaced(text: str) -> str:
    """Each run of spaces as one space: `str.replace` halves every run per pass, at a fraction
    of a regex scan's cost (` {2,}` -> " ")."""
    while "  " in text:
        text = text.replace("  ", " ")
    return text


def _strip_line_edges(text: str) -> str:
    """Spaces removed at the start and end of every line (`^ +| +$`, multiline): a regex scan of
    the text costs several times splitting it at "\n" and stripping each line."""
    if text.startswith(" ") or text.endswith(" ") or " \n" in text or "\n " in text:
        return "\n".join([line.strip(" ") for line in text.split("\n")])
    return text


BASIC_RULES: tuple[Rule, ...] = (
    ("newlines", lambda t, c: _LINE_BREAKS.sub("\n", t)),
    ("control_chars", lambda t, c: _CONTROL.sub("", t)),
    ("bidi_marks", lambda t, c: _BIDI.sub("", t)),
    ("invisible_chars", lambda t, c: _INVISIBLE.sub("", t)),
    ("odd_spaces", lambda t, c: _ODD_SPACE.sub(" ", t)),
    ("tatweel", lambda t, c: t.replace("\u0640", "")),
    ("nfc", lambda t, c: unicodedata.normalize("NFC", t)),
    ("quotes", lambda t, c: replace_chars(t, _QUOTES) if c.unify_quotes else t),
    ("space_runs", lambda t, c: _single_spaced(t)),
    ("line_edge_spaces", lambda t, c: _strip_line_edges(t)),
    ("blank_lines", _collapse_blank_lines),
)

# The rules left for a text `_ODD_CHARS` finds nothing in: the five it stands for run first, on
# the text as given, so they would change nothing.
_PLAIN_TEXT_RULES = tuple(rule for rule in BASIC_RULES if rule[0] not in _ODD_CHAR_RULES)


def _apply(rules, text: str, cfg: NormalizeConfig) -> tuple[str, list[str]]:
    fixes = []
    for name, rule in rules:
        fixed = rule(text, cfg)
        if fixed != text:
            fixes.append(name)
            text = fixed
    return text, fixes


def basic_normalize(text: str, cfg: NormalizeConfig = NormalizeConfig()) -> tuple[str, list[str]]:
    """Language-independent cleanup; returns the text and the names of the rules that fired."""
    return _apply(BASIC_RULES if _ODD_CHARS.search(text) else _PLAIN_TEXT_RULES, text, cfg)


def _on_text_and_title(doc: Doc, fn: Callable[[str], tuple[str, list[str]]]) -> Doc:
    text, fixes = fn(doc.text)
    title: Optional[str] = doc.title
    if title is not None:
        title, title_fixes = fn(title)
        fixes += [f for f in title_fixes if f not in fixes]
    if text == doc.text and title == doc.title:
        return doc
    return doc.replace(text=text, title=title).with_repairs(fixes)


def basic_normalize_step(doc: Doc, cfg: NormalizeConfig) -> Doc:
    """NFC, line endings, control/bidi/invisible characters, odd spaces, tatweel, line spacing."""
    return _on_text_and_title(doc, lambda t: basic_normalize(t, cfg))


# --- per language ----------------------------------------------------------------------------

_ARABIC_YEH_KAF = (("\u064a", "\u06cc"), ("\u0649", "\u06cc"), ("\u0643", "\u06a9"))
_NON_ASCII_DIGIT = regex.compile(r"[\u0660-\u0669\u06f0-\u06f9]")


def _ascii_digit(match: regex.Match) -> str:
    return str(unicodedata.digit(match.group()))


def _zwnj_restoration(text: str, cfg: NormalizeConfig) -> str:
    return restore_zwnj(text)[0] if cfg.restore_zwnj else text


def _tidied_zwnj(text: str) -> str:
    """`tidy_zwnj`, then NFC where it removed something: a ZWNJ dropped between two marks
    (shadda, ZWNJ, fatha) leaves them out of canonical order, which the next run would fix."""
    tidied = tidy_zwnj(text)[0]
    return text if tidied == text else unicodedata.normalize("NFC", tidied)


PERSIAN_RULES: tuple[Rule, ...] = (
    ("persian_yeh_kaf",
     lambda t, c: replace_chars(t, _ARABIC_YEH_KAF) if c.persian_yeh_kaf else t),
    # A line that held only ZWNJs becomes empty: collapse it like any blank line.
    ("zwnj_spacing", lambda t, c: _collapse_blank_lines(_tidied_zwnj(t), c)),
    ("zwnj_restored", _zwnj_restoration),
)
DIGIT_RULES: tuple[Rule, ...] = (
    ("ascii_digits", lambda t, c: _NON_ASCII_DIGIT.sub(_ascii_digit, t) if c.ascii_digits else t),
)


def normalize_for(lang: str, text: str,
                  cfg: NormalizeConfig = NormalizeConfig()) -> tuple[str, list[str]]:
    """Per-language normalization of one string; returns the text and the fixes that fired."""
    rules = (PERSIAN_RULES if lang in PERSIAN_FAMILY else ()) + DIGIT_RULES
    return _apply(rules, text, cfg)


def normalize_step(doc: Doc, cfg: NormalizeConfig) -> Doc:
    """Per-language normalization of text and title, by `doc.lang`."""
    return _on_text_and_title(doc, lambda t: normalize_for(doc.lang, t, cfg))
