"""`Deduplicate`: near-duplicate clusters of a batch of documents, as keyed Beam groupings.

    docs -> Features (exact key, shingle hashes, MinHash band keys; permutations per worker)
         -> ExactPass      grouped by folded-text hash range: one representative per exact group
         -> Candidates     grouped by band, buckets formed inside: two stars per bucket, capped
         -> Verify         edges meet shingle sets partition by partition, through disk
         -> Components     fixed large-star / small-star GroupByKey rounds, converged or fail
         -> Clusters       grouped by component range: leader assignment on direct similarities
         -> Decisions      (id, Assignment) of duplicates and of the documents they keep,
                           spilled by id partition and joined partition by partition to the
                           documents, spilled the same way (`ApplyDecisions`)

Nothing is collected in one process: every step is keyed, and every grouping whose values grow
with the batch waits on disk (`GroupByKeyThroughDisk`): local runners hold a grouping's values
as Python objects (37 band entries per document; a shingle set is kilobytes). Shingle sets are
spilled once, by node partition (`NODE_PARTITIONS`); candidate edges, half-verified edges and
component labels are spilled by the partition of the node they need next, and each partition
is joined to its shingle file, so a worker holds one partition's shingles at a time and a
shingle set is never copied per join. No tagged outputs, nothing emitted from `finish_bundle`,
no metrics read inside the pipeline, so the graph runs on any runner.
Counters (namespace `khabar`, names `dedup.*`) report bucket caps, verified/rejected edges and
convergence. With `earlier_index_files` (paths of `INDEX_SCHEMA` files of earlier run dates),
the earlier kept documents that share a band key or an id with this run's documents
(`index.probe_index_file`: the index is probed with the run's keys and ids, not replayed;
`index.earlier_shingles`: their shingles re-fingerprinted from their kept text, one read of each
documents file per earlier date) join the buckets and clusters as fixed leaders: a new copy of
one becomes its duplicate, a re-crawl (same id) too whatever its similarity, and earlier rows
are never rewritten.
"""
from __future__ import annotations

import functools
import pickle
import tempfile
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator, Optional

import apache_beam as beam
import numpy as np
import pyarrow as pa
import xxhash
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from transforms.beam_steps import METRICS_NAMESPACE, STEP_FAILED, failure_detail
from transforms.dedup.components import (Edge, both_directions, is_settled, label, large_star,
                                         small_star)
from transforms.dedup.config import DedupConfig
from transforms.dedup.index import (documents_of, earlier_shingles, index_row, layout_tag,
                                    probe_index_file, sorted_keys)
from transforms.dedup.lsh import bucket_edges
from transforms.dedup.select import (RECRAWL_BAND, THIS_RUN, Assignment, Member, Node,
                                     assign_component, doc_node, is_recrawl, node_id,
                                     recrawl_bucket, singleton)
from transforms.dedup.shingles import fingerprint, pack, unpack
from transforms.dedup.signatures import band_keys, minhash_template
from transforms.dedup.verify import judge_pair
from transforms.model import Doc, Rejection, reduce_by_fields
from transforms.spill import GroupByKeyThroughDisk

DEDUP_STEP = "Deduplicate"  # the `step` of a dedup dead letter


def _counter(name: str):
    return Metrics.counter(METRICS_NAMESPACE, f"dedup.{name}")


@dataclass(frozen=True, slots=True)
class Feature:
    """What dedup needs of one document: its node, exact key, shingles and band keys."""
    node: Node
    exact: int
    shingles: bytes
    bands: tuple[int, ...]
    weight: int = 1  # documents it stands for after the exact pass

    __reduce__ = reduce_by_fields


@dataclass(frozen=True, slots=True)
class FeatureFailure:
    """A document whose features raised: it leaves dedup as a `step_failed` rejection, the
    dead letter of this stage, instead of failing the run."""
    doc_id: str
    detail: str

    __reduce__ = reduce_by_fields


def _is_feature(element) -> bool:
    return isinstance(element, Feature)


def _is_failure(element) -> bool:
    return isinstance(element, FeatureFailure)


