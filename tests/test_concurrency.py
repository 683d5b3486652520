"""Overlapping runs into one output root, through `python -m pipeline` as a scheduler starts them.

Run A (day 1) is held in the middle of its commit by the test-only pause hook; `report` reads
meanwhile without waiting for it. A run B of the same date that may not wait is refused with one
line naming A and leaves A's staging alone. A run C of day 2 that may wait starts while A is
held, waits, and after A's commit deduplicates against A's day 1 (it listed the earlier index
only once it held the lock). A rerun D of day 1 is then
SIGKILLed in the middle of its commit; the `report` command that follows finishes it.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline.commit import PAUSE_AT_ENV, PAUSE_FILE_ENV, STAGING_FOLDER
from readback import snapshot
from said import said

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "pipeline" / "sample"
DAY1, DAY2 = "2025-07-01", "2025-07-02"
RUN_TIMEOUT = 240
DAY2_COPIES = {"002_as_windows1256": "002_aaad3a3370a53648",
               "003_as_utf16": "003_8cb5c2daadf7745d",
               "001_mojibake_cp1256": "001_24c8fc7dcc9ac8e7",
               "000_republished": "000_189b450469c21532"}


def command(corpus: Path, output: Path, run_date: str, wait: int) -> list[str]:
    return [sys.executable, "-m", "pipeline", "--input", str(corpus), "--output", str(output),
            "--run_date", run_date, "--set", f"output.lock_wait_seconds={wait}"]


def start(argv: list[str], log: Path, pause_at: str | None = None,
          flag: Path | None = None) -> subprocess.Popen:
    env = dict(os.environ)
    if pause_at:
        env.update({PAUSE_AT_ENV: pause_at, PAUSE_FILE_ENV: str(flag)})
    with open(log, "w") as handle:
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                text=True)


def wait_for(condition, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT
    while not condition():
        assert process.poll() is None, f"the run ended (exit {process.returncode}) before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def khabar_lines(log: Path) -> list[str]:
    return said(log.read_text())


@pytest.fixture(scope="module")
def overlap(tmp_path_factory):
    root = tmp_path_factory.mktemp("overlap")
    day1, day2, output = root / "day1", root / "day2", root / "out"
    shutil.copytree(SAMPLE, day1, ignore=shutil.ignore_patterns("variants", "feeds"))
    shutil.copytree(SAMPLE / "variants", day2)
    flag = root / "paused"
    first = start(command(day1, output, DAY1, 0), root / "a.log", "publish-1", flag)
    try:
        wait_for(flag.exists, first, "run A paused in its commit")
        staged_by_first = sorted((output / STAGING_FOLDER).iterdir())
        refused = subprocess.run(command(day1, output, DAY1, 0), cwd=ROOT, capture_output=True,
                                 text=True, timeout=RUN_TIMEOUT)
        reader = subprocess.run([sys.executable, "-m", "pipeline", "report", str(output),
                                 "--html", str(root / "summary.html")], cwd=ROOT,
                                capture_output=True, text=True, timeout=RUN_TIMEOUT)
        second_log = root / "c.log"
        waiting = start(command(day2, output, DAY2, RUN_TIMEOUT), second_log)
        wait_for(lambda: "waiting up to" in second_log.read_text(), waiting, "run C waiting")
        staged_while_held = sorted((output / STAGING_FOLDER).iterdir())
        flag.unlink()
        first_exit = first.wait(timeout=RUN_TIMEOUT)
        second_exit = waiting.wait(timeout=RUN_TIMEOUT)
    finally:
        for process in (first, locals().get("waiting")):
            if process is not None and process.poll() is None:
                process.kill()
    return {"root": root, "output": output, "day1": day1, "refused": refused, "reader": reader,
            "first_exit": first_exit, "second_exit": second_exit, "flag": flag,
            "staged_by_first": staged_by_first, "staged_while_held": staged_while_held,
            "first_pid": first.pid, "second_log": second_log}


def test_a_second_run_that_may_not_wait_is_refused_in_one_line(overlap):
    refused = overlap["refused"]
    assert refused.returncode == 2
    lines = said(refused.stderr)
    assert len(lines) == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert lines[0].startswith(f"khabar: {overlap['output']} is locked by pid "
                               f"{overlap['first_pid']} on ")
    assert f"run of {DAY1}" in lines[0]


def test_report_does_not_wait_for_a_live_run(overlap):
    reader = overlap["reader"]
    lines = [line for line in reader.stderr.splitlines() if line.startswith("khabar: ")]
    assert reader.returncode == 0 and len(lines) == 1, reader.stderr
    assert lines[0].startswith(f"khabar: pid {overlap['first_pid']} on ")
    assert lines[0].endswith(f"is writing {overlap['output']}; reading the dates committed so far")


def test_no_run_deletes_what_another_run_staged(overlap):
    assert overlap["staged_by_first"] == overlap["staged_while_held"] != []


def test_the_held_run_and_the_waiting_run_both_commit(overlap):
    assert overlap["first_exit"] == 0 and overlap["second_exit"] == 0
    lines = khabar_lines(overlap["second_log"])
    assert len(lines) == 1 and lines[0].startswith(f"khabar: waiting up to {RUN_TIMEOUT} s")
    assert not (overlap["output"] / STAGING_FOLDER).exists()


def test_the_waiting_later_date_deduplicates_against_the_earlier_one(overlap):
    duplicates = pd.read_parquet(overlap["output"] / "duplicates", filters=[("date", "=", DAY2)])
    assert dict(zip(duplicates["id"], duplicates["duplicate_of"])) == DAY2_COPIES


def test_a_run_killed_in_its_commit_is_finished_by_the_next_command(overlap):
    root, output, flag = overlap["root"], overlap["output"], overlap["flag"]
    before = snapshot(output)
    rerun = start(command(overlap["day1"], output, DAY1, 0), root / "d.log", "publish-3", flag)
    try:
        wait_for(flag.exists, rerun, "the rerun paused in its commit")
    finally:
        rerun.send_signal(signal.SIGKILL)
        rerun.wait(timeout=30)
    report = subprocess.run([sys.executable, "-m", "pipeline", "report", str(output)], cwd=ROOT,
                            capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert report.returncode == 0, report.stderr
    repairs = [line for line in report.stderr.splitlines() if line.startswith("khabar: ")]
    assert len(repairs) == 2, report.stderr
    assert repairs[0].startswith(f"khabar: took over the lock of {output} from pid {rerun.pid}")
    assert repairs[1].startswith(f"khabar: finished the interrupted commit of {DAY1}")
    assert snapshot(output) == before  # the same input again: the same rows, all of them
