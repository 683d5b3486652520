"""Property tests of the pure steps the other test files do not cover on random input.

- reading a JSONL line: any bytes give a `Doc` or a `Rejection` with a reason, never an exception;
- duplicate ids: exactly one winner per id, whatever order the records arrive in;
- folding: idempotent, and no marks, tatweel, ZWNJ/ZWJ or bidi marks survive; a document's
  fold on its code units equals the string fold;
- the whole per-document chain, as the graph runs it, on random Arabic-script text given as
  bytes (`.txt`) or as a JSONL record: it raises nothing but `Reject`, and kept text carries no
  decode debris (NUL, CR, other C0 controls, a U+FFFD the source did not have).
"""
from __future__ import annotations

import collections
import json
import unicodedata

import pytest
import regex
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pipeline.config import load_config
from transforms.boilerplate import load_boilerplate, strip_step
from transforms.decode import decode_step
from transforms.charclass import bmp_only
from transforms.folding import (_fold_code_units, _fold_string, fold, fold_key, fold_words,
                                split_count)
from transforms.ids import resolve_duplicate_ids
from transforms.langid import _WORD_RUNS, _word_runs, identify_step, load_langid
from transforms.limits import check_limits
from transforms.model import Doc, Reject, Rejection
from transforms.normalize import (BASIC_RULES, NormalizeConfig, _apply, basic_normalize,
                                  basic_normalize_step, normalize_step)
from transforms.read import ReadConfig, jsonl_record
from transforms.repair import repair_step

READ = ReadConfig(max_bytes=300, raw_keep_bytes=64)  # small, so random lines cross the limits
READ_REASONS = {"too_large", "malformed_json", "missing_id", "missing_text", "empty_text"}
ARABIC_LETTERS = "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىيپچژکگی"
SCRIPT_EXTRAS = ("\u064b\u064e\u064f\u0650\u0651\u0652"   # harakat
                 "\u0640\u200c\u200d\u200f\u200e\u061c"   # tatweel, ZWNJ, ZWJ, bidi marks
                 "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹0123456789"
                 "،؛؟«»:.!-()\"' \u00a0\ufefb\ufe8d\ufedf")
DEBRIS = "\x00\r\t\x1a\x07\x1b\ufffd\ufeff"
ARABIC_WORDS = st.text(alphabet=ARABIC_LETTERS, min_size=1, max_size=9)
ARABIC_SCRIPT = st.lists(
    st.one_of(ARABIC_WORDS, ARABIC_WORDS, st.sampled_from([" ", " ", "\n", "\n\n", "\r\n"]),
              st.text(alphabet=SCRIPT_EXTRAS, max_size=3), st.text(alphabet=DEBRIS, max_size=2),
              st.text(alphabet="abcdeXYZ ", max_size=6)),
    max_size=120).map("".join)
ARTICLE_LINE = st.lists(
    st.one_of(ARABIC_WORDS, ARABIC_WORDS, ARABIC_WORDS, st.text(alphabet=SCRIPT_EXTRAS, max_size=3),
              st.text(alphabet=DEBRIS, max_size=2), st.text(alphabet="abcdeXYZ", max_size=6)),
    min_size=3, max_size=20).map(" ".join)
ARTICLE = st.lists(st.tuples(ARTICLE_LINE, st.sampled_from(["\n", "\n", "\n\n", "\r\n", "\r"])),
                   min_size=1, max_size=6).map(lambda lines: "".join(l + s for l, s in lines))
ARABIC_TEXT = st.one_of(ARABIC_SCRIPT, ARTICLE)  # short and random, or shaped like an article
FOLDED_AWAY = regex.compile(r"[\p{M}\u0640\u200c\u200d\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
CONTROLS = regex.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # C0 but tab and newline; CR, NUL
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         st.text(max_size=30), ARABIC_SCRIPT)
JSON_LINES = st.one_of(
    st.binary(max_size=400),
    st.dictionaries(st.sampled_from(["id", "text", "title", "url", "site", "lang", "published"]),
                    st.one_of(JSON_SCALARS, st.lists(JSON_SCALARS, max_size=3)), max_size=7)
    .map(lambda record: json.dumps(record, ensure_ascii=False).encode("utf-8")),
    st.lists(JSON_SCALARS, max_size=3).map(lambda value: json.dumps(value).encode("utf-8")))