class _ComputeFeatures(beam.DoFn):
    """Shingles and MinHash band keys. The permutations and the band layout are computed where
    the graph is built and travel with the step, as numpy arrays and two integers."""

    def __init__(self, cfg: DedupConfig):
        self._cfg = cfg
        self._template = minhash_template(cfg.num_perm, cfg.seed)
        self._layout = cfg.band_layout
        self._no_words = _counter("docs_without_words")
        self._signed = _counter("docs_signed")
        self._failed = _counter("docs_failed")

    def process(self, doc: Doc):
        try:
            feature = self._feature(doc)
        except Exception as error:  # one document's bug must not sink the run
            self._failed.inc()
            yield FeatureFailure(doc.id, failure_detail(DEDUP_STEP, error))
            return
        if feature is None:
            self._no_words.inc()
            return
        self._signed.inc()
        yield feature

    def _feature(self, doc: Doc) -> Optional[Feature]:
        exact, hashes = fingerprint(doc.text, self._cfg.shingle_size)
        if hashes.size == 0:
            return None
        return Feature(doc_node(doc), exact, pack(hashes),
                       tuple(band_keys(hashes, self._template, self._layout)))


# Exact groups and LSH buckets are grouped through disk in this many key ranges / one group per
# band: a group holds a slice of the batch, and the runner holds only file paths.
EXACT_KEY_RANGE_BITS = 8


def _by_exact_key_range(feature: Feature):
    return feature.exact >> (64 - EXACT_KEY_RANGE_BITS), feature


def _exact_groups(_, features):
    """(exact key, features) for each exact group of one key range, in key order. A feature
    delivered twice (Dask re-delivers recomputed elements) counts once: a document is never
    an exact copy of itself."""
    groups: dict[int, dict[Node, Feature]] = {}
    for feature in features:
        groups.setdefault(feature.exact, {})[feature.node] = feature
    return sorted((exact, list(group.values())) for exact, group in groups.items())


def _representative(exact_and_group) -> Feature:
    """The best-ranked member of an exact group stands for all of them."""
    _, group = exact_and_group
    group = list(group)
    best = min(group, key=lambda f: f.node)
    return replace(best, weight=len(group))


def _exact_copies(exact_and_group):
    """(representative id, (ids of its copies, group size)) of an exact group with copies."""
    _, group = exact_and_group
    if len(group) < 2:
        return []
    ordered = sorted(group, key=lambda f: f.node)
    return [(node_id(ordered[0].node),
             (tuple(sorted(node_id(f.node) for f in ordered[1:])), len(ordered)))]


def _bucket_entries(node: Node, bands) -> list:
    """(band, (key, packed node)) for each band key: the LSH buckets this document falls into,
    grouped by band (one group per band, its buckets formed inside it).

    The node is pickled once here and unpickled only in a bucket of several members: most
    buckets hold one document. A band's entries are spilled by column (`BandChunk`)."""
    packed = _pack_node(node)
    return [(band, (value, packed)) for band, value in enumerate(bands)]


def _recrawl_entry(node: Node):
    """(band, (key, packed node)) of the bucket that puts a document and its earlier self
    together, whatever their texts: the re-crawl rule of `select`."""
    band, key = recrawl_bucket(node)
    return band, (key, _pack_node(node))


def _pack_node(node: Node) -> bytes:
    return pickle.dumps(node, protocol=pickle.HIGHEST_PROTOCOL)


def _rep_shingles(feature: Feature):
    return node_partition(feature.node), (feature.node, feature.shingles, feature.weight)


@dataclass(frozen=True)
class BandChunk:
    """A spilled chunk of one band's (key, packed node) entries, stored by column: the keys
    as one array (uint64 band keys; the re-crawl band's ids as objects), the packed nodes as
    one list. A band's buckets are then found by sorting its keys (`multi_member_buckets`),
    not by a dict entry and a list per key, though most keys occur once."""
    keys: np.ndarray
    members: list

    @classmethod
    def of(cls, band: int, entries: list) -> list["BandChunk"]:
        """`GroupByKeyThroughDisk`'s `pack_chunk`: one chunk of a band's entries."""
        keys = [key for key, _ in entries]
        return [cls(np.array(keys, dtype=object if band == RECRAWL_BAND else np.uint64),
                    [packed for _, packed in entries])]


# Band entries a bundle buffers before it writes them: a write flushes every band's file, so
# 1,024 (the default) made chunks of ~28 entries, one array each, and the columns saved nothing.
# 65,536 make each band's chunk ~1,800 entries (~7 MB buffered): `bench_dedup.py
# --bucketing-only` compares this with the tuples of 1,024-entry writes.
BAND_ENTRIES_BUFFERED = 1 << 16


def multi_member_buckets(chunks: Iterable[BandChunk]) -> Iterator[list]:
    """The packed members of each bucket of one band that holds two entries or more, in key
    order, each bucket's members in the order they were spilled."""
    chunks = list(chunks)
    if not chunks:
        return
    keys = np.concatenate([chunk.keys for chunk in chunks])
    members = [packed for chunk in chunks for packed in chunk.members]
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    sizes = np.diff(np.append(starts, ordered.size))
    shared = sizes > 1
    for start, size in zip(starts[shared].tolist(), sizes[shared].tolist()):
        yield [members[index] for index in order[start:start + size].tolist()]


