"""A worker that dies mid-run: the run fails at once, readers keep the previous output, and a rerun
restores it exactly.

Runs of `python -m pipeline` on Beam's multi-process runner over the same generated input and run
date: a clean reference run, then for each moment of the kill a run whose SDK worker process is
SIGKILLed and a normal rerun. The moments: while the worker cleans documents, and as soon as it
is forked, before its first bundle (Beam's runner alone would wait for that worker forever). The
pipeline writes into its own `OUTPUT/_staging/<date>-<run id>/` and the driver commits only after
the pipeline succeeded, so the killed run must leave every committed file byte for byte as the
reference run left it, and the rerun must give the reference rows again.
(A driver killed during its commit is `tests/test_commit.py` and `tests/test_concurrency.py`.)
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from processes import descendants, proc_stat
from readback import snapshot

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "data" / "seeds"
RUN_DATE = "2025-05-01"
DOCUMENTS = 100
DATASETS = ("documents", "duplicates", "rejected", "index", "_inputs")
MULTI_PROCESS = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]
RUN_TIMEOUT = 150           # seconds for one whole run; a hung run is killed and fails the test
FAIL_WITHIN = 30            # seconds from a worker's death to the run's failure (~1-3 s here)
FIND_WORKER_TIMEOUT = 60    # seconds to find a worker that has started working
# A worker is cleaning documents once it has loaded the language model (whose native library
# then shows in its memory map); it is killed half a CPU second later, about a sixth into its
# work on this input. Without the marker, a CPU time well past the imports (~2.5 s) is the sign.
WORKING_MARKER = "fasttext_pybind"
CPU_AFTER_MARKER = 0.5
WORKER_BUSY_CPU = 4.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="finding worker processes needs Linux /proc")


def write_corpus(folder: Path, documents: int) -> int:
    """Varied articles from the seeds (rotated paragraphs, a paragraph of another seed appended,
    every n-th word replaced by a seed word; all deterministic in the document number) and a feed
    with a malformed line and an empty file, so that every dataset gets rows. Returns the number
    of input records."""
    seeds = [[line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
             for path in sorted(SEEDS.glob("*.txt"))]
    vocabulary = [word for lines in seeds for line in lines for word in line.split()]
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(documents):
        own = seeds[number % len(seeds)]
        other = seeds[(number + 1 + number // len(seeds)) % len(seeds)]
        every = 3 + number % 11
        paragraphs = []
        for position, line in enumerate(own[number % 3:] + other[: 1 + number % 2]):
            words = line.split()
            for index in range(position % every, len(words), every):
                words[index] = vocabulary[(number * 31 + index * 7 + position) % len(vocabulary)]
            paragraphs.append(" ".join(words))
        (folder / f"site{number % 4}").mkdir(exist_ok=True)
        (folder / f"site{number % 4}" / f"doc_{number:04d}.txt").write_text(
            "\n".join(paragraphs) + "\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "feed.jsonl").write_text(
        json.dumps({"id": "feed-1", "text": "\n".join(seeds[0][1:])}, ensure_ascii=False)
        + '\n{"id": "feed-2", "text": "\n', encoding="utf-8")
    return documents + 3


def pipeline_command(corpus: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline", "--input", str(corpus), "--output", str(output),
            "--run_date", RUN_DATE, *MULTI_PROCESS]


def start(command: list[str], log: Path) -> subprocess.Popen:
    """In its own process group, so that every worker it spawns can be killed with it."""
    with open(log, "wb") as handle:
        return subprocess.Popen(command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT,
                                start_new_session=True)


def kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def finish(command: list[str], log: Path) -> int:
    process = start(command, log)
    try:
        return process.wait(timeout=RUN_TIMEOUT)
    finally:
        kill_group(process)  # leftover workers of a finished run, or the whole hung run


def sdk_workers(driver: int) -> list[int]:
    """The Python SDK harness processes under the driver (not the `sh -c` that starts each)."""
    workers = []
    for pid in descendants(driver):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"pipeline.worker" in argv and b"-c" not in argv:  # khabar's harness entry point
            workers.append(pid)
    return workers


def cpu_seconds(pid: int) -> float:
    fields = proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS if fields else 0.0


def maps_library(pid: int, name: str) -> bool:
    try:
        return name in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def forked_worker(driver: subprocess.Popen) -> int | None:
    """The first worker the fork server forks (a child of the server, which is the driver's
    child), as soon as it exists; None if the run ends or time runs out."""
    deadline = time.monotonic() + FIND_WORKER_TIMEOUT
    while time.monotonic() < deadline and driver.poll() is None:
        for pid in sdk_workers(driver.pid):
            fields = proc_stat(pid)
            if fields and int(fields[1]) != driver.pid and b"--serve" in Path(
                    f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
                return pid
        time.sleep(0.01)
    return None


def busy_worker(driver: subprocess.Popen) -> int | None:
    """The first SDK worker seen cleaning documents, or None if the run ends or time runs out."""
    deadline = time.monotonic() + FIND_WORKER_TIMEOUT
    marked_at: dict[int, float] = {}
    while time.monotonic() < deadline and driver.poll() is None:
        for pid in sdk_workers(driver.pid):
            cpu = cpu_seconds(pid)
            if pid not in marked_at and maps_library(pid, WORKING_MARKER):
                marked_at[pid] = cpu
            working_from = marked_at.get(pid, WORKER_BUSY_CPU - CPU_AFTER_MARKER)
            if cpu >= min(working_from + CPU_AFTER_MARKER, WORKER_BUSY_CPU):
                return pid
        time.sleep(0.05)
    return None


def committed_files(output: Path) -> dict[str, str]:
    """SHA-256 of every file a reader can see (everything but the staging folder)."""
    return {str(path.relative_to(output)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(output.rglob("*"))
            if path.is_file() and "_staging" not in path.relative_to(output).parts}



VICTIMS = {"working": busy_worker, "just forked": forked_worker}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The input and the output of a clean run."""
    root = tmp_path_factory.mktemp("reference")
    corpus, output = root / "input", root / "output"
    records = write_corpus(corpus, DOCUMENTS)
    command = pipeline_command(corpus, output)
    assert finish(command, root / "reference.log") == 0, (root / "reference.log").read_text()
    return {"corpus": corpus, "output": output, "records": records,
            "files": committed_files(output), "rows": snapshot(output, DATASETS)}


