"""End-to-end throughput and memory of `python -m pipeline`, against its own steps run as plain
Python and datatrove's MinHash dedup, measured in one run on one machine.

    .venv/bin/python benchmarks/bench_pipeline.py --cache ../bench-data \
        [--baseline ROOT] [--big 240000]                                   # everything
    .venv/bin/python benchmarks/bench_pipeline.py --only-default --memory-sizes '' --history ''

Corpus: `build_bench_corpus.py` (6,000 shared articles + perturbed copies, seeded, shuffled) as
2,500-record JSONL files in a cache directory outside the repo, one per corpus size.
- `steps`: every pipeline step as a pure function over `--step-docs` documents in one process;
  their summed cost gives the "pure chain" docs/s that runs are compared with (`x chain`).
- `e2e`: the CLI in a subprocess on the `--docs` corpus, as a user runs it (`default`: a
  worker process per core for an input this size) and in-process (`--direct_num_workers=1`,
  one process): wall time, docs/s, CPU
  seconds of the run and its reaped workers (robust to other jobs on the shared cores), peak RSS
  of the largest process and of the whole process tree (sampled from /proc, see `run_cli`);
  index bytes per 1,000 kept documents; with `--baseline`, its rows compared with another
  version's output of the same corpus (`compare_outputs.py`).
- `datatrove` (when importable, `make bench` installs it): its default 4-stage MinHash dedup
  (2 tasks, whitespace word splitting because spaCy is not installed) on the same files. It
  takes turns with the default run, `--pairs` times: each pair's docs/s ratio is taken side
  by side, and the median pair, median runs and every run's seconds are kept.
- `memory`: in-process runs (`--direct_num_workers=1`) on corpora of `--memory-sizes`
  documents; KiB of peak RSS per document added from the smallest to the largest.
- `history`: a 2,500-document day into roots holding `--history` earlier kept documents (one
  real earlier day plus synthetic documents with their index rows): memory and wall time against
  the empty root, and the duplicates of earlier documents it still finds.
- `big` (`--big N`): one in-process run on an N-document corpus.
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import build_bench_corpus  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "pipeline.json"
IN_PROCESS = ["--direct_num_workers=1"]
FIRST_DATE = "2025-03-01"


# ---------------------------------------------------------------- corpus

def corpus_files(cache: Path, docs: int, seed: int) -> list[Path]:
    """The corpus as JSONL files under `cache`, built once per (docs, seed)."""
    folder = cache / f"corpus-{docs}-seed{seed}"
    done = folder / ".complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        build_bench_corpus.write_jsonl(build_bench_corpus.build(docs, seed), folder)
        done.touch()
    return sorted(folder.glob("part-*.jsonl"))


def linked_inputs(files: list[Path], folder: Path) -> Path:
    """A folder holding (symlinks to) just these files: the pipeline reads a folder."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in files:
        (folder / path.name).symlink_to(path)
    return folder


# ---------------------------------------------------------------- pure steps

def first_docs(files: list[Path], limit: int, read_cfg) -> list:
    """The first `limit` documents the reader makes of `files` (records it refuses left out)."""
    from transforms.model import Doc
    from transforms.read import iter_jsonl

    docs: list = []
    for path in files:
        with open(path, "rb") as stream:
            docs += [record for record in iter_jsonl(str(path), stream, read_cfg)
                     if isinstance(record, Doc)]
        if len(docs) >= limit:
            break
    return docs[:limit]


def corpus_signals(docs: list, cfg) -> tuple[dict, frozenset]:
    """What `CorpusBoilerplateSignals` gives the strip step, computed in this process: each
    site's recurring line hashes, and the batch's title hashes."""
    from transforms.boilerplate import site_key
    from transforms.boilerplate_beam import _is_common, site_line_keys, title_hashes

    line_counts: dict = defaultdict(int)
    site_docs: dict = defaultdict(int)
    titles = set()
    for doc in docs:
        site_docs[site_key(doc)] += 1
        for key in site_line_keys(doc, cfg):
            line_counts[key] += 1
        titles.update(title_hashes(doc, cfg))
    common: dict = defaultdict(set)
    for key_count in line_counts.items():
        if _is_common(key_count, site_docs, cfg):
            common[key_count[0][0]].add(key_count[0][1])
    return {site: frozenset(hashes) for site, hashes in common.items()}, frozenset(titles)