class _StarEdges:
    """Each bucket's members joined to two centres (`lsh.bucket_edges`), never all pairs, as
    (partition of the left end, (left, right) packed): the pairs `GroupByKeyThroughDisk`
    spills straight away (a band's edges are hundreds of thousands, each a Beam element
    before). Edges stay packed nodes until `_left_halves` has dropped the repeats.

    A near-duplicate pair shares most of its band keys, so most edges come out of many bands
    (on the 30,000-document bench corpus 392,010 band edges held 25,343 distinct ones). Within
    a bundle, which takes many bands on a local runner, an edge is emitted once and its repeats
    are only counted; members are unpickled once per bundle, not once per band. Both memories
    are the bundle's (a retried bundle emits all its edges again) and are bounded: past
    `BUNDLE_MEMORY` entries one is forgotten whole, which only lets repeats through again.

    Buckets over `max_bucket_size` (templated texts) keep their best-ranked members only;
    the others are counted. Earlier runs' documents were deduplicated when indexed, so a
    bucket without a document of this run yields nothing and earlier pairs are skipped.
    """

    BUNDLE_MEMORY = 1 << 18  # edges, and nodes: ~40-60 MB at most each

    def __init__(self, max_bucket_size: int):
        self._cap = max_bucket_size
        self._oversized = _counter("buckets_oversized")
        self._dropped = _counter("bucket_members_dropped")
        self._edges = _counter("candidate_edges")
        self._repeated = _counter("candidate_edges_repeated")
        self._emitted: set = set()
        self._nodes: dict = {}

    def start_bundle(self):
        self._emitted = set()
        self._nodes = {}

    def __call__(self, band_and_chunks):
        band, chunks = band_and_chunks
        for packed_members in multi_member_buckets(chunks):
            yield from self._bucket(band, packed_members)

    def _node(self, packed: bytes) -> Node:
        node = self._nodes.get(packed)
        if node is None:
            if len(self._nodes) >= self.BUNDLE_MEMORY:
                self._nodes = {}
            node = self._nodes[packed] = pickle.loads(packed)
        return node

    def _bucket(self, band: int, packed_members: list):
        packed_of = {self._node(packed): packed for packed in packed_members}
        if all(node[0] != THIS_RUN for node in packed_of):
            return
        edges, dropped = bucket_edges(list(packed_of), band, self._cap)
        if dropped:
            self._oversized.inc()
            self._dropped.inc(dropped)
        emitted, fresh, repeated = self._emitted, 0, 0
        for left, right in edges:
            if left[0] != THIS_RUN and right[0] != THIS_RUN:
                continue
            edge = packed_of[left], packed_of[right]
            if edge in emitted:
                repeated += 1
                continue
            if len(emitted) >= self.BUNDLE_MEMORY:
                emitted = self._emitted = set()
            emitted.add(edge)
            fresh += 1
            yield node_partition(left), edge
        if fresh:
            self._edges.inc(fresh)
        if repeated:
            self._repeated.inc(repeated)


# Shingle sets, edges and labels are spilled in this many node partitions: a partition's
# shingles are what one worker holds at a time (1/64 of a run's).
NODE_PARTITIONS = 64


def id_partition(doc_id: str) -> int:
    """Stable across workers and runs: where an id's shingles, decision and document meet."""
    return xxhash.xxh3_64_intdigest(doc_id.encode("utf-8")) % NODE_PARTITIONS


def node_partition(node: Node) -> int:
    """One id's nodes (a re-crawl and its earlier self) share a partition."""
    return id_partition(node_id(node))


def _partition_shingles(spilled_files, wanted) -> dict:
    """Node -> (packed shingles, weight) of one partition, for the wanted nodes only."""
    found = {}
    for values in spilled_files:
        for node, shingles, weight in values:
            if node in wanted:
                found[node] = shingles, weight
    return found


def _left_halves(partition_and_joined):
    """(partition of right, (right, left, left's shingles)) for each distinct candidate edge
    whose left end is in this partition: the edge carries one shingle set to its other end."""
    _, joined = partition_and_joined
    distinct = {packed for values in joined["edges"] for packed in values}
    edges = sorted((pickle.loads(left), pickle.loads(right)) for left, right in distinct)
    if not edges:
        return
    shingles = _partition_shingles(joined["shingles"], {left for left, _ in edges})
    for left, right in edges:
        found = shingles.get(left)
        if found is not None:
            yield node_partition(right), (right, left, found[0])


