"""The journaled commit: a date is switched whole, and a commit killed at any step is finished
(or, before its journal, dropped) by the next khabar command on the root.

The commit is content-agnostic, so these tests commit small hand-made Parquet files; the kill
tests run the real commit code in a child process held at each named step by the test-only
pause hook of `pipeline/commit.py`, SIGKILL it there, and let `recover` (as every command does
first) repair the root. Each test runs on a local root and on `flatstore://`, an object store
with the semantics of gs:// and s3:// (`tests/objectstore.py`), through the same FileSystems calls.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from objectstore import local_path, url
from pipeline.commit import (JOURNAL, PAUSE_AT_ENV, PAUSE_FILE_ENV, STAGING_FOLDER, commit,
                             new_run_id, plan_commit, recover, staging_folder)

ROOT = Path(__file__).resolve().parents[1]
DAY0, DAY1 = "2025-07-01", "2025-07-02"
SCHEMA = pa.schema([("id", pa.string())])
EARLIER_DAY = {f"documents/lang=ar/date={DAY0}/part-00000.parquet": ["z"],
               f"index/date={DAY0}/part-00000.parquet": ["z"]}
OLD_RUN = {f"documents/lang=ar/date={DAY1}/part-00000.parquet": ["a1", "a2"],
           f"documents/lang=fa/date={DAY1}/part-00000.parquet": ["f1"],
           f"documents/lang=fa/date={DAY1}/part-00001.parquet": ["f2"],
           f"rejected/date={DAY1}/part-00000.parquet": ["r1"],
           f"index/date={DAY1}/part-00000.parquet": ["a1", "a2", "f1", "f2"],
           f"_reports/{DAY1}.json": "old"}
NEW_RUN = {f"documents/lang=ar/date={DAY1}/part-00000.parquet": ["a1", "a3"],
           f"documents/lang=ar/date={DAY1}/part-00001.parquet": ["a4"],
           f"duplicates/lang=ar/date={DAY1}/part-00000.parquet": ["a2"],
           f"rejected/date={DAY1}/part-00000.parquet": ["r2"],
           f"index/date={DAY1}/part-00000.parquet": ["a1", "a3", "a4"],
           f"_reports/{DAY1}.json": "new"}
# The old run's lang=fa files are the ones nothing replaces: the commit retires them.
STEPS = ["staged", "journal", *(f"publish-{n}" for n in range(1, len(NEW_RUN) + 1)),
         "retire-1", "retire-2", "cleaned"]
PAUSE_TIMEOUT = 60


def put(root: Path, files: dict) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(json.dumps({"run": content}), encoding="utf-8")
        else:
            pq.write_table(pa.Table.from_pylist([{"id": i} for i in content], schema=SCHEMA),
                           path)


def visible(output: Path) -> dict:
    """What a reader sees: every committed file and its ids (or the report's run)."""
    seen = {}
    for path in sorted(output.rglob("*")):
        relative = path.relative_to(output).as_posix()
        if not path.is_file() or relative.split("/")[0] in (STAGING_FOLDER, "_lock"):
            continue
        seen[relative] = (json.loads(path.read_text())["run"] if path.suffix == ".json"
                          else pq.read_table(path).column("id").to_pylist())
    return seen


def files_left(folder: Path) -> list[Path]:
    """Files only: an object store leaves no folders, its local stand-in leaves empty ones."""
    return [path for path in folder.rglob("*") if path.is_file()]


@pytest.fixture(params=["local", "objectstore"])
def root_of(request):
    """Path -> the output root string that khabar is given."""
    return str if request.param == "local" else url


def prepared_root(tmp_path: Path, root_of) -> tuple[Path, str, str, str]:
    """An output root with DAY0 and the old DAY1 committed, and a new DAY1 run staged."""
    output = tmp_path / "out"
    put(output, {**EARLIER_DAY, **OLD_RUN})
    run_id = new_run_id()
    staging = staging_folder(root_of(output), DAY1, run_id)
    put(Path(local_path(staging)), NEW_RUN)
    return output, root_of(output), staging, run_id


def test_commit_switches_the_date_and_leaves_other_dates_alone(tmp_path, root_of):
    output, root, staging, run_id = prepared_root(tmp_path, root_of)
    plan = plan_commit(root, staging, run_id, DAY1)
    assert plan.publish[-1][1] == f"_reports/{DAY1}.json"  # the report goes last
    assert set(plan.retire) == {f"documents/lang=fa/date={DAY1}/part-0000{n}.parquet"
                                for n in (0, 1)}
    commit(root, plan)
    assert visible(output) == {**EARLIER_DAY, **NEW_RUN}
    assert not files_left(output / STAGING_FOLDER) and not (output / JOURNAL).exists()


def test_a_run_with_no_rows_for_a_dataset_clears_that_date(tmp_path, root_of):
    output, root, _, _ = prepared_root(tmp_path, root_of)
    recover(root)  # the run staged there never committed
    run_id = new_run_id()
    staging = staging_folder(root, DAY1, run_id)
    put(Path(local_path(staging)), {f"_reports/{DAY1}.json": "empty"})
    commit(root, plan_commit(root, staging, run_id, DAY1))
    assert visible(output) == {**EARLIER_DAY, f"_reports/{DAY1}.json": "empty"}


def test_recover_removes_what_dead_runs_staged(tmp_path, root_of):
    output, root, staging, _ = prepared_root(tmp_path, root_of)
    repairs = recover(root)
    assert len(repairs) == 1 and staging.rsplit("/", 1)[1] in repairs[0]
    assert visible(output) == {**EARLIER_DAY, **OLD_RUN}
    assert not files_left(output / STAGING_FOLDER)
    assert recover(root) == []


def _commit_paused_at(step: str, root: str, staging: str, run_id: str, flag: Path) -> None:
    os.environ.update({PAUSE_AT_ENV: step, PAUSE_FILE_ENV: str(flag)})
    commit(root, plan_commit(root, staging, run_id, DAY1))


def commit_killed_at(step: str, root: str, staging: str, run_id: str, flag: Path) -> None:
    """Runs the commit in a forked child process (no second start-up of Beam), waits until it
    pauses at `step`, and SIGKILLs it there."""
    child = multiprocessing.get_context("fork").Process(
        target=_commit_paused_at, args=(step, root, staging, run_id, flag))
    child.start()
    deadline = time.monotonic() + PAUSE_TIMEOUT
    while not flag.exists() and child.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    child.kill()
    child.join(timeout=30)
    assert flag.exists(), f"the commit never reached {step} (exit {child.exitcode})"
    assert child.exitcode == -signal.SIGKILL


@pytest.mark.parametrize("step", STEPS)
def test_a_commit_killed_at_any_step_leaves_the_old_or_the_new_date_whole(tmp_path, root_of,
                                                                           step):
    output, root, staging, run_id = prepared_root(tmp_path, root_of)
    commit_killed_at(step, root, staging, run_id, tmp_path / "paused")
    repairs = recover(root)
    journaled = step != "staged"
    assert visible(output) == {**EARLIER_DAY, **(NEW_RUN if journaled else OLD_RUN)}
    assert len(repairs) == 1
    assert ("finished the interrupted commit" if journaled else "never committed") in repairs[0]
    assert not files_left(output / STAGING_FOLDER) and not (output / JOURNAL).exists()


def test_the_report_command_finishes_an_interrupted_commit_first(tmp_path):
    output, root, staging, run_id = prepared_root(tmp_path, str)
    commit_killed_at("publish-2", root, staging, run_id, tmp_path / "paused")
    report = subprocess.run([sys.executable, "-m", "pipeline", "report", str(output),
                             "--html", str(tmp_path / "summary.html")],
                            cwd=ROOT, capture_output=True, text=True)
    repairs = [line for line in report.stderr.splitlines() if line.startswith("khabar: ")]
    assert repairs == [f"khabar: finished the interrupted commit of {DAY1} (run {run_id}): "
                       "that date now holds that run's output"]
    assert visible(output) == {**EARLIER_DAY, **NEW_RUN}
