"""The Deduplicate composite on small Create-rooted pipelines."""
from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to


from transforms.dedup.beam import (ApplyDecisions, BandChunk, ConnectedComponents,
                                   DedupDecisions, Deduplicate, _bucket_entries,
                                   _ComputeFeatures, _StarEdges, multi_member_buckets,
                                   node_partition)
from transforms.dedup.components import connected_components_local
from transforms.dedup.config import DedupConfig
from transforms.dedup.index import INDEX_SCHEMA
from transforms.dedup.select import RECRAWL_BAND, rank_node
from transforms.dedup.shingles import fingerprint, pack
from transforms.model import Doc

# Few rounds keep these small pipelines quick; their chains are short.
FAST = DedupConfig(component_rounds=3)
ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

STORY = " ".join(
    f"قال المتحدث باسم الوزارة في بيان رقم {i} إن اللجنة المختصة ناقشت ملف المياه والكهرباء "
    f"في المنطقة {i} وقررت رفع التقرير"
    for i in range(12))
OTHER = " ".join(f"سجل فريق الهلال هدفه رقم {i} في مرمى الخصم بعد تمريرة متقنة من الجناح"
                 for i in range(12))


def _doc(doc_id, text, published=None):
    return Doc(id=doc_id, source="test", text=text, published=published)


def _edited(text):
    return text.replace("المياه", "الطاقة", 3).replace("اللجنة", "الهيئة", 2)


def _fields(doc):
    return doc.id, doc.cluster_id, doc.duplicate_of, doc.cluster_size


def test_exact_near_and_distinct_documents():
    docs = [
        _doc("late-original", STORY, "2025-07-03"),
        _doc("early-edit", _edited(STORY), "2025-07-01"),
        _doc("copy", STORY.replace("ي", "ی"), None),  # folds to the same text
        _doc("other", OTHER),
        _doc("empty", "..."),
    ]
    with TestPipeline() as p:
        out = p | beam.Create(docs) | Deduplicate(FAST)
        assert_that(out | beam.Map(_fields), equal_to([
            ("early-edit", "early-edit", None, 3),
            ("late-original", "early-edit", "early-edit", 3),
            ("copy", "early-edit", "early-edit", 3),
            ("other", "other", None, 1),
            ("empty", "empty", None, 1),
        ]))
        assert_that(out | beam.Filter(lambda d: d.duplicate_of) | beam.Map(
            lambda d: 0.4 <= d.similarity <= 1.0), equal_to([True, True]), label="similarity")


def test_stats_composite_matches_pure_function():
    from transforms.dedup.stats import DedupStats, dedup_stats
    docs = [Doc(id="a", source="t", site="x", cluster_id="a", cluster_size=2),
            Doc(id="b", source="t", site="x", cluster_id="a", duplicate_of="a", cluster_size=2),
            Doc(id="c", source="t", cluster_id="c")]
    expected = dedup_stats([{"id": d.id, "cluster_id": d.cluster_id,
                             "duplicate_of": d.duplicate_of, "site": d.site} for d in docs])
    with TestPipeline() as p:
        assert_that(p | beam.Create(docs) | DedupStats(), equal_to([expected]))


def test_components_match_union_find():
    edges = [(i, (i * 7 + 3) % 40) for i in range(40) if i != (i * 7 + 3) % 40]
    edges += [(100 + i, 101 + i) for i in range(12)]
    expected = sorted(connected_components_local(edges).items())
    with TestPipeline() as p:
        # Edges arrive as lists (one per verified partition) and nodes are grouped in 5
        # partitions, so neighbourhoods span lists and partitions.
        edge_lists = [edges[:25], edges[25:]]
        labels = (p
                  | beam.Create(edge_lists)
                  | ConnectedComponents(6, partition_of=lambda node: node % 5)
                  | beam.FlatMapTuple(lambda partition, labels: [
                      (node, label) for node, label in labels if node % 5 == partition]))
        assert_that(labels, equal_to(expected))


def test_components_that_do_not_converge_stop_the_run():
    nodes = [rank_node(f"d{number:03}", None, 100) for number in range(65)]
    chain = list(zip(nodes, nodes[1:]))  # a path needs more rounds than one
    with pytest.raises(Exception, match="did not converge in 1 large-star/small-star rounds"):
        with TestPipeline() as p:
            _ = p | beam.Create([chain]) | ConnectedComponents(1, partition_of=node_partition)


def _seed_docs():
    docs = []
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        docs.append(_doc(path.name, body))
    return docs


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="../shared/seeds absent")
def test_seed_articles_on_one_event_are_all_kept():
    docs = _seed_docs()
    with TestPipeline() as p:
        out = p | beam.Create(docs) | Deduplicate(FAST)
        assert_that(out | beam.Map(lambda d: (d.id, d.duplicate_of, d.cluster_size)),
                    equal_to([(d.id, None, 1) for d in docs]))