class _VerifyEdges(beam.DoFn):
    """Keep a candidate edge only if its exact shingle overlap passes the pair rule; the
    half edges of one partition meet that partition's shingle sets."""

    def __init__(self, cfg: DedupConfig):
        self._cfg = cfg
        self._verified = _counter("edges_verified")
        self._rejected = _counter("edges_rejected")

    def process(self, partition_and_joined):
        """One list of the partition's verified edges: components take them batched."""
        _, joined = partition_and_joined
        halves = {(right, left): left_shingles
                  for values in joined["halves"] for right, left, left_shingles in values}
        if not halves:
            return
        shingles = _partition_shingles(joined["shingles"], {right for right, _ in halves})
        verified = []
        for right, left in sorted(halves):
            found = shingles.get(right)
            if found is None:
                continue
            if (is_recrawl(left, right)
                    or judge_pair(unpack(halves[right, left]), unpack(found[0]),
                                  self._cfg).duplicate):
                verified.append((left, right))
            else:
                self._rejected.inc()
        if verified:
            self._verified.inc(len(verified))
            yield verified


def _directed_batches(edges: Iterable[Edge], partition_of: Callable) -> list:
    """(partition, directed edges) with both directions of each edge, batched by the partition
    of the node each starts from: a node's whole neighbourhood meets in its partition, and a
    round moves one Beam element per partition pair, not two per edge."""
    batches: dict[int, list[Edge]] = {}
    partitions: dict = {}
    for edge in edges:
        for start, end in both_directions(edge):
            partition = partitions.get(start)
            if partition is None:
                partition = partitions[start] = partition_of(start)
            batches.setdefault(partition, []).append((start, end))
    return sorted(batches.items())


def _neighbourhoods(batches: Iterable[list[Edge]]) -> dict:
    """Node -> set of neighbours, from one partition's directed edges."""
    around: dict = {}
    for batch in batches:
        for start, end in batch:
            around.setdefault(start, set()).add(end)
    return around


def _relinked(partition_and_batches, step: Callable, partition_of: Callable) -> list:
    """One large-star or small-star step on every node of one partition, in node order."""
    around = _neighbourhoods(partition_and_batches[1])
    return _directed_batches(
        (edge for node in sorted(around) for edge in step(node, around[node])), partition_of)


class _StarRound(beam.PTransform):
    """One large-star or small-star step: group each partition's neighbourhoods and re-link
    them. Repeated edges are not removed here: the next grouping takes neighbour *sets*."""

    def __init__(self, step: Callable, partition_of: Callable, label: str):
        super().__init__(label=label)
        self._step = step
        self._partition_of = partition_of

    def expand(self, directed_batches):
        return (directed_batches
                | "Neighbours" >> beam.GroupByKey()
                | "Relink" >> beam.FlatMap(_relinked, self._step, self._partition_of))


class _LabelNodes(beam.DoFn):
    """(partition, [(node, component label)]) from converged stars, for one partition's nodes;
    an unconverged graph stops the run."""

    def __init__(self, rounds: int):
        self._rounds = rounds
        self._unsettled = _counter("component_nodes_unsettled")
        self._nodes = _counter("component_nodes")

    def process(self, partition_and_batches):
        partition, batches = partition_and_batches
        around = _neighbourhoods(batches)
        for node in sorted(around):
            if not is_settled(node, around[node]):
                self._unsettled.inc()
                raise RuntimeError(
                    f"dedup: connected components did not converge in {self._rounds} "
                    f"large-star/small-star rounds (node {node_id(node)!r} still has "
                    f"{len(around[node])} neighbours); raise dedup.component_rounds")
        self._nodes.inc(len(around))
        yield partition, [label(node, around[node]) for node in sorted(around)]


class ConnectedComponents(beam.PTransform):
    """Lists of verified edges (u, v) -> (partition, [(node, label)]) per node partition:
    fixed rounds, one GroupByKey per step, over batches keyed by `partition_of(node)`."""

    def __init__(self, rounds: int, partition_of: Callable):
        super().__init__()
        self._rounds = rounds
        self._partition_of = partition_of

    def expand(self, edge_lists):
        partition_of = self._partition_of
        batches = edge_lists | "BothWays" >> beam.FlatMap(_directed_batches, partition_of)
        for round_number in range(self._rounds):
            batches = batches | _StarRound(large_star, partition_of, f"LargeStar{round_number}")
            batches = batches | _StarRound(small_star, partition_of, f"SmallStar{round_number}")
        return (batches
                | "Neighbours" >> beam.GroupByKey()
                | "Label" >> beam.ParDo(_LabelNodes(self._rounds)))


