"""Repair broken Arabic-script text: small named fixes, each recorded in `Doc.repairs`.

Composed like ftfy's `fix_and_explain`, but with the fixes khabar needs and in the order that
works for Arabic script:
  1. decode debris (UTF-16 seen as latin-1, NUL, CR, C0 controls), whole text;
  2. HTML entities (`&#1575;`, `&amp;`), whole text;
  3. per line: UTF-8 read as windows-1256 / mac-arabic / ISO-8859-6, which must run before
     ftfy (ftfy's own steps destroy the chance of a cp1256 repair);
  4. per line: ftfy's encoding fixes only (UTF-8 read as cp1252 / latin-1, twice, ...),
     never ftfy's `fix_text` defaults: `uncurl_quotes` and NFC damage clean Arabic;
  5. per line: visual-order (reversed) presentation-form text, then presentation forms
     → base letters, keeping Persian ی/ک in Persian text.
Every fix is gated by a cheap screen (clean text takes the fast path), and a legacy re-decode
is kept only when the character-bigram model says the line now looks like real text.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass
from re import _parser as re_parser

import ftfy
import ftfy.fixes
import regex
from ftfy.badness import BADNESS_RE, is_bad

from transforms.charmodel import CharBigramModel, load_model
from transforms.decode import remove_decode_debris
from transforms.model import Doc


@dataclass(frozen=True)
class RepairConfig:
    """Decode and repair settings (configs/default.yaml section `repair`)."""
    max_bytes: int = 5_000_000
    # Legacy encodings tried, in Python codec names, when a file is not UTF-8 / UTF-16.
    legacy_encodings: tuple[str, ...] = ("cp1256", "iso-8859-6", "mac_arabic", "cp1252")
    # Bytes of a legacy file scored by the character model to pick its encoding.
    decode_sample_bytes: int = 65_536
    # A later legacy candidate must beat an earlier one by this (mean log-prob per character).
    legacy_margin: float = 0.05
    # Mean log-probability per character below which no decode "looks like text".
    min_text_score: float = -8.0
    html_entities: bool = True
    legacy_mojibake: bool = True
    ftfy_encoding: bool = True
    presentation_forms: bool = True
    visual_order: bool = True
    # A re-decoded line must beat the original by this much (mean log-prob per character).
    min_score_gain: float = 1.0


# --- screens -----------------------------------------------------------------------------------

# UTF-8 lead bytes D8-DB of the Arabic block decode to these letters in windows-1256 (ط ظ ع غ)
# and ISO-8859-6 / mac-arabic (ظ ع غ): mojibake lines are dominated by them.
LEAD_BYTE_LETTERS = "طظعغ"
# Share of those letters among non-ASCII characters: about half in mojibake (every Arabic letter
# becomes one of them plus one more character), ~0.1 in clean text (ط/ظ alone: <= 0.11 of
# Arabic-block letters in clean lines, >= 0.47 in cp1256 mojibake, measured on the corpora).
LEAD_BYTE_SHARE = 0.3
# Plain code-point ranges: the standard `re` scans them several times faster than `regex`.
PRESENTATION_FORMS = re.compile(r"[\uFB50-\uFDFB\uFE70-\uFEFC]")
HTML_ENTITY = regex.compile(r"&(?:#[0-9]{2,7}|#[xX][0-9a-fA-F]{2,6}|[A-Za-z][A-Za-z0-9]{1,31});")


# Characters ftfy's mojibake can produce: anything but ASCII and the Arabic-script blocks.
# Lines without one cannot be UTF-8 read as a Latin, Greek or Cyrillic code page, so the costly
# `ftfy.badness.is_bad` runs only on lines that have one.
NOT_ASCII_OR_ARABIC = re.compile(r"[^\x00-\x7F\u0600-\u06FF\u200C-\u200F\uFB50-\uFEFC]")


def _position_chars(op, arg) -> frozenset | None:
    """The characters one position of a parsed regex matches when it is a plain literal or set
    of literals and ranges; None for anything else (`.`, `\\s`, negated sets, repeats...)."""
    if op is re_parser.LITERAL:
        return frozenset(chr(arg))
    if op is re_parser.IN and all(kind in (re_parser.LITERAL, re_parser.RANGE) for kind, _ in arg):
        return frozenset(chr(value) if kind is re_parser.LITERAL else chr(code)
                         for kind, value in arg
                         for code in ((value,) if kind is re_parser.LITERAL
                                      else range(value[0], value[1] + 1)))
    return None


def _required_non_ascii(pattern: re.Pattern) -> tuple[tuple[frozenset, ...], ...]:
    """For each alternative of `pattern`'s top-level alternation, the sets of non-ASCII
    characters of its positions that match nothing else: a text can match that alternative only
    if it holds a character of each. An alternative listing none can match any text."""
    parsed = list(re_parser.parse(pattern.pattern, pattern.flags))
    if pattern.flags & re.IGNORECASE or len(parsed) != 1 or parsed[0][0] is not re_parser.BRANCH:
        return ((),)
    alternatives = []
    for sequence in parsed[0][1][1]:
        positions = (_position_chars(op, arg) for op, arg in sequence)
        alternatives.append(tuple(chars for chars in positions
                                  if chars and min(map(ord, chars)) >= 0x80))
    return tuple(alternatives)


# ftfy's badness regex tries some forty alternatives at every character of a line; a news line
# with a « or an NBSP (ftfy's characters too) reaches it, but matches none of them without one
# of the rarer characters they need next to it. `_may_be_bad` rules those lines out from the
# few such characters the line holds (read from ftfy's own pattern, so it follows ftfy).
_BADNESS_NEEDS = _required_non_ascii(BADNESS_RE)
_BADNESS_CHARS = re.compile("[%s]" % "".join(sorted(
    map(re.escape, frozenset().union(*(chars for needs in _BADNESS_NEEDS for chars in needs))))))


def _may_be_bad(line: str) -> bool:
    """False when `ftfy.badness.is_bad(line)` is sure to be False, cheaply."""
    present = frozenset(_BADNESS_CHARS.findall(line))
    for needs in _BADNESS_NEEDS:
        for chars in needs:
            if chars.isdisjoint(present):
                break
        else:
            return True
    return False


def lead_byte_share(line: str) -> float:
    """Share of ط ظ ع غ among the line's non-ASCII characters (cheap: str.count only)."""
    hits = sum(line.count(ch) for ch in LEAD_BYTE_LETTERS)
    if hits < 2:
        return 0.0
    non_ascii = len(line) - len(line.encode("ascii", "ignore"))
    return hits / non_ascii


