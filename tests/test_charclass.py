"""`re` twins of `regex` patterns scan BMP text exactly as the `regex` originals do."""
import pytest

from transforms import folding, langid, zwnj
from transforms.charclass import bmp_class, bmp_only, twin_pattern

EVERY_BMP_CHARACTER = "".join(map(chr, range(0x10000)))
TWINS = {"zwnj.WORD_RUN": zwnj.WORD_RUN, "langid._WORD_RUNS": langid._WORD_RUNS,
         "langid._NON_ARABIC_LETTERS": langid._NON_ARABIC_LETTERS,
         "folding._NON_WORD": folding._NON_WORD,
         "folding._NON_WORD_NOR_SPACE": folding._NON_WORD_NOR_SPACE}


@pytest.mark.parametrize("name", TWINS)
def test_twins_agree_on_every_bmp_character(name):
    twin = TWINS[name]
    # One character at a time, then as a text: classes and runs both agree.
    spaced = " ".join(EVERY_BMP_CHARACTER)
    for text in (EVERY_BMP_CHARACTER, spaced):
        assert twin.bmp.findall(text) == twin.full.findall(text)
        assert twin.bmp.split(text) == twin.full.split(text)


def test_bmp_class_escapes_what_re_would_read_as_syntax():
    twin = twin_pattern("{c}+", c=r"[\-\]\\^\[]")
    assert bmp_class(r"[\-\]\\^\[]") == r"[\-\[-\^]"
    assert twin.bmp.findall("a-]\\^[b") == twin.full.findall("a-]\\^[b") == ["-]\\^["]


def test_bmp_only_sees_astral_characters_and_takes_lone_surrogates():
    assert bmp_only("") and bmp_only("می‌شود \uffff") and bmp_only("\ud800 lone surrogate")
    assert not bmp_only("خبر 😀") and not bmp_only("\U00010000")


def test_text_beyond_the_bmp_keeps_the_regex_pattern():
    text = "کتاب😀ها 𝐀𝐁"
    assert zwnj.WORD_RUN.on(text) is zwnj.WORD_RUN.full
    assert zwnj.WORD_RUN.on("کتاب ها") is zwnj.WORD_RUN.bmp
    assert zwnj.WORD_RUN.on(text).split(text) == ["", "کتاب", "😀", "ها", " ", "𝐀𝐁", ""]