def _labels_of_partition(partition_and_labels):
    partition, labels = partition_and_labels
    return [(partition, node_and_label) for node_and_label in labels]


def _members_of_partition(partition_and_joined):
    """(component range, (label, node, packed shingles, weight)) for the labelled nodes of one
    partition: each component member with its shingle set, bound for its component's range."""
    _, joined = partition_and_joined
    labels = {node: label for values in joined["labels"] for node, label in values}
    if not labels:
        return
    shingles = _partition_shingles(joined["shingles"], labels)
    for node in sorted(shingles):
        packed, weight = shingles[node]
        label_node = labels[node]
        yield node_partition(label_node), (label_node, node, packed, weight)


class _AssignClusters(beam.DoFn):
    """Leader assignment of every component of one component range, in label order."""

    def __init__(self, cfg: DedupConfig):
        self._cfg = cfg
        self._clusters = _counter("components")
        self._capped = _counter("cluster_leader_cap_hits")

    def process(self, range_and_members):
        _, members = range_and_members
        components: dict[Node, dict[Node, Member]] = {}
        for label_node, node, packed, weight in members:
            components.setdefault(label_node, {})[node] = Member(node, unpack(packed), weight)
        for label_node in sorted(components):
            assignments, capped = assign_component(components[label_node].values(), self._cfg)
            self._clusters.inc()
            if capped:
                self._capped.inc(capped)
            for assignment in assignments:
                yield assignment.id, assignment


def _by_id_partition(id_and_value):
    return id_partition(id_and_value[0]), id_and_value


def _with_copies(partition_and_joined):
    """Final assignments of one partition's representatives and of their exact copies."""
    _, joined = partition_and_joined
    assigned = {doc_id: assignment
                for values in joined["assigned"] for doc_id, assignment in values}
    copies = {rep_id: found for values in joined["copies"] for rep_id, found in values}
    for rep_id in sorted(assigned.keys() | copies.keys()):
        if rep_id not in copies:
            yield rep_id, assigned[rep_id]
            continue
        copy_ids, weight = copies[rep_id]
        own = assigned.get(rep_id) or singleton(rep_id, weight)
        yield rep_id, own
        for copy_id in copy_ids:
            if own.is_kept:
                yield copy_id, Assignment(copy_id, rep_id, 1.0, "exact", own.cluster_size)
            else:
                yield copy_id, Assignment(copy_id, own.kept_id, own.similarity, own.method,
                                          own.cluster_size)


def apply_decision(record, decisions: dict):
    """A document with its dedup fields set (no decision: it was alone or unsigned, so it is
    kept alone); a document whose features failed becomes its `step_failed` rejection.
    Rejections pass through, so the stream of one stage can cross dedup whole.
    `decisions`: id -> `Assignment`, or the `FeatureFailure` of a document."""
    if not isinstance(record, Doc):
        return record
    assignment = decisions.get(record.id) or singleton(record.id)
    if isinstance(assignment, FeatureFailure):
        return Rejection.of(record, STEP_FAILED, assignment.detail, DEDUP_STEP)
    return record.replace(cluster_id=assignment.kept_id,
                          duplicate_of=None if assignment.is_kept else assignment.kept_id,
                          similarity=assignment.similarity,
                          cluster_size=assignment.cluster_size)


class _RunKeys(beam.CombineFn):
    """All band keys of this run's documents as one sorted, distinct uint64 array (8 bytes a
    key): the side input that index probes search. Keys gather in small arrays that are merged
    every `_MERGE_EVERY` documents, never as a list of Python ints."""

    _MERGE_EVERY = 4_096

    def create_accumulator(self):
        return []

    def add_input(self, accumulator, bands):
        accumulator.append(np.asarray(bands, dtype=np.uint64))
        if len(accumulator) >= self._MERGE_EVERY:
            accumulator[:] = [sorted_keys(np.concatenate(accumulator))]
        return accumulator

    def merge_accumulators(self, accumulators):
        return [keys for accumulator in accumulators for keys in accumulator]

    def extract_output(self, accumulator):
        return sorted_keys(np.concatenate(accumulator) if accumulator else [])


