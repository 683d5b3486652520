"""The same algorithm as `beam.Deduplicate`, in one process, for tests and benchmarks only.

It reuses every pure function of the Beam graph (features, star edges, verification, leader
assignment) and replaces the star rounds by the reference union-find. Benchmarks sweep
thresholds with it; a test checks it agrees with the Beam composite.
"""
from __future__ import annotations

from collections import defaultdict

from transforms.dedup.components import connected_components_local
from transforms.dedup.lsh import bucket_edges
from transforms.dedup.select import Assignment, Member, assign_component, doc_node, singleton
from transforms.dedup.shingles import fingerprint
from transforms.dedup.signatures import band_keys, minhash_template
from transforms.dedup.verify import judge, overlap


def candidate_pairs(docs, cfg):
    """(nodes, shingles by node, weights, exact copies, candidate star edges) of a batch."""
    template = minhash_template(cfg.num_perm, cfg.seed)
    layout = cfg.band_layout
    exact_groups = defaultdict(list)
    hashes_of = {}
    for doc in docs:
        exact, hashes = fingerprint(doc.text, cfg.shingle_size)
        if hashes.size:
            node = doc_node(doc)
            exact_groups[exact].append(node)
            hashes_of[node] = hashes
    reps, weights, copies = [], {}, {}
    for group in exact_groups.values():
        group.sort()
        reps.append(group[0])
        weights[group[0]] = len(group)
        copies[group[0]] = group[1:]
    buckets = defaultdict(list)
    for node in reps:
        for band, value in enumerate(band_keys(hashes_of[node], template, layout)):
            buckets[(band, value)].append(node)
    edges = set()
    for (band, _), members in buckets.items():
        edges.update(bucket_edges(members, band, cfg.max_bucket_size)[0])
    return hashes_of, weights, copies, sorted(edges)


def assign_local(hashes_of, weights, copies, edges, cfg) -> dict[str, Assignment]:
    """Verify edges, cluster, assign; returns id -> Assignment for every signed document."""
    verified = [(a, b) for a, b in edges
                if judge(overlap(hashes_of[a], hashes_of[b]), cfg.jaccard_threshold,
                         cfg.containment_threshold, cfg.min_containment_shingles).duplicate]
    components = defaultdict(list)
    for node, root in connected_components_local(verified).items():
        components[root].append(Member(node, hashes_of[node], weights[node]))
    out = {}
    for members in components.values():
        for assignment in assign_component(members, cfg)[0]:
            out[assignment.id] = assignment
    for rep, weight in weights.items():
        own = out.setdefault(rep[4], singleton(rep[4], weight))
        for copy in copies[rep]:
            if own.is_kept:
                out[copy[4]] = Assignment(copy[4], own.id, 1.0, "exact", own.cluster_size)
            else:
                out[copy[4]] = Assignment(copy[4], own.kept_id, own.similarity, own.method,
                                          own.cluster_size)
    return out


def deduplicate_local(docs, cfg) -> dict[str, Assignment]:
    docs = list(docs)
    out = assign_local(*candidate_pairs(docs, cfg), cfg)
    return {doc.id: out.get(doc.id, singleton(doc.id)) for doc in docs}
