"""Connected components by alternating large-star / small-star rounds (Kiveris et al. 2014).

Each round is one keyed grouping of the edge list, so it runs on any Beam runner without one
process holding the graph. Nodes are comparable ranks (`select.Node`): the smallest node of a
component, its label, is also its preferred kept document. The per-node functions here are the
whole algorithm; `beam.py` only wires them between `GroupByKey`s, and
`star_rounds_local` replays the same functions in memory for tests.

A graph has converged when it is a set of stars: every node is either a *root* (all
neighbours larger) or a *leaf* (exactly one neighbour, smaller). Then a root's neighbours are
all leaves of it, and every node's label is the smallest of itself and its neighbours.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Hashable, Iterable

Edge = tuple[Hashable, Hashable]


def both_directions(edge: Edge) -> list[Edge]:
    """(u, v) -> [(u, v), (v, u)], so grouping by the first item gives each node's neighbours."""
    u, v = edge
    return [(u, v), (v, u)]


def large_star(node, neighbours: Iterable) -> list[Edge]:
    """Connect every larger neighbour to the smallest node of the neighbourhood (incl. self)."""
    around = set(neighbours)
    smallest = min(around | {node})
    return [(smallest, v) for v in sorted(around) if v > node]


def small_star(node, neighbours: Iterable) -> list[Edge]:
    """Connect the node and its smaller neighbours to the smallest of them."""
    smaller = {v for v in neighbours if v < node}
    if not smaller:
        return []
    smallest = min(smaller)
    return [(smallest, v) for v in sorted(smaller | {node}) if v != smallest]


def is_settled(node, neighbours: Iterable) -> bool:
    """True for a star root (all neighbours larger) or a star leaf (one smaller neighbour)."""
    around = set(neighbours)
    if all(v > node for v in around):
        return True
    return len(around) == 1 and next(iter(around)) < node


def label(node, neighbours: Iterable):
    """(node, component label) once the graph has converged to stars."""
    return node, min(set(neighbours) | {node})


def _grouped(edges: Iterable[Edge]) -> dict:
    adjacency = defaultdict(set)
    for edge in edges:
        for u, v in both_directions(edge):
            adjacency[u].add(v)
    return adjacency


def star_rounds_local(edges: Iterable[Edge], rounds: int) -> tuple[dict, int]:
    """In-memory replay of the Beam rounds: (node -> label, unsettled node count)."""
    current = set(edges)
    for _ in range(rounds):
        current = {e for u, ns in _grouped(current).items() for e in large_star(u, ns)}
        current = {e for u, ns in _grouped(current).items() for e in small_star(u, ns)}
    adjacency = _grouped(current)
    unsettled = sum(not is_settled(u, ns) for u, ns in adjacency.items())
    return dict(label(u, ns) for u, ns in adjacency.items()), unsettled


def connected_components_local(edges: Iterable[Edge]) -> dict:
    """Reference union-find (node -> smallest node of its component), for tests and checks."""
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, v in edges:
        ru, rv = find(u), find(v)
        if ru != rv:
            parent[max(ru, rv)] = min(ru, rv)
    return {node: find(node) for node in list(parent)}
