"""Candidate edges from one LSH bucket: stars, never all pairs.

Each bucket links its members to two centres: its smallest member (the best-ranked, often the
document that will be kept) and a member chosen by a hash of (band, id), which differs from
band to band. The second star matters because candidates are verified: when the smallest
member is an edited copy that the others match only weakly, the per-band centre still pairs
them with the original in some other band. At most 2(n-1) edges per bucket.
"""
from __future__ import annotations

import xxhash

_CENTRE_SEED = 0x63656E74  # "cent"


def bucket_edges(members, band: int, cap: int) -> tuple[list[tuple], int]:
    """(edges (centre, member), members dropped by the cap) of one bucket.

    `members` are comparable nodes whose last item is the document id; an oversized bucket
    keeps its `cap` best-ranked members.
    """
    ordered = sorted(set(members))
    dropped = max(0, len(ordered) - cap)
    ordered = ordered[:cap]
    if len(ordered) < 2:
        return [], dropped
    smallest = ordered[0]
    rotating = min(ordered, key=lambda node: (
        xxhash.xxh3_64_intdigest(node[-1].encode("utf-8"), _CENTRE_SEED + band), node))
    edges = {(smallest, node) for node in ordered[1:]}
    edges.update((min(rotating, node), max(rotating, node)) for node in ordered
                 if node != rotating)
    return sorted(edges), dropped