# --- UTF-8 read as a legacy Arabic code page ---------------------------------------------------

@dataclass(frozen=True)
class LegacyCodepage:
    """Which byte(s) each character of a single-byte code page came from.

    mac-arabic decodes 26 high bytes to the same ASCII punctuation as their low twins, so a
    character can have several candidate bytes; `redecode_utf8` picks one by UTF-8 state.
    """
    name: str
    fix_name: str
    byte_options: dict[str, tuple[int, ...]]


def _codepage(codec: str, fix_name: str) -> LegacyCodepage:
    options: dict[str, list[int]] = {}
    for byte in range(256):
        try:
            ch = bytes([byte]).decode(codec)
        except UnicodeDecodeError:
            continue
        options.setdefault(ch, []).append(byte)
    # The low (ASCII) byte first: it is the reading when the character stands alone.
    return LegacyCodepage(codec, fix_name, {ch: tuple(sorted(bs)) for ch, bs in options.items()})


def legacy_codepages() -> tuple[LegacyCodepage, ...]:
    return (
        _codepage("cp1256", "utf8_read_as_cp1256"),
        _codepage("mac_arabic", "utf8_read_as_mac_arabic"),
        _codepage("iso-8859-6", "utf8_read_as_iso8859_6"),
    )


def _utf8_length(lead: int) -> int:
    """Continuation bytes a UTF-8 lead byte needs, or 0 when it cannot start a sequence."""
    if 0xC2 <= lead <= 0xDF:
        return 1
    if 0xE0 <= lead <= 0xEF:
        return 2
    if 0xF0 <= lead <= 0xF4:
        return 3
    return 0


