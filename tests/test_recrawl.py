"""The re-crawl rule on its own: an id kept by an earlier run is never kept again.

The end-to-end check over two run dates is in `test_cli.py`; this is the leader assignment.
"""
import numpy as np

from transforms.dedup.config import DedupConfig
from transforms.dedup.select import (EARLIER_RUN, Member, assign_component, is_recrawl,
                                     rank_node)


def member(doc_id, words, era=1):
    return Member(rank_node(doc_id, None, 100, era), np.array(sorted(words), dtype=np.uint64))


def test_a_recrawl_joins_its_earlier_self_whatever_the_similarity():
    earlier_a = member("a", range(0, 100), EARLIER_RUN)
    earlier_b = member("b", range(200, 300), EARLIER_RUN)
    recrawled_a = member("a", range(200, 300))  # now b's text: matches b, shares nothing with a
    assignments, _ = assign_component([recrawled_a, earlier_b, earlier_a], DedupConfig())
    (only,) = assignments
    assert (only.id, only.kept_id, only.similarity, only.method) == ("a", "a", 0.0, "recrawl")
    assert not only.is_kept


def test_an_unchanged_recrawl_has_similarity_one():
    assignments, _ = assign_component(
        [member("a", range(50)), member("a", range(50), EARLIER_RUN)], DedupConfig())
    assert [(a.kept_id, a.similarity, a.is_kept) for a in assignments] == [("a", 1.0, False)]


def test_only_one_id_in_two_runs_is_a_recrawl():
    a_now, a_before = member("a", []).node, member("a", [], EARLIER_RUN).node
    assert is_recrawl(a_now, a_before) and is_recrawl(a_before, a_now)
    assert not is_recrawl(a_now, member("b", [], EARLIER_RUN).node)
    assert not is_recrawl(a_now, a_now)
