"""The fork server behind a multi-process run's workers (`pipeline/worker.py`): what its client
does when the server is missing, how a worker's end reaches the runner, and that a worker whose
client is killed does not outlive it. (Every multi-process run in the other tests goes through
the server too.)"""
from __future__ import annotations

import os
import shlex
import socket
import subprocess
import time
from pathlib import Path

from pipeline.worker import _ask_server, serving
from processes import children, exited

REPO = Path(__file__).resolve().parents[1]


def _client(command: str, environment: dict) -> subprocess.Popen:
    return subprocess.Popen(shlex.split(command), cwd=REPO, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_client_without_a_server_starts_no_worker(tmp_path):
    assert _ask_server(str(tmp_path / "no-server"), ["worker"]) is None


def test_a_worker_that_fails_fails_its_client():
    """No runner address in the environment: Beam's harness raises at once in the forked worker,
    and the client exits with the worker's failure."""
    environment = {key: value for key, value in os.environ.items()
                   if "API_SERVICE_DESCRIPTOR" not in key}
    with serving() as command:
        client = _client(command, environment)
        assert client.wait(timeout=120) == 1


def test_a_worker_exits_when_its_client_is_killed():
    """A runner that never answers keeps the worker waiting; killing the client (as Beam does
    with a worker it gives up on) ends the forked worker too."""
    with socket.socket() as silent_runner, serving() as command:
        silent_runner.bind(("localhost", 0))
        silent_runner.listen()
        address = f"url: \"localhost:{silent_runner.getsockname()[1]}\""
        environment = dict(os.environ, CONTROL_API_SERVICE_DESCRIPTOR=address,
                           LOGGING_API_SERVICE_DESCRIPTOR=address)
        client = _client(command, environment)
        worker = _forked_worker(client)
        time.sleep(1)
        assert not exited(worker) and client.poll() is None  # waiting for the silent runner
        client.kill()
        client.wait()
        deadline = time.monotonic() + 30
        while not exited(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert exited(worker)


def _forked_worker(client: subprocess.Popen) -> int:
    """The worker forked for `client`: a child of the fork server that appears once the client
    has connected (the server is the only `--serve` process among our children)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        servers = [pid for pid in children(os.getpid()) if b"--serve" in
                   Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")]
        workers = [pid for server in servers for pid in children(server) if not exited(pid)]
        if workers:
            return workers[0]
        assert client.poll() is None, client.communicate()
        time.sleep(0.05)
    raise AssertionError("no worker was forked")