def _continuation_byte(ch: str, codepage: LegacyCodepage) -> int | None:
    for byte in codepage.byte_options.get(ch, ()):
        if 0x80 <= byte <= 0xBF:
            return byte
    return None


def redecode_utf8(line: str, codepage: LegacyCodepage,
                  known: Container[str]) -> tuple[str, int]:
    """Undo "UTF-8 bytes decoded with `codepage`" wherever a valid UTF-8 sequence results.

    Returns the line and how many non-ASCII characters were left as they were. Characters that
    do not start a valid sequence stay, so clean spans in a partly broken line survive. A
    character whose low ASCII byte has a high twin (mac-arabic) is read as the twin only inside
    a sequence, or as a lead byte when the result is a letter or digit in `known` (the
    character model's vocabulary): "] " is also the UTF-8 of U+0760, an Arabic Supplement
    letter news text never uses, and reading it so would eat a bracket and a space.
    """
    out = []
    leftover = 0
    i = 0
    n = len(line)
    options = codepage.byte_options
    while i < n:
        ch = line[i]
        decoded = None
        for lead in options.get(ch, ()):
            need = _utf8_length(lead)
            if not need or i + need >= n:
                continue
            seq = [lead]
            for k in range(1, need + 1):
                cont = _continuation_byte(line[i + k], codepage)
                if cont is None:
                    break
                seq.append(cont)
            if len(seq) != need + 1:
                continue
            try:
                candidate = bytes(seq).decode("utf-8")
            except UnicodeDecodeError:
                continue
            ambiguous_lead = ord(ch) < 0x80
            if ambiguous_lead and not (unicodedata.category(candidate)[0] in "LN"
                                       and candidate in known):
                continue
            decoded = candidate
            i += need + 1
            break
        if decoded is None:
            out.append(ch)
            leftover += ord(ch) >= 0x80
            i += 1
        else:
            out.append(decoded)
    return "".join(out), leftover


def fix_legacy_mojibake(line: str, model: CharBigramModel, codepages: tuple[LegacyCodepage, ...],
                        min_gain: float) -> tuple[str, list[str]]:
    """UTF-8 read as windows-1256, mac-arabic or ISO-8859-6 ("ط§ظ„" → "ال"), per line.

    The best re-decoding is kept only if the character model scores it `min_gain` higher.
    """
    if lead_byte_share(line) < LEAD_BYTE_SHARE:
        return line, []
    best_line, best_score, best_fix = line, model.score(line) + min_gain, None
    for codepage in codepages:
        candidate, _ = redecode_utf8(line, codepage, model.unigram_logp)
        if candidate == line:
            continue
        score = model.score(candidate)
        if score > best_score:
            best_line, best_score, best_fix = candidate, score, codepage.fix_name
    return (best_line, [best_fix]) if best_fix else (line, [])


def fix_residual_mojibake(line: str, model: CharBigramModel,
                          codepage: LegacyCodepage) -> tuple[str, list[str]]:
    """A line too short for the screen ("آ\xa0" is a mis-decoded NBSP) in a document whose
    other lines were mis-decoded with `codepage`: re-decode it when every non-ASCII character
    belongs to a UTF-8 sequence and the model does not score it worse."""
    candidate, leftover = redecode_utf8(line, codepage, model.unigram_logp)
    if candidate == line or leftover or model.score(candidate) <= model.score(line):
        return line, []
    return candidate, [codepage.fix_name]


# --- ftfy's encoding fixes ---------------------------------------------------------------------

_FTFY_ENCODING_NAMES = {"sloppy-windows-1252": "cp1252", "windows-1252": "cp1252",
                        "latin-1": "latin1"}
_FTFY_CONFIG = ftfy.TextFixerConfig(unescape_html=False, uncurl_quotes=False,
                                    fix_character_width=False, fix_latin_ligatures=False,
                                    fix_line_breaks=False, remove_control_chars=False,
                                    normalization=None)


