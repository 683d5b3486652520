"""The compiled shingle hashes and band keys are the numpy path's own integers, on the bundled
sample, edge-case texts and (with ../shared) the corpora; dedup uses them when built."""
import json
from pathlib import Path

import numpy as np
import pytest

from transforms import compiled
from transforms.dedup import shingles, signatures
from transforms.dedup.signatures import minhash_template

ROOT = Path(__file__).resolve().parents[1]
SHARED_CORPORA = ROOT.parent / "shared" / "corpora"
BUILT = "transforms.dedup.hashing" in compiled.matching_modules(compiled.read_manifest())
pytestmark = pytest.mark.skipif(not BUILT, reason="dedup hashing is not built (make compiled)")

EDGE_TEXTS = [
    "", "a", "a b", "a b c d e", "a b c d e f", "یک دو سه چهار پنج شش هفت",
    "کتاب‌ها می شود و می‌شود", "😀 𝔸 \U0010ffff خبر " * 9, "x" * 5000, "word " * 600,
    "۱۲۳ ٤٥٦ 789 خبر خبر خبر", "a  b   c    d e f g", " leading and trailing spaces here ",
]
LAYOUTS = [(37, 3), (16, 8), (128, 1), (1, 128), (20, 7)]  # (20, 7) needs 140 > 128 values


def reference(monkeypatch, text: str, n: int, template, layout):
    """fingerprint and band keys as the numpy / xxhash code computes them."""
    with monkeypatch.context() as patched:
        patched.setattr(shingles, "_compiled", None)
        patched.setattr(signatures, "_compiled", None)
        exact, hashes = shingles.fingerprint(text, n)
        return exact, hashes, signatures.band_keys(hashes, template, layout)


def check(monkeypatch, texts, sizes=(5,), layouts=((37, 3),), num_perm=128):
    template = minhash_template(num_perm, 1)
    for text in texts:
        for n in sizes:
            for layout in layouts:
                exact, hashes, keys = reference(monkeypatch, text, n, template, layout)
                got_exact, got = shingles.fingerprint(text, n)
                assert got_exact == exact and np.array_equal(got, hashes), (text[:60], n)
                assert got.dtype == np.uint64
                assert signatures.band_keys(got, template, layout) == keys, (text[:60], layout)


def test_dedup_loads_the_compiled_hashing():
    assert shingles._compiled is not None and signatures._compiled is not None


def test_edge_texts_every_shingle_size_and_layout(monkeypatch):
    check(monkeypatch, EDGE_TEXTS, sizes=(1, 2, 3, 5, 8), layouts=LAYOUTS)


def test_empty_hashes_give_the_empty_sketch_keys(monkeypatch):
    template = minhash_template(128, 7)
    empty = np.empty(0, np.uint64)
    with monkeypatch.context() as patched:
        patched.setattr(signatures, "_compiled", None)
        expected = signatures.band_keys(empty, template, (37, 3))
    assert signatures.band_keys(empty, template, (37, 3)) == expected


def test_refuses_what_it_cannot_compute():
    from transforms.dedup import hashing
    template = minhash_template(16, 1)
    with pytest.raises(ValueError):
        hashing.band_keys(np.ones(3, np.uint64), *template.permutations, template.hashvalues,
                          5, 4, 0)  # 20 values from 16 permutations
    with pytest.raises(ValueError):
        hashing.shingle_hashes(b"a b", 5, 0)  # a one-shingle text is fingerprint's own case


def test_bundled_sample(monkeypatch):
    texts = []
    for line in (ROOT / "pipeline" / "sample" / "feeds" / "feed.jsonl").read_text().splitlines():
        try:  # the feed holds broken lines on purpose
            texts.append(str(json.loads(line).get("text") or ""))
        except (ValueError, AttributeError):
            pass
    texts += [path.read_text(errors="replace") for path in (ROOT / "pipeline" / "sample")
              .rglob("*.txt")]
    assert len(texts) > 5
    check(monkeypatch, texts, sizes=(3, 5))


@pytest.mark.skipif(not SHARED_CORPORA.is_dir(), reason="no ../shared")
@pytest.mark.parametrize("corpus", ["ar.jsonl", "fa.jsonl"])
def test_shared_corpus(monkeypatch, corpus):
    with open(SHARED_CORPORA / corpus, encoding="utf-8") as stream:
        texts = [json.loads(line)["text"] for line in stream]
    assert len(texts) == 3000
    check(monkeypatch, texts)