class _RunIds(beam.CombineFn):
    """The ids of this run's signed documents as one sorted Arrow string array: the side input
    that finds earlier rows of the same id (re-crawls), whatever their band keys."""

    def create_accumulator(self):
        return []

    def add_input(self, accumulator, doc_id):
        accumulator.append(doc_id)
        return accumulator

    def merge_accumulators(self, accumulators):
        return [doc_id for accumulator in accumulators for doc_id in accumulator]

    def extract_output(self, accumulator):
        return pa.array(sorted(set(accumulator)), pa.string())


class _ProbeEarlierIndex(beam.DoFn):
    """Index file path -> ((documents folder, run date), (node, band keys, packed shingles or
    None)) of its rows that meet this run, keyed by where their kept texts are."""

    def __init__(self, layout: str):
        self._layout = layout
        self._rows = _counter("index_rows_probed")
        self._matched = _counter("index_rows_matched")
        self._other_layout = _counter("index_rows_other_layout")

    def process(self, path: str, run_keys, run_ids):
        probed = probe_index_file(path, run_keys, run_ids, self._layout)
        self._rows.inc(probed.rows)
        self._matched.inc(len(probed.members))
        self._other_layout.inc(probed.other_layout)
        documents = documents_of(path)
        for member in probed.members:
            yield documents, member


class _EarlierShingles(beam.DoFn):
    """(documents folder, run date), its probed members -> (node, band keys, packed shingles):
    the shingles an index file does not store are re-fingerprinted from the kept texts, each
    documents file of the date opened once. A member whose text is gone (a documents file
    removed by hand) is counted and left out, bands and all, so it meets no bucket."""

    def __init__(self, shingle_size: int):
        self._shingle_size = shingle_size
        self._missing = _counter("index_texts_missing")
        self._refingerprinted = _counter("index_texts_refingerprinted")
        self._groups_read = _counter("index_text_row_groups_read")
        self._groups_skipped = _counter("index_text_row_groups_skipped")

    def process(self, documents_and_members):
        (folder, run_date), members = documents_and_members
        found = earlier_shingles(folder, run_date, members, self._shingle_size)
        self._missing.inc(len(found.missing))
        self._refingerprinted.inc(found.refingerprinted)
        self._groups_read.inc(found.row_groups_read)
        self._groups_skipped.inc(found.row_groups - found.row_groups_read)
        yield from found.members


def _bands_of(feature: Feature):
    return feature.bands


def _id_of(feature: Feature) -> str:
    return node_id(feature.node)


def _bucket_entries_of(element, recrawl: bool) -> list:
    """The LSH bucket entries of a run's representative (a `Feature`) or of an earlier indexed
    document (node, bands, shingles): one per band, and with an earlier index to match, the
    re-crawl bucket that meets a document's earlier self."""
    if isinstance(element, Feature):
        node, bands = element.node, element.bands
    else:
        node, bands, _ = element
    entries = _bucket_entries(node, bands)
    if recrawl:
        entries.append(_recrawl_entry(node))
    return entries


