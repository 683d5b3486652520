"""Environment failures: a full or read-only output filesystem exits 2 with one line, leaves the
committed dates as they were and nothing that blocks the next run.

The filesystem is a small tmpfs the test mounts (we run as root in CI); where mounting is not
allowed the tests skip. `diagnose` is also checked on the shapes in which Beam hands an OS error
to the driver.
"""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from apache_beam.io.filesystem import BeamIOError

from pipeline.commit import JOURNAL, STAGING_FOLDER
from pipeline.environment import diagnose
from said import said

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "pipeline" / "sample"
DAY1, DAY2 = "2025-07-01", "2025-07-02"
DISK = "8m"
LEFT_FREE = 16 * 1024   # room for the lock file, not for the day's Parquet files
RUN_TIMEOUT = 240


def pipeline(corpus: Path, output: Path, run_date: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "--input", str(corpus), "--output",
                           str(output), "--run_date", run_date], cwd=ROOT, capture_output=True,
                          text=True, timeout=RUN_TIMEOUT)


khabar_lines = said


def committed(output: Path) -> dict[str, str]:
    return {str(path.relative_to(output)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(output.rglob("*")) if path.is_file() and path.name != "_lock"}


@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs",
                              str(mount_point)], capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


@pytest.fixture
def day_inputs(tmp_path):
    day1, day2 = tmp_path / "day1", tmp_path / "day2"
    shutil.copytree(SAMPLE, day1, ignore=shutil.ignore_patterns("variants", "feeds"))
    shutil.copytree(SAMPLE / "variants", day2)
    return day1, day2


def fill(disk: Path, leave: int) -> Path:
    stat = os.statvfs(disk)
    filler = disk / "filler"
    with open(filler, "wb") as handle:
        handle.truncate(0)
        remaining = stat.f_bavail * stat.f_frsize - leave
        block = b"\0" * (1 << 20)
        while remaining > 0:
            remaining -= handle.write(block[:min(len(block), remaining)])
    return filler


def test_a_full_disk_exits_2_in_one_line_and_the_next_run_succeeds(small_disk, day_inputs):
    day1, day2 = day_inputs
    output = small_disk / "out"
    assert pipeline(day1, output, DAY1).returncode == 0
    before = committed(output)
    filler = fill(small_disk, LEFT_FREE)

    full = pipeline(day2, output, DAY2)
    assert full.returncode == 2, full.stderr[-3000:]
    lines = khabar_lines(full.stderr)
    assert len(lines) == 1 and "Traceback" not in full.stderr, full.stderr[-3000:]
    assert lines[0].startswith("khabar: the output filesystem is full (No space left on device")
    assert lines[0].endswith("free space on it and run again; committed dates are unchanged")
    assert committed(output) == before
    assert not (output / STAGING_FOLDER).exists() and not (output / JOURNAL).exists()

    filler.unlink()
    again = pipeline(day2, output, DAY2)
    assert again.returncode == 0, again.stderr[-3000:]
    assert khabar_lines(again.stderr) == []
    assert set(before) < set(committed(output))


def test_a_read_only_output_exits_2_in_one_line(small_disk, day_inputs):
    output = small_disk / "out"
    (output / "documents").mkdir(parents=True)
    (output / "documents" / "committed.parquet").write_bytes(b"a committed date")
    before = committed(output)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        refused = pipeline(day_inputs[1], output, DAY2)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    lines = khabar_lines(refused.stderr)
    assert refused.returncode == 2 and len(lines) == 1, refused.stderr[-3000:]
    assert lines[0].startswith("khabar: the output filesystem is read-only")
    assert committed(output) == before


OUTPUT = "/data/out"


@pytest.mark.parametrize("error, cause", [
    (OSError(errno.ENOSPC, "No space left on device", f"{OUTPUT}/_staging/x"), "full"),
    # LocalFileSystem.rename / delete: BeamIOError -> IOError(OSError)
    (BeamIOError("Rename operation failed", {(f"{OUTPUT}/a", f"{OUTPUT}/b"): IOError(
        OSError(errno.EACCES, "Permission denied", f"{OUTPUT}/b"))}), "permission denied"),
    # a Beam worker's failure reaches the driver as text only
    (RuntimeError("Traceback ...\nOSError: [Errno 28] No space left on device: "
                  f"'{OUTPUT}/_staging/2025-07-02-x/documents/part-00000.parquet'"), "full"),
    (RuntimeError(f"FileNotFoundError: [Errno 2] No such file or directory: '{OUTPUT}/_lock'"),
     "disappeared"),
])
def test_diagnose_finds_the_os_error_beam_wrapped(error, cause):
    failure = diagnose(error, OUTPUT)
    assert failure is not None and cause in failure.message(OUTPUT, None)


@pytest.mark.parametrize("error", [
    ValueError("a bug"),
    OSError(errno.ENOENT, "No such file or directory", "/data/in/vanished.txt"),
    OSError(errno.EACCES, "Permission denied", "/data/in/secret.txt"),
])
def test_data_errors_and_bugs_are_not_environment_failures(error):
    assert diagnose(error, OUTPUT) is None
