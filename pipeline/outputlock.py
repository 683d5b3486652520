"""One writer per output root: a lock file that names its holder.

The lock is an `flock` on `OUTPUT/_lock`, a file that is never deleted (deleting a locked file
lets a second process lock a fresh one). The kernel drops an `flock` when its holder dies, even
by SIGKILL, so a dead holder never blocks anyone; the file's content (pid, host, start time and
what the holder is doing) names the holder for the waiting run's message, and tells a run that
takes the lock over from a dead holder on this host whom it replaces. The holder empties the
file when it lets go, so content found under a free lock means its writer died.

A holder on another host (an NFS root) cannot be checked from here: its lock is treated as held
whether or not `flock` reaches across hosts, and the message says how to clear it by hand.

Roots that are not local paths (gs://, s3://, hdfs://) have no `flock`: their lock file lives in
the local temporary folder, so it keeps out only runs on this machine (see the README).
"""
from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import socket
import tempfile
import time
from dataclasses import asdict, dataclass
from typing import Callable, Iterator

LOCK_FILE = "_lock"
POLL_SECONDS = 0.5
UNKNOWN_START = -1


class OutputBusy(Exception):
    """Another live run holds the output root; the message is one line for the user."""

    def __init__(self, message: str, holder: "Holder"):
        super().__init__(message)
        self.holder = holder


@dataclass(frozen=True)
class Holder:
    """Who holds a lock; `process_start` (clock ticks after boot) tells a reused pid apart."""
    pid: int
    host: str
    started: str
    purpose: str
    process_start: int | None = None

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} ({self.purpose}, since {self.started})"

    def is_running_here(self) -> bool:
        """False only when this host can tell the holder is gone (or its pid was reused)."""
        if self.host != socket.gethostname():
            return True
        start = _process_start(self.pid)
        if start is None:
            return False
        return start == UNKNOWN_START or self.process_start in (None, start)


def _process_start(pid: int) -> int | None:
    """Start of `pid` in clock ticks after boot; UNKNOWN_START where /proc cannot say; None when
    no such process runs."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            stat = handle.read()
    except FileNotFoundError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return UNKNOWN_START
    except OSError:
        return UNKNOWN_START
    return int(stat[stat.rindex(")") + 2:].split()[19])


def this_process(purpose: str) -> Holder:
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return Holder(os.getpid(), socket.gethostname(), started, purpose,
                  _process_start(os.getpid()))


def lock_path(output: str) -> str:
    """`OUTPUT/_lock` for a local root; a per-root file in the local temp folder otherwise."""
    if "://" not in output:
        return os.path.join(output, LOCK_FILE)
    digest = hashlib.sha256(output.rstrip("/").encode("utf-8")).hexdigest()[:20]
    return os.path.join(tempfile.gettempdir(), "khabar-locks", f"{digest}.lock")


def _read_holder(fd: int) -> Holder | None:
    raw = os.pread(fd, 4096, 0)
    if not raw.strip():
        return None
    try:
        return Holder(**json.loads(raw))
    except (ValueError, TypeError):
        return None  # cut short by a crash mid-write: it names nobody


def _write_holder(fd: int, holder: Holder | None) -> None:
    os.ftruncate(fd, 0)
    if holder is not None:
        os.pwrite(fd, json.dumps(asdict(holder)).encode("utf-8"), 0)
        os.fsync(fd)


def _still_at(fd: int, path: str) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def _try_lock(path: str, me: Holder) -> tuple[int | None, Holder | None]:
    """(fd, previous holder) when this process now holds the lock, (None, holder) when not."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(fd)
        os.close(fd)
        return None, holder or Holder(-1, "unknown", "unknown", "a run starting up")
    try:
        if not _still_at(fd, path):  # deleted or replaced by hand meanwhile: lock the new one
            os.close(fd)
            return _try_lock(path, me)
        previous = _read_holder(fd)
        if previous is not None and previous.is_running_here():
            os.close(fd)
            return None, previous
        _write_holder(fd, me)
    except BaseException:
        os.close(fd)
        raise
    return fd, previous


def _busy_message(output: str, holder: Holder, waited: float, path: str) -> str:
    elsewhere = holder.host != socket.gethostname()
    hint = (f"if that run is no longer running, delete {path}" if elsewhere
            else "try again later or raise output.lock_wait_seconds")
    return f"{output} is locked by {holder.describe()}; waited {waited:.0f} s; {hint}"


@contextlib.contextmanager
def output_lock(output: str, purpose: str, wait_seconds: float,
                say: Callable[[str], None]) -> Iterator[Holder]:
    """Holds the root's lock for the `with` block, waiting up to `wait_seconds` for it.

    Raises OutputBusy when a live holder keeps it longer; `say` gets one line when this run
    starts waiting and one when it takes over the lock of a holder that died.
    """
    path = lock_path(output)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    me = this_process(purpose)
    started = time.monotonic()
    announced = False
    while True:
        fd, holder = _try_lock(path, me)
        if fd is not None:
            break
        waited = time.monotonic() - started
        if waited >= wait_seconds:
            raise OutputBusy(_busy_message(output, holder, waited, path), holder)
        if not announced:
            say(f"waiting up to {wait_seconds:.0f} s for {output}: locked by {holder.describe()}")
            announced = True
        time.sleep(min(POLL_SECONDS, wait_seconds - waited))
    if holder is not None:
        say(f"took over the lock of {output} from {holder.describe()}, which is no longer "
            "running")
    try:
        yield me
    finally:
        with contextlib.suppress(OSError):
            _write_holder(fd, None)
        os.close(fd)  # closing the descriptor drops the flock

