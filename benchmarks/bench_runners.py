"""The pipeline on other Beam runners next to in-process, in one run on the same corpora.

    .venv/bin/python benchmarks/bench_runners.py                       # ~30 min on 2 busy cores
    .venv/bin/python benchmarks/bench_runners.py --docs 30000 --runners prism --skip-scores

For each corpus size (prefixes of one `build_bench_corpus.py` corpus) and each runner: wall
time, docs/s, CPU seconds, and the peak RSS of the whole process tree (the driver, a runner's
JVM or Go process and every Python worker), sampled every 0.1 s from /proc. The rows each run
writes are compared with the in-process run's (`same_rows_as_in_process`). Dask, ~10x slower,
runs on a smaller corpus (`--dask-docs`) with in-process beside it. The devkit sets
(`../shared/devkit/score.py`) are scored on in-process and on each runner given with
`--score-runners`, through a wrapper that appends `--runner=NAME` to the contract command.
A runner whose artifact is missing (`make flink`, ...) is recorded as skipped, with why.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests"))

import build_bench_corpus  # noqa: E402
from bench_pipeline import (FIRST_DATE, corpus_files, linked_inputs, run_cli,  # noqa: E402
                            run_pipeline, write_results)
from pipeline.runners import (PORTABLE_RUNNERS, RunnerSetupError, artifact_cache,  # noqa: E402
                              portable_runner_args)
from readback import snapshot  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "runners.json"
DEVKIT = REPO.parent / "shared" / "devkit" / "score.py"
RUNNER_ARGS = {"in_process": ("--direct_num_workers=1",),
               "dask": ("--runner=dask", "--dask_npartitions=8"),
               **{name: (f"--runner={name}",) for name in PORTABLE_RUNNERS}}


def run_tree(args: list[str], log: Path) -> dict:
    """`bench_pipeline.run_cli`, whose peak is that of the whole process tree here: a portable
    runner's JVM or Go process and its Python workers count."""
    measured = run_cli(args, log)
    return {**measured, "peak_rss_mib": measured["tree_peak_rss_mib"]}


def runner_unavailable(name: str) -> str | None:
    """Why a runner cannot run here (its artifact or package is missing), or None."""
    if name in PORTABLE_RUNNERS:
        try:
            portable_runner_args(PORTABLE_RUNNERS[name], [], artifact_cache())
        except RunnerSetupError as missing:
            return str(missing)
    if name == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            return 'needs "dask[distributed]"'
    return None


def measure(name: str, inputs: Path, work: Path, docs: int,
            reference: dict | None) -> dict:
    output = work / f"{name}-{docs}"
    shutil.rmtree(output, ignore_errors=True)
    entry = run_pipeline(inputs, output, FIRST_DATE, work / f"{name}-{docs}.log",
                         RUNNER_ARGS[name], measure=run_tree)
    rows = snapshot(output)
    if reference is not None:
        entry["same_rows_as_in_process"] = rows == reference
    entry["rows"] = rows
    return entry


def corpus_runs(files: list[Path], sizes: list[int], runners: list[str], work: Path) -> list[dict]:
    """Every runner on every size, in-process first so its rows are the reference."""
    runs = []
    for docs in sizes:
        inputs = linked_inputs(files[:docs // build_bench_corpus.DOCS_PER_FILE],
                               work / f"in-{docs}")
        reference = None
        for name in ["in_process", *runners]:
            entry = {"runner": name, "docs": docs}
            why_not = runner_unavailable(name)
            if why_not:
                runs.append({**entry, "skipped": why_not})
                continue
            entry.update(measure(name, inputs, work, docs, reference))
            if name == "in_process":
                reference = entry["rows"]
            del entry["rows"]
            runs.append(entry)
            print(json.dumps(entry), flush=True)
    return runs


def devkit_scores(runners: list[str], work: Path) -> dict:
    """Devkit metrics per runner; a runner is named by a wrapper that adds `--runner=NAME`."""
    scores = {}
    for name in ["in_process", *runners]:
        why_not = runner_unavailable(name)
        if why_not:
            scores[name] = {"skipped": why_not}
            continue
        python = work / f"python-{name}"
        python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@" {" ".join(RUNNER_ARGS[name])}\n')
        python.chmod(0o755)
        out = work / f"scores-{name}.json"
        subprocess.run([sys.executable, str(DEVKIT), "--project", str(REPO), "--python",
                        str(python), "--json", str(out)], check=True, capture_output=True)
        scores[name] = json.loads(out.read_text())
    reference = scores["in_process"]
    for name in runners:
        if "skipped" not in scores[name]:
            scores[name] = {"same_as_in_process": _metrics(scores[name]) == _metrics(reference),
                            **scores[name]}
    return scores


def _metrics(score: dict) -> dict:
    """A score file without `runs` (exit codes and timings, which differ between any two runs)."""
    return {key: value for key, value in score.items() if key != "runs"}


def table(results: dict) -> str:
    lines = [f"{'runner':<12}{'docs':>8}{'s':>9}{'docs/s':>9}{'x in-proc':>11}{'CPU s':>8}"
             f"{'tree RSS MiB':>14}  same rows"]
    baseline = {}
    for entry in results["runs"]:
        if "skipped" in entry:
            lines.append(f"{entry['runner']:<12}{entry['docs']:>8}  skipped: {entry['skipped']}")
            continue
        if entry["runner"] == "in_process":
            baseline[entry["docs"]] = entry["docs_per_s"]
        lines.append(f"{entry['runner']:<12}{entry['docs']:>8}{entry['seconds']:>9.1f}"
                     f"{entry['docs_per_s']:>9.1f}"
                     f"{entry['docs_per_s'] / baseline[entry['docs']]:>11.2f}"
                     f"{entry['cpu_seconds']:>8.0f}{entry['peak_rss_mib']:>14.0f}"
                     f"  {entry.get('same_rows_as_in_process', '(reference)')}")
    for name, score in results.get("devkit", {}).items():
        verdict = score.get("skipped") or score.get("same_as_in_process", "(reference)")
        lines.append(f"devkit scores {name}: {verdict}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[30_000, 60_000])
    parser.add_argument("--runners", nargs="+", default=sorted(PORTABLE_RUNNERS),
                        choices=sorted(PORTABLE_RUNNERS))
    parser.add_argument("--dask-docs", type=int, default=5_000,
                        help="corpus size for Dask (0 skips it), a multiple of 2,500")
    parser.add_argument("--score-runners", nargs="*", default=["prism", "flink"],
                        choices=sorted(PORTABLE_RUNNERS))
    parser.add_argument("--skip-scores", action="store_true")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "khabar-bench")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    largest = max([*args.docs, args.dask_docs])
    files = corpus_files(args.cache, largest, args.seed)
    work = args.cache / "runners"
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": {"cpus": os.cpu_count(),
                                 "memory_gib": round(psutil.virtual_memory().total / 2**30)},
                     "corpus": {"docs": largest, "seed": args.seed},
                     "runs": corpus_runs(files, args.docs, args.runners, work)}
    if args.dask_docs:
        results["runs"] += corpus_runs(files, [args.dask_docs], ["dask"], work)
    if not args.skip_scores and DEVKIT.exists():
        results["devkit"] = devkit_scores(args.score_runners, work)

    write_results(results, args.out, table(results))


if __name__ == "__main__":
    main()