@pytest.fixture(scope="module", params=sorted(VICTIMS))
def fault(request, reference, tmp_path_factory):
    """On a copy of the reference output: the killed run and the rerun, and what each left."""
    root = tmp_path_factory.mktemp("fault")
    output = root / "output"
    shutil.copytree(reference["output"], output)
    reference_files, reference_rows = reference["files"], reference["rows"]
    records = reference["records"]
    command = pipeline_command(reference["corpus"], output)

    killed = start(command, root / "killed.log")
    started = time.monotonic()
    try:
        victim = VICTIMS[request.param](killed)
        if victim is None:
            ended = killed.poll()
            pytest.skip("no busy SDK worker found within "
                        f"{FIND_WORKER_TIMEOUT} s" if ended is None else
                        f"the run ended (exit {ended}) before a worker was busy enough to kill")
        victim_cpu = cpu_seconds(victim)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        try:
            killed_exit = killed.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            killed_exit = "hung"  # recorded, then the group is killed below
        failed_after = time.monotonic() - killed_at
    finally:
        kill_group(killed)
    after_kill_files = committed_files(output)
    staging_left = sorted(str(p.relative_to(output)) for p in (output / "_staging").rglob("*")
                          if p.is_file())

    rerun_exit = finish(command, root / "rerun.log")
    return {"reference_files": reference_files, "reference_rows": reference_rows,
            "victim": victim, "victim_cpu": victim_cpu, "killed_exit": killed_exit,
            "failed_after": failed_after, "killed_at": killed_at - started,
            "killed_log": (root / "killed.log").read_text(errors="replace"),
            "after_kill_files": after_kill_files, "staging_left": staging_left,
            "rerun_exit": rerun_exit, "rerun_rows": snapshot(output, DATASETS),
            "rerun_files": committed_files(output), "output": output, "records": records}


def test_killing_a_worker_fails_the_run_at_once(fault, record_property):
    """Beam's multi-process runner does not retry a lost worker: the run exits non-zero, within
    seconds, and says which worker was killed how."""
    record_property("killed_run_exit", fault["killed_exit"])
    record_property("victim_cpu_seconds", fault["victim_cpu"])
    record_property("killed_after_seconds", round(fault["killed_at"], 2))
    record_property("failed_after_seconds", round(fault["failed_after"], 2))
    assert fault["killed_exit"] == 2, fault["killed_log"][-3000:]
    assert fault["failed_after"] < FAIL_WITHIN, fault["killed_log"][-3000:]
    assert "committing" not in fault["killed_log"]
    assert (f"khabar: worker process {fault['victim']} was killed by SIGKILL (the out-of-memory "
            f"killer sends it when memory runs out); {RUN_DATE} was not committed (its previous "
            "output stays)") in fault["killed_log"]


def test_killed_run_leaves_the_previous_output_untouched(fault):
    assert fault["after_kill_files"] == fault["reference_files"]
    assert any(name.startswith("documents/") for name in fault["reference_files"])


def test_failed_run_removes_what_it_staged(fault):
    """The failed run's files were only ever in its staging folder, which it removes."""
    assert fault["staging_left"] == []
    assert not (fault["output"] / "_staging").exists()


def test_rerun_gives_the_reference_output_row_for_row(fault):
    assert fault["rerun_exit"] == 0
    assert fault["rerun_rows"] == fault["reference_rows"]
    assert all(fault["rerun_rows"][name] for name in ("documents", "duplicates", "rejected"))


def test_rerun_writes_the_same_parquet_files_byte_for_byte(fault):
    """Only the run report (it records wall time) may differ."""
    def data(files):
        return {path: digest for path, digest in files.items() if not path.startswith("_reports/")}
    assert data(fault["rerun_files"]) == data(fault["reference_files"])


def test_every_input_record_is_accounted_for(fault):
    report = json.loads((fault["output"] / "_reports" / f"{RUN_DATE}.json").read_text())
    assert report["inputs"]["records"] == fault["records"] == sum(report["outputs"].values())
    assert report["invariant"]["holds"] and report["outputs"]["rejected"] >= 2
