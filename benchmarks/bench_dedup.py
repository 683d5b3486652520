"""Near-duplicate detection: quality on a labelled corpus set, signature speed, memory.

    .venv/bin/python benchmarks/bench_dedup.py            # everything but the memory runs
    .venv/bin/python benchmarks/bench_dedup.py --memory   # + Beam runs on 30k and 60k docs
    .venv/bin/python benchmarks/bench_dedup.py --memory-only   # only those (about 12 min)
    .venv/bin/python benchmarks/bench_dedup.py --bucketing-only   # only the LSH bucket layouts

Prints tables and writes `benchmarks/results/dedup.json`. Quality uses `dedup_eval.build()`
(see its docstring for the labels); the threshold sweep uses `transforms.dedup.local`, the
in-process twin of the Beam graph, and the default is also run through `Deduplicate` on Beam
and compared with it document by document. Speed is a ratio to plain per-shingle datasketch
`update` measured in the same run.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from datasketch import MinHash  # noqa: E402

from dedup_eval import CORPORA, build, reference_coverage, reference_label  # noqa: E402
from transforms.dedup.components import connected_components_local  # noqa: E402
from transforms.dedup.config import DedupConfig  # noqa: E402
from transforms.dedup.local import assign_local, candidate_pairs  # noqa: E402
from transforms.dedup.select import singleton  # noqa: E402
from transforms.dedup.shingles import hash_shingles, fingerprint, shingles  # noqa: E402
from transforms.dedup.signatures import minhash_template, s_curve, signature  # noqa: E402
from transforms.model import Doc, Reject  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "dedup.json"
CORPUS_FILES = (CORPORA / "ar.jsonl", CORPORA / "fa.jsonl")
THRESHOLDS = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8)


def strip_boilerplate(docs):
    """The contract input: docs after the project's boilerplate step (packaged patterns only;
    the batch-level site signals of the full graph are not applied here)."""
    from transforms.boilerplate import load_boilerplate, strip_step
    state = load_boilerplate()
    out = []
    for doc in docs:
        try:
            out.append(strip_step(doc, state))
        except Reject:
            out.append(doc.replace(text=""))
    return out


class Scorer:
    """Pairwise precision/recall of predicted clusters against the labelled pairs."""

    def __init__(self, evalset):
        self.pairs = evalset.pairs
        self.texts = evalset.texts
        self.positives = [p for p, (_, label) in self.pairs.items() if label == "duplicate"]
        self._reference = {}

    def _label(self, pair):
        if pair in self.pairs:
            return self.pairs[pair][1]
        if pair not in self._reference:
            self._reference[pair] = reference_label(reference_coverage(*map(self.texts.get,
                                                                             pair)))
        return self._reference[pair]

    def score(self, cluster_of: dict) -> dict:
        members = defaultdict(list)
        for doc_id, cluster in cluster_of.items():
            members[cluster].append(doc_id)
        tp = fp = ambiguous = 0
        false_merges = Counter()
        for group in members.values():
            for pair in itertools.combinations(sorted(group), 2):
                label = self._label(pair)
                if label == "duplicate":
                    tp += 1
                elif label == "distinct":
                    fp += 1
                    false_merges[self.pairs.get(pair, ("unlabelled_background",))[0]] += 1
                else:
                    ambiguous += 1
        found = sum(cluster_of[a] == cluster_of[b] for a, b in self.positives)
        missed = Counter(self.pairs[(a, b)][0] for a, b in self.positives
                         if cluster_of[a] != cluster_of[b])
        return {"pairwise_precision": round(tp / max(1, tp + fp), 4),
                "pairwise_recall": round(found / max(1, len(self.positives)), 4),
                "predicted_pairs": tp + fp + ambiguous, "false_pairs": fp,
                "ambiguous_predicted_pairs": ambiguous,
                "false_merges_by_type": dict(false_merges), "missed_by_type": dict(missed),
                "largest_cluster": max(len(g) for g in members.values())}


def clusters_local(docs, cfg, prepared=None):
    prepared = prepared or candidate_pairs(docs, cfg)
    assigned = assign_local(*prepared, cfg)
    return {d.id: assigned.get(d.id, singleton(d.id)).kept_id for d in docs}, prepared


def candidate_recall(docs, prepared, positives):
    """Share of duplicate pairs whose documents LSH connects at all (before verification)."""
    _, _, copies, edges = prepared
    component = {node[4]: root for node, root in connected_components_local(edges).items()}
    for rep, copy_nodes in copies.items():
        for node in copy_nodes:
            component[node[4]] = component.get(rep[4], rep[4])
    same = sum(component.get(a, a) == component.get(b, b) for a, b in positives)
    return round(same / max(1, len(positives)), 4)


def beam_options(workers: int):
    """FnApiRunner in-process (0) or on `workers` processes."""
    from apache_beam.options.pipeline_options import PipelineOptions
    options = ["--runner=FnApiRunner"]
    if workers:  # worker processes import the benchmark's helpers from this directory
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [
            str(Path(__file__).parent), os.environ.get("PYTHONPATH")]))
        options += ["--direct_running_mode=multi_processing", f"--direct_num_workers={workers}"]
    return PipelineOptions(options)


def run_beam(docs, cfg):
    import apache_beam as beam
    from transforms.dedup.beam import Deduplicate
    out_dir = tempfile.mkdtemp(prefix="bench_dedup_")
    with beam.Pipeline(options=beam_options(0)) as pipeline:
        (pipeline | beam.Create(docs) | Deduplicate(cfg)
         | beam.Map(lambda d: json.dumps([d.id, d.cluster_id, d.duplicate_of, d.similarity]))
         | beam.io.WriteToText(out_dir + "/rows"))
    rows = [json.loads(line) for path in Path(out_dir).glob("rows*") for line in open(path)]
    return {row[0]: row for row in rows}


def throughput(texts, cfg, repeats=2):
    """Docs/s of our signatures vs plain datasketch per-shingle `update`, measured twice:
    the signature stage alone (from the same shingle strings), and end to end from text
    (the shared folding and shingling included in both)."""
    template = minhash_template(cfg.num_perm, cfg.seed)
    shingled = [shingles(text, cfg.shingle_size) for text in texts]

    def ours_signature():
        for strings in shingled:
            signature(hash_shingles(strings), template)

    def plain_signature():
        for strings in shingled:
            minhash = MinHash(num_perm=cfg.num_perm, seed=cfg.seed)
            for shingle in strings:
                minhash.update(shingle.encode("utf-8"))

    def ours_from_text():
        for text in texts:
            signature(fingerprint(text, cfg.shingle_size)[1], template)

    def plain_from_text():
        for text in texts:
            minhash = MinHash(num_perm=cfg.num_perm, seed=cfg.seed)
            for shingle in shingles(text, cfg.shingle_size):
                minhash.update(shingle.encode("utf-8"))

    def rate(fn):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return len(texts) / min(times)

    out = {"docs": len(texts)}
    for stage, ours, plain in (("signature", ours_signature, plain_signature),
                               ("from_text", ours_from_text, plain_from_text)):
        plain_rate, ours_rate = rate(plain), rate(ours)
        out[stage] = {"plain_update_docs_per_s": round(plain_rate, 1),
                      "ours_docs_per_s": round(ours_rate, 1),
                      "speedup": round(ours_rate / plain_rate, 2)}
    return out


def _articles(path: Path, copy: int):
    """(line number, id, text) of one corpus file: the articles themselves (copy 0) or
    perturbed copies of them (10% of words edited, seeded by `copy`)."""
    import random
    from dedup_eval import edit_words
    rng = random.Random(copy)
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            record = json.loads(line)
            text = record["text"]
            if copy:
                text = edit_words(text, 0.1, False, text.split() or ["x"], rng)
            yield number, f"{record['id']}#{copy}", text


def bucketing(cfg: DedupConfig, copies: int = 3, repeats: int = 3):
    """CPU of the `Bands` grouping's spill and bucketing, per layout, on the real band keys of
    the corpus and its copies: the (key, node) tuples of 1,024-entry writes bucketed in a dict
    of lists (the layout before `BandChunk`, kept here as the baseline) against `BandChunk`s
    bucketed by `multi_member_buckets`. Both must give the same buckets."""
    from transforms.dedup.beam import (BAND_ENTRIES_BUFFERED, BandChunk, _bucket_entries,
                                       multi_member_buckets)
    from transforms.dedup.select import rank_node
    from transforms.dedup.signatures import band_keys
    from transforms.spill import BUFFERED_RECORDS, _SpillGroups, read_spilled

    template, layout = minhash_template(cfg.num_perm, cfg.seed), cfg.band_layout
    signed = []
    for copy, path in itertools.product(range(copies + 1), CORPUS_FILES):
        for _, doc_id, text in _articles(path, copy):
            hashes = fingerprint(text, cfg.shingle_size)[1]
            if hashes.size:
                signed.append((rank_node(doc_id, None, len(text)),
                               band_keys(hashes, template, layout)))

    def tuple_buckets(values):
        buckets: dict = {}
        for key, packed in values:
            buckets.setdefault(key, []).append(packed)
        return [buckets[key] for key in sorted(buckets) if len(buckets[key]) > 1]

    def spill_and_bucket(pack_chunk, buffered, buckets_of):
        folder = tempfile.mkdtemp(prefix="khabar-bench-bands-")
        spill = _SpillGroups(folder, "bands", pairs_of=lambda entry: _bucket_entries(*entry),
                             pack_chunk=pack_chunk, buffered_values=buffered)
        start = time.process_time()
        spill.start_bundle()
        prefixes = defaultdict(set)
        for entry in signed:
            for band, prefix in spill.process(entry):
                prefixes[band].add(prefix)
        spill.finish_bundle()
        found = [buckets_of(value for prefix in sorted(prefixes[band])
                            for value in read_spilled(prefix)) for band in sorted(prefixes)]
        return time.process_time() - start, found

    layouts = {"tuples, 1,024 buffered": (None, BUFFERED_RECORDS, tuple_buckets),
               f"BandChunk, {BAND_ENTRIES_BUFFERED:,} buffered": (
                   BandChunk.of, BAND_ENTRIES_BUFFERED,
                   lambda chunks: list(multi_member_buckets(chunks)))}
    seconds, buckets = {}, {}
    for _ in range(repeats):  # alternating, fastest round of each: the machine is shared
        for name, layout_args in layouts.items():
            cpu, buckets[name] = spill_and_bucket(*layout_args)
            seconds[name] = min(seconds.get(name, cpu), cpu)
    same = len({repr(found) for found in buckets.values()}) == 1
    baseline = next(iter(seconds.values()))
    out = {"docs": len(signed), "entries": len(signed) * layout[0], "same_buckets": same,
           "cpu_seconds": {name: round(value, 2) for name, value in seconds.items()},
           "x_baseline": {name: round(value / baseline, 2) for name, value in seconds.items()}}
    print(f"\nLSH bucketing, spill + buckets of {out['entries']:,} band entries "
          f"({out['docs']:,} docs; CPU s, fastest of {repeats}; same buckets: {same}):")
    for name, value in seconds.items():
        print(f"  {name:32s} {value:6.2f} s  x{value / baseline:.2f}")
    return out


def memory_child(count: int, workers: int):
    """Run Deduplicate over `count` docs (corpus articles and perturbed copies) on Beam,
    reading them from files inside the pipeline; print peak RSS of the runner process and, with
    `workers` > 0 (multi-process), of the largest SDK worker process: the processes that run the
    dedup code, as a distributed runner's workers would, while the runner holds the shuffled data
    (on Dataflow, Flink or Spark that is the shuffle service or disk, not a worker's memory)."""
    import apache_beam as beam
    from transforms.dedup.beam import Deduplicate

    def read(path_and_copy):
        path, copy = path_and_copy
        for number, doc_id, text in _articles(Path(path), copy):
            yield Doc(id=doc_id, source=path, text=text, source_order=(path, number))

    copies = count // 6000
    start = time.perf_counter()
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with beam.Pipeline(options=beam_options(workers)) as pipeline:
        (pipeline | beam.Create([(str(p), c) for c in range(copies) for p in CORPUS_FILES])
         | beam.FlatMap(read) | Deduplicate(DedupConfig())
         | beam.Map(lambda d: int(d.duplicate_of is not None))
         | beam.CombineGlobally(sum) | beam.Map(lambda n: print("DUPLICATES", n)))
    mib = lambda who: round(resource.getrusage(who).ru_maxrss / 1024, 1)  # noqa: E731
    result = {"docs": copies * 6000, "workers": workers,
              "seconds": round(time.perf_counter() - start, 1),
              "runner_peak_rss_mb": mib(resource.RUSAGE_SELF),
              "rss_before_pipeline_mb": round(base_rss / 1024, 1)}
    if workers:
        result["largest_worker_peak_rss_mb"] = mib(resource.RUSAGE_CHILDREN)
    print(json.dumps(result))


def memory(counts=(30000, 60000), modes=(0, 2)):
    """Each count in-process (workers=0) and on 2 worker processes."""
    results = []
    for workers, count in itertools.product(modes, counts):
        proc = subprocess.run([sys.executable, __file__, "--memory-child", str(count),
                               "--workers", str(workers)],
                              capture_output=True, text=True, cwd=ROOT)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        if proc.returncode or not lines:
            raise RuntimeError(f"memory run for {count} docs failed: {proc.stderr[-2000:]}")
        results.append(json.loads(lines[-1]))
    print(f"\nmemory, Deduplicate on FnApiRunner (MiB):\n{'docs':>7} {'workers':>7} {'seconds':>8} "
          f"{'runner peak':>11} {'largest worker':>14}")
    for r in results:
        print(f"{r['docs']:7d} {r['workers']:7d} {r['seconds']:8.1f} {r['runner_peak_rss_mb']:11.0f} "
              f"{r.get('largest_worker_peak_rss_mb', 0):14.0f}")
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--memory-only", action="store_true",
                        help="only the memory runs; updates that section of the JSON")
    parser.add_argument("--bucketing-only", action="store_true",
                        help="only the LSH bucket layouts; updates that section of the JSON")
    parser.add_argument("--memory-child", type=int)
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.workers)
        return
    if args.memory_only:
        report = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        report["memory"] = memory()
        RESULTS.write_text(json.dumps(report, indent=1, ensure_ascii=False))
        return
    if not CORPORA.is_dir():
        sys.exit(f"{CORPORA} not found: the benchmark needs ../shared/corpora")
    if args.bucketing_only:
        report = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        report["bucketing"] = bucketing(DedupConfig())
        RESULTS.write_text(json.dumps(report, indent=1, ensure_ascii=False))
        return

    cfg = DedupConfig()
    bands, rows = cfg.band_layout
    report = {"config": asdict(cfg), "band_layout": [bands, rows]}
    print(f"default layout: {bands} bands x {rows} rows of {cfg.num_perm} permutations")
    curve = {f"{s / 20:.2f}": round(s_curve(bands, rows, s / 20), 4) for s in range(2, 21)}
    report["s_curve"] = curve
    print("S-curve P(candidate | Jaccard s): " + "  ".join(f"{s}:{p:.2f}"
                                                           for s, p in curve.items()))

    start = time.perf_counter()
    evalset = build()
    kinds = Counter(kind for kind, _ in evalset.pairs.values())
    report["evalset"] = {"docs": len(evalset.docs), "pairs_by_type": dict(kinds),
                         "ambiguous_pairs_left_out": evalset.ambiguous,
                         "build_seconds": round(time.perf_counter() - start, 1)}
    print(f"eval set: {len(evalset.docs)} docs, {len(evalset.pairs)} labelled pairs "
          f"({evalset.ambiguous} ambiguous left out)")
    for kind, count in sorted(kinds.items()):
        print(f"  {kind:50s} {count}")
    scorer = Scorer(evalset)
    inputs = {"stripped": strip_boilerplate(evalset.docs), "raw": evalset.docs}

    sweeps = {}
    print(f"\n{'input':9s} {'n':>2s} {'jacc':>5s} {'P':>7s} {'R':>7s} {'LSH-R':>6s} "
          f"{'largest':>7s}  false merges / misses")
    for input_name, docs in inputs.items():
        for shingle_size in (3, 5):
            base = replace(cfg, shingle_size=shingle_size)
            prepared = candidate_pairs(docs, base)
            lsh_recall = candidate_recall(docs, prepared, scorer.positives)
            for threshold in THRESHOLDS:
                variant = replace(base, jaccard_threshold=threshold)
                clusters, _ = clusters_local(docs, variant, prepared)
                result = scorer.score(clusters)
                result["lsh_candidate_recall"] = lsh_recall
                sweeps[f"{input_name}/n{shingle_size}/j{threshold}"] = result
                print(f"{input_name:9s} {shingle_size:2d} {threshold:5.2f} "
                      f"{result['pairwise_precision']:7.4f} {result['pairwise_recall']:7.4f} "
                      f"{lsh_recall:6.3f} {result['largest_cluster']:7d}  "
                      f"{result['false_merges_by_type']} / {result['missed_by_type']}")
    report["sweep"] = sweeps

    docs = inputs["stripped"]
    start = time.perf_counter()
    beam_rows = run_beam(docs, cfg)
    beam_seconds = time.perf_counter() - start
    local_clusters, _ = clusters_local(docs, cfg)
    beam_clusters = {doc_id: row[1] for doc_id, row in beam_rows.items()}
    default = scorer.score(beam_clusters)
    default["beam_seconds"] = round(beam_seconds, 1)
    default["beam_vs_local_disagreements"] = sum(
        beam_clusters[d] != local_clusters[d] for d in local_clusters)
    report["default_beam"] = default
    print(f"\nBeam Deduplicate at the default ({len(docs)} stripped docs, "
          f"{beam_seconds:.1f} s): P={default['pairwise_precision']} "
          f"R={default['pairwise_recall']} false={default['false_merges_by_type']} "
          f"missed={default['missed_by_type']} "
          f"beam-vs-local disagreements={default['beam_vs_local_disagreements']}")

    texts = [d.text for d in evalset.docs[:1000]]
    report["throughput"] = throughput(texts, cfg)
    report["bucketing"] = bucketing(cfg)
    print(f"\nsignatures: {report['throughput']}")

    if args.memory:
        report["memory"] = memory()
    elif RESULTS.exists() and "memory" in (last := json.loads(RESULTS.read_text())):
        report["memory"] = last["memory"]  # keep the last memory runs (they take minutes)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