def fix_ftfy_encoding(line: str) -> tuple[str, list[str]]:
    """ftfy's mojibake repair alone (UTF-8 read as cp1252 / latin-1 / other Latin code pages)."""
    if line.isascii() or not NOT_ASCII_OR_ARABIC.search(line) or not _may_be_bad(line) \
            or not is_bad(line):
        return line, []
    fixed, plan = ftfy.fix_encoding_and_explain(line, _FTFY_CONFIG)
    if fixed == line:
        return line, []
    encodings = [_FTFY_ENCODING_NAMES.get(step.parameter, step.parameter)
                 for step in plan if step.action == "encode"]
    others = [step.parameter for step in plan if step.action in ("apply", "transcode")
              and step.parameter not in ("restore_byte_a0", "replace_lossy_sequences")]
    names = []
    if encodings:
        names.append("utf8_read_as_" + "_then_".join(encodings))
    names.extend(others)
    return fixed, names or ["ftfy_fix_encoding"]


# --- HTML entities -----------------------------------------------------------------------------

def fix_html_entities(text: str) -> tuple[str, list[str]]:
    """`&#1575;`, `&#x627;`, `&quot;` → characters; not in text that holds markup (`<`)."""
    if "&" not in text or "<" in text or not HTML_ENTITY.search(text):
        return text, []
    fixed = ftfy.fixes.unescape_html(text)
    return (fixed, ["html_entities"]) if fixed != text else (text, [])


# --- presentation forms ------------------------------------------------------------------------

# Arabic yeh and kaf presentation forms; in Persian text they stand for ی and ک.
_ARABIC_YEH_FORMS = frozenset("\uFEF1\uFEF2\uFEF3\uFEF4")
_ARABIC_KAF_FORMS = frozenset("\uFED9\uFEDA\uFEDB\uFEDC")
_PERSIAN_LETTERS = "پچژگ"
_ARABIC_ONLY_LETTERS = "ة"


def looks_persian(text: str) -> bool:
    """Persian-only letters (پ چ ژ گ, also as presentation forms) outnumber Arabic ة."""
    sample = unicodedata.normalize("NFKC", text) if PRESENTATION_FORMS.search(text) else text
    persian = sum(sample.count(ch) for ch in _PERSIAN_LETTERS)
    arabic = sum(sample.count(ch) for ch in _ARABIC_ONLY_LETTERS)
    return persian > arabic


def _base_letters(ch: str, persian: bool) -> str:
    if persian and ch in _ARABIC_YEH_FORMS:
        return "ی"
    if persian and ch in _ARABIC_KAF_FORMS:
        return "ک"
    mapped = unicodedata.normalize("NFKC", ch)
    # Isolated and tatweel-borne forms of harakat decompose with a space or tatweel in front;
    # the mark belongs to the preceding letter.
    if unicodedata.category(mapped[-1]) == "Mn":
        mapped = mapped.lstrip(" \u0640")
    return mapped


# A lam-alef ligature glyph carries the harakat of both letters after it (PDF text and
# arabic_reshaper put them there); two clusters are lam's then alef's. A lone cluster follows
# what writers do, as counted in the shared corpora (plain lam + alef spellings with marks):
# - tanween fath goes on the alef ("لاً" 934 times, "لًا" 76), whatever the rest of the
#   document does: in documents writing "ًا" on every other letter it is still "لاً" 3 times
#   in 4 (the keyboard's lam-alef key puts the mark after the alef), so the document's own
#   "ًا"/"اً" count is no evidence for the ligature;
# - another mark (fatha, shadda, ...) on a bare alef goes on the lam when the word is
#   vocalised letter by letter before it ("إِلَّا": lam 29, alef 14), on the alef otherwise
#   ("إلاّ": alef 52, lam 19); hamza alefs (أ إ) carry their own vowel;
# - alef madda (آ) never carries a mark (the madda already writes its hamza and long vowel), so
#   any mark on its ligature is the lam's ("الْآخرة").
LAM_ALEF_WITH_MARKS = regex.compile(r"([\uFEF5-\uFEFC])([\u064B-\u0652]+)")
SHADDA = "\u0651"
FATHATAN = "\u064B"
_BARE_ALEF_LIGATURES = "\uFEFB\uFEFC"
_MADDA_ALEF_LIGATURES = "\uFEF5\uFEF6"
# The letters before a ligature in its word, and a haraka among them (combining or isolated form).
_WORD_BEFORE = regex.compile(r"[\p{L}\p{M}]{1,30}$")
_PREVIOUS_WORD = regex.compile(r"[\p{L}\p{M}]{1,30}\s+$")
_HARAKA = regex.compile(r"[\u064B-\u0652\uFE70-\uFE7F]")