@settings(max_examples=400, deadline=None)
@given(JSON_LINES, st.integers(min_value=1, max_value=10**6))
def test_any_jsonl_line_becomes_a_doc_or_a_reasoned_rejection(line, line_number):
    record = jsonl_record("feeds/a.jsonl", line_number, line, READ)
    assert record.source_order == ("feeds/a.jsonl", line_number)
    assert record.raw == line[: READ.raw_keep_bytes]
    if isinstance(record, Rejection):
        assert record.reason in READ_REASONS and record.detail and record.step == "Read"
        assert record.id
    else:
        assert isinstance(record, Doc) and record.id and record.text.strip()
        assert record.input_encoding == "utf-8"


def _record(kind_is_doc: bool, path: str, line: int) -> Doc | Rejection:
    if kind_is_doc:
        return Doc(id="same", source=f"{path}:{line}", text="متن", source_order=(path, line))
    return Rejection(id="same", source=f"{path}:{line}", reason="malformed_json", detail="bad",
                     step="Read", source_order=(path, line))


SAME_ID_GROUPS = st.lists(
    st.tuples(st.booleans(), st.sampled_from(["a.jsonl", "b.jsonl", "feeds/c.jsonl.gz"]),
              st.integers(min_value=0, max_value=50)),
    min_size=1, max_size=12, unique_by=lambda spec: spec[1:]).map(
    lambda specs: [_record(*spec) for spec in specs])


@settings(max_examples=300, deadline=None)
@given(SAME_ID_GROUPS, st.randoms(use_true_random=False))
def test_duplicate_ids_have_one_winner_in_any_arrival_order(records, random):
    shuffled = list(records)
    random.shuffle(shuffled)
    out = list(resolve_duplicate_ids(records))
    assert sorted(out, key=lambda r: r.source_order) == \
        sorted(resolve_duplicate_ids(shuffled), key=lambda r: r.source_order)
    assert len(out) == len(records)
    docs_in = [r for r in records if isinstance(r, Doc)]
    docs_out = [r for r in out if isinstance(r, Doc)]
    if docs_in:
        assert docs_out == [min(docs_in, key=lambda d: d.source_order)]
        losers = [r for r in out if isinstance(r, Rejection) and r.reason == "duplicate_id"]
        assert len(losers) == len(docs_in) - 1 and all(r.detail for r in losers)
    else:
        assert docs_out == [] and sorted(out, key=lambda r: r.source_order) == \
            sorted(records, key=lambda r: r.source_order)


# Speed shortcuts are checked against the full computation they skip.
@settings(max_examples=400, deadline=None)
@given(st.one_of(ARABIC_TEXT, st.text(max_size=80)))
def test_basic_normalize_shortcut_equals_every_rule(text):
    cfg = NormalizeConfig()
    assert basic_normalize(text, cfg) == _apply(BASIC_RULES, text, cfg)


@settings(max_examples=400, deadline=None)
@given(st.one_of(ARABIC_TEXT, st.text(max_size=80)))
def test_langid_word_runs_are_the_regex_runs(text):
    assert collections.Counter(_word_runs(text)) == collections.Counter(_WORD_RUNS.full.findall(text))


def test_the_space_is_the_only_printable_whitespace():
    """What `single_spaced` rests on, for this Python's Unicode data."""
    assert [char for char in map(chr, range(0x110000)) if char.isspace() and char.isprintable()] \
        == [" "]


@settings(max_examples=400, deadline=None)
@given(st.one_of(ARABIC_TEXT, st.text(alphabet=" \u200c\t\u00a0ab", max_size=20),
                 st.text(max_size=80)))
def test_split_count_counts_what_split_cuts(text):
    assert split_count(text) == len(text.split())


