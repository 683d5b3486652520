"""Whole-file decoding: encodings found by BOM, UTF-16 screen, strict UTF-8 or the char model."""
import gzip

import pytest
from hypothesis import given, settings, strategies as st

from transforms.decode import decode_bytes, decode_step, remove_decode_debris
from transforms.model import Doc, Reject
from transforms.repair import RepairConfig

CFG = RepairConfig()
ARABIC = "أعلنت وزارة الصحة السعودية اليوم عن افتتاح مستشفى جديد في مدينة الرياض."
PERSIAN = "وزیر امور خارجه ایران امروز در نشست خبری گفت که مذاکرات ادامه دارد."


def decode(raw: bytes):
    return decode_bytes(raw, CFG)


@pytest.mark.parametrize("text", [ARABIC, PERSIAN])
@pytest.mark.parametrize("encoding, bom", [
    ("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"),
    ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""), ("utf-16-be", b""),
])
def test_unicode_encodings_with_and_without_bom(text, encoding, bom):
    decoded, found, fixes = decode(bom + text.encode(encoding))
    assert decoded == text
    assert found.startswith(encoding[:6])
    assert fixes == ()


def test_windows_1256_arabic_and_legacy_persian():
    assert decode(ARABIC.encode("cp1256"))[:2] == (ARABIC, "cp1256")
    legacy_persian = PERSIAN.replace("ی", "ي")  # cp1256 has no FARSI YEH
    assert decode(legacy_persian.encode("cp1256"))[:2] == (legacy_persian, "cp1256")


def test_iso_8859_6_and_mac_arabic():
    assert decode(ARABIC.encode("iso-8859-6"))[:2] == (ARABIC, "iso-8859-6")
    legacy_persian = PERSIAN.replace("ی", "ي").replace("ک", "ك")  # nor has mac-arabic ی/ک
    assert decode(legacy_persian.encode("mac_arabic"))[:2] == (legacy_persian, "mac-arabic")


def test_crlf_nul_and_controls_are_removed_and_recorded():
    raw = ("سطر أول\r\nسطر\x00 ثان\x1a\r\n").encode("utf-8")
    text, _, fixes = decode(raw)
    assert text == "سطر أول\nسطر ثان\n"
    assert fixes == ("remove_nul", "normalize_line_endings", "remove_control_chars")


def test_utf8_cut_inside_the_last_character_keeps_the_rest():
    raw = ARABIC.rstrip(".").encode("utf-8")[:-1]
    text, encoding, fixes = decode(raw)
    assert text == ARABIC[:-2] and encoding == "utf-8"
    assert fixes == ("drop_truncated_utf8_char",)


def test_gzip_is_unpacked_once():
    text, _, fixes = decode(gzip.compress(ARABIC.encode("utf-8")))
    assert text == ARABIC and fixes == ("gunzip",)


@pytest.mark.parametrize("raw, reason", [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "binary_input"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3", "binary_input"),
    (gzip.compress(b"\x89PNG\r\n\x1a\n"), "binary_input"),
    (gzip.compress(ARABIC.encode("utf-8"))[:-12], "undecodable"),
    (bytes(range(128, 256)) * 4, "undecodable"),
])
def test_binary_and_undecodable_inputs_are_rejected(raw, reason):
    with pytest.raises(Reject) as rejected:
        decode(raw)
    assert rejected.value.reason == reason
    assert rejected.value.detail


def test_size_limit():
    with pytest.raises(Reject) as rejected:
        decode_bytes(b"a" * 101, RepairConfig(max_bytes=100))
    assert rejected.value.reason == "too_large"


def test_utf16_read_as_latin1_is_repaired_before_debris_removal():
    broken = ARABIC.encode("utf-16-le").decode("latin-1")
    assert remove_decode_debris(broken) == (ARABIC, ["utf16_read_as_latin1"])


def test_decode_step_sets_text_and_encoding_and_skips_decoded_records():
    doc = Doc(id="a", source="a.txt", raw=ARABIC.encode("cp1256"))
    decoded = decode_step(doc, CFG)
    assert (decoded.text, decoded.input_encoding) == (ARABIC, "cp1256")
    already = Doc(id="b", source="b.jsonl", raw=b"{}", text="x", input_encoding="utf-8")
    assert decode_step(already, CFG) is already


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_decode_cleanly_or_reject(raw):
    try:
        text, _, _ = decode(raw)
    except Reject as rejected:
        assert rejected.reason in ("binary_input", "undecodable", "too_large")
        return
    assert "\ufffd" not in text or "\ufffd".encode("utf-8") in raw
    assert not any(ch in text for ch in "\x00\r\x1a\x07")
