"""Line and text repair: every kind of Arabic-script mojibake, no change to clean text."""
import json
from pathlib import Path

import pytest
from ftfy.badness import is_bad
from hypothesis import given, settings, strategies as st

from transforms.charmodel import load_model
from transforms.model import Doc
from transforms.repair import (_BADNESS_CHARS, RepairConfig, _may_be_bad, is_visual_order,
                               looks_persian, redecode_utf8, legacy_codepages, repair_step,
                               repair_text, split_allah_marks, to_logical_order)

CFG = RepairConfig()
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = [Path(__file__).resolve().parent / "data" / "seeds", SHARED / "seeds"]
ARABIC = "أعلنت وزارة الصحة السعودية اليوم عن افتتاح مستشفى جديد في مدينة الرياض"
PERSIAN = "وزیر امور خارجه ایران امروز در نشست خبری گفت که مذاکرات ادامه دارد"
CLEAN = [ARABIC, PERSIAN, "قال: ”عين اليوم“ – الرياض\u00a0٢٠١٥", "مُحَمَّدٌ رَسُولُ اللَّهِ",
         "نرخ دلار ۴۲٬۵۰۰ تومان؛ «بازار» آرام است.", "Hal Ashby (USA) – Coming Home"]


def utf8_as(text: str, codec: str) -> str:
    return text.encode("utf-8").decode(codec)


@pytest.mark.parametrize("text", [ARABIC, PERSIAN])
@pytest.mark.parametrize("corrupt, fix", [
    (lambda s: utf8_as(s, "cp1256"), "utf8_read_as_cp1256"),
    (lambda s: utf8_as(s, "mac_arabic"), "utf8_read_as_mac_arabic"),
    (lambda s: utf8_as(s, "sloppy-windows-1252"), "utf8_read_as_cp1252"),
    (lambda s: utf8_as(s, "latin-1"), "utf8_read_as_latin1"),
    (lambda s: utf8_as(utf8_as(s, "sloppy-windows-1252"), "sloppy-windows-1252"),
     "utf8_read_as_cp1252_then_cp1252"),
    (lambda s: "".join(f"&#{ord(c)};" if ord(c) > 127 else c for c in s), "html_entities"),
    (lambda s: s.encode("utf-16-le").decode("latin-1"), "utf16_read_as_latin1"),
])
def test_each_reversible_corruption_is_repaired_and_named(text, corrupt, fix):
    assert repair_text(corrupt(text), CFG) == (text, (fix,))


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_is_left_alone(text):
    assert repair_text(text, CFG) == (text, ())


def test_mixed_document_repairs_only_broken_lines():
    broken = "\n".join([ARABIC, utf8_as(PERSIAN, "cp1256"), ARABIC, utf8_as(ARABIC, "sloppy-windows-1252")])
    fixed, fixes = repair_text(broken, CFG)
    assert fixed == "\n".join([ARABIC, PERSIAN, ARABIC, ARABIC])
    assert fixes == ("utf8_read_as_cp1256", "utf8_read_as_cp1252")


def test_short_line_in_a_cp1256_document_is_repaired_by_the_residual_pass():
    broken = utf8_as(ARABIC + "\n \u00a0 \n" + ARABIC, "cp1256")
    assert repair_text(broken, CFG)[0] == ARABIC + "\n \u00a0 \n" + ARABIC


def test_mac_arabic_inverse_tracks_utf8_state():
    # mac-arabic decodes byte 0xA7 (the tail of UTF-8 "ا") to the ASCII apostrophe.
    mac = next(cp for cp in legacy_codepages() if cp.name == "mac_arabic")
    assert redecode_utf8(utf8_as("ال's", "mac_arabic"), mac, load_model().unigram_logp) == ("ال's", 0)


def test_mac_arabic_ascii_twins_start_a_sequence_only_for_a_known_letter():
    # "] " is also the UTF-8 of U+0760 (bytes DD A0); "[" + high byte is Persian yeh (DB 8C).
    mac = next(cp for cp in legacy_codepages() if cp.name == "mac_arabic")
    known = load_model().unigram_logp
    assert redecode_utf8(utf8_as("نوشت[1] که", "mac_arabic"), mac, known)[0] == "نوشت[1] که"
    assert redecode_utf8(utf8_as("ی", "mac_arabic"), mac, known)[0] == "ی"
    line = "گفت [4] . او"
    assert repair_text(utf8_as(line, "mac_arabic"), CFG)[0] == line


# Presentation forms, as PDF text or arabic_reshaper gives them (logical order).
PF_ARABIC = "\uFE8D\uFEDF\uFEA0\uFEEE\uFE8D\uFEAD \uFEFB"            # الجوار لا
PF_PERSIAN_ARABIC_YEH = "\uFB90\uFE98\uFE8E\uFE8F \uFEE3\uFEF4\uFEAE\uFEAA \uFB58\uFEAE"  # کتاب میرد پر


