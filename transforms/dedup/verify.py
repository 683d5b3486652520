"""Exact checks of candidate pairs on their real shingle sets.

LSH collisions are only candidates: the public pipelines that union them unchecked chain
templated texts into giant clusters. Every edge is scored here before it can join a cluster.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Overlap:
    """How two shingle sets overlap."""
    jaccard: float
    containment: float  # share of the smaller set found in the larger
    smaller_size: int


def overlap(a: np.ndarray, b: np.ndarray) -> Overlap:
    """Overlap of two sorted unique hash arrays.

    >>> overlap(np.array([1, 2, 3], dtype=np.uint64), np.array([2, 3], dtype=np.uint64)).jaccard
    0.6666666666666666
    """
    smaller = min(a.size, b.size)
    if smaller == 0:
        return Overlap(0.0, 0.0, 0)
    shared = np.intersect1d(a, b, assume_unique=True).size
    return Overlap(shared / (a.size + b.size - shared), shared / smaller, smaller)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return overlap(a, b).jaccard


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a pair is a near duplicate, the score that decided it, and by which rule."""
    duplicate: bool
    similarity: float
    method: str  # "jaccard" | "containment" | "below"


def judge(found: Overlap, jaccard_threshold: float, containment_threshold: float,
          min_containment_shingles: int) -> Verdict:
    """Jaccard first; containment only for a smaller side long enough to be a real copy."""
    if found.jaccard >= jaccard_threshold:
        return Verdict(True, found.jaccard, "jaccard")
    if (found.containment >= containment_threshold
            and found.smaller_size >= min_containment_shingles):
        return Verdict(True, found.containment, "containment")
    return Verdict(False, found.jaccard, "below")


def judge_pair(a: np.ndarray, b: np.ndarray, cfg) -> Verdict:
    """`judge` with the thresholds of a `DedupConfig`."""
    return judge(overlap(a, b), cfg.jaccard_threshold, cfg.containment_threshold,
                 cfg.min_containment_shingles)
