"""What the progress display costs: the same corpus run with and without it, alternately.

    .venv/bin/python benchmarks/bench_progress.py [--docs 10000] [--pairs 2]

Runs `python -m pipeline` in a subprocess (the harness of `bench_pipeline.py`) on the benchmark
corpus, in-process (`--direct_num_workers=1`), alternating default runs (progress counted at
four points of the graph and shown as a log line every 30 s) with `--no_progress` runs (no
counting step in the graph), so
that both see the same load on the shared cores. Reports the ratio of wall and CPU seconds
(with / without) per pair and overall, and how many progress lines the default runs printed.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import (IN_PROCESS, RESULTS, corpus_files, linked_inputs,  # noqa: E402
                            run_pipeline)

RUN_DATE = "2025-03-01"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "khabar-bench")
    parser.add_argument("--out", type=Path, default=RESULTS.parent / "progress.json")
    args = parser.parse_args()

    files = corpus_files(args.cache, args.docs, args.seed)
    work = args.cache / "progress-runs"
    inputs = linked_inputs(files, work / "in")
    pairs = []
    for pair in range(args.pairs):
        measured = {}
        for name, extra in (("with", tuple(IN_PROCESS)),
                            ("without", (*IN_PROCESS, "--no_progress"))):
            output, log = work / f"out-{name}", work / f"{name}-{pair}.log"
            shutil.rmtree(output, ignore_errors=True)
            measured[name] = run_pipeline(inputs, output, RUN_DATE, log, extra)
            measured[name]["progress_lines"] = log.read_text().count("khabar: progress:")
        measured["wall_ratio"] = round(measured["with"]["seconds"]
                                       / measured["without"]["seconds"], 3)
        measured["cpu_ratio"] = round(measured["with"]["cpu_seconds"]
                                      / measured["without"]["cpu_seconds"], 3)
        pairs.append(measured)
        print(json.dumps(measured), flush=True)

    def total(name, key):
        return sum(p[name][key] for p in pairs)
    summary = {"docs": args.docs, "pairs": pairs,
               "wall_ratio": round(total("with", "seconds") / total("without", "seconds"), 3),
               "cpu_ratio": round(total("with", "cpu_seconds")
                                  / total("without", "cpu_seconds"), 3)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"{'pair':<6}{'with s':>9}{'without s':>11}{'wall ratio':>12}{'cpu ratio':>11}"
          f"{'lines':>7}")
    for i, p in enumerate(pairs):
        print(f"{i:<6}{p['with']['seconds']:>9}{p['without']['seconds']:>11}"
              f"{p['wall_ratio']:>12}{p['cpu_ratio']:>11}{p['with']['progress_lines']:>7}")
    print(f"overall: wall {summary['wall_ratio']}, CPU {summary['cpu_ratio']} "
          f"(with / without progress); wrote {args.out}")


if __name__ == "__main__":
    main()
