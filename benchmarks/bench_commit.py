"""Overlap and kill matrix: what overlapping or killed runs leave committed, date by date.

    .venv/bin/python benchmarks/bench_commit.py            # the whole matrix (~25 min on 2 cores)
    .venv/bin/python benchmarks/bench_commit.py --skip-kill      # one part; the other part's
    .venv/bin/python benchmarks/bench_commit.py --skip-overlap   # cells are kept from the JSON

Every cell starts from the same output root holding an old run of two dates (the bundled
sample's feed on D1 and D2) and runs `python -m pipeline` as a scheduler would:
- overlap: run A (the sample's articles, D1) and run B (the sample's variants, on D1 = same date
  or D2 = different dates), B started while A is in its read (A held just after it took the
  lock), its pipeline (B started 2 s after A logged the start of its pipeline; checked to land
  before A's pipeline ended) or its commit (A held after its first rename); B waits for the lock
  (`output.lock_wait_seconds=600`), and in the commit case also may not wait (`=0`).
- kill: run A SIGKILLed at each named step of its commit (the test-only pause hook of
  `pipeline/commit.py`), then `python -m pipeline report` on the root, which repairs it first.
Each date's committed rows (documents, duplicates, rejected, index, _inputs, and its report's
counts) are compared with the old run's and with a clean serial run of the same runs: a cell
passes when every date is one or the other, whole. "fewer" counts dates that are neither.
- window: the commit alone (journal, renames, deletes) timed in-process on copies of a staged
  run; readers can see a mix of old and new files only inside it.

Prints a table and writes `benchmarks/results/commit.json`.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.commit import (JOURNAL, PAUSE_AT_ENV, PAUSE_FILE_ENV, STAGING_FOLDER,  # noqa: E402
                             CommitPlan, clean_up, new_run_id, plan_commit, staging_folder,
                             switch, write_journal)

RESULTS = REPO / "benchmarks" / "results" / "commit.json"
SAMPLE = REPO / "pipeline" / "sample"
D1, D2 = "2025-07-01", "2025-07-02"
DATASETS = ("documents", "duplicates", "rejected", "index", "_inputs")
RUN_TIMEOUT = 600
WAIT_LONG = 600
PIPELINE_OFFSET = 2.0   # seconds after A logs the start of its pipeline
WINDOW_REPEATS = 20


# ---------------------------------------------------------------- runs

def command(corpus: Path, output: Path, run_date: str, wait: int = 0) -> list[str]:
    return [sys.executable, "-m", "pipeline", "--input", str(corpus), "--output", str(output),
            "--run_date", run_date, "--set", f"output.lock_wait_seconds={wait}"]


def start(argv: list[str], log: Path, pause_at: str | None = None,
          flag: Path | None = None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in (PAUSE_AT_ENV, PAUSE_FILE_ENV)}
    if pause_at:
        env.update({PAUSE_AT_ENV: pause_at, PAUSE_FILE_ENV: str(flag)})
    with open(log, "w") as handle:
        return subprocess.Popen(argv, cwd=REPO, env=env, stdout=handle,
                                stderr=subprocess.STDOUT, text=True)


def finish(argv: list[str], log: Path) -> int:
    process = start(argv, log)
    return process.wait(timeout=RUN_TIMEOUT)


def wait_until(condition, what: str, *processes: subprocess.Popen) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT
    while not condition():
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            raise RuntimeError(f"gave up waiting for {what}")
        time.sleep(0.05)


def khabar_lines(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if line.startswith("khabar: ")]


# ---------------------------------------------------------------- committed state

def date_states(output: Path) -> dict[str, dict]:
    """Per date: every committed row of every dataset, and the report's counts."""
    import pandas as pd
    states: dict[str, dict] = {}
    for dataset in DATASETS:
        if not (output / dataset).exists():
            continue
        frame = pd.read_parquet(output / dataset)
        if "date" not in frame.columns:  # a folder whose every date was cleared
            continue
        for date, rows in frame.groupby(frame["date"].astype(str)):
            states.setdefault(date, {})[dataset] = sorted(
                tuple(str(v) for v in row) for row in rows.itertuples(index=False))
    for report in (output / "_reports").glob("*.json"):
        data = json.loads(report.read_text(encoding="utf-8"))
        states.setdefault(report.stem, {})["report"] = [data["inputs"]["records"],
                                                         data["outputs"]]
    return states


def verdict(seen, old, new) -> str:
    if seen == old == new:
        return "untouched"
    return "new" if seen == new else "old" if seen == old else "fewer"


def verdicts(output: Path, old: dict, new: dict) -> dict[str, str]:
    """Per date: 'untouched' (no run was to change it), 'old', 'new' (the serial run's), or
    'fewer' when it is neither."""
    seen = date_states(output)
    return {date: verdict(seen.get(date), old.get(date), new.get(date))
            for date in sorted(set(old) | set(new))}


# ---------------------------------------------------------------- setup