def _mark_clusters(marks: str) -> list[str]:
    """Split marks into per-letter clusters: at most one shadda and one other mark each."""
    clusters: list[str] = []
    for mark in marks:
        is_shadda = mark == SHADDA
        if clusters and not any((m == SHADDA) == is_shadda for m in clusters[-1]):
            clusters[-1] += mark
        else:
            clusters.append(mark)
    return clusters


def _vocalised_before(line: str, start: int) -> bool:
    """A letter before position `start` in the same word carries a haraka; for a word that
    starts with the ligature ("لا"), the word before it does (fully vocalised text)."""
    before = _WORD_BEFORE.search(line, max(0, start - 30), start)
    if before is None:
        before = _PREVIOUS_WORD.search(line, max(0, start - 40), start)
    return before is not None and _HARAKA.search(before.group()) is not None


def _lone_marks_on_lam(ligature: str, marks: str, line: str, start: int) -> bool:
    if ligature in _MADDA_ALEF_LIGATURES:
        return True
    return (ligature in _BARE_ALEF_LIGATURES and FATHATAN not in marks
            and _vocalised_before(line, start))


def _lam_alef_with_marks(match, persian: bool) -> str:
    lam, alef = _base_letters(match.group(1), persian)
    marks = match.group(2)
    clusters = _mark_clusters(marks)
    if len(clusters) == 2:
        return lam + clusters[0] + alef + clusters[1]
    if _lone_marks_on_lam(match.group(1), marks, match.string, match.start()):
        return lam + marks + alef
    return lam + alef + marks


# The ligature of the name of God (ﷲ) carries the marks of its letters after it. Its second lam
# takes the shadda and the fatha or dagger alef that go with it ("اللَّه", "اللّٰه"), each once: a
# letter carries one vowel, so a second fatha is the heh's case ending ("اللَّهَ"), as is any
# other vowel ("اللّهِ", "اللَّهُ").
ALLAH_WITH_MARKS = regex.compile("\uFDF2([\u064B-\u0652\u0670]+)")
_ON_SECOND_LAM = "\u0651\u064E\u0670"


def split_allah_marks(marks: str) -> tuple[str, str]:
    """The marks after ﷲ → (second lam's, heh's)."""
    on_lam, on_heh = "", ""
    for mark in marks:
        if mark in _ON_SECOND_LAM and mark not in on_lam:
            on_lam += mark
        else:
            on_heh += mark
    if SHADDA not in on_lam:  # no shadda: a lone fatha is the heh's case ending
        return "", marks
    return on_lam, on_heh


def _allah_with_marks(match) -> str:
    on_lam, on_heh = split_allah_marks(match.group(1))
    return "\u0627\u0644\u0644" + on_lam + "\u0647" + on_heh


def map_presentation_forms(line: str, persian: bool) -> str:
    line = ALLAH_WITH_MARKS.sub(_allah_with_marks, line)
    line = LAM_ALEF_WITH_MARKS.sub(lambda m: _lam_alef_with_marks(m, persian), line)
    return PRESENTATION_FORMS.sub(lambda m: _base_letters(m.group(), persian), line)


