"""End-to-end throughput of `python -m pipeline` against its own steps run as plain Python.

    .venv/bin/python benchmarks/bench_pipeline.py                    # everything (~15-25 min)
    .venv/bin/python benchmarks/bench_pipeline.py --skip-mp --skip-scaling --skip-scheduled

Corpus: `build_bench_corpus.py` (6,000 shared articles + perturbed copies, seeded, shuffled) as
2,500-record JSONL files in a cache directory outside the repo. Measured in one run, on the
same machine:
- `steps`: every pipeline step as a pure function over `--step-docs` documents in one process
  (read, decode, repair, normalize, limits, langid, Persian normalize, boilerplate signals +
  strip, dedup features + local clustering); their summed cost gives the "pure chain" docs/s
  that the pipeline is compared with (`ratio_to_steps` = pipeline docs/s / chain docs/s).
- `e2e`: the CLI in a subprocess on the whole corpus, in-process (FnApiRunner) and with
  `--direct_running_mode=multi_processing --direct_num_workers=2`; wall time, docs/s, CPU
  seconds of the run and its reaped workers (robust to other jobs on the shared cores), peak
  RSS of the largest process (`os.wait4` rusage); records in vs rows out from the run report.
- `scaling`: in-process runs on 1x, 2x, 4x `--base` documents (prefixes of the corpus).
- `scheduled`: 3 consecutive run dates over disjoint slices into one output root; per date
  the documents, duplicates of earlier dates' documents and the wall time.
- `datatrove` (when importable): its default 4-stage MinHash dedup (2 tasks, whitespace word
  splitting because spaCy is not installed) on the same corpus files.
"""
from __future__ import annotations

import argparse
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
MULTI_PROCESS = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]
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

def step_costs(files: list[Path], limit: int) -> dict:
    """Seconds per step over the first `limit` records, every step a plain function call."""
    from pipeline.config import load_config
    from transforms.boilerplate import load_boilerplate, strip_step
    from transforms.boilerplate_beam import _is_common, site_line_keys, title_hashes
    from transforms.boilerplate import site_key
    from transforms.decode import decode_step
    from transforms.dedup.local import deduplicate_local
    from transforms.langid import identify_step, load_langid
    from transforms.limits import check_limits
    from transforms.model import Doc, Reject
    from transforms.normalize import basic_normalize_step, normalize_step
    from transforms.read import iter_jsonl
    from transforms.repair import build_repairer, repair_step

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
        if len(docs) >= limit:
            break
    seconds["read"] = time_now() - started

    repairer = build_repairer(config.repair)
    langid = load_langid(config.langid)
    boilerplate = load_boilerplate(config.boilerplate)
    chain = (("decode", decode_step, config.repair), ("repair", repair_step, repairer),
             ("normalize_basic", basic_normalize_step, config.normalize),
             ("limits", check_limits, config.limits), ("langid", identify_step, langid),
             ("normalize_lang", normalize_step, config.normalize))
    for name, step, arg in chain:
        kept = []
        started = time_now()
        for doc in docs:
            try:
                kept.append(step(doc, arg))
            except Reject:
                pass
        seconds[name] = time_now() - started
        docs = kept

    started = time_now()
    line_counts: dict = defaultdict(int)
    site_docs: dict = defaultdict(int)
    titles = set()
    for doc in docs:
        site_docs[site_key(doc)] += 1
        for key in site_line_keys(doc, config.boilerplate):
            line_counts[key] += 1
        titles.update(title_hashes(doc, config.boilerplate))
    common: dict = defaultdict(set)
    for key_count in line_counts.items():
        if _is_common(key_count, site_docs, config.boilerplate):
            common[key_count[0][0]].add(key_count[0][1])
    common = {site: frozenset(hashes) for site, hashes in common.items()}
    titles = frozenset(titles)
    seconds["boilerplate_signals"] = time_now() - started

    kept = []
    started = time_now()
    for doc in docs:
        try:
            kept.append(strip_step(doc, boilerplate, common, titles))
        except Reject:
            pass
    seconds["boilerplate_strip"] = time_now() - started
    docs = kept

    started = time_now()
    deduplicate_local(docs, config.dedup)
    seconds["dedup_local"] = time_now() - started

    records = limit
    total = sum(seconds.values())
    return {
        "records": records,
        "ms_per_record": {name: round(1000 * s / records, 3) for name, s in seconds.items()},
        "chain_seconds": round(total, 2),
        "chain_docs_per_s": round(records / total, 1),
    }


# ---------------------------------------------------------------- pipeline runs