DAY1 = "2025-07-01"
DAY1_TEXTS = {"d1-story": STORY, "d1-other": OTHER}


def _day1_root(tmp_path, index_format: str) -> str:
    """An output root holding day 1's index: rows as `DedupDecisions` makes them, next to the
    kept texts in `documents/` (`index_format` "current"), with their shingles stored in the
    index as earlier versions wrote it ("stored shingles"), or without `documents/`
    ("texts removed")."""
    root = tmp_path / "root"
    index_file = root / "index" / f"date={DAY1}" / "part-00000.parquet"
    index_file.parent.mkdir(parents=True)
    with TestPipeline() as p:
        day1 = (p | "Day1" >> beam.Create([_doc(i, text) for i, text in DAY1_TEXTS.items()])
                | "Dedup1" >> DedupDecisions(FAST, DAY1, str(tmp_path / "spill1")))
        assert_that(day1["index"] | beam.Map(lambda row: (row["id"], sorted(row) == sorted(
            INDEX_SCHEMA.names))), equal_to([("d1-story", True), ("d1-other", True)]),
            label="index rows")
        _ = (day1["index"] | beam.combiners.ToList()
             | beam.Map(lambda rows: pq.write_table(
                 pa.Table.from_pylist(rows, schema=INDEX_SCHEMA), index_file)))
    if index_format == "stored shingles":
        table = pq.read_table(index_file)
        stored = [pack(fingerprint(DAY1_TEXTS[i], FAST.shingle_size)[1])
                  for i in table["id"].to_pylist()]
        pq.write_table(table.append_column("shingles", pa.array(stored, pa.binary())),
                       index_file)
    elif index_format == "current":
        documents = root / "documents" / "lang=ar" / f"date={DAY1}" / "part-00000.parquet"
        documents.parent.mkdir(parents=True)
        pq.write_table(pa.table({"id": list(DAY1_TEXTS), "text": list(DAY1_TEXTS.values())}),
                       documents)
    return str(index_file)


def _day2_missing_texts(index_file: str, expected_fields: list) -> int:
    """Runs day 2 against day 1's index, checks (id, cluster, duplicate_of, cluster size) of
    its documents, and returns the run's `dedup.index_texts_missing` counter."""
    p = TestPipeline()
    day2 = (p | "Day2" >> beam.Create([_doc("d2-copy", _edited(STORY)),
                                       _doc("d2-new", "خبر جديد تماما عن الطقس غدا")])
            | "Dedup2" >> Deduplicate(
                FAST, earlier_index_files=p | "Day1Index" >> beam.Create([index_file])))
    assert_that(day2 | beam.Map(_fields), equal_to(expected_fields))
    result = p.run()
    result.wait_until_finish()
    missing = result.metrics().query(
        MetricsFilter().with_name("dedup.index_texts_missing"))["counters"]
    return sum(counter.committed for counter in missing)


@pytest.mark.parametrize("index_format", ["current", "stored shingles"])
def test_new_copy_of_an_earlier_document_points_to_it(tmp_path, index_format):
    assert _day2_missing_texts(_day1_root(tmp_path, index_format), [
        ("d2-copy", "d1-story", "d1-story", 2), ("d2-new", "d2-new", None, 1)]) == 0


def test_an_earlier_document_whose_text_is_gone_is_counted_and_skipped(tmp_path):
    assert _day2_missing_texts(_day1_root(tmp_path, "texts removed"), [
        ("d2-copy", "d2-copy", None, 1), ("d2-new", "d2-new", None, 1)]) == 1


def test_a_document_whose_features_raise_becomes_a_step_failed_rejection(monkeypatch, tmp_path):
    """The dedup dead letter: one document's bug rejects that document, the rest dedup as usual.
    The failure is injected because no real text makes `fingerprint` raise."""
    import transforms.dedup.beam as dedup_beam
    from transforms.model import Rejection

    real_fingerprint = dedup_beam.fingerprint

    def fingerprint_failing_on_other(text, n):
        if text == OTHER:
            raise ValueError("injected")
        return real_fingerprint(text, n)

    monkeypatch.setattr(dedup_beam, "fingerprint", fingerprint_failing_on_other)
    docs = [_doc("story", STORY), _doc("edit", _edited(STORY)), _doc("bad", OTHER)]
    with TestPipeline() as p:
        docs = p | beam.Create(docs)
        decided = docs | DedupDecisions(FAST, "2025-07-01", str(tmp_path))
        out = {"docs": docs | ApplyDecisions(decided, str(tmp_path / "docs")),
               "index": decided["index"]}
        assert_that(out["docs"] | beam.Filter(lambda e: isinstance(e, Doc)) | beam.Map(_fields),
                    equal_to([("edit", "edit", None, 2), ("story", "edit", "edit", 2)]))
        assert_that(out["docs"] | beam.Filter(lambda e: isinstance(e, Rejection))
                    | beam.Map(lambda r: (r.id, r.reason, r.step, r.detail)),
                    equal_to([("bad", "step_failed", "Deduplicate",
                               "Deduplicate raised ValueError: injected")]), label="rejected")
        assert_that(out["index"] | beam.Map(lambda row: row["id"]), equal_to(["edit"]),
                    label="index")


