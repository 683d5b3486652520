"""The output root's lock: one holder, a named holder in the message, dead holders taken over.

`flock` locks belong to open file descriptions, so a second `output_lock` in this same process
contends with the first exactly as a second process would.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from pipeline.outputlock import OutputBusy, lock_path, output_lock


def test_a_second_writer_is_refused_with_the_holder_named(tmp_path):
    lines = []
    with output_lock(str(tmp_path), "run of 2025-07-01", 0, lines.append):
        with pytest.raises(OutputBusy) as refused:
            with output_lock(str(tmp_path), "run of 2025-07-02", 0, lines.append):
                pass
    message = str(refused.value)
    assert f"pid {os.getpid()} on {socket.gethostname()} (run of 2025-07-01" in message
    assert "\n" not in message and lines == []


def test_a_waiting_writer_gets_the_lock_when_the_holder_lets_go(tmp_path):
    lines, released = [], threading.Event()

    def hold():
        with output_lock(str(tmp_path), "first", 0, lines.append):
            released.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    lock = lock_path(str(tmp_path))
    while not (os.path.exists(lock) and os.path.getsize(lock)):
        time.sleep(0.01)
    threading.Timer(0.5, released.set).start()
    started = time.monotonic()
    with output_lock(str(tmp_path), "second", 30, lines.append):
        waited = time.monotonic() - started
    holder.join()
    assert 0.4 < waited < 10
    assert len(lines) == 1 and lines[0].startswith(f"waiting up to 30 s for {tmp_path}: locked by")


def test_the_lock_of_a_dead_process_is_taken_over_and_said_so(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    with open(lock_path(str(tmp_path)), "w") as handle:  # a holder SIGKILLed: content, no flock
        json.dump({"pid": int(dead), "host": socket.gethostname(), "started": "then",
                   "purpose": "run of 2025-07-01", "process_start": None}, handle)
    lines = []
    with output_lock(str(tmp_path), "run of 2025-07-02", 0, lines.append):
        pass
    assert lines == [f"took over the lock of {tmp_path} from pid {dead} on "
                     f"{socket.gethostname()} (run of 2025-07-01, since then), which is no "
                     "longer running"]
    assert os.path.getsize(lock_path(str(tmp_path))) == 0  # released: empty again


def test_a_reused_pid_does_not_keep_a_dead_holders_lock(tmp_path):
    with open(lock_path(str(tmp_path)), "w") as handle:  # our pid, but another process start
        json.dump({"pid": os.getpid(), "host": socket.gethostname(), "started": "then",
                   "purpose": "run", "process_start": 1}, handle)
    lines = []
    with output_lock(str(tmp_path), "run", 0, lines.append):
        pass
    assert len(lines) == 1 and lines[0].startswith("took over")


def test_a_holder_on_another_host_is_not_guessed_dead(tmp_path):
    with open(lock_path(str(tmp_path)), "w") as handle:
        json.dump({"pid": 1, "host": "elsewhere", "started": "then", "purpose": "run"}, handle)
    with pytest.raises(OutputBusy) as refused:
        with output_lock(str(tmp_path), "run", 0, print):
            pass
    assert "pid 1 on elsewhere" in str(refused.value)
    assert f"delete {lock_path(str(tmp_path))}" in str(refused.value)


def test_roots_that_are_not_local_paths_lock_a_local_file():
    path = lock_path("gs://bucket/news")
    assert "://" not in path and path == lock_path("gs://bucket/news/")
    assert path != lock_path("gs://bucket/other")