# What the Unicode bidi algorithm (UBA) displays left-to-right inside a right-to-left line,
# written as it reads in the reversed line (so each piece is the mirror image of the rule):
# - a left-to-right run: from a strong L character (Latin letter, LRM) to the last strong L
#   before the next right-to-left character (neutrals between strong L resolve to L, N1), with
#   the number that follows it in the same run (W7: a European number after L is L; W4/W5 join
#   its separators and +/-/% signs; a bracket between them resolves right-to-left, N0) and a
#   number written directly before it (same level);
# - a number: digits joined by one separator; after an Arabic letter only a common separator
#   joins (W2/W4: "322،8", "10.5"), elsewhere also a sign or +/- ("(2-3)" at the line start).
_EN_NUMBER = r"\p{bc=ET}*\p{bc=EN}+(?:[\p{bc=ES}\p{bc=CS}]\p{bc=EN}+)*\p{bc=ET}*"
_AN_NUMBER = r"[\p{bc=EN}\p{bc=AN}]+(?:\p{bc=CS}[\p{bc=EN}\p{bc=AN}]+)*"
_NOT_STRONG_OR_BRACKET = r"[^\p{bc=L}\p{bc=R}\p{bc=AL}\p{bc=AN}\p{Bidi_M}]"
_NOT_RTL = r"[^\p{bc=R}\p{bc=AL}\p{bc=AN}]"
LTR_RUN = regex.compile(
    rf"(?P<ltr>(?:{_EN_NUMBER}{_NOT_STRONG_OR_BRACKET}*)?"
    rf"\p{{bc=L}}(?:{_NOT_RTL}*\p{{bc=L}})?(?:{_AN_NUMBER})?)"
    rf"|(?P<number>{_EN_NUMBER}|{_AN_NUMBER})")
AN_NUMBER = regex.compile(_AN_NUMBER)
NUMBER = regex.compile(rf"{_EN_NUMBER}|{_AN_NUMBER}")
_STRONG = frozenset(("L", "R", "AL"))


def _after_arabic_letter(text: str, end: int) -> bool:
    """The last strong character before `end` is an Arabic letter (bidi class AL)."""
    for ch in reversed(text[:end]):
        bidi = unicodedata.bidirectional(ch)
        if bidi in _STRONG:
            return bidi == "AL"
    return False


def _unreverse_run(match) -> str:
    run = match.group()
    if match.group("number") is None:
        return run[::-1]
    numbers = AN_NUMBER if _after_arabic_letter(match.string, match.start()) else NUMBER
    return numbers.sub(lambda m: m.group()[::-1], run)


def to_logical_order(line: str) -> str:
    """Reverse a visual-order line, keeping left-to-right runs (Latin, numbers) as they read."""
    return LTR_RUN.sub(_unreverse_run, line[::-1])


def _joining_form(ch: str) -> str:
    """"initial", "medial", "final" or "isolated" for a presentation form, else ""."""
    tag = unicodedata.decomposition(ch).partition(" ")[0]
    return tag[1:-1] if tag in ("<initial>", "<medial>", "<final>", "<isolated>") else ""


# A word of presentation forms, harakat between them included.
PRESENTATION_FORM_WORD = regex.compile(r"[\uFB50-\uFDFB\uFE70-\uFEFC\u064B-\u0652]{2,}")


def is_visual_order(line: str) -> bool:
    """Presentation forms encode where a letter sits in its word: in logical order an initial
    form is followed by a medial or final one, and a final form follows an initial or medial
    one; in visual (reversed) order it is the other way round. Count both and compare."""
    logical = visual = 0
    for word in PRESENTATION_FORM_WORD.finditer(line):
        forms = [f for f in map(_joining_form, word.group()) if f]
        for prev, cur in zip(forms, forms[1:]):
            if prev == "initial" and cur in ("medial", "final"):
                logical += 1
            elif prev in ("medial", "final") and cur == "initial":
                visual += 1
            elif prev == "final" and cur in ("medial", "final"):
                visual += 1
    return visual > logical


def fix_presentation_forms(line: str, persian: bool, visual_order: bool) -> tuple[str, list[str]]:
    """Presentation forms (PDF copy/paste) → base letters; reversed lines put back in order."""
    if not PRESENTATION_FORMS.search(line):
        return line, []
    fixes = []
    if visual_order and is_visual_order(line):
        line = to_logical_order(line)
        fixes.append("visual_order")
    fixed = map_presentation_forms(line, persian)
    fixes.append("presentation_forms")
    return fixed, fixes