def test_a_worker_computes_features_without_importing_datasketch():
    """The feature step carries its permutations and band layout as plain values: a worker
    process that unpickles and runs it imports neither datasketch nor the scipy it pulls in
    (0.6 s of every worker's start)."""
    step = _ComputeFeatures(DedupConfig())
    doc = Doc(id="a", source="a.txt", text=" ".join(f"word{i}" for i in range(40)))
    script = (
        "import pickle, sys\n"
        "step, doc = pickle.loads(sys.stdin.buffer.read())\n"
        "features = list(step.process(doc))\n"
        "assert len(features) == 1 and features[0].bands, features\n"
        "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))\n")
    finished = subprocess.run([sys.executable, "-c", script], input=pickle.dumps((step, doc)),
                              capture_output=True, cwd=ROOT, check=True)
    assert finished.stdout.decode().strip() == "[]", finished.stderr.decode()


def _band_groups(nodes_and_bands):
    """(band, chunks) per band, as the `Bands` grouping hands them to `_StarEdges`."""
    groups: dict = {}
    for node, bands in nodes_and_bands:
        for band, entry in _bucket_entries(node, bands):
            groups.setdefault(band, []).append(entry)
    return [(band, BandChunk.of(band, entries)) for band, entries in sorted(groups.items())]


def _star_edges(star_edges, groups):
    return [(partition, (pickle.loads(left), pickle.loads(right)))
            for group in groups for partition, (left, right) in star_edges(group)]


def test_an_edge_found_in_many_bands_is_emitted_once_per_bundle():
    # Three documents share every band but the last: each band's bucket gives the same star.
    nodes = [rank_node(doc_id, None, 100) for doc_id in ("a", "b", "c")]
    groups = _band_groups([(node, (7, 8, 9, index)) for index, node in enumerate(nodes)])
    star_edges = _StarEdges(max_bucket_size=100)
    star_edges.start_bundle()
    emitted = _star_edges(star_edges, groups)

    every_band = _StarEdges(max_bucket_size=100)  # a new bundle for each band: no memory
    all_band_edges = []
    for group in groups:
        every_band.start_bundle()
        all_band_edges += _star_edges(every_band, [group])
    assert len(all_band_edges) > len(emitted)
    assert sorted(emitted) == sorted(set(all_band_edges))  # the same edges, each once

    star_edges.start_bundle()  # a retried bundle emits all its edges again
    assert sorted(_star_edges(star_edges, groups)) == sorted(emitted)


def test_a_full_bundle_memory_lets_repeats_through_and_loses_no_edge():
    nodes = [rank_node(f"d{index}", None, 100) for index in range(6)]
    groups = _band_groups([(node, (1, 2, 3)) for node in nodes])
    bounded = _StarEdges(max_bucket_size=100)
    bounded.BUNDLE_MEMORY = 3
    bounded.start_bundle()
    edges = _star_edges(bounded, groups)
    unbounded = _StarEdges(max_bucket_size=100)
    unbounded.start_bundle()
    distinct = _star_edges(unbounded, groups)
    assert len(edges) > len(distinct)
    assert set(edges) == set(distinct)


def test_band_chunks_give_the_buckets_a_dict_of_entries_gives():
    entries = [(key, f"member {index}".encode()) for index, key in
               enumerate([5, 2 ** 64 - 1, 5, 7, 2 ** 64 - 1, 5, 3])]
    chunks = BandChunk.of(0, entries[:4]) + BandChunk.of(0, entries[4:])
    by_key: dict = {}
    for key, packed in entries:
        by_key.setdefault(key, []).append(packed)
    expected = [by_key[key] for key in sorted(by_key) if len(by_key[key]) > 1]
    assert list(multi_member_buckets(chunks)) == expected
    recrawls = [("id-b", b"1"), ("id-a", b"2"), ("id-b", b"3")]  # the re-crawl band keys ids
    assert list(multi_member_buckets(BandChunk.of(RECRAWL_BAND, recrawls))) == [[b"1", b"3"]]