def test_presentation_forms_become_base_letters():
    assert repair_text(PF_ARABIC, CFG) == ("الجوار لا", ("presentation_forms",))


def test_presentation_forms_in_persian_text_keep_persian_yeh():
    assert looks_persian(PF_PERSIAN_ARABIC_YEH)
    assert repair_text(PF_PERSIAN_ARABIC_YEH, CFG)[0] == "کتاب میرد پر"


def test_lam_alef_ligature_gives_back_both_letters_marks():
    # lam-sukun + alef-hamza-fatha, stored by the ligature glyph as two clusters after it.
    assert repair_text("\uFE8D\uFEF7\u0652\u064E\uFEE3\uFEAE", CFG)[0] == "الْأَمر"


@pytest.mark.parametrize("ligated, logical", [
    # a lone mark on the alef when the word is not vocalised before it ("إلاّ", "مثلاً")
    ("\uFE87\uFEFC\u0651", "إلاّ"),
    ("\uFEE3\uFE9C\uFEFC\u064B", "مثلاً"),
    # on the lam when the letters before it carry harakat ("إِلَّا"), tanween fath excepted
    ("\uFE87\u0650\uFEFC\u064E\u0651", "إِلَّا"),
    ("\uFEE3\u064E\uFE9C\uFEFC\u064B", "مَثلاً"),
    # a hamza alef carries its own vowel
    ("\uFE8D\u064E\uFEF7\u064E\uFEE3\uFEAE", "اَلأَمر"),
])
def test_lam_alef_ligature_places_a_lone_mark_like_writers_do(ligated, logical):
    assert repair_text(ligated, CFG)[0] == logical


def test_madda_alef_ligature_gives_its_lone_mark_to_the_lam():
    # "الْآن": the sukun after ﻵ cannot be the madda alef's.
    assert repair_text("\uFE8D\uFEF5\u0652\uFEE5", CFG)[0] == "الْآن"


@pytest.mark.parametrize("marks, lam, heh", [
    ("\u064E\u0651\u064E", "\u064E\u0651", "\u064E"),   # اللَّهَ: one fatha each
    ("\u0651\u0670\u064F", "\u0651\u0670", "\u064F"),   # اللّٰهُ
    ("\u064E", "", "\u064E"),                             # no shadda: the heh's ending
])
def test_allah_ligature_gives_the_second_lam_one_vowel(marks, lam, heh):
    assert split_allah_marks(marks) == (lam, heh)
    assert repair_text("\uFDF2" + marks, CFG)[0] == "الل" + lam + "ه" + heh


def test_visual_order_lines_are_reversed_keeping_latin_and_numbers():
    logical = "\uFE8D\uFEDF\uFEA0\uFEEE\uFE8D\uFEAD Acer R13 2015"
    visual = "Acer R13 2015 " + "\uFEAD\uFE8D\uFEEE\uFEA0\uFEDF\uFE8D"
    assert not is_visual_order(logical)
    assert is_visual_order(visual)
    assert to_logical_order(visual) == logical
    assert repair_text(visual, CFG) == ("الجوار Acer R13 2015", ("visual_order", "presentation_forms"))


# Lines as the bidi algorithm displays them (right-to-left paragraph), built by hand: Arabic
# letters reversed, each left-to-right run kept as it reads.
@pytest.mark.parametrize("visual, logical", [
    # W7: a number after a Latin word is in its run, separated or not ("Model 300").
    ("Model 300 ززب", "بزز Model 300"),
    ("Top 500″ ززب", "بزز Top 500″"),          # W5: the prime sign joins its number
    # a number written right before a Latin word shares its level: one run
    ("3D ززب", "بزز 3D"),
    # ... but a bracket between a number and a Latin word resolves right-to-left (N0): two runs
    ("ززب )ISO( 120000 ززب", "بزز 120000 (ISO) بزز"),
    # after an Arabic letter a common separator joins a number (W4), +/- does not (W2)
    ("322،8 ززب", "بزز 322،8"),
    ("3-2 ززب", "بزز 2-3"),
    ("١٦:١٨ ززب", "بزز ١٦:١٨"),
    # at the line start (no Arabic letter before) +/- joins too; the brackets around it are
    # right-to-left, so displayed mirrored
    ("ززب )2-3(", "(2-3) بزز"),
    # LRM is a strong L character: brackets between two of them stay as they read
    ("ززب \u200e(a.b)\u200e ززب", "بزز \u200e(a.b)\u200e بزز"),
])
def test_visual_order_follows_the_bidi_rules(visual, logical):
    assert to_logical_order(visual) == logical