def run_cli(args: list[str], log: Path) -> dict:
    """Runs a command; wall seconds, CPU seconds and peak RSS (MiB) of its largest process."""
    started = time.perf_counter()
    with open(log, "w") as out:
        process = subprocess.Popen(args, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(args)} exited {code}; see {log}")
    return {"seconds": round(wall, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}


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


def earlier_duplicates(output: Path, run_date: str) -> int:
    """Duplicates of this date whose kept document was written on an earlier date."""
    import pyarrow.dataset as ds
    duplicates = ds.dataset(output / "duplicates", partitioning="hive").to_table(
        columns=["id", "duplicate_of", "date"]).to_pylist()
    documents = ds.dataset(output / "documents", partitioning="hive").to_table(
        columns=["id", "date"]).to_pylist()
    earlier = {row["id"] for row in documents if str(row["date"]) < run_date}
    return sum(1 for row in duplicates
               if str(row["date"]) == run_date and row["duplicate_of"] in earlier)


def scheduled(files: list[Path], work: Path, files_per_date: int) -> list[dict]:
    output = work / "scheduled-out"
    shutil.rmtree(output, ignore_errors=True)
    runs = []
    for day in range(3):
        run_date = f"2025-03-{day + 1:02d}"
        inputs = linked_inputs(files[day * files_per_date:(day + 1) * files_per_date],
                               work / f"scheduled-in-{day}")
        result = run_pipeline(inputs, output, run_date, work / f"scheduled-{day}.log")
        result["duplicates_of_earlier_dates"] = earlier_duplicates(output, run_date)
        runs.append({"run_date": run_date, **result})
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


def datatrove_available() -> bool:
    return subprocess.run([sys.executable, "-c", "import datatrove"],
                          capture_output=True).returncode == 0


def run_datatrove(inputs: Path, work: Path, records: int) -> dict:
    folder = work / "datatrove"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    measured = run_cli([sys.executable, "-c", DATATROVE_SCRIPT, str(inputs), str(folder)],
                       work / "datatrove.log")
    return {**measured, "records_in": records, "docs_per_s": round(records / measured["seconds"], 1),
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
    lines = [f"{'run':<34}{'docs':>7}{'s':>9}{'docs/s':>9}{'x chain':>9}{'docs/CPU-s':>11}"
             f"{'x chain':>9}{'RSS MiB':>9}"]
    chain = results["steps"]["chain_docs_per_s"]

    def row(name, entry):
        per_cpu = entry["records_in"] / entry["cpu_seconds"]
        lines.append(f"{name:<34}{entry['records_in']:>7}{entry['seconds']:>9.1f}"
                     f"{entry['docs_per_s']:>9.1f}{entry['docs_per_s'] / chain:>9.2f}"
                     f"{per_cpu:>11.1f}{per_cpu / chain:>9.2f}{entry['peak_rss_mib']:>9.0f}")

    lines.append(f"{'pure steps (chain, 1 process)':<34}{results['steps']['records']:>7}"
                 f"{results['steps']['chain_seconds']:>9.1f}{chain:>9.1f}{1:>9.2f}{chain:>11.1f}{1:>9.2f}")
    for name, entry in results["e2e"].items():
        row(f"pipeline {name}", entry)
    for entry in results.get("scaling", []):
        row(f"scaling {entry['scale']}x in_process", entry)
    for entry in results.get("scheduled", []):
        row(f"scheduled {entry['run_date']} (dups<-earlier {entry['duplicates_of_earlier_dates']})",
            entry)
    if "datatrove" in results:
        row("datatrove MinHash dedup alone", results["datatrove"])
    lines.append("step ms/record: " + ", ".join(
        f"{k} {v}" for k, v in results["steps"]["ms_per_record"].items()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=30_000, help="headline corpus size")
    parser.add_argument("--base", type=int, default=2_500,
                        help="scaling base size, a multiple of 2,500 (1x, 2x, 4x are run)")
    parser.add_argument("--step-docs", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "khabar-bench")
    parser.add_argument("--skip-mp", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--skip-scheduled", action="store_true")
    parser.add_argument("--skip-datatrove", action="store_true")
    parser.add_argument("--label", default="", help="free text stored with the results")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    files = corpus_files(args.cache, args.docs, args.seed)
    per_file = build_bench_corpus.DOCS_PER_FILE
    work = args.cache / "runs"
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"label": args.label, "machine": {"cpus": os.cpu_count(),
                                                      "python": platform.python_version()},
                     "corpus": {"docs": args.docs, "seed": args.seed, "files": len(files)}}

    results["steps"] = step_costs(files, args.step_docs)
    print("steps:", json.dumps(results["steps"]), flush=True)

    everything = linked_inputs(files, work / "all-in")
    modes = {"in_process": ()} if args.skip_mp else {"in_process": (),
                                                      "multi_process_2": tuple(MULTI_PROCESS)}
    results["e2e"] = {}
    for name, beam_args in modes.items():
        output = work / f"e2e-{name}"
        shutil.rmtree(output, ignore_errors=True)
        results["e2e"][name] = run_pipeline(everything, output, FIRST_DATE,
                                            work / f"e2e-{name}.log", beam_args)
        print(name, json.dumps(results["e2e"][name]), flush=True)

    if not args.skip_scaling:
        results["scaling"] = []
        for scale in (1, 2, 4):
            count = args.base * scale // per_file
            inputs = linked_inputs(files[:count], work / f"scale-{scale}-in")
            output = work / f"scale-{scale}-out"
            shutil.rmtree(output, ignore_errors=True)
            entry = {"scale": scale, **run_pipeline(inputs, output, FIRST_DATE,
                                                    work / f"scale-{scale}.log")}
            results["scaling"].append(entry)
            print("scale", json.dumps(entry), flush=True)

    if not args.skip_scheduled:
        results["scheduled"] = scheduled(files, work, max(1, args.base // per_file))
        print("scheduled", json.dumps(results["scheduled"]), flush=True)

    if not args.skip_datatrove and datatrove_available():
        try:
            results["datatrove"] = run_datatrove(everything, work, args.docs)
        except RuntimeError as error:  # an optional comparison must not lose the results above
            results["datatrove_error"] = str(error)

    write_results(results, args.out, table(results))


if __name__ == "__main__":
    main()
