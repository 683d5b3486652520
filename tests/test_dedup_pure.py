"""Pure dedup functions: tokens, shingles, signatures, verification, components, kept choice."""
from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash
from hypothesis import given, settings, strategies as st

from transforms.dedup.components import connected_components_local, star_rounds_local
from transforms.dedup.config import DedupConfig, lsh_layout
from transforms.dedup.select import Member, assign_component, choose_kept, rank_node
from transforms.dedup.shingles import (_sorted_unique, exact_key, fingerprint, pack,
                                       shingle_hashes, shingles, tokens, unpack)
from transforms.dedup.signatures import (SCHEME, band_hashes, minhash_template, s_curve,
                                         signature)
from transforms.dedup.verify import judge_pair, overlap
from transforms.model import Doc

ARTICLE = ("أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في مدينة الرياض بسعة 300 سرير "
           "ويضم المستشفى أقساما متخصصة في أمراض القلب والأورام وطب الأطفال والطوارئ "
           "وقال المتحدث الرسمي إن المشروع يأتي ضمن خطة لتطوير الخدمات الصحية في المملكة")


def test_harakat_and_tatweel_do_not_split_words():
    assert tokens("كَتَبَ الطالـــبُ") == tokens("كتب الطالب") == ["کتب", "الطالب"]


def test_zwnj_space_and_joined_spellings_give_one_token():
    assert tokens("می‌شود") == tokens("می شود") == tokens("میشود") == ["میشود"]
    assert tokens("کتاب‌های خوب") == tokens("کتاب های خوب") == ["کتابهای", "خوب"]


def test_yeh_and_kaf_variants_fold_together():
    assert tokens("يك كتاب") == tokens("یک کتاب")


def test_numbers_are_kept():
    assert exact_key("سعر البرميل 100 دولار") != exact_key("سعر البرميل 200 دولار")
    assert tokens("٢٠٢٥") == ["2025"]


def test_short_text_is_one_shorter_shingle_and_empty_text_none():
    assert shingles("خبر عاجل", n=5) == ["خبر عاجل"]
    assert shingles("", n=5) == []
    assert shingle_hashes("...", 5).size == 0


def test_fingerprint_matches_separate_functions():
    exact, hashes = fingerprint(ARTICLE, 5)
    assert exact == exact_key(ARTICLE)
    assert np.array_equal(hashes, shingle_hashes(ARTICLE, 5))
    assert np.array_equal(unpack(pack(hashes)), hashes)


@settings(max_examples=60, deadline=None)
@given(st.text())
def test_shingle_hashes_are_sorted_unique_and_deterministic(text):
    hashes = shingle_hashes(text, 5)
    assert hashes.dtype == np.uint64
    assert np.array_equal(hashes, np.unique(hashes))
    assert np.array_equal(hashes, shingle_hashes(text, 5))


_WORDS = st.sampled_from(["می", "نمی", "ها", "های", "ترین", "كتاب", "کتاب", "الطالـب", "a", "Ab",
                          "٢٠", "é", "e\u0301", "中文", "😀", "\u200c", "ß"])
_SEPARATORS = st.sampled_from([" ", "  ", "\u200c", "\n", "، ", "-", ".", "\t"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(_WORDS, st.text(max_size=6)), _SEPARATORS), max_size=40),
       st.integers(1, 7))
def test_fingerprint_equals_exact_key_and_shingle_hashes(parts, n):
    """`fingerprint` slices one encoded string; it must equal the per-shingle definition."""
    text = "".join(word + separator for word, separator in parts)
    exact, hashes = fingerprint(text, n)
    assert exact == exact_key(text)
    assert hashes.dtype == np.uint64
    assert np.array_equal(hashes, shingle_hashes(text, n))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=50), st.booleans())
def test_sorted_unique_equals_numpy_unique(values, duplicate):
    hashes = np.array(values + values * duplicate, dtype=np.uint64)
    assert np.array_equal(_sorted_unique(hashes), np.unique(hashes))


