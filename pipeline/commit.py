"""The output root's writer side: a private staging folder per run, and a journaled commit.

A run holds the root's lock (`pipeline/outputlock.py`) from before it lists the earlier index
until its commit is done, so runs into one root follow each other: a later run deduplicates
against every date committed before it, and only one commit is ever in flight.

A run stages everything of its date, the run report included, in `_staging/<date>-<run id>/`
(nobody else writes or deletes there). Its commit then
  1. writes the journal `_commit.json`: every staged file and the committed path it replaces
     (`publish`), and every committed file of the date that the new run does not rewrite
     (`retire`);
  2. renames each staged file onto its committed path (replacing the old file in one rename);
  3. deletes the retired files, then the staging folder, then the journal.
Every step only moves toward the journal's end state, so it can be redone: a run killed at any
point is finished by the next khabar command on the root (`recover`), which holds the lock. A run
killed before its journal exists committed nothing: its staging folder is simply removed.

Everything goes through Beam's `FileSystems`, so the same code commits to gs://, s3:// or
hdfs:// (where a rename is a copy and a delete: slower, still redone safely).
"""
from __future__ import annotations

import contextlib
import datetime
import json
import os
import secrets
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator

from apache_beam.io.filesystems import FileSystems

from pipeline.outputlock import OutputBusy, output_lock

STAGING_FOLDER = "_staging"
JOURNAL = "_commit.json"
REPORTS_FOLDER = "_reports"
WRITABLE_PROBE = ".writable"
# Published in this order; the report goes last, so a report names a date that is all there.
DATED_DATASETS = ("documents", "duplicates", "rejected", "index", "_inputs")
PUBLISH_ORDER = (*DATED_DATASETS, REPORTS_FOLDER)

# Test-only hook: with KHABAR_TEST_PAUSE_AT=<step>, a run that reaches that named step (see
# `pause_point` calls: "locked", "staged", "journal", "publish-<n>", "retire-<n>", "cleaned")
# writes its pid and the step to the file named by KHABAR_TEST_PAUSE_FILE and waits until that
# file is deleted. Tests hold a run at its commit this way, or SIGKILL it at each step.
PAUSE_AT_ENV = "KHABAR_TEST_PAUSE_AT"
PAUSE_FILE_ENV = "KHABAR_TEST_PAUSE_FILE"


def pause_point(step: str) -> None:
    """Test-only: waits here while the pause file exists, when a test asked for this step."""
    if os.environ.get(PAUSE_AT_ENV) != step or not os.environ.get(PAUSE_FILE_ENV):
        return
    flag = os.environ[PAUSE_FILE_ENV]
    with open(flag, "w", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()} {step}\n")
    while os.path.exists(flag):
        time.sleep(0.02)