class _Assignments(beam.PTransform):
    """Docs -> (reps' features, (id, Assignment) for every signed document,
    (id, detail) for every document whose features failed)."""

    def __init__(self, cfg: DedupConfig, spill_folder: str, earlier_index_files=None):
        super().__init__()
        self._cfg = cfg
        self._spill_folder = spill_folder
        self._earlier_index_files = earlier_index_files

    def expand(self, docs):
        cfg = self._cfg

        def spill(name: str) -> str:
            return FileSystems.join(self._spill_folder, name)

        computed = docs | "Features" >> beam.ParDo(_ComputeFeatures(cfg))
        features = computed | "Signed" >> beam.Filter(_is_feature)
        failures = computed | "FeatureFailures" >> beam.Filter(_is_failure)
        exact_groups = (features
                        | "KeyByExactRange" >> beam.Map(_by_exact_key_range)
                        | "ExactRanges" >> GroupByKeyThroughDisk(spill("exact"))
                        | "ExactGroups" >> beam.FlatMapTuple(_exact_groups))
        reps = exact_groups | "Representatives" >> beam.Map(_representative)
        copies = exact_groups | "ExactCopies" >> beam.FlatMap(_exact_copies)

        band_sources = [reps]
        node_shingles = [reps | "RepShingles" >> beam.Map(_rep_shingles)]
        if self._earlier_index_files is not None:
            run_keys = (reps
                        | "RunBandKeys" >> beam.Map(_bands_of)
                        | "SortedRunKeys" >> beam.CombineGlobally(_RunKeys()))
            run_ids = (features
                       | "RunIds" >> beam.Map(_id_of)
                       | "SortedRunIds" >> beam.CombineGlobally(_RunIds()))
            earlier = (self._earlier_index_files
                       | "ProbeEarlierIndex" >> beam.ParDo(
                           _ProbeEarlierIndex(layout_tag(cfg)),
                           beam.pvalue.AsSingleton(run_keys), beam.pvalue.AsSingleton(run_ids))
                       | "EarlierByDate" >> GroupByKeyThroughDisk(spill("earlier"))
                       | "ReadEarlierShingles" >> beam.ParDo(
                           _EarlierShingles(cfg.shingle_size)))
            band_sources.append(earlier)
            node_shingles.append(earlier | "EarlierShingles" >> beam.Map(_earlier_shingles))
        shingle_files = tuple(node_shingles) | "ShinglesByPartition" >> GroupByKeyThroughDisk(
            spill("shingles"))

        # Each branch is spilled where it is made: a Flatten of the entries themselves would
        # hold them all in a local runner's memory.
        bucket_entries = functools.partial(
            _bucket_entries_of, recrawl=self._earlier_index_files is not None)
        edge_files = (tuple(band_sources)
                      | "Bands" >> GroupByKeyThroughDisk(spill("bands"), pairs_of=bucket_entries,
                                                         pack_chunk=BandChunk.of,
                                                         buffered_values=BAND_ENTRIES_BUFFERED)
                      | "EdgesByPartition" >> GroupByKeyThroughDisk(
                          spill("edges"), pairs_of=_StarEdges(cfg.max_bucket_size)))
        half_files = ({"shingles": shingle_files, "edges": edge_files}
                      | "JoinLeft" >> beam.CoGroupByKey()
                      | "LeftHalves" >> beam.FlatMap(_left_halves)
                      | "HalvesByPartition" >> GroupByKeyThroughDisk(spill("halves")))
        verified = ({"shingles": shingle_files, "halves": half_files}
                    | "JoinRight" >> beam.CoGroupByKey()
                    | "Verify" >> beam.ParDo(_VerifyEdges(cfg)))

        label_files = (verified
                       | "Components" >> ConnectedComponents(cfg.component_rounds,
                                                             node_partition)
                       | "LabelsByPartition" >> GroupByKeyThroughDisk(
                           spill("labels"), pairs_of=_labels_of_partition))
        assigned = ({"shingles": shingle_files, "labels": label_files}
                    | "JoinMembers" >> beam.CoGroupByKey()
                    | "Members" >> beam.FlatMap(_members_of_partition)
                    | "ComponentRanges" >> GroupByKeyThroughDisk(spill("components"))
                    | "AssignClusters" >> beam.ParDo(_AssignClusters(cfg)))
        assigned_files = (assigned
                          | "KeyAssigned" >> beam.Map(_by_id_partition)
                          | "AssignedByPartition" >> GroupByKeyThroughDisk(spill("assigned")))
        copy_files = (copies
                      | "KeyCopies" >> beam.Map(_by_id_partition)
                      | "CopiesByPartition" >> GroupByKeyThroughDisk(spill("copies")))
        assignments = ({"assigned": assigned_files, "copies": copy_files}
                       | "JoinCopies" >> beam.CoGroupByKey()
                       | "WithCopies" >> beam.FlatMap(_with_copies))
        return reps, assignments, failures


def _earlier_shingles(member):
    node, _, shingles = member
    return node_partition(node), (node, shingles, 1)


def _is_decision(id_and_assignment) -> bool:
    """Whether an assignment says more than "kept alone" (what a missing decision means)."""
    doc_id, assignment = id_and_assignment
    return assignment != singleton(doc_id)


def _failure_by_partition(failure: FeatureFailure):
    return id_partition(failure.doc_id), (failure.doc_id, failure)


def _rep_by_partition(feature: Feature):
    return node_partition(feature.node), feature


def _decisions_of_partition(joined) -> dict:
    """Id -> decision of one partition (what `apply_decision` reads)."""
    return {doc_id: decision for values in joined["decisions"] for doc_id, decision in values}