# --- composition -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Repairer:
    """The configured fixes plus the immutable state they share (model, code-page tables)."""
    cfg: RepairConfig
    model: CharBigramModel
    codepages: tuple[LegacyCodepage, ...]

    def repair_line(self, line: str, persian: bool) -> tuple[str, list[str]]:
        fixes: list[str] = []
        if line.isascii():
            return line, fixes
        cfg = self.cfg
        if cfg.legacy_mojibake:
            line, applied = fix_legacy_mojibake(line, self.model, self.codepages, cfg.min_score_gain)
            fixes += applied
        if cfg.ftfy_encoding:
            line, applied = fix_ftfy_encoding(line)
            fixes += applied
        if cfg.presentation_forms:
            line, applied = fix_presentation_forms(line, persian, cfg.visual_order)
            fixes += applied
        return line, fixes

    def repair(self, text: str, persian: bool | None = None) -> tuple[str, tuple[str, ...]]:
        """Repair a whole text (lines joined by "\\n"); returns the text and the fixes applied."""
        text, fixes = remove_decode_debris(text)
        if self.cfg.html_entities:
            text, applied = fix_html_entities(text)
            fixes += applied
        if text.isascii():
            return text, tuple(fixes)
        if persian is None:
            persian = looks_persian(text)
        lines = text.split("\n")
        line_fixes = [self.repair_line(line, persian) for line in lines]
        fixes += [name for _, applied in line_fixes for name in applied]
        if self.cfg.legacy_mojibake:
            line_fixes = self._residual_pass(lines, line_fixes)
            fixes += [name for _, applied in line_fixes for name in applied]
        if not any(applied for _, applied in line_fixes):
            return text, tuple(dict.fromkeys(fixes))
        return "\n".join(fixed for fixed, _ in line_fixes), tuple(dict.fromkeys(fixes))

    def _residual_pass(self, lines, line_fixes):
        """Lines left alone in a document where other lines were legacy mojibake."""
        found = {name for _, applied in line_fixes for name in applied}
        codepages = [cp for cp in self.codepages if cp.fix_name in found]
        if not codepages:
            return line_fixes
        result = []
        for line, (fixed, applied) in zip(lines, line_fixes):
            if not applied and not line.isascii():
                for codepage in codepages:
                    fixed, applied = fix_residual_mojibake(line, self.model, codepage)
                    if applied:
                        break
            result.append((fixed, applied))
        return result


def build_repairer(cfg: RepairConfig) -> Repairer:
    """Per-worker setup for `ApplyStep(..., setup=build_repairer)`."""
    return Repairer(cfg=cfg, model=load_model(), codepages=legacy_codepages())


@functools.lru_cache(maxsize=8)
def _cached_repairer(cfg: RepairConfig) -> Repairer:
    """One immutable repairer per config and process, for callers that pass a bare config."""
    return build_repairer(cfg)


def _repairer(cfg: RepairConfig | Repairer) -> Repairer:
    return cfg if isinstance(cfg, Repairer) else _cached_repairer(cfg)


def repair_text(text: str, cfg: RepairConfig | None = None) -> tuple[str, tuple[str, ...]]:
    """Repair one string; returns (fixed text, names of the fixes that changed something)."""
    return _repairer(cfg or RepairConfig()).repair(text)


def repair_step(doc: Doc, cfg: RepairConfig | Repairer) -> Doc:
    """Repair `doc.text` and `doc.title`, recording every fix that changed something."""
    repairer = _repairer(cfg)
    persian = looks_persian((doc.title or "") + "\n" + doc.text)
    text, fixes = repairer.repair(doc.text, persian)
    title, title_fixes = (doc.title, ())
    if doc.title is not None:
        title, title_fixes = repairer.repair(doc.title, persian)
    if text == doc.text and title == doc.title:
        return doc
    return doc.replace(text=text, title=title).with_repairs(fixes + title_fixes)