def test_signature_is_deterministic_and_estimates_jaccard():
    template = minhash_template(128, 1)
    a = shingle_hashes(ARTICLE, 3)
    edited = ARTICLE.replace("الرياض", "جدة").replace("القلب", "العيون")
    b = shingle_hashes(edited, 3)
    sig_a = signature(a, template)
    assert np.array_equal(sig_a.hashvalues, signature(a, minhash_template(128, 1)).hashvalues)
    assert abs(sig_a.jaccard(signature(b, template)) - overlap(a, b).jaccard) < 0.2
    assert band_hashes(sig_a.hashvalues, 4, 8) == band_hashes(sig_a.hashvalues.copy(), 4, 8)


_UINT64 = st.integers(0, 2**64 - 1)


def _datasketch_minhash(num_perm: int, seed: int) -> MinHash:
    return MinHash(num_perm=num_perm, seed=seed, hashfunc=int, scheme=SCHEME)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_UINT64, st.integers(2**63, 2**64 - 1), st.sampled_from([0, 2**64 - 1])),
                max_size=300),
       st.booleans(), st.sampled_from([(128, 1), (16, 7)]))
def test_signature_is_bit_identical_to_datasketch_update_batch(values, duplicate, perm_seed):
    """`signature` replaces datasketch's per-hash loop, so it must match it bit for bit."""
    hashes = np.array(values + values[:len(values) // 2] * duplicate, dtype=np.uint64)
    template = minhash_template(*perm_seed)
    reference = _datasketch_minhash(*perm_seed)
    reference.update_batch(hashes.tolist())
    sketch = signature(hashes, template)
    assert sketch.hashvalues.dtype == reference.hashvalues.dtype
    assert np.array_equal(sketch.hashvalues, reference.hashvalues)
    assert sketch == LeanMinHash(reference)
    assert np.array_equal(template.hashvalues, minhash_template(*perm_seed).hashvalues)


def test_signature_edge_sizes_match_datasketch():
    template = minhash_template(128, 1)
    for values in ([], [0], [2**64 - 1], [5, 5, 5], [2**63, 2**63 + 1]):
        reference = _datasketch_minhash(128, 1)
        reference.update_batch(values)
        sketch = signature(np.array(values, dtype=np.uint64), template)
        assert np.array_equal(sketch.hashvalues, reference.hashvalues), values
    assert signature(unpack(pack(np.array([7], dtype=np.uint64))), template) == \
        signature(np.array([7], dtype=np.uint64), template)


def test_template_is_datasketch_empty_minhash():
    """`minhash_template` draws datasketch's permutations without importing it."""
    for num_perm, seed in ((128, 1), (16, 7), (256, 42)):
        reference = _datasketch_minhash(num_perm, seed)
        template = minhash_template(num_perm, seed)
        assert template.seed == reference.seed
        for ours, theirs in ((template.permutations, reference.permutations),
                             (template.hashvalues, reference.hashvalues)):
            assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)


@pytest.mark.parametrize("num_perm", [16, 64, 128, 200, 256])
def test_layout_is_datasketch_optimum(num_perm):
    """`lsh_layout` integrates exactly what datasketch's `_optimal_param` integrates with
    scipy, so both pick the same layout at every threshold."""
    from datasketch.lsh import _optimal_param
    for threshold in np.round(np.arange(0.05, 1.0, 0.05), 2):
        assert lsh_layout(float(threshold), num_perm) == \
            _optimal_param(float(threshold), num_perm, 0.5, 0.5), threshold


def test_layout_s_curve_is_monotone():
    bands, rows = lsh_layout(0.5, 128)
    assert bands * rows <= 128
    curve = [s_curve(bands, rows, s / 10) for s in range(11)]
    assert curve == sorted(curve) and curve[-1] == 1.0


def test_config_rejects_half_layout():
    with pytest.raises(ValueError):
        DedupConfig(bands=10)
    with pytest.raises(ValueError):
        DedupConfig(bands=20, rows=10, num_perm=128)


def test_judge_uses_containment_only_for_long_enough_copies():
    cfg = DedupConfig()
    story = shingle_hashes(ARTICLE + " " + ARTICLE.replace("الصحة", "التعليم") * 2, 5)
    part = story[: story.size // 3]
    assert overlap(part, story).containment == 1.0
    verdict = judge_pair(part, story, cfg)
    assert verdict.duplicate == (part.size >= cfg.min_containment_shingles)
    assert not judge_pair(story, shingle_hashes("خبر آخر تماما عن الرياضة", 5), cfg).duplicate


def _doc(doc_id, text="x", published=None):
    return Doc(id=doc_id, source="t", text=text, published=published)


def test_kept_is_earliest_then_longest_then_smallest_id():
    assert choose_kept([_doc("b", "aa", "2025-07-02"), _doc("c", "a", "2025-07-01")]).id == "c"
    assert choose_kept([_doc("b", "aaa"), _doc("a", "aa"), _doc("c", "aaa", None)]).id == "b"
    assert choose_kept([_doc("z", "aa", "2025-07-01"), _doc("a", "aaaa")]).id == "z"
    assert choose_kept([_doc("b", "aa"), _doc("a", "aa")]).id == "a"


def _member(doc_id, words):
    return Member(rank_node(doc_id, None, 1000 - len(doc_id)), np.array(sorted(words),
                                                                        dtype=np.uint64))


def test_chain_does_not_merge_documents_sharing_nothing():
    cfg = DedupConfig(jaccard_threshold=0.5, member_jaccard_floor=0.15)
    left = _member("a", range(0, 100))
    middle = _member("bb", range(40, 140))
    right = _member("ccc", range(100, 200))
    assignments, capped = assign_component([right, middle, left], cfg)
    kept = {a.id: a.kept_id for a in assignments}
    assert kept == {"a": "a", "bb": "a", "ccc": "ccc"}
    assert capped == 0
    sizes = {a.id: a.cluster_size for a in assignments}
    assert sizes == {"a": 2, "bb": 2, "ccc": 1}


def _random_edges(seed):
    rng = random.Random(seed)
    nodes = rng.randint(2, 80)
    return [(a, b) for a, b in ((rng.randrange(nodes), rng.randrange(nodes))
                                for _ in range(rng.randint(1, 120))) if a != b]


@pytest.mark.parametrize("seed", range(40))
def test_star_rounds_match_union_find_when_settled(seed):
    edges = _random_edges(seed)
    labels, unsettled = star_rounds_local(edges, 6)
    assert unsettled == 0
    assert labels == connected_components_local(edges)


def test_star_rounds_report_unsettled_long_chain():
    chain = [(i, i + 1) for i in range(600)]
    _, unsettled = star_rounds_local(chain, 3)
    assert unsettled > 0
    labels, unsettled = star_rounds_local(chain, 10)
    assert unsettled == 0 and set(labels.values()) == {0}


def test_dedup_stats_report_clusters_and_site_rates():
    from transforms.dedup.stats import dedup_stats
    rows = [{"id": "a", "cluster_id": "a", "duplicate_of": None, "site": "x"},
            {"id": "b", "cluster_id": "a", "duplicate_of": "a", "site": "x"},
            {"id": "c", "cluster_id": "a", "duplicate_of": "a", "site": "y"},
            {"id": "d", "cluster_id": "d", "duplicate_of": None}]
    stats = dedup_stats(rows)
    assert stats["largest_cluster"] == {"cluster_id": "a", "size": 3}
    assert stats["cluster_size_histogram"] == {"1": 1, "3": 1}
    assert stats["duplicate_rate_by_site"]["x"] == {"documents": 2, "duplicates": 1, "rate": 0.5}
    assert stats["documents"] == 4 and stats["duplicates"] == 2


def test_bucket_edges_are_two_stars_capped():
    from transforms.dedup.lsh import bucket_edges
    nodes = [rank_node(f"d{i}", None, 100) for i in range(10)]
    edges, dropped = bucket_edges(nodes, band=3, cap=6)
    assert dropped == 4
    assert len(edges) <= 2 * 5 and all(a < b for a, b in edges)
    kept = set(sorted(nodes)[:6])
    assert {n for e in edges for n in e} == kept
    assert edges == bucket_edges(list(reversed(nodes)), band=3, cap=6)[0]