class DedupDecisions(beam.PTransform):
    """Docs -> the decisions of dedup, small and spilled by id partition (`id_partition`):

    - `decisions`: (partition, its spilled (id, decision) pairs): an `Assignment` for every
      document that is a duplicate or keeps one, a `FeatureFailure` for every document whose
      features raised (its dead letter); what `ApplyDecisions` joins to the documents;
    - `index`: one `INDEX_SCHEMA` row per kept document of this run that has words, which the
      lead writes under `index/date=<run_date>/` and probes in later runs.

    Documents themselves never cross a shuffle here: only their features do, and no step holds
    every decision. `earlier_index_files`: optional PCollection of paths of `INDEX_SCHEMA`
    Parquet files of earlier run dates (never the run being written).
    """

    def __init__(self, cfg: Optional[DedupConfig], run_date: str, spill_folder: str,
                 earlier_index_files=None):
        super().__init__()
        self._cfg = cfg or DedupConfig()
        self._run_date = run_date
        self._spill_folder = spill_folder
        self._earlier_index_files = earlier_index_files

    def expand(self, docs):
        reps, assignments, failures = docs | "Match" >> _Assignments(
            self._cfg, self._spill_folder, self._earlier_index_files)
        decisions = (assignments
                     | "NotAlone" >> beam.Filter(_is_decision)
                     | "KeyDecisions" >> beam.Map(_by_id_partition))
        dead_letters = failures | "KeyFailures" >> beam.Map(_failure_by_partition)
        decision_files = ((decisions, dead_letters)
                          | "DecisionsByPartition" >> GroupByKeyThroughDisk(
                              FileSystems.join(self._spill_folder, "decisions")))
        rep_files = (reps
                     | "KeyReps" >> beam.Map(_rep_by_partition)
                     | "RepsByPartition" >> GroupByKeyThroughDisk(
                         FileSystems.join(self._spill_folder, "reps")))
        index = ({"decisions": decision_files, "reps": rep_files}
                 | "JoinKept" >> beam.CoGroupByKey()
                 | "IndexRows" >> beam.FlatMap(_index_rows_of_partition, layout_tag(self._cfg),
                                               self._run_date))
        return {"decisions": decision_files, "index": index}


def _index_rows_of_partition(partition_and_joined, layout: str, run_date):
    _, joined = partition_and_joined
    decisions = _decisions_of_partition(joined)
    for reps in joined["reps"]:
        for feature in reps:
            yield from _index_row_if_kept(feature, decisions, layout, run_date)


def _record_by_partition(record):
    return id_partition(record.id or ""), record


def _decided_records(partition_and_joined):
    _, joined = partition_and_joined
    decisions = _decisions_of_partition(joined)
    for records in joined["records"]:
        for record in records:
            yield apply_decision(record, decisions)


class ApplyDecisions(beam.PTransform):
    """`records | ApplyDecisions(decided, spill_folder)`: docs get their dedup fields
    (`apply_decision`), rejections pass through. The records wait in `spill_folder` by id
    partition and meet their partition's decisions there: no step holds every decision, and
    the documents are never grouped in memory."""

    def __init__(self, decided: dict, spill_folder: str):
        super().__init__()
        self._decided = decided
        self._spill_folder = spill_folder

    def expand(self, records):
        record_files = (records
                        | "KeyByPartition" >> beam.Map(_record_by_partition)
                        | "RecordsByPartition" >> GroupByKeyThroughDisk(self._spill_folder))
        return ({"decisions": self._decided["decisions"], "records": record_files}
                | "JoinDecisions" >> beam.CoGroupByKey()
                | "Assign" >> beam.FlatMap(_decided_records))


class Deduplicate(beam.PTransform):
    """Docs -> the same docs with `cluster_id`, `duplicate_of`, `similarity`, `cluster_size`.

    A document whose features raise comes out as a `Rejection` (`step_failed`) instead.
    Kept documents have `duplicate_of=None` and `cluster_id` = their own id; duplicates name
    the kept document in both fields and carry their verified similarity to it (1.0 for an
    exact copy). The documents and dedup's own groupings wait in `spill_folder` (default: a
    new temporary folder).
    """

    def __init__(self, cfg: Optional[DedupConfig] = None, earlier_index_files=None,
                 spill_folder: Optional[str] = None):
        super().__init__()
        self._cfg = cfg or DedupConfig()
        self._earlier_index_files = earlier_index_files
        self._spill_folder = spill_folder

    def expand(self, docs):
        spill_folder = self._spill_folder or tempfile.mkdtemp(prefix="khabar-dedup-")
        decided = docs | "Decide" >> DedupDecisions(
            self._cfg, "", spill_folder, earlier_index_files=self._earlier_index_files)
        return docs | "Apply" >> ApplyDecisions(decided, FileSystems.join(spill_folder, "docs"))


def _index_row_if_kept(feature: Feature, decisions: dict, layout: str, run_date):
    """The index row of a representative that stayed kept (no decision means kept alone)."""
    decision = decisions.get(node_id(feature.node))
    if decision is not None and not decision.is_kept:
        return []
    return [index_row(feature.node, feature.bands, layout, run_date)]