def inputs(work: Path) -> dict[str, Path]:
    folders = {"old": work / "in-old", "a": work / "in-a", "b": work / "in-b"}
    shutil.copytree(SAMPLE / "feeds", folders["old"])
    shutil.copytree(SAMPLE, folders["a"], ignore=shutil.ignore_patterns("variants", "feeds"))
    shutil.copytree(SAMPLE / "variants", folders["b"])
    return folders


def old_root(work: Path, corpus: dict[str, Path]) -> Path:
    root = work / "old-root"
    for date in (D1, D2):
        if finish(command(corpus["old"], root, date), work / f"old-{date}.log"):
            raise SystemExit(f"the old run of {date} failed: see {work}")
    return root


def serial_states(work: Path, base: Path, corpus, runs: list[tuple[str, str]]) -> dict:
    """The committed state after the given (input, date) runs one after another."""
    root = work / f"serial-{'-'.join(f'{name}{date}' for name, date in runs)}"
    if root.exists():  # the same runs were made for an earlier cell
        return date_states(root)
    shutil.copytree(base, root)
    for name, date in runs:
        if finish(command(corpus[name], root, date), root.with_suffix(".log")):
            raise SystemExit(f"serial run {name} {date} failed: see {root}.log")
    return date_states(root)


# ---------------------------------------------------------------- overlap matrix

def overlap_cell(work: Path, base: Path, corpus, b_date: str, phase: str, wait: int,
                 old: dict, expected: dict) -> dict:
    name = f"{'same' if b_date == D1 else 'different'}-{phase}-wait{wait}"
    cell = work / name
    cell.mkdir()
    output, flag = cell / "out", cell / "paused"
    shutil.copytree(base, output)
    pause = {"read": "locked", "commit": "publish-1"}.get(phase)
    first = start(command(corpus["a"], output, D1), cell / "a.log", pause, flag)
    b_log = cell / "b.log"
    try:
        if pause:
            wait_until(flag.exists, f"A paused at {pause}", first)
        else:
            wait_until(lambda: "deduplicating against" in (cell / "a.log").read_text(),
                       "A's pipeline", first)
            time.sleep(PIPELINE_OFFSET)
        landed = first.poll() is None and (
            phase != "pipeline" or "pipeline finished" not in (cell / "a.log").read_text())
        second = start(command(corpus["b"], output, b_date, wait), b_log)
        wait_until(lambda: second.poll() is not None or "waiting up to" in b_log.read_text(),
                   "B waiting or refused")
        if pause:
            flag.unlink()
        a_exit, b_exit = first.wait(timeout=RUN_TIMEOUT), second.wait(timeout=RUN_TIMEOUT)
    finally:
        for process in (first, locals().get("second")):
            if process is not None and process.poll() is None:
                process.kill()
    new = expected["a_then_b"] if b_exit == 0 else expected["a_only"]
    dates = verdicts(output, old, new)
    return {"cell": name, "pair": "same date" if b_date == D1 else "different dates",
            "b_started_in": phase, "b_lock_wait_seconds": wait, "landed_in_phase": landed,
            "a_exit": a_exit, "b_exit": b_exit, "b_message": (khabar_lines(b_log) or [""])[0],
            "dates": dates, "fewer": sum(v == "fewer" for v in dates.values()),
            "leftovers": sorted(p.name for p in (output / STAGING_FOLDER, output / JOURNAL)
                                if p.exists())}


def overlap_matrix(work: Path, base: Path, corpus, old: dict) -> list[dict]:
    cells = []
    for b_date in (D1, D2):
        expected = {"a_then_b": serial_states(work, base, corpus, [("a", D1), ("b", b_date)]),
                    "a_only": serial_states(work, base, corpus, [("a", D1)])}
        for phase, wait in (("read", WAIT_LONG), ("pipeline", WAIT_LONG), ("commit", WAIT_LONG),
                            ("commit", 0)):
            cells.append(overlap_cell(work, base, corpus, b_date, phase, wait, old, expected))
            print(f"  overlap {cells[-1]['cell']}: {cells[-1]['dates']}", file=sys.stderr)
    return cells


# ---------------------------------------------------------------- kill matrix

def commit_steps(plan: CommitPlan) -> list[str]:
    return ["locked", "staged", "journal",
            *(f"publish-{n}" for n in range(1, len(plan.publish) + 1)),
            *(f"retire-{n}" for n in range(1, len(plan.retire) + 1)), "cleaned"]


def killed_at(work: Path, base: Path, corpus, step: str, keep_staging: Path | None = None
              ) -> tuple[Path, Path]:
    """Run A SIGKILLed at `step`; returns (output root, the run's log)."""
    cell = work / f"kill-{step}"
    cell.mkdir()
    output, flag = cell / "out", cell / "paused"
    shutil.copytree(base, output)
    run = start(command(corpus["a"], output, D1), cell / "a.log", step, flag)
    try:
        wait_until(flag.exists, f"A paused at {step}", run)
        if keep_staging is not None:
            shutil.copytree(output, keep_staging)
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=60)
    return output, cell / "a.log"