def clean_chain(config, repairer, langid) -> tuple:
    """The per-document steps before boilerplate, as (name, step, its argument), in the order
    the graph's `CleanDocuments` applies them; `repairer` and `langid` are their built state."""
    from transforms.decode import decode_step
    from transforms.langid import identify_step
    from transforms.limits import check_limits
    from transforms.normalize import basic_normalize_step, normalize_step
    from transforms.repair import repair_step

    return (("decode", decode_step, config.repair), ("repair", repair_step, repairer),
            ("normalize_basic", basic_normalize_step, config.normalize),
            ("limits", check_limits, config.limits), ("langid", identify_step, langid),
            ("normalize_lang", normalize_step, config.normalize))


def step_costs(files: list[Path], limit: int, outputs: list | None = None) -> dict:
    """Seconds per step over the first `limit` records, every step a plain function call.

    With `outputs` (a list), each record's end is appended to it: the `Rejection` of a record
    the reader refused, `(step, Reject)` of a document a step rejected, and last the documents
    left after boilerplate stripping, then the local dedup assignments (for
    `bench_steps.py`'s comparison of two versions' outputs)."""
    from pipeline.config import load_config
    from transforms.boilerplate import load_boilerplate, strip_step
    from transforms.dedup.local import deduplicate_local
    from transforms.dedup.shingles import fingerprint
    from transforms.dedup.signatures import band_keys, minhash_template
    from transforms.langid import load_langid
    from transforms.model import Doc, Reject
    from transforms.read import iter_jsonl
    from transforms.repair import build_repairer
    from transforms.zwnj import load_lexicon

    config = load_config(None, [])
    seconds: dict[str, float] = defaultdict(float)
    # CPU time of this (single-threaded) process: other jobs on the shared cores do not count.
    time_now = time.process_time

    started = time_now()
    docs = []
    for path in files:
        with open(path, "rb") as stream:
            for record in iter_jsonl(str(path), stream, config.read):
                if isinstance(record, Doc) and len(docs) < limit:
                    docs.append(record)
                elif outputs is not None and len(docs) < limit:
                    outputs.append(record)
        if len(docs) >= limit:
            break
    seconds["read"] = time_now() - started

    # What a worker builds once (the ZWNJ lexicon on its first Persian text): not per record.
    started = time_now()
    repairer = build_repairer(config.repair)
    langid = load_langid(config.langid)
    boilerplate = load_boilerplate(config.boilerplate)
    load_lexicon()
    importlib.import_module("transforms.boilerplate_beam")  # Beam: not in the signals' time
    setup_seconds = time_now() - started
    for name, step, arg in clean_chain(config, repairer, langid):
        kept = []
        started = time_now()
        for doc in docs:
            try:
                kept.append(step(doc, arg))
            except Reject as rejected:
                if outputs is not None:
                    outputs.append((name, rejected))
        seconds[name] = time_now() - started
        docs = kept

    started = time_now()
    common, titles = corpus_signals(docs, config.boilerplate)
    seconds["boilerplate_signals"] = time_now() - started

    kept = []
    started = time_now()
    for doc in docs:
        try:
            kept.append(strip_step(doc, boilerplate, common, titles))
        except Reject as rejected:
            if outputs is not None:
                outputs.append(("boilerplate_strip", rejected))
    seconds["boilerplate_strip"] = time_now() - started
    docs = kept

    # The Beam graph's per-document dedup work (`_ComputeFeatures`), also inside `dedup_local`.
    template = minhash_template(config.dedup.num_perm, config.dedup.seed)
    layout = config.dedup.band_layout
    started = time_now()
    for doc in docs:
        band_keys(fingerprint(doc.text, config.dedup.shingle_size)[1], template, layout)
    seconds["dedup_features"] = time_now() - started

    started = time_now()
    assignments = deduplicate_local(docs, config.dedup)
    seconds["dedup_local"] = time_now() - started
    if outputs is not None:
        outputs.extend(docs)
        outputs.append(assignments)

    records = limit
    total = sum(seconds.values()) - seconds["dedup_features"]  # counted in dedup_local
    return {
        "records": records,
        "ms_per_record": {name: round(1000 * s / records, 3) for name, s in seconds.items()},
        "chain_seconds": round(total, 2),
        "chain_docs_per_s": round(records / total, 1),
        "setup_seconds": round(setup_seconds, 2),
    }


