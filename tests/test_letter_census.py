"""The compiled letter census gives language ID the evidence its regex scans give: on the
bundled sample, edge-case and random texts and (with ../shared) the corpora."""
import json
import random
from pathlib import Path

import pytest

from transforms import compiled
from transforms.langid import _census, _letter_evidence, _scanned_evidence

ROOT = Path(__file__).resolve().parents[1]
SHARED_CORPORA = ROOT.parent / "shared" / "corpora"
BUILT = "transforms.letter_census" in compiled.matching_modules(compiled.read_manifest())
pytestmark = pytest.mark.skipif(not BUILT, reason="letter_census is not built (make compiled)")

EDGE_TEXTS = [
    "", " ", "\u200c", "\u200c\u200c a", "الكتاب", "الكتابالقلم", "ال", "الا", "الاب", " ال ب",
    "xالكتاب", "۱الكتاب", "الةى", "المدرسة والمكتبة", "می\u200cخواهم به خانه\u200cها بروم",
    "در این کتاب که از او است", "في على إلى", "وفي\u200cالبيت", "\u200cفي\u200c", "ٹڈڑںےہۃھ",
    "ښځ ټ ډ ړ ګ ڼ ې ۍ", "پچژگ یک", "كتابِ جديدٌ", "مَدرسة", "abc Москва 東京", "a\u0301b",
    "x\x1cy\x1dz\x1e\x1f w", "a\xa0b\u2028c\u3000d\u200be", "\x85خبر\x85", "ـــ خبر ـــ",
    "😀 خبر", "𝔸 في على", "خبر \U00010ec0",  # beyond the BMP: the regex scans
]
ALPHABET = ("ابتثجحخدذرزسشصضطظعغفقكلمنهويپچژگکیةىءآأإؤئ" + "ٹڈڑںےہھښځټډړګڼېۍ" + "ال" * 5
            + "\u200c\u200c\u064b\u0650\u0640  \n\t" + "۰۱۲٠١٢012abcXYZ.,،؛!؟-" + "\xa0\u200b\u2029")


def assert_same(texts) -> None:
    assert _census() is not None
    for text in texts:
        assert _letter_evidence(text) == _scanned_evidence(text), repr(text[:80])


def test_edge_texts():
    assert_same(EDGE_TEXTS)


def test_only_bmp_texts_are_counted_compiled():
    census = _census()
    assert census.census("😀 خبر", frozenset(), frozenset()) is None
    assert census.census("خبر", frozenset(), frozenset()) is not None


def test_random_texts():
    rng = random.Random(11)
    texts = ["".join(rng.choice(ALPHABET) for _ in range(rng.randrange(1, 400)))
             for _ in range(2000)]
    assert_same(texts)


def test_bundled_sample():
    texts = [path.read_bytes().decode("utf-8", "replace")
             for path in sorted((ROOT / "pipeline" / "sample").rglob("*")) if path.is_file()]
    assert len(texts) > 5
    assert_same(texts)


@pytest.mark.skipif(not SHARED_CORPORA.is_dir(), reason="no ../shared")
@pytest.mark.parametrize("corpus", ["ar.jsonl", "fa.jsonl"])
def test_shared_corpus(corpus):
    with open(SHARED_CORPORA / corpus, encoding="utf-8") as stream:
        records = [json.loads(line) for line in stream]
    assert len(records) == 3000
    assert_same(f"{record['title']}\n{record['text']}" for record in records)