@settings(max_examples=400, deadline=None)
@given(st.one_of(ARABIC_SCRIPT, st.text(max_size=80)))
def test_fold_is_idempotent_and_leaves_no_marks(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert not FOLDED_AWAY.search(folded)
    assert folded == folded.strip() and "  " not in folded
    assert fold_key(text) == folded.replace(" ", "") and " " not in fold_key(text)
    assert fold_words(text) == folded.split()


# Every BMP character whose NFKC form stays in the BMP (seven do not: their texts take the
# string path), with lone surrogates next to each other as in no valid text.
BMP_FOLDABLE = "".join(char for char in map(chr, range(0x10000))
                       if bmp_only(unicodedata.normalize("NFKC", char)))


@pytest.mark.parametrize("text", [BMP_FOLDABLE, " ".join(BMP_FOLDABLE), "ß" + BMP_FOLDABLE[::-1]])
def test_code_unit_fold_equals_the_string_fold_on_every_bmp_character(text):
    assert _fold_code_units(text) == _fold_string(text)


@settings(max_examples=400, deadline=None)
@given(st.one_of(ARABIC_TEXT, st.text(max_size=80), st.lists(ARABIC_TEXT, max_size=8).map("".join)))
def test_code_unit_fold_equals_the_string_fold(text):
    folded = _fold_code_units(text)
    if bmp_only(unicodedata.normalize("NFKC", text)):
        assert folded == _fold_string(text)
    else:
        assert folded is None


def test_digits_newer_than_pythons_unicode_tables_fold_as_they_are():
    # `regex` knows U+1CCF0 (OUTLINED DIGIT ZERO, Unicode 16) as a digit; Python 3.11's
    # `unicodedata` has no value for it: folding keeps it instead of raising.
    assert fold("\U0001ccf0 ١٢") == "\U0001ccf0 12"


@pytest.fixture(scope="module")
def chain():
    """The per-document steps of the graph with the default config, state built once."""
    config = load_config()
    langid, boilerplate = load_langid(config.langid), load_boilerplate(config.boilerplate)
    steps = (
        lambda d: decode_step(d, config.repair),
        lambda d: repair_step(d, config.repair),
        lambda d: basic_normalize_step(d, config.normalize),
        lambda d: check_limits(d, config.limits),
        lambda d: identify_step(d, langid),
        lambda d: normalize_step(d, config.normalize),
        lambda d: strip_step(d, boilerplate),
    )

    def run(doc: Doc) -> Doc:
        for step in steps:
            doc = step(doc)
        return doc
    return run


def _as_txt(text: str, encoding: str) -> Doc:
    return Doc(id="t", source="t.txt", raw=text.encode(encoding, errors="ignore"),
               source_order=("t.txt", 0))


def _as_jsonl(text: str, title: str | None) -> Doc | Rejection:
    line = json.dumps({"id": "j", "text": text, "title": title}, ensure_ascii=False)
    return jsonl_record("f.jsonl", 1, line.encode("utf-8"), ReadConfig())


def _assert_clean(doc: Doc, source_text: str) -> None:
    """No controls; a U+FFFD only where the source itself has one (kept, as it is content we
    cannot restore), never one made by decoding."""
    for value in (doc.text, doc.title or ""):
        assert not CONTROLS.search(value), ascii(value)
        assert "\ufffd" not in value or "\ufffd" in source_text, ascii(value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ARABIC_TEXT, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1256"]))
def test_chain_on_bytes_rejects_or_leaves_no_debris(chain, text, encoding):
    try:
        out = chain(_as_txt(text, encoding))
    except Reject as rejected:
        assert rejected.reason and rejected.detail
        event(f"rejected: {rejected.reason}")
        return
    event("kept")
    _assert_clean(out, text)
    assert out.text.strip() and out.lang


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ARABIC_TEXT, st.one_of(st.none(), ARABIC_SCRIPT))
def test_chain_on_jsonl_records_rejects_or_leaves_no_debris(chain, text, title):
    record = _as_jsonl(text, title)
    if isinstance(record, Rejection):
        assert record.reason in READ_REASONS
        return
    try:
        out = chain(record)
    except Reject as rejected:
        assert rejected.reason and rejected.detail
        event(f"rejected: {rejected.reason}")
        return
    event("kept")
    _assert_clean(out, text + (title or ""))
    assert out.text.strip()
