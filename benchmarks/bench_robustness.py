"""Robustness figures for the README: bad inputs tried, property examples run, records in vs out.

    .venv/bin/python benchmarks/bench_robustness.py                 # everything
    .venv/bin/python benchmarks/bench_robustness.py --skip-corpus   # no 30,000-record run
    .venv/bin/python benchmarks/bench_robustness.py --skip-memory   # no 1 GB-line runs
    .venv/bin/python benchmarks/bench_robustness.py -- --direct_num_workers=2 ...  # Beam args

- Bad-input kinds: the cases of `tests/test_bad_inputs.py` (labelled ids plus non-input files)
  and of the devkit robustness set (labelled ids, id-less bad inputs, ignored files).
- Property examples: pytest with `--hypothesis-show-statistics` over every test file that uses
  `@given`, summing the passing examples hypothesis reports per test (all phases).
- The bad-input suite run as a user runs it (`python -m pipeline` on the inputs of
  `tests/test_bad_inputs.py`): exit code, and records in against documents + duplicates + rejected.
- Memory for bad input: peak RSS of `python -m pipeline` on the bundled sample, then on the same
  sample plus a small `.jsonl.gz` holding one 1 GB line and a sparse 1 GB `.txt`; the target is
  at most the first run's RSS + 200 MB (both oversized records end as `too_large` rows).
- Records in vs out: one pipeline run on the 30,000-record benchmark corpus of
  `benchmarks/build_bench_corpus.py` (the 6,000 real articles of `../shared/corpora` plus
  seeded perturbed copies), read from the run report: `inputs.records` against
  documents + duplicates + rejected.

Prints a table and writes `benchmarks/results/robustness.json`. There is no speed figure here,
so no baseline ratio; the corpus run's wall time is recorded for context only.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
DEVKIT_ROBUSTNESS = SHARED / "devkit" / "robustness" / "labels.json"
RESULTS = ROOT / "benchmarks" / "results" / "robustness.json"
CORPUS_RECORDS = 30_000
RUN_DATE = "2025-01-15"
PASSING = re.compile(r"(\d+) passing")
SAMPLE = ROOT / "pipeline" / "sample"
HUGE_LINE_BYTES = 1 << 30
RSS_ALLOWANCE_MIB = 200


def _load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT))
    spec.loader.exec_module(module)
    return module


def bad_input_kinds() -> dict:
    """Counts of broken-input cases, per suite."""
    suite = _load_module(ROOT / "tests" / "test_bad_inputs.py", "test_bad_inputs")
    from transforms.read import is_input_path
    with tempfile.TemporaryDirectory() as folder:
        suite.build_inputs(Path(folder))
        non_inputs = [p for p in Path(folder).rglob("*") if p.is_file()
                      and not is_input_path(p.name)]
    figures = {"tests/test_bad_inputs.py": {"labelled_ids": len(suite.EXPECTED),
                                            "non_input_files": len(non_inputs)}}
    if DEVKIT_ROBUSTNESS.exists():
        labels = json.loads(DEVKIT_ROBUSTNESS.read_text(encoding="utf-8"))
        figures["devkit robustness"] = {"labelled_ids": len(labels["ids"]),
                                        "idless_bad_inputs": len(labels["idless_bad_inputs"]),
                                        "non_input_files": len(labels["ignored_files"])}
    for counts in figures.values():
        counts["cases"] = sum(counts.values())
    return figures


# Linux carries a process's peak RSS across exec, so a child started by this (large) process
# would report at least this process's RSS. A small launcher process starts the run instead.
LAUNCHER = ("import os, subprocess, sys; child = subprocess.Popen(sys.argv[2:]); "
            "_, status, usage = os.wait4(child.pid, 0); "
            "open(sys.argv[1], 'w').write(str(usage.ru_maxrss)); "
            "sys.exit(os.waitstatus_to_exitcode(status))")


def run_khabar(inputs: Path, output: Path, log: Path) -> dict:
    """`python -m pipeline` as a user runs it: wall and CPU seconds, peak RSS of the run's own
    process (through `LAUNCHER`), and the run report's records in and rows out."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_pipeline import run_cli
    rss_file = log.with_suffix(".maxrss")
    measured = run_cli([sys.executable, "-c", LAUNCHER, str(rss_file), sys.executable, "-m",
                        "pipeline", "--input", str(inputs), "--output", str(output),
                        "--run_date", RUN_DATE], log)
    measured["peak_rss_mib"] = round(int(rss_file.read_text()) / 1024, 1)
    report = json.loads((output / "_reports" / f"{RUN_DATE}.json").read_text(encoding="utf-8"))
    return {**measured, "exit_code": 0, "records_in": report["inputs"]["records"],
            "rows_out": sum(report["outputs"].values()),
            "rejected_per_reason": report["rejected_per_reason"]}