def test_ftfy_normalizations_are_not_ours():
    # ftfy.fix_text would uncurl these quotes and NFC-reorder shadda+fatha.
    text = "”عين اليوم“ مُحَمَّدٌ"
    assert repair_text(text, CFG) == (text, ())


def test_disabled_fixes_do_nothing():
    off = RepairConfig(legacy_mojibake=False, html_entities=False, presentation_forms=False)
    for broken in (utf8_as(ARABIC, "cp1256"), "&#1575;", PF_ARABIC):
        assert repair_text(broken, off)[0] == broken


def test_repair_step_records_fixes_on_title_and_text():
    doc = Doc(id="x", source="x.txt", text=utf8_as(ARABIC, "cp1256"), title="&#1575;&#1604;")
    repaired = repair_step(doc, CFG)
    assert (repaired.title, repaired.text) == ("ال", ARABIC)
    assert repaired.repairs == ("utf8_read_as_cp1256", "html_entities")
    clean = Doc(id="y", source="y.txt", text=ARABIC, title=None)
    assert repair_step(clean, CFG) is clean


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(alphabet=list("ابتثجحخدذرسشصضطظعغفقكلمنهوي یکگپچژ \n.،؛0123456789"
                          "ÃØÙ§Â\u00a0„&#;\uFEFB\uFE8D\uFEDF\uFEF3"), max_size=200),
    st.text(max_size=60)))
def test_repair_never_raises_and_is_idempotent(text):
    fixed, _ = repair_text(text, CFG)
    assert repair_text(fixed, CFG)[0] == fixed


def _seed_texts():
    for folder in SEEDS:
        if folder.is_dir():
            return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    return []


@pytest.mark.skipif(not _seed_texts(), reason="no seed articles available")
def test_seed_articles_survive_every_reversible_corruption():
    for text in _seed_texts():
        want, _ = repair_text(text, CFG)
        for codec in ("cp1256", "mac_arabic", "sloppy-windows-1252", "latin-1"):
            assert repair_text(utf8_as(text, codec), CFG)[0] == want, codec


FTFY_CASES = SHARED / "benchmarks" / "ftfy_cases" / "v6.3.1" / "test_cases.json"


@pytest.mark.skipif(not FTFY_CASES.is_file(), reason="../shared ftfy cases absent")
def test_ftfy_own_cases_still_pass():
    cases = [c for c in json.loads(FTFY_CASES.read_text(encoding="utf-8")) if c["expect"] == "pass"]
    failures = [c["label"] for c in cases
                if repair_text(c["original"], CFG)[0] not in (c.get("fixed-encoding", c["fixed"]),
                                                               c["fixed"])]
    assert failures == []


@pytest.mark.parametrize("ligature_text, expected", [
    ("\uFDF2\u0651\u0650", "اللّهِ"),          # shadda on the second lam, case kasra on the heh
    ("\uFDF2\u064E\u0651\u064F", "اللَّهُ"),   # shadda + fatha on the lam, damma on the heh
    ("\uFDF2\u064F", "اللهُ"),                  # no shadda: the vowel is the heh's
    ("\uFDF2", "الله"),
])
def test_allah_ligature_marks_go_back_to_their_letters(ligature_text, expected):
    import unicodedata
    from transforms.repair import map_presentation_forms
    got = map_presentation_forms(ligature_text, persian=False)
    assert unicodedata.normalize("NFC", got) == unicodedata.normalize("NFC", expected)


def test_lam_alef_mark_goes_on_lam_after_a_vocalised_word():
    """'لَا' in fully vocalised text (Quran quotes): the word before carries harakat."""
    import unicodedata
    from transforms.repair import map_presentation_forms
    vocalised = "ﺩُﻭﻧِﻪِ ﻼَ"   # دُونِهِ لَا as presentation forms
    plain = "ﺩﻭﻧﻪ ﻼَ"
    assert unicodedata.normalize("NFC", map_presentation_forms(vocalised, False)).endswith("لَا")
    assert unicodedata.normalize("NFC", map_presentation_forms(plain, False)).endswith("لاَ")


# Characters ftfy's badness rules are made of, the characters news lines hold, and ASCII.
_BADNESS_ALPHABET = "".join(sorted(set(_BADNESS_CHARS.pattern) - set("[]\\"))) + \
    "abcXYZ .,!?-" + ARABIC[:12] + "«»–\u00a0"


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=_BADNESS_ALPHABET, max_size=8))
def test_badness_screen_rules_out_only_lines_ftfy_finds_clean(line):
    assert _may_be_bad(line) or not is_bad(line)


def test_badness_screen_rules_out_guillemets_and_spaces_and_keeps_mojibake():
    assert not _may_be_bad("«قال»\u00a0– اليوم")
    assert _may_be_bad("Ø§Ù„Ø±ÙŠØ§Ø¶") and is_bad("Ø§Ù„Ø±ÙŠØ§Ø¶")
