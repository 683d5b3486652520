"""basic_normalize_step / normalize_step: each rule named and recorded, orthographies kept,
idempotent on random Arabic-script strings."""
import unicodedata

import regex
from hypothesis import example, given, settings, strategies as st

from transforms.model import Doc
from transforms.normalize import (NormalizeConfig, _single_spaced, _strip_line_edges,
                                  basic_normalize, basic_normalize_step, normalize_for,
                                  normalize_step)

CFG = NormalizeConfig()
ZWNJ = "\u200c"


def doc(text, title=None, lang="und"):
    return Doc(id="d", source="s", text=text, title=title, lang=lang)


def test_basic_rules_fix_and_record():
    raw = ("\r\n\r\nسلام\u200f\u00a0دنیا\x1a  \r\nکتـــاب\u202b\u202c \r\n\r\n\r\n\r\nآخر\u00ad\r\n")
    out = basic_normalize_step(doc(raw, title=" عنوان\u200e "), CFG)
    assert out.text == "سلام دنیا\nکتاب\n\nآخر"
    assert out.title == "عنوان"
    assert {"newlines", "control_chars", "bidi_marks", "odd_spaces", "tatweel", "invisible_chars",
            "line_edge_spaces", "blank_lines"} <= set(out.repairs)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=" \n\r\u2028\x85\x0b\u00a0\tبa", max_size=30))
def test_space_rules_do_what_their_regexes_say(text):
    assert _single_spaced(text) == regex.sub(r" {2,}", " ", text)
    assert _strip_line_edges(text) == regex.sub(r"^ +| +$", "", text, flags=regex.MULTILINE)


def test_untouched_doc_is_returned_as_is():
    clean = doc("سلام دنیا\nخط دوم", title=None)
    assert basic_normalize_step(clean, CFG) is clean


def test_nfc_is_applied_and_diacritics_kept():
    decomposed = "ا\u0654مر كَتَبَ"
    text, fixes = basic_normalize(decomposed)
    assert text == unicodedata.normalize("NFC", decomposed) and "أمر" in text
    assert "nfc" in fixes and "\u064e" in text


def test_quotes_only_when_configured():
    assert basic_normalize("”عين اليوم”")[0] == "”عين اليوم”"
    assert basic_normalize("”عين اليوم”", NormalizeConfig(unify_quotes=True))[0] == '"عين اليوم"'


def test_persian_yeh_kaf_and_zwnj_recorded():
    out = normalize_step(doc("اين كتاب ميشود", lang="fa"), CFG)
    assert out.text == "این کتاب می" + ZWNJ + "شود"
    assert out.repairs == ("persian_yeh_kaf", "zwnj_restored")


def test_arabic_keeps_its_letters():
    text = "في مدينة مكة المكرمة على الطريق"
    assert normalize_for("ar", text) == (text, [])


def test_pashto_urdu_letters_and_ezafe_hamza_kept():
    for lang in ("fa", "prs", "ps", "ur"):
        text = normalize_for(lang, "ننګرهار خانهٔ پوهنځی ہے ټول")[0]
        assert text == "ننګرهار خانهٔ پوهنځی ہے ټول"


def test_digits_kept_unless_configured():
    assert normalize_for("fa", "سال ۱۴۰۲ و ٢٠٢٣")[0] == "سال ۱۴۰۲ و ٢٠٢٣"
    ascii_cfg = NormalizeConfig(ascii_digits=True)
    assert normalize_for("ar", "عام ٢٠٢٣", ascii_cfg) == ("عام 2023", ["ascii_digits"])


def test_spaces_around_zwnj_tidied():
    assert normalize_for("fa", "می\u200c شود و \u200cکتاب")[0] == "می" + ZWNJ + "شود و کتاب"


PIECES = (list("ابپتثجچحخدذرزژسشصطظعغفقکگلمنوهیيكىةأإآؤئءۀټځڅډړږښګڼېۍںےہھ")
          + ["\u064e", "\u0651", "\u0654", "\u0640", ZWNJ, "\u200d", "\u200f", " ", "\u00a0",
             "\n", "\r", "\t", "\x1a", "۱", "٢", "3", "،", "«", "»", "a", "\u201d",
             "ها", "های", "می", "ای", "خانه", "کتاب", "شود", "رئیس", "جمهور"])
ARABIC_SCRIPT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(ARABIC_SCRIPT, st.sampled_from(["ar", "fa", "prs", "ur", "ps", "und"]), st.booleans())
@example("\u0651\u200c\u064e", "fa", False)  # a ZWNJ dropped between shadda and fatha
def test_normalization_is_idempotent(text, lang, ascii_digits):
    cfg = NormalizeConfig(ascii_digits=ascii_digits, unify_quotes=ascii_digits)
    once = normalize_for(lang, basic_normalize(text, cfg)[0], cfg)[0]
    twice = normalize_for(lang, basic_normalize(once, cfg)[0], cfg)[0]
    assert twice == once


@settings(max_examples=100, deadline=None)
@given(ARABIC_SCRIPT, st.one_of(st.none(), ARABIC_SCRIPT))
def test_steps_never_raise_and_keep_title_type(text, title):
    out = normalize_step(basic_normalize_step(doc(text, title, "fa"), CFG), CFG)
    assert isinstance(out.text, str) and (out.title is None) == (title is None)