def bad_input_run() -> dict:
    """The bad-input suite's inputs through the command line: no crash, nothing lost."""
    suite = _load_module(ROOT / "tests" / "test_bad_inputs.py", "test_bad_inputs")
    with tempfile.TemporaryDirectory(prefix="khabar-bad-") as temp:
        suite.build_inputs(Path(temp) / "in")
        try:
            result = run_khabar(Path(temp) / "in", Path(temp) / "out", Path(temp) / "log")
        except RuntimeError as error:  # a non-zero exit is the crash this figure counts
            return {"exit_code": 1, "crashed": True, "error": str(error)}
    return {**result, "crashed": False, "equal": result["records_in"] == result["rows_out"]}


def write_huge_line_gz(path: Path, line_bytes: int = HUGE_LINE_BYTES) -> None:
    """One JSONL record whose text is `line_bytes` of Arabic-script words, gzip-compressed as
    it is produced (never held whole)."""
    block = ("خبر عاجل من العاصمة اليوم " * 2_600).encode("utf-8")[: 1 << 16]
    deflate = zlib.compressobj(6, zlib.DEFLATED, 31)
    with open(path, "wb") as out:
        out.write(deflate.compress(b'{"id": "huge-line", "text": "'))
        for _ in range(line_bytes // len(block)):
            out.write(deflate.compress(block))
        out.write(deflate.compress(b'"}\n') + deflate.flush())


def oversized_input_memory() -> dict:
    """Peak RSS of a normal run (the bundled sample) against the same run plus a 1 GB line in
    a small .gz and a sparse 1 GB .txt."""
    with tempfile.TemporaryDirectory(prefix="khabar-memory-") as temp:
        normal, bad = Path(temp) / "normal", Path(temp) / "bad"
        shutil.copytree(SAMPLE, normal)
        shutil.copytree(SAMPLE, bad)
        write_huge_line_gz(bad / "huge-line.jsonl.gz")
        with open(bad / "huge-file.txt", "wb") as sparse:
            sparse.truncate(HUGE_LINE_BYTES)
        gz_bytes = (bad / "huge-line.jsonl.gz").stat().st_size
        baseline = run_khabar(normal, Path(temp) / "out-normal", Path(temp) / "normal.log")
        oversized = run_khabar(bad, Path(temp) / "out-bad", Path(temp) / "bad.log")
    extra = round(oversized["peak_rss_mib"] - baseline["peak_rss_mib"], 1)
    return {"normal_run": baseline, "with_oversized_inputs": oversized,
            "huge_line_bytes": HUGE_LINE_BYTES, "huge_line_gz_bytes": gz_bytes,
            "sparse_txt_bytes": HUGE_LINE_BYTES, "extra_rss_mib": extra,
            "allowance_mib": RSS_ALLOWANCE_MIB, "within_allowance": extra <= RSS_ALLOWANCE_MIB}


def property_test_files() -> list[Path]:
    return sorted(path for path in (ROOT / "tests").glob("test_*.py")
                  if "@given" in path.read_text(encoding="utf-8"))


def property_examples() -> dict:
    """Runs the property tests once with hypothesis statistics and sums the passing examples."""
    files = property_test_files()
    command = [sys.executable, "-m", "pytest", "-q",
               "--hypothesis-show-statistics", *(str(f.relative_to(ROOT)) for f in files)]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    per_test, current, failed = {}, None, []
    for line in completed.stdout.splitlines():
        if line.startswith("tests/") and "::" in line and line.rstrip().endswith(":"):
            current = line.rstrip()[:-1]
            per_test[current] = 0
        elif line.startswith("FAILED "):
            failed.append(line[len("FAILED "):].split(" - ")[0])
        elif current and (match := PASSING.search(line)):
            per_test[current] += int(match.group(1))
    if completed.returncode:
        print(f"warning: property tests failed: {', '.join(failed) or completed.returncode}",
              file=sys.stderr)
    return {"command": " ".join(["python", *command[1:]]), "pytest_exit_code": completed.returncode,
            "failed": failed, "files": len(files), "tests": len(per_test),
            "examples": sum(per_test.values()), "per_test": per_test}


def build_corpus(folder: Path, records: int = CORPUS_RECORDS) -> str:
    """Writes the benchmark corpus into `folder`; returns which builder made it."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from build_bench_corpus import build, write_jsonl
    write_jsonl(build(records), folder)
    return "benchmarks/build_bench_corpus.py (the pipeline benchmark's corpus)"


def corpus_run(beam_args: list[str]) -> dict:
    """Runs the pipeline once on the 30,000-record corpus; in vs out from its report."""
    with tempfile.TemporaryDirectory(prefix="khabar-robustness-") as temp:
        corpus, output = Path(temp) / "input", Path(temp) / "output"
        builder = build_corpus(corpus)
        command = [sys.executable, "-m", "pipeline", "--input", str(corpus), "--output",
                   str(output), "--run_date", RUN_DATE, *beam_args]
        started = time.time()
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        seconds = time.time() - started
        report_path = output / "_reports" / f"{RUN_DATE}.json"
        if not report_path.exists():
            raise SystemExit(f"the corpus run failed ({completed.returncode}):\n"
                             f"{completed.stderr[-3000:]}")
        report = json.loads(report_path.read_text(encoding="utf-8"))
    outputs = report["outputs"]
    records_out = sum(outputs.values())
    return {"corpus": builder, "records": CORPUS_RECORDS,
            "command": "python -m pipeline --input CORPUS --output OUT "
                       f"--run_date {RUN_DATE} {' '.join(beam_args)}".strip(),
            "exit_code": completed.returncode, "seconds": round(seconds, 1),
            "records_in": report["inputs"]["records"], "outputs": outputs,
            "records_out": records_out, "equal": report["inputs"]["records"] == records_out,
            "invariant": report["invariant"], "rejected_per_reason": report["rejected_per_reason"],
            "documents_per_lang": report["documents_per_lang"]}


def print_table(results: dict) -> None:
    rows = []
    for suite, counts in results["bad_input_kinds"].items():
        rows.append((f"bad-input cases: {suite}", counts["cases"]))
    rows.append(("bad-input cases: total", results["bad_input_cases_total"]))
    if bad := results.get("bad_input_run"):
        rows.append(("bad-input suite run: crashed (exit code)",
                     f"{bad['crashed']} ({bad['exit_code']})"))
        if not bad["crashed"]:
            rows.append(("bad-input suite run: records in / rows out",
                         f"{bad['records_in']} / {bad['rows_out']}"))
    if memory := results.get("oversized_input_memory"):
        rows.append(("peak RSS MiB: normal run (bundled sample)",
                     memory["normal_run"]["peak_rss_mib"]))
        rows.append((f"peak RSS MiB: + 1 GB line in a {memory['huge_line_gz_bytes'] / 1e6:.1f} MB"
                     " .gz + sparse 1 GB .txt", memory["with_oversized_inputs"]["peak_rss_mib"]))
        rows.append((f"extra RSS MiB (target <= {memory['allowance_mib']})",
                     memory["extra_rss_mib"]))
    examples = results["property_tests"]
    rows.append((f"property examples ({examples['tests']} tests, {examples['files']} files)",
                 examples["examples"]))
    if corpus := results.get("corpus"):
        rows.append(("corpus records in", corpus["records_in"]))
        rows.append(("corpus records out (docs + dups + rejected)", corpus["records_out"]))
        rows.append(("  documents / duplicates / rejected",
                     " / ".join(str(corpus["outputs"][k])
                                for k in ("documents", "duplicates", "rejected"))))
        rows.append(("in == out", corpus["equal"]))
    width = max(len(name) for name, _ in rows)
    print(f"{'figure':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-corpus", action="store_true",
                        help="keep the corpus figures of the last results file")
    parser.add_argument("--skip-memory", action="store_true",
                        help="keep the 1 GB-line memory figures of the last results file")
    parser.add_argument("beam_args", nargs="*", help="passed to the corpus run (after --)")
    args = parser.parse_args()
    previous = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    kinds = bad_input_kinds()
    results = {"bad_input_kinds": kinds,
               "bad_input_cases_total": sum(c["cases"] for c in kinds.values()),
               "bad_input_run": bad_input_run(),
               "property_tests": property_examples()}
    if args.skip_memory:
        if "oversized_input_memory" in previous:
            results["oversized_input_memory"] = previous["oversized_input_memory"]
    else:
        results["oversized_input_memory"] = oversized_input_memory()
    if args.skip_corpus:
        if "corpus" in previous:
            results["corpus"] = previous["corpus"]
    elif CORPORA.exists():
        results["corpus"] = corpus_run(args.beam_args)
    print_table(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
