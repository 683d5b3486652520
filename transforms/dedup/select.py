"""Which document of a cluster is kept, and which kept document each duplicate belongs to.

Documents are graph nodes under their *rank*, a tuple that sorts the preferred document first:
earlier runs' kept documents (never rewritten), then the earliest `published` (undated last),
then the most complete clean text (longest), then the smallest id. The smallest node of a
connected component is therefore its kept document, and every choice is deterministic.

A re-crawl (this run's document under the id of an earlier run's kept document) is decided by
its id, whatever its similarity: crawlers fetch the same URL again every day, and an id is
kept once. It shares an LSH bucket with its earlier self (`recrawl_bucket`), the edge between
them passes verification (`is_recrawl`), and it becomes that document's duplicate.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

import numpy as np

from transforms.dedup.verify import judge, overlap
from transforms.model import reduce_by_fields

EARLIER_RUN = 0
THIS_RUN = 1

# (era, undated, published, -text length, id)
Node = tuple[int, int, str, int, str]


def rank_node(doc_id: str, published: Optional[str], text_length: int,
              era: int = THIS_RUN) -> Node:
    """The sortable identity of a document; smaller = preferred as the kept document."""
    return (era, 0 if published else 1, published or "", -text_length, doc_id)


def doc_node(doc, era: int = THIS_RUN) -> Node:
    return rank_node(doc.id, doc.published, len(doc.text), era)


def node_id(node: Node) -> str:
    return node[4]


RECRAWL_BAND = -1  # the "band" of the bucket that holds every node of one id


def recrawl_bucket(node: Node) -> tuple[int, str]:
    """The LSH bucket key that puts a document and its earlier self together."""
    return RECRAWL_BAND, node_id(node)


def is_recrawl(a: Node, b: Node) -> bool:
    """One id in two runs: this run's copy of an earlier run's kept document."""
    return node_id(a) == node_id(b) and a[0] != b[0]


def choose_kept(docs: Iterable) -> object:
    """The document a cluster keeps: earliest published, then longest text, then smallest id."""
    return min(docs, key=doc_node)


@dataclass(frozen=True, slots=True)
class Assignment:
    """Dedup outcome of one document of this run; a re-crawl has `kept_id == id` and is not
    kept (its earlier self is)."""
    id: str
    kept_id: str
    similarity: Optional[float]
    method: str  # "kept" | "exact" | "jaccard" | "containment" | "chain" | "recrawl"
    cluster_size: int

    __reduce__ = reduce_by_fields

    @property
    def is_kept(self) -> bool:
        return self.method == "kept"


def singleton(doc_id: str, weight: int = 1) -> Assignment:
    return Assignment(doc_id, doc_id, None, "kept", weight)


@dataclass(frozen=True, slots=True)
class Member:
    """A component member: its node, shingle hashes and how many exact copies it stands for."""
    node: Node
    shingles: np.ndarray
    weight: int = 1


def assign_component(members: Iterable[Member], cfg) -> tuple[list[Assignment], int]:
    """Leader assignment inside one connected component of verified edges.

    Members are visited best-ranked first. Each joins the first leader (kept document) it
    matches directly: by the pair rule (`verify.judge`), or through the chain that connected it
    if its own Jaccard to that leader still reaches `member_jaccard_floor` (method "chain").
    A member matching no leader becomes a leader itself, so every duplicate is explained by a
    direct comparison with its kept document and a chain A~B~C cannot merge A and C when they
    share nothing. Earlier runs' documents are leaders from the start and get no assignment; a
    re-crawl joins its earlier self whatever their similarity (method "recrawl").
    Work is bounded: at most `max_cluster_leaders` leaders are compared per member; a member
    beyond that which matches none stays kept alone. Returns (assignments, cap hits).
    """
    ordered = sorted(members, key=lambda m: m.node)
    leaders: list[Member] = [m for m in ordered if m.node[0] == EARLIER_RUN]
    attached: dict[Node, list[tuple[Member, float, str]]] = {m.node: [] for m in leaders}
    earlier_by_id = {node_id(m.node): m for m in reversed(leaders)}  # best-ranked per id
    capped = 0
    for member in ordered:
        if member.node[0] == EARLIER_RUN:
            continue
        earlier_self = earlier_by_id.get(node_id(member.node))
        if earlier_self is not None:
            match = (earlier_self, overlap(member.shingles, earlier_self.shingles).jaccard,
                     "recrawl")
        else:
            match = _first_matching_leader(member, leaders[:cfg.max_cluster_leaders], cfg)
        if match is not None:
            leader, similarity, method = match
            attached[leader.node].append((member, similarity, method))
        else:
            if len(leaders) >= cfg.max_cluster_leaders:
                capped += 1
            leaders.append(member)
            attached[member.node] = []
    assignments = []
    for leader in leaders:
        followers = attached[leader.node]
        size = sum(m.weight for m, _, _ in followers) + leader.weight
        leader_id = node_id(leader.node)
        if leader.node[0] != EARLIER_RUN:
            assignments.append(Assignment(leader_id, leader_id, None, "kept", size))
        for member, similarity, method in followers:
            assignments.append(Assignment(node_id(member.node), leader_id, similarity, method,
                                          size))
    return assignments, capped


def _first_matching_leader(member: Member, leaders: list[Member], cfg):
    for leader in leaders:
        found = overlap(member.shingles, leader.shingles)
        verdict = judge(found, cfg.jaccard_threshold, cfg.containment_threshold,
                        cfg.min_containment_shingles)
        if verdict.duplicate:
            return leader, verdict.similarity, verdict.method
        if found.jaccard >= cfg.member_jaccard_floor:
            return leader, found.jaccard, "chain"
    return None