def kill_matrix(work: Path, base: Path, corpus, old: dict) -> tuple[list[dict], Path]:
    new = serial_states(work, base, corpus, [("a", D1)])
    template = work / "staged-template"
    at_journal, _ = killed_at(work, base, corpus, "journal", keep_staging=template)
    plan = CommitPlan.from_json((at_journal / JOURNAL).read_text(encoding="utf-8"))
    cells = []
    for step in commit_steps(plan):
        output = at_journal if step == "journal" else killed_at(work, base, corpus, step)[0]
        report = subprocess.run([sys.executable, "-m", "pipeline", "report", str(output),
                                 "--html", str(output.parent / "summary.html")], cwd=REPO,
                                capture_output=True, text=True, timeout=RUN_TIMEOUT)
        dates = verdicts(output, old, new)
        cells.append({"killed_at": step, "report_exit": report.returncode,
                      "repairs": [line for line in report.stderr.splitlines()
                                  if line.startswith("khabar: ")],
                      "dates": dates, "fewer": sum(v == "fewer" for v in dates.values()),
                      "leftovers": sorted(p.name for p in (output / STAGING_FOLDER,
                                                           output / JOURNAL) if p.exists())})
        print(f"  kill {step}: {dates}", file=sys.stderr)
    return cells, template


# ---------------------------------------------------------------- window

def commit_window(work: Path, template: Path) -> dict:
    """The commit's three parts timed in-process on copies of a root holding a staged run (the
    template was taken at the journal step; its journal and staging are redone here as a fresh
    run's). Only during `switch` can a reader see a mix of the date's old and new files."""
    parts: dict[str, list[float]] = {"journal": [], "switch": [], "clean_up": []}
    for repeat in range(WINDOW_REPEATS):
        root = work / f"window-{repeat}"
        shutil.copytree(template, root)
        (root / JOURNAL).unlink()
        run_id = new_run_id()
        fresh = Path(staging_folder(str(root), D1, run_id))
        next((root / STAGING_FOLDER).iterdir()).rename(fresh)
        plan = plan_commit(str(root), str(fresh), run_id, D1)
        for name, part in (("journal", write_journal), ("switch", switch),
                           ("clean_up", clean_up)):
            started = time.perf_counter()
            part(str(root), plan)
            parts[name].append(time.perf_counter() - started)
    return {"repeats": WINDOW_REPEATS, "renamed": len(plan.publish), "deleted": len(plan.retire),
            **{f"{name}_median_ms": round(statistics.median(times) * 1000, 2)
               for name, times in parts.items()},
            "switch_max_ms": round(max(parts["switch"]) * 1000, 2)}


# ---------------------------------------------------------------- report

def print_table(results: dict) -> None:
    if results.get("overlap"):
        print("overlap: B started while A (D1) was in ...     dates after both (D1, D2)   "
              "A exit  B exit  fewer")
        for cell in results["overlap"]:
            label = (f"{cell['pair']:<15} {cell['b_started_in']:<8} "
                     f"wait {cell['b_lock_wait_seconds']:>3}")
            dates = ", ".join(cell["dates"].values())
            print(f"  {label:<42} {dates:<26}  {cell['a_exit']:>6}  {cell['b_exit']:>6}  "
                  f"{cell['fewer']:>5}")
    if results.get("kill"):
        print("kill: A (D1) SIGKILLed at ...   then `report`      dates (D1, D2)   fewer")
        for cell in results["kill"]:
            print(f"  {cell['killed_at']:<14} report exit {cell['report_exit']}  "
                  f"{', '.join(cell['dates'].values()):<20}  {cell['fewer']:>5}")
    if results.get("window"):
        window = results["window"]
        print(f"commit ({window['renamed']} files renamed, {window['deleted']} deleted; median of "
              f"{window['repeats']}): journal {window['journal_median_ms']} ms, switch "
              f"{window['switch_median_ms']} ms (max {window['switch_max_ms']}), clean-up "
              f"{window['clean_up_median_ms']} ms")
    print(f"cells with fewer rows than the old or the new run: {results['cells_with_fewer']} "
          f"of {results['cells']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-overlap", action="store_true")
    parser.add_argument("--skip-kill", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="khabar-commit-") as temp:
        work = Path(temp)
        corpus = inputs(work)
        base = old_root(work, corpus)
        old = date_states(base)
        results: dict = {"inputs": {"old": "sample feeds (D1, D2)", "a": "sample articles (D1)",
                                    "b": "sample variants (D1 or D2)"}}
        if not args.skip_overlap:
            results["overlap"] = overlap_matrix(work, base, corpus, old)
        template = None
        if not args.skip_kill:
            results["kill"], template = kill_matrix(work, base, corpus, old)
        if template is None:
            _, _ = killed_at(work, base, corpus, "journal", keep_staging=work / "template")
            template = work / "template"
        results["window"] = commit_window(work, template)
    previous = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    results = {**{k: v for k, v in previous.items() if k in ("overlap", "kill")}, **results}
    cells = results.get("overlap", []) + results.get("kill", [])
    results["cells"] = len(cells)
    results["cells_with_fewer"] = sum(1 for cell in cells if cell["fewer"])
    print_table(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