# ---------------------------------------------------------------- pipeline runs

def _tree_memory_kib(root_pid: int) -> tuple[int, int]:
    """(resident memory of a process and all its descendants (worker processes included),
    the largest peak resident memory (VmHWM) among them)."""
    children: dict[int, list[int]] = defaultdict(list)
    rss: dict[int, int] = {}
    high_water: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry.name)
        children[int(fields["PPid"])].append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
        high_water[pid] = int(fields.get("VmHWM", "0 kB").split()[0])
    total, largest, pending = 0, 0, [root_pid]
    while pending:
        pid = pending.pop()
        total += rss.get(pid, 0)
        largest = max(largest, high_water.get(pid, 0))
        pending.extend(children.get(pid, ()))
    return total, largest


def run_cli(args: list[str], log: Path) -> dict:
    """Runs a command; wall seconds, CPU seconds, peak RSS (MiB) of its largest process and of
    its whole process tree, both sampled every 0.1 s from /proc (VmHWM, VmRSS). Not
    `os.wait4`'s ru_maxrss: Linux starts a child's at the peak of the process it was forked
    from, so it would report this benchmark's own memory (hundreds of MiB after building
    synthetic history) instead of the run's."""
    started = time.perf_counter()
    with open(log, "w") as out:
        process = subprocess.Popen(args, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        tree_peak = peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            tree, largest = _tree_memory_kib(process.pid)
            tree_peak, peak = max(tree_peak, tree), max(peak, largest)
            time.sleep(0.1)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(args)} exited {code}; see {log}")
    return {"seconds": round(wall, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mib": round(peak / 1024, 1),
            "tree_peak_rss_mib": round(max(tree_peak, peak) / 1024, 1)}


def run_pipeline(inputs: Path, output: Path, run_date: str, log: Path,
                 beam_args: tuple[str, ...] = (), measure=run_cli) -> dict:
    """One CLI run measured by `measure(args, log)`, plus counts from its run report."""
    measured = measure([sys.executable, "-m", "pipeline", "--input", str(inputs), "--output",
                        str(output), "--run_date", run_date, *beam_args], log)
    report = json.loads((output / "_reports" / f"{run_date}.json").read_text())
    records = report["inputs"]["records"]
    return {**measured, "records_in": records, "rows_out": sum(report["outputs"].values()),
            "outputs": report["outputs"], "invariant": report["invariant"]["holds"],
            "docs_per_s": round(records / measured["seconds"], 1),
            "docs_per_cpu_s": round(records / measured["cpu_seconds"], 1)}


def index_bytes_per_1000_kept(output: Path, run_date: str) -> float:
    """Bytes of `index/date=<run_date>/` per 1,000 kept documents of that date."""
    index = sum(path.stat().st_size for path in output.glob(f"index/date={run_date}/*.parquet"))
    kept = len(list(_read(output / "documents", ["id", "date"], run_date)))
    return round(1000 * index / kept, 1) if kept else 0.0


def _read(folder: Path, columns: list[str], run_date: str):
    import pyarrow.dataset as ds
    table = ds.dataset(folder, partitioning="hive").to_table(columns=columns)
    return [row for row in table.to_pylist() if str(row["date"]) == run_date]


def earlier_duplicates(output: Path, run_date: str) -> int:
    """Duplicates of this date whose kept document was written on an earlier date."""
    import pyarrow.dataset as ds
    earlier = {row["id"] for row in ds.dataset(output / "documents", partitioning="hive")
               .to_table(columns=["id", "date"]).to_pylist() if str(row["date"]) < run_date}
    earlier |= {row["id"] for row in ds.dataset(output / "index", partitioning="hive")
                .to_table(columns=["id", "date"]).to_pylist() if str(row["date"]) < run_date}
    return sum(1 for row in _read(output / "duplicates", ["id", "duplicate_of", "date"], run_date)
               if row["duplicate_of"] in earlier)


def memory_scaling(cache: Path, seed: int, sizes: list[int], work: Path) -> dict:
    """In-process runs on corpora of each size; KB of peak RSS per added document from the
    smallest to the largest."""
    runs = []
    for size in sizes:
        inputs = linked_inputs(corpus_files(cache, size, seed), work / f"memory-{size}-in")
        output = work / f"memory-{size}-out"
        shutil.rmtree(output, ignore_errors=True)
        entry = {"docs": size, **run_pipeline(inputs, output, FIRST_DATE,
                                              work / f"memory-{size}.log", IN_PROCESS)}
        shutil.rmtree(output, ignore_errors=True)
        runs.append(entry)
        print("memory", json.dumps(entry), flush=True)
    first, last = runs[0], runs[-1]
    slope = ((last["tree_peak_rss_mib"] - first["tree_peak_rss_mib"]) * 1024
             / (last["docs"] - first["docs"])) if len(runs) > 1 else None
    return {"runs": runs, "kb_per_added_doc": round(slope, 2) if slope is not None else None}


def synthetic_history(output: Path, rows: int, cfg, run_date: str, seed: int) -> None:
    """`rows` earlier kept documents that share nothing with the benchmark corpus: random texts
    of a typical article's length in `documents/`, and their index rows (random band keys)
    under the run's layout in `index/`, in files of 10,000 rows sorted by id as the writer
    writes them. A run reads an earlier document's text only when its index row meets the run,
    so these cost a later run what unrelated real history of that size costs."""
    import numpy as np
    import pyarrow as pa
    from schemas import DOCUMENTS
    from transforms.dedup.index import INDEX_SCHEMA, layout_tag
    from transforms.write import write_table
    rng = np.random.default_rng(seed)
    vocabulary = np.array([f"كلمة{i}" for i in range(50_000)])
    bands = cfg.band_layout[0]
    for part, start in enumerate(range(0, rows, 10_000)):
        count = min(10_000, rows - start)
        ids = sorted(f"synthetic-{run_date}-{start + i}" for i in range(count))
        texts = [" ".join(vocabulary[rng.integers(0, vocabulary.size, 300)]) for _ in ids]
        index = pa.Table.from_pylist([
            {"id": doc_id, "run_date": run_date, "published": None, "text_length": len(text),
             "layout": layout_tag(cfg),
             "bands": rng.integers(0, 2**63, bands, dtype=np.uint64) * 2}
            for doc_id, text in zip(ids, texts)], schema=INDEX_SCHEMA)
        documents = pa.Table.from_pylist([
            {"id": doc_id, "text": text, "source": "synthetic", "cluster_id": doc_id,
             "char_count": len(text), "run_date": datetime.date.fromisoformat(run_date),
             "repairs": [], "removed_lines": []}
            for doc_id, text in zip(ids, texts)], schema=DOCUMENTS)
        name = f"part-{part:05d}.parquet"
        write_table(str(output / "index" / f"date={run_date}" / name), index)
        write_table(str(output / "documents" / "lang=ar" / f"date={run_date}" / name), documents)


def history(files: list[Path], work: Path, sizes: list[int]) -> list[dict]:
    """A 2,500-document day run into roots holding `sizes` earlier kept documents: one real
    earlier day (so re-published copies exist), topped up with synthetic earlier documents."""
    from pipeline.config import load_config
    cfg = load_config(None, []).dedup
    day_input = linked_inputs(files[-1:], work / "history-day-in")
    earlier_input = linked_inputs(files[-2:-1], work / "history-earlier-in")
    seed_root = work / "history-seed"
    shutil.rmtree(seed_root, ignore_errors=True)
    run_pipeline(earlier_input, seed_root, "2025-02-27", work / "history-seed.log")
    seed_kept = len(list(_read(seed_root / "index", ["id", "date"], "2025-02-27")))
    runs = []
    for size in sizes:
        output = work / f"history-{size}"
        shutil.rmtree(output, ignore_errors=True)
        if size:
            shutil.copytree(seed_root, output)
            synthetic_history(output, max(0, size - seed_kept), cfg, "2025-02-26", seed=size)
        entry = {"earlier_kept_docs": max(size, seed_kept) if size else 0,
                 **run_pipeline(day_input, output, FIRST_DATE, work / f"history-{size}.log")}
        entry["duplicates_of_earlier_dates"] = earlier_duplicates(output, FIRST_DATE)
        runs.append(entry)
        print("history", json.dumps(entry), flush=True)
    empty = runs[0]
    for entry in runs:
        entry["memory_x_empty"] = round(entry["tree_peak_rss_mib"] / empty["tree_peak_rss_mib"], 2)
        entry["wall_x_empty"] = round(entry["seconds"] / empty["seconds"], 2)
        entry["cpu_x_empty"] = round(entry["cpu_seconds"] / empty["cpu_seconds"], 2)
    return runs


# ---------------------------------------------------------------- datatrove

DATATROVE_SCRIPT = """
import sys
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup import (MinhashDedupBuckets, MinhashDedupCluster,
                                      MinhashDedupFilter, MinhashDedupSignature)
from datatrove.pipeline.dedup.minhash import MinhashConfig
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.word_tokenizers import WordTokenizer
import datatrove.utils.hashes.xxhash as datatrove_xxhash
import xxhash

# datatrove 0.10.1 hashes str, which xxhash 3.x refuses: encode first (workers are forked so
# they inherit this).
datatrove_xxhash.xxhash64 = lambda data: xxhash.xxh64_intdigest(
    data.encode("utf-8") if isinstance(data, str) else data)

class SplitOnWhitespace(WordTokenizer):
    def word_tokenize(self, text): return text.split()
    def sent_tokenize(self, text): return text.split("\\n")
    def span_tokenize(self, text): raise NotImplementedError

data, work = sys.argv[1], sys.argv[2]
config = MinhashConfig()
tasks = 2
def reader(): return JsonlReader(data, text_key="text", id_key="id")
stages = [
    [reader(), MinhashDedupSignature(f"{work}/sigs", config=config, language=SplitOnWhitespace())],
    [MinhashDedupBuckets(f"{work}/sigs", f"{work}/buckets", config=config)],
    [MinhashDedupCluster(f"{work}/buckets", f"{work}/ids", config=config)],
    [reader(), MinhashDedupFilter(f"{work}/ids"), JsonlWriter(f"{work}/out")],
]
task_counts = [tasks, config.num_buckets, 1, tasks]
for number, (pipeline, count) in enumerate(zip(stages, task_counts)):
    LocalPipelineExecutor(pipeline, tasks=count, workers=tasks, start_method="fork",
                          logging_dir=f"{work}/logs{number}").run()
"""


def run_e2e(inputs: Path, work: Path, mode: str, beam_args: tuple[str, ...]) -> dict:
    """One end-to-end CLI run of the benchmark corpus into a fresh `e2e-<mode>` root."""
    output = work / f"e2e-{mode}"
    shutil.rmtree(output, ignore_errors=True)
    return run_pipeline(inputs, output, FIRST_DATE, work / f"e2e-{mode}.log", beam_args)


def median_run(runs: list[dict]) -> dict:
    """The run of median wall time, with every run's seconds beside it."""
    ordered = sorted(runs, key=lambda run: run["seconds"])
    return {**ordered[(len(ordered) - 1) // 2],
            "runs_seconds": [run["seconds"] for run in runs]}


def datatrove_or_error(inputs: Path, work: Path, records: int) -> dict:
    """datatrove's run, or why it failed: an optional comparison must not lose the results."""
    try:
        return run_datatrove(inputs, work, records)
    except RuntimeError as error:
        return {"error": str(error)}


def save_datatrove(save, default_runs: list[dict], datatrove_runs: list[dict]) -> None:
    """datatrove's median run and, per pair of side-by-side runs, khabar's docs/s over its."""
    failed = [run["error"] for run in datatrove_runs if "error" in run]
    if failed:
        save("datatrove_error", failed[0])
        return
    if not datatrove_runs:
        return
    save("datatrove", median_run(datatrove_runs))
    if default_runs:
        ratios = sorted(round(ours["docs_per_s"] / theirs["docs_per_s"], 3)
                        for ours, theirs in zip(default_runs, datatrove_runs))
        save("default_vs_datatrove", {"pair_ratios": ratios,
                                      "median_ratio": ratios[(len(ratios) - 1) // 2]})


def datatrove_available() -> bool:
    return subprocess.run([sys.executable, "-c", "import datatrove"],
                          capture_output=True).returncode == 0


def run_datatrove(inputs: Path, work: Path, records: int) -> dict:
    folder = work / "datatrove"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    measured = run_cli([sys.executable, "-c", DATATROVE_SCRIPT, str(inputs), str(folder)],
                       work / "datatrove.log")
    return {**measured, "records_in": records,
            "docs_per_s": round(records / measured["seconds"], 1),
            "docs_per_cpu_s": round(records / measured["cpu_seconds"], 1),
            "note": "4 stages, 2 tasks, whitespace word splitting"}


# ---------------------------------------------------------------- main

def write_results(results: dict, out: Path, text_table: str) -> None:
    """The JSON every benchmark keeps in benchmarks/results/, and its table on stdout."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    print(text_table)
    print(f"wrote {out}")


def table(results: dict) -> str:
    chain = results["steps"]["chain_docs_per_s"]
    lines = [f"{'run':<64}{'docs':>7}{'s':>8}{'docs/s':>8}{'x chain':>8}{'docs/CPU-s':>11}"
             f"{'RSS MiB':>9}{'tree MiB':>9}"]

    def row(name, entry):
        per_cpu = entry["records_in"] / entry["cpu_seconds"]
        lines.append(f"{name:<64}{entry['records_in']:>7}{entry['seconds']:>8.1f}"
                     f"{entry['docs_per_s']:>8.1f}{entry['docs_per_s'] / chain:>8.2f}"
                     f"{per_cpu:>11.1f}{entry['peak_rss_mib']:>9.0f}"
                     f"{entry.get('tree_peak_rss_mib', entry['peak_rss_mib']):>9.0f}")

    lines.append(f"{'pure steps (chain, 1 process)':<64}{results['steps']['records']:>7}"
                 f"{results['steps']['chain_seconds']:>8.1f}{chain:>8.1f}{1:>8.2f}{chain:>11.1f}")
    for name, entry in results.get("e2e", {}).items():
        row(f"pipeline {name}", entry)
    if "datatrove" in results and "default" in results.get("e2e", {}):
        row("datatrove MinHash dedup alone", results["datatrove"])
        default = results["e2e"]["default"]
        pairs = results.get("default_vs_datatrove", {
            "median_ratio": default["docs_per_s"] / results["datatrove"]["docs_per_s"]})
        lines.append(f"khabar end to end (default) / datatrove dedup alone: "
                     f"{pairs['median_ratio']:.3f} (docs/s, median of side-by-side pairs "
                     f"{pairs.get('pair_ratios', [])}; target >= 0.50: "
                     f"{'met' if pairs['median_ratio'] >= 0.5 else 'not met'}), "
                     f"{default['docs_per_cpu_s'] / results['datatrove']['docs_per_cpu_s']:.2f} "
                     f"(docs/CPU-s), "
                     f"peak RSS {results['e2e']['default']['tree_peak_rss_mib']:.0f} vs "
                     f"{results['datatrove']['tree_peak_rss_mib']:.0f} MiB")
    for entry in results.get("memory", {}).get("runs", []):
        row(f"memory {entry['docs']} in_process", entry)
    if results.get("memory", {}).get("kb_per_added_doc") is not None:
        lines.append(f"memory per added document: {results['memory']['kb_per_added_doc']} KiB")
    for entry in results.get("history", []):
        row(f"history {entry['earlier_kept_docs']} earlier kept "
            f"(x{entry['memory_x_empty']} mem, x{entry['wall_x_empty']} wall, "
            f"x{entry['cpu_x_empty']} CPU, dups<-earlier {entry['duplicates_of_earlier_dates']})",
            entry)
    if "big" in results:
        row("big run in_process", results["big"])
    if "index_bytes_per_1000_kept" in results:
        lines.append(f"index bytes per 1,000 kept documents: "
                     f"{results['index_bytes_per_1000_kept']:,.0f}")
    if "rows_vs_baseline" in results:
        lines.append("rows vs baseline: " + ("identical row for row"
                                             if results["rows_vs_baseline"]["identical"]
                                             else json.dumps(results["rows_vs_baseline"])))
    lines.append("step ms/record: " + ", ".join(
        f"{k} {v}" for k, v in results["steps"]["ms_per_record"].items()))
    return "\n".join(lines)


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=30_000, help="headline corpus size")
    parser.add_argument("--step-docs", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "khabar-bench")
    parser.add_argument("--memory-sizes", default="15000,30000,60000",
                        help="corpus sizes of the memory-scaling runs ('' to skip)")
    parser.add_argument("--history", default="0,30000,100000",
                        help="earlier kept documents under a 2,500-document day ('' to skip)")
    parser.add_argument("--big", type=int, default=0,
                        help="also run one in-process run on a corpus of this size")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="an output root of the same corpus written by another version: "
                             "the in-process output is compared with it row for row")
    parser.add_argument("--skip-e2e", action="store_true",
                        help="keep the last end-to-end figures (and row comparison) of --out")
    parser.add_argument("--only-default", action="store_true",
                        help="end to end, run only the default mode (not in-process as well)")
    parser.add_argument("--skip-datatrove", action="store_true")
    parser.add_argument("--pairs", type=int, default=3,
                        help="default runs, each followed by a datatrove run; medians reported")
    parser.add_argument("--label", default="", help="free text stored with the results")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    files = corpus_files(args.cache, args.docs, args.seed)
    work = args.cache / "runs"
    work.mkdir(parents=True, exist_ok=True)
    # Sections skipped in this invocation keep their last measured values (they take minutes);
    # each section is saved as soon as it is measured, so an interrupted run loses nothing.
    results: dict = json.loads(args.out.read_text()) if args.out.exists() else {}
    results.update({"label": args.label, "machine": {"cpus": os.cpu_count(),
                                                     "python": platform.python_version()},
                    "corpus": {"docs": args.docs, "seed": args.seed, "files": len(files)}})

    def save(section: str, value) -> None:
        results[section] = value
        print(section, json.dumps(value), flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")

    save("steps", step_costs(files, args.step_docs))
    everything = linked_inputs(files, work / "all-in")
    with_datatrove = not args.skip_datatrove and datatrove_available()
    if not args.skip_e2e:
        # The default run and datatrove's take turns, `--pairs` times: the shared machine's
        # speed drifts, and a ratio of runs made side by side, then their median, does not.
        default_runs, datatrove_runs = [], []
        for _ in range(args.pairs):
            default_runs.append(run_e2e(everything, work, "default", ()))
            if with_datatrove:
                datatrove_runs.append(datatrove_or_error(everything, work, args.docs))
        # With --only-default, the in-process figures of the last full run stay.
        e2e = {**results.get("e2e", {}), "default": median_run(default_runs)}
        if not args.only_default:
            e2e["in_process"] = run_e2e(everything, work, "in_process", tuple(IN_PROCESS))
        save("e2e", e2e)
        default_output = work / "e2e-default"
        save("index_bytes_per_1000_kept", index_bytes_per_1000_kept(default_output, FIRST_DATE))
        if args.baseline:
            from compare_outputs import compare_roots, identical
            comparison = compare_roots(args.baseline, default_output, FIRST_DATE)
            save("rows_vs_baseline", {"baseline": str(args.baseline),
                                      "identical": identical(comparison), **comparison})
        save_datatrove(save, default_runs, datatrove_runs)
    elif with_datatrove:
        save_datatrove(save, [], [datatrove_or_error(everything, work, args.docs)])

    if _sizes(args.memory_sizes):
        save("memory", memory_scaling(args.cache, args.seed, _sizes(args.memory_sizes), work))
    if _sizes(args.history):
        save("history", history(files, work, _sizes(args.history)))
    if args.big:
        inputs = linked_inputs(corpus_files(args.cache, args.big, args.seed), work / "big-in")
        output = work / "big-out"
        shutil.rmtree(output, ignore_errors=True)
        save("big", run_pipeline(inputs, output, FIRST_DATE, work / "big.log", IN_PROCESS))
        shutil.rmtree(output, ignore_errors=True)

    write_results(results, args.out, table(results))


if __name__ == "__main__":
    main()
