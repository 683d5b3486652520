"""The fork server behind a multi-process run's workers (`pipeline/worker.py`): what its client
does when the server is missing, how a worker's end reaches the runner, that a worker whose
client is killed does not outlive it, and that a worker lost (killed by a signal, or failed)
reaches the driver.
(Every multi-process run in the other tests goes through the server too; a whole run that loses
a worker is `tests/test_faults.py`.)"""
from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from pipeline.worker import (_CLIENT_GONE, _TAKEN, WorkerLost, _ask_server, _describe,
                             failing_when_lost, serving)
from processes import children, exited

REPO = Path(__file__).resolve().parents[1]


def _client(command: str, environment: dict) -> subprocess.Popen:
    return subprocess.Popen(shlex.split(command), cwd=REPO, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_client_without_a_server_starts_no_worker(tmp_path):
    assert _ask_server(str(tmp_path / "no-server"), ["worker"]) is None


def test_a_worker_that_fails_fails_its_client_and_is_reported(capfd):
    """No runner address in the environment: Beam's harness raises at once in the forked worker,
    the client exits with the worker's failure, and the driver hears of a lost worker."""
    environment = {key: value for key, value in os.environ.items()
                   if "API_SERVICE_DESCRIPTOR" not in key}
    lost = []
    with serving(lost.append) as command:
        client = _client(command, environment)
        assert client.wait(timeout=120) == 1
    assert len(lost) == 1 and lost[0].endswith("failed (exit status 1; its error is above)")
    # "above": the worker prints it on the server's standard error, which is the driver's
    assert "KeyError: 'CONTROL_API_SERVICE_DESCRIPTOR'" in capfd.readouterr().err


@contextlib.contextmanager
def _waiting_workers(on_worker_lost, count: int = 1):
    """[(client, forked worker)] for a runner that never answers: the workers wait for it."""
    with socket.socket() as silent_runner, serving(on_worker_lost) as command:
        silent_runner.bind(("localhost", 0))
        silent_runner.listen()
        address = f"url: \"localhost:{silent_runner.getsockname()[1]}\""
        environment = dict(os.environ, CONTROL_API_SERVICE_DESCRIPTOR=address,
                           LOGGING_API_SERVICE_DESCRIPTOR=address)
        pairs = []
        try:
            for _ in range(count):
                client = _client(command, environment)
                pairs.append((client, _forked_worker(client, [w for _, w in pairs])))
            yield pairs
        finally:
            for client, _ in pairs:
                client.kill()
                client.wait()


def test_a_worker_exits_when_its_client_is_killed():
    """Killing the client (as Beam does with a worker it gives up on) ends the forked worker
    too, and that is not reported as a lost worker: it ended itself."""
    lost = []
    with _waiting_workers(lost.append) as [(client, worker)]:
        time.sleep(1)
        assert not exited(worker) and client.poll() is None  # waiting for the silent runner
        client.kill()
        client.wait()
        deadline = time.monotonic() + 30
        while not exited(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert exited(worker)
    assert lost == []


def test_a_worker_killed_by_a_signal_is_reported_and_the_others_stopped():
    """What the out-of-memory killer does: the server, the worker's parent, reports it, and
    stops the run's other worker, which Beam's clean-up would otherwise wait for."""
    lost, reported = [], threading.Event()

    def on_worker_lost(description):
        lost.append(description)
        reported.set()

    with _waiting_workers(on_worker_lost, count=2) as [(client, worker), (other_client, other)]:
        os.kill(worker, signal.SIGKILL)
        assert reported.wait(timeout=30)
        assert client.wait(timeout=30) == 1  # the client saw its worker go without a status
        assert other_client.wait(timeout=30) == 1
        assert exited(other)
    assert lost == [f"worker process {worker} was killed by SIGKILL (the out-of-memory killer "
                    "sends it when memory runs out)"]


def test_a_worker_killed_before_it_reads_its_request_is_lost_not_replaced():
    """The race that hung CI: a worker killed as soon as it was forked. Its client must not
    start a worker of its own (the run would then wait for that one); the server took the
    client, so the client sees its worker end without a status, and the driver hears of it."""
    lost, reported = [], threading.Event()

    def on_worker_lost(description):
        lost.append(description)
        reported.set()

    with serving(on_worker_lost) as command, socket.socket(socket.AF_UNIX) as client:
        client.connect(shlex.split(command)[-1])  # the request is not sent yet
        reader = client.makefile("rb")
        assert reader.readline() == _TAKEN
        worker = _forked_worker(None)  # waiting for the request that will not come
        os.kill(worker, signal.SIGKILL)
        assert reported.wait(timeout=30)
        assert reader.readline() == b""  # `_ask_server` answers 1 for this, not None
    assert lost == [f"worker process {worker} was killed by SIGKILL (the out-of-memory killer "
                    "sends it when memory runs out)"]


@pytest.mark.parametrize("status, description", [
    (0, None),  # finished
    (_CLIENT_GONE << 8, None),  # Beam gave up on it first
    (1 << 8, "worker process 9 failed (exit status 1; its error is above)"),
    (signal.SIGKILL, "worker process 9 was killed by SIGKILL (the out-of-memory killer sends it "
                     "when memory runs out)"),
    (signal.SIGSEGV, "worker process 9 was killed by SIGSEGV"),
    (signal.SIGRTMIN + 3, f"worker process 9 was killed by signal {signal.SIGRTMIN + 3}"),
])
def test_what_a_wait_status_says_about_a_worker(status, description):
    """Raw wait statuses as `waitpid` returns them (exit code in the high byte, signal low)."""
    assert _describe(9, status) == description


def test_a_lost_worker_interrupts_the_main_thread_wherever_it_waits():
    """Beam's runner waits on a lock for a lost worker's answer; the report must end that wait
    with `WorkerLost`, and only once."""
    with pytest.raises(WorkerLost, match="^worker process 7 was killed by SIGTERM$"):
        with failing_when_lost() as on_worker_lost:
            reporter = threading.Timer(0.2, on_worker_lost, ["worker process 7 was killed by "
                                                             "SIGTERM"])
            reporter.start()
            threading.Event().wait(timeout=60)  # an uninterruptible wait would take 60 s
    reporter.join()
    with failing_when_lost() as late:
        pass
    late("worker process 8 was killed by SIGKILL")  # after its block: no signal (SIGUSR1's
    # default action would end this process)


def _forked_worker(client: subprocess.Popen | None, known: list[int] = ()) -> int:
    """The worker forked for `client` (a process, or this one's socket when None): a child of
    the fork server, not one of `known`, that appears once the client has connected (the
    server is the only `--serve` process among our children)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        servers = [pid for pid in children(os.getpid()) if b"--serve" in
                   Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")]
        workers = [pid for server in servers for pid in children(server)
                   if not exited(pid) and pid not in known]
        if workers:
            return workers[0]
        assert client is None or client.poll() is None, client.communicate()
        time.sleep(0.05)
    raise AssertionError("no worker was forked")