@dataclass(frozen=True)
class CommitPlan:
    """What a commit does, as paths relative to the output root; it is the journal's content."""
    run_id: str
    run_date: str
    staging: str
    publish: tuple[tuple[str, str], ...]
    retire: tuple[str, ...]

    def to_json(self) -> str:
        return json.dumps({"run_id": self.run_id, "run_date": self.run_date,
                           "staging": self.staging, "publish": self.publish,
                           "retire": self.retire}, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "CommitPlan":
        data = json.loads(text)
        return cls(data["run_id"], data["run_date"], data["staging"],
                   tuple(tuple(move) for move in data["publish"]), tuple(data["retire"]))


def _is_local(path: str) -> bool:
    return "://" not in path


def _join(root: str, relative: str) -> str:
    return FileSystems.join(root, *relative.split("/"))


def _relative(path: str, root: str) -> str:
    return path[len(root.rstrip("/")) + 1:].replace("\\", "/")


def files_under(root: str) -> list[str]:
    """Every file below `root`, relative to it, sorted; none when `root` does not exist.
    (`FileSystems.exists` cannot tell: on object stores it is False for a folder.)"""
    matched = FileSystems.match([FileSystems.join(root, "**")])[0].metadata_list
    return sorted(_relative(m.path, root) for m in matched)


def _make_parent(path: str) -> None:
    if _is_local(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)


def _delete_tree(path: str) -> None:
    """A local folder at once; on an object store every object under the prefix."""
    if _is_local(path):
        if os.path.exists(path):
            _delete_local_tree(path)
    elif files := files_under(path):
        FileSystems.delete([_join(path, relative) for relative in files])


def _delete_local_tree(path: str) -> None:
    """`shutil.rmtree`, its top folders' subfolders on a thread each (two per core): a staging
    folder holds the run's spills, ~1 GB in ~2,000 folders per 30,000 documents, and most of
    the time goes to the kernel freeing them, which runs outside the GIL (1.1 s -> 0.8 s)."""
    parts = [entry.path for top in os.scandir(path) if top.is_dir(follow_symlinks=False)
             for entry in os.scandir(top.path)]
    with ThreadPoolExecutor(2 * (os.cpu_count() or 1)) as pool:
        list(pool.map(_remove, parts))
    shutil.rmtree(path)


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.remove(path)


def _delete_folder_if_empty(folder: str) -> None:
    if _is_local(folder) and os.path.isdir(folder) and not os.listdir(folder):
        os.rmdir(folder)


def _remove_empty_folders(root: str) -> None:
    """Local roots only (object stores have no folders): partitions emptied by a retire."""
    if not _is_local(root) or not os.path.isdir(root):
        return
    for folder, _, _ in sorted(os.walk(root), key=lambda walk: -len(walk[0])):
        if folder != root and not os.listdir(folder):
            os.rmdir(folder)


def new_run_id() -> str:
    """Unique per run and sortable by start time; it names the staging folder and the journal."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return f"{now:%Y%m%dT%H%M%SZ}-{os.getpid()}-{secrets.token_hex(3)}"


def staging_folder(output: str, run_date: str, run_id: str) -> str:
    return FileSystems.join(output, STAGING_FOLDER, f"{run_date}-{run_id}")


def _date_of(relative: str) -> str | None:
    """The `date=` partition of a committed path, or the date of a `_reports/<date>.json`."""
    parts = relative.split("/")
    if parts[0] == REPORTS_FOLDER and len(parts) == 2 and parts[1].endswith(".json"):
        return parts[1][:-len(".json")]
    return next((part[len("date="):] for part in parts if part.startswith("date=")), None)


def _publish_rank(relative: str) -> tuple[int, str]:
    top = relative.split("/")[0]
    return (PUBLISH_ORDER.index(top) if top in PUBLISH_ORDER else len(PUBLISH_ORDER), relative)


def _published_files(staging: str) -> list[str]:
    """The staged files a commit publishes, listed folder by folder: the staging folder also
    holds the run's spills, thousands of files nothing publishes."""
    return [f"{top}/{path}" for top in PUBLISH_ORDER
            for path in files_under(_join(staging, top))]


def plan_commit(output: str, staging: str, run_id: str, run_date: str) -> CommitPlan:
    """Publish every staged output file (not the run's spills or probes); retire the date's
    committed files that nothing replaces."""
    staged = sorted(_published_files(staging), key=_publish_rank)
    targets = set(staged)
    retire = tuple(path for dataset in DATED_DATASETS
                   for path in (f"{dataset}/{p}" for p in files_under(_join(output, dataset)))
                   if _date_of(path) == run_date and path not in targets)
    staging_relative = _relative(staging, output)
    return CommitPlan(run_id, run_date, staging_relative,
                      tuple((f"{staging_relative}/{path}", path) for path in staged), retire)


def write_journal(output: str, plan: CommitPlan) -> None:
    """Written beside its final name and renamed: a journal is there whole or not at all."""
    journal = FileSystems.join(output, JOURNAL)
    temporary = f"{journal}.{plan.run_id}.tmp"
    with FileSystems.create(temporary) as handle:
        handle.write(plan.to_json().encode("utf-8"))
    FileSystems.rename([temporary], [journal])


def switch(output: str, plan: CommitPlan) -> None:
    """Renames the staged files into place, then deletes the retired ones: readers can see a
    mix of the old and the new files of the date only while this runs. Each step is skipped
    once done, so a journaled switch can be redone from anywhere."""
    for number, (staged, committed) in enumerate(plan.publish, 1):
        source, target = _join(output, staged), _join(output, committed)
        if FileSystems.exists(source):
            _make_parent(target)
            FileSystems.rename([source], [target])
        pause_point(f"publish-{number}")
    for number, retired in enumerate(plan.retire, 1):
        path = _join(output, retired)
        if FileSystems.exists(path):
            FileSystems.delete([path])
        pause_point(f"retire-{number}")


def clean_up(output: str, plan: CommitPlan) -> None:
    """After the switch: emptied partition folders, the staging folder, then the journal."""
    for dataset in DATED_DATASETS:
        _remove_empty_folders(FileSystems.join(output, dataset))
    _delete_tree(_join(output, plan.staging))
    _delete_folder_if_empty(FileSystems.join(output, STAGING_FOLDER))
    pause_point("cleaned")
    FileSystems.delete([FileSystems.join(output, JOURNAL)])


def staged_files_per_dataset(staging: str) -> dict[str, int]:
    """How many files the commit will publish into each dataset (for the run report)."""
    return {dataset: len(files_under(_join(staging, dataset))) for dataset in DATED_DATASETS}


def commit(output: str, plan: CommitPlan) -> None:
    """Switches the plan's date from its committed files to its staged ones."""
    pause_point("staged")
    write_journal(output, plan)
    pause_point("journal")
    switch(output, plan)
    clean_up(output, plan)


def _staging_runs(output: str) -> list[str]:
    """Names of the run folders under `_staging/` (a local root may hold empty ones)."""
    root = FileSystems.join(output, STAGING_FOLDER)
    if _is_local(root):
        return sorted(os.listdir(root)) if os.path.isdir(root) else []
    return sorted({path.split("/")[0] for path in files_under(root)})


def recover(output: str) -> list[str]:
    """Finishes an interrupted commit and removes what dead runs staged; one line per repair.

    Only safe under the root's lock: then no other run is alive to own a staging folder.
    """
    repairs = []
    journal = FileSystems.join(output, JOURNAL)
    plan = _journal(output)
    if plan is not None:
        switch(output, plan)
        clean_up(output, plan)
        repairs.append(f"finished the interrupted commit of {plan.run_date} "
                       f"(run {plan.run_id}): that date now holds that run's output")
    for stray in FileSystems.match([f"{journal}.*.tmp"])[0].metadata_list:
        FileSystems.delete([stray.path])
    for name in _staging_runs(output):
        _delete_tree(FileSystems.join(output, STAGING_FOLDER, name))
        repairs.append(f"removed {STAGING_FOLDER}/{name}, left by a run that never committed "
                       "it; committed dates are unchanged")
    _delete_folder_if_empty(FileSystems.join(output, STAGING_FOLDER))
    return repairs


@contextlib.contextmanager
def writer_of(output: str, purpose: str, wait_seconds: float,
              say: Callable[[str], None]) -> Iterator[None]:
    """The one writer of `output` for the block: lock taken, interrupted work repaired."""
    if _is_local(output):
        os.makedirs(output, exist_ok=True)
    with output_lock(output, purpose, wait_seconds, say):
        pause_point("locked")
        for repair in recover(output):
            say(repair)
        yield


def recover_for_reader(output: str, say: Callable[[str], None]) -> None:
    """What `report` does before it reads: repair the root when no run holds it. A live holder
    repairs it itself, and a root this process cannot lock (read-only) is read as it is."""
    if _is_local(output) and not os.path.isdir(output):
        return
    try:
        with writer_of(output, "report", 0, say):
            pass
    except OutputBusy as busy:
        say(f"{busy.holder.describe()} is writing {output}; reading the dates committed so far")
    except OSError:
        if pending := pending_commit(output):
            say(f"cannot lock {output}; its interrupted commit of {pending} waits for the next "
                "run")


@contextlib.contextmanager
def staged_run(output: str, run_date: str) -> Iterator[tuple[str, str]]:
    """(staging folder, run id) of a new run, the folder proven writable; removed again if the
    block fails before its journal exists (after that, the next command finishes the commit)."""
    run_id = new_run_id()
    staging = staging_folder(output, run_date, run_id)
    with FileSystems.create(FileSystems.join(staging, WRITABLE_PROBE)) as handle:
        handle.write(b"")
    try:
        yield staging, run_id
    except BaseException:
        with contextlib.suppress(Exception):  # the failure may have taken the root with it
            plan = _journal(output)
            if plan is None or plan.run_id != run_id:
                _delete_tree(staging)
                _delete_folder_if_empty(FileSystems.join(output, STAGING_FOLDER))
        raise


def _journal(output: str) -> CommitPlan | None:
    journal = FileSystems.join(output, JOURNAL)
    if not FileSystems.exists(journal):
        return None
    with FileSystems.open(journal) as handle:
        return CommitPlan.from_json(handle.read().decode("utf-8"))


def pending_commit(output: str) -> str | None:
    """The date of a commit that was journaled but not finished, for a failed run's message;
    None when there is none or the root cannot be read any more."""
    try:
        plan = _journal(output)
    except Exception:  # the failure being reported may make the root unreadable too
        return None
    return plan.run_date if plan else None
