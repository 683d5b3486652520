"""The worker processes of a multi-process local run: Beam's own SDK harness, forked from a warm
process.

Beam's FnApiRunner starts each worker with a command line and hands it the runner's addresses in
environment variables. A fresh Python process then spends ~1.5 s importing Beam and khabar's
steps before it can take its first bundle, and every worker pays it again. So the driver starts
one *fork server* (`serving`) as the run begins, which imports all that while the driver builds
the graph. The command Beam runs is a small client (`python -m pipeline.worker --fork-server
PATH`): it sends its environment to the server over a Unix socket, the server forks a worker that
runs the harness with it, and the client waits for the worker's exit status and exits with it.
A worker whose client is killed exits too (its socket closes). Without a server the client runs
the harness itself. PySpark starts its Python workers the same way (`pyspark.daemon`).

A worker killed by a signal (the kernel's out-of-memory killer sends SIGKILL), one whose harness
failed, or one the server could not fork, is reported by the server, its parent, to the driver over a pipe, and the server
stops the run's other workers. Beam's FnApiRunner does not notice a worker lost between bundles:
it would wait for its answer forever, and its clean-up waits for every other worker to exit. So
the driver fails the run itself (`WorkerLost`, raised in its main thread by `failing_when_lost`).

A worker also gives Python's logging a handler before Beam is imported (Beam logs a warning
while it is imported; with no handler, Python would install one that prints every log line of
the worker, per-bundle progress counts among them, on the user's terminal, while the harness
already forwards each line to the driver, whose console filter decides what a user sees), runs
the cycle collector less often, and exits without tearing down its heap.
"""
from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import select
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from typing import Callable, Iterator

FORK_SERVER_OPTION = "--fork-server"
SERVER_START_TIMEOUT = 10.0  # seconds
SERVER_STOP_TIMEOUT = 60.0  # seconds, for workers the runner has already stopped
REPORTS_DRAIN_TIMEOUT = 10.0  # seconds for the last report to pass once the server has exited
REAP_INTERVAL = 0.2  # seconds between the server's checks for workers that died
INTERRUPT_SIGNAL = signal.SIGUSR1  # how the watcher thread wakes the driver's main thread
# Sent by the server to a client it takes, before it forks the client's worker: from then on the
# client waits for that worker's status, even if the worker dies before it reads the request.
_TAKEN = b"taken\n"
_CLIENT_GONE = 3  # a worker's exit status when its client went away first


def _quiet_logging() -> None:
    logging.getLogger().handlers[:] = [logging.NullHandler()]


def _run_harness(argv: list[str]) -> None:
    """Beam's harness in this process, until the runner closes its control stream."""
    # A worker allocates millions of short-lived containers. At the default first threshold
    # (700) the cycle collector ran ~800 times per worker in a 30,000-document run and took 1.1 s
    # of its ~55 s of CPU; at 10,000 it runs ~25 times, 0.15-0.3 s (measured with
    # `gc.callbacks`). Cycles are rare in the steps' data, so the memory it holds back is small.
    gc.set_threshold(10_000)
    from apache_beam.runners.worker import sdk_worker_main
    sdk_worker_main.main(argv)


def _exit(status: int) -> None:
    """Exit without the interpreter's teardown. A worker's bundles, and every file they wrote,
    are finished when its harness returns; the runner waits for each worker to exit before it
    stops the next one, and tearing down a worker's heap took ~0.3 s each."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


class WorkerLost(RuntimeError):
    """A worker process of the run died of a signal, or could not be started: the run cannot
    finish."""


# ---------------------------------------------------------------- the server (driver side)

@contextlib.contextmanager
def serving(on_worker_lost: Callable[[str], None]) -> Iterator[str]:
    """A fork server for this run's workers; yields the worker command line for Beam. The first
    lost worker is described to `on_worker_lost` (from a thread). At the end of the
    block (the runner has stopped every worker by then), or when the driver dies, the server's
    standard input closes: it waits for its workers and exits. Waited for, the workers leave no
    process behind, and their CPU time counts in the driver's (`getrusage` children)."""
    with tempfile.TemporaryDirectory(prefix="khabar-workers-") as folder:
        address = os.path.join(folder, "fork-server")
        reports, report_end = os.pipe()
        try:
            server = subprocess.Popen([sys.executable, "-m", "pipeline.worker", "--serve",
                                       address, str(report_end)],
                                      stdin=subprocess.PIPE, pass_fds=(report_end,))
        finally:
            os.close(report_end)
        watcher = threading.Thread(target=_watch_reports, args=(reports, on_worker_lost),
                                   daemon=True, name="khabar-worker-watch")
        watcher.start()
        _wait_for_socket(server, address)
        try:
            yield " ".join(map(shlex.quote, [sys.executable, "-m", "pipeline.worker",
                                             FORK_SERVER_OPTION, address]))
        finally:
            server.stdin.close()
            try:
                server.wait(timeout=SERVER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            watcher.join(timeout=REPORTS_DRAIN_TIMEOUT)  # no report comes after the block


def _watch_reports(reports: int, on_worker_lost: Callable[[str], None]) -> None:
    """Passes on each line the server reports, until it exits (and its end of the pipe closes)."""
    with os.fdopen(reports, "r", encoding="utf-8") as lines:
        for line in lines:
            on_worker_lost(line.strip())


@contextlib.contextmanager
def failing_when_lost() -> Iterator[Callable[[str], None]]:
    """Yields an `on_worker_lost` for `serving` that makes the block raise `WorkerLost` in this
    (the main) thread, wherever it waits. A signal to the main thread is the one thing that
    interrupts a wait inside Beam; its handler raises once, and is removed after the block
    (`serving` ends first, so no report comes after it)."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda description: None  # cannot interrupt: Beam's own failure handling only
        return
    lost: list[str] = []
    active = True

    def interrupt(description: str) -> None:
        lost.append(description)
        if len(lost) == 1 and active:
            signal.pthread_kill(threading.main_thread().ident, INTERRUPT_SIGNAL)

    def raise_lost(signum, frame) -> None:
        signal.signal(INTERRUPT_SIGNAL, signal.SIG_IGN)
        raise WorkerLost(lost[0])

    previous = signal.signal(INTERRUPT_SIGNAL, raise_lost)
    try:
        yield interrupt
    finally:
        active = False
        signal.signal(INTERRUPT_SIGNAL, previous)


def _describe(pid: int, status: int) -> str | None:
    """What a reaped worker's wait status says, when the worker was lost: it died of a signal,
    or its harness failed. None when it finished, or ended because its client was gone (Beam
    itself gave up on it)."""
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        return None if code in (0, _CLIENT_GONE) else \
            f"worker process {pid} failed (exit status {code}; its error is above)"
    number = os.WTERMSIG(status)
    try:
        name = signal.Signals(number).name
    except ValueError:  # a real-time signal has no name
        name = f"signal {number}"
    why = " (the out-of-memory killer sends it when memory runs out)" \
        if number == signal.SIGKILL else ""
    return f"worker process {pid} was killed by {name}{why}"


def _wait_for_socket(server: subprocess.Popen, address: str) -> None:
    """Until the server listens (it does before its imports: ~0.1 s), so that no client finds
    it missing and starts a cold worker; a server that died or hangs is waited for no longer."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while not os.path.exists(address) and server.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)


def _serve(address: str, reports: int) -> None:
    """Listen first (a client that comes early waits), import what a worker needs, then fork one
    worker per client until the driver closes standard input, and wait for the workers."""
    _quiet_logging()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(f"{address}.binding")
    listener.listen()
    os.rename(f"{address}.binding", address)  # the address appears once it takes connections
    import pipeline.graph  # noqa: F401  (the steps, as the workers will unpickle them)
    from apache_beam.runners.worker import sdk_worker_main  # noqa: F401
    workers = _Workers(reports)
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [], REAP_INTERVAL)
        if sys.stdin in readable:
            while workers.reap(block=True):
                pass
            return
        if listener in readable:
            connection, _ = listener.accept()
            try:
                connection.sendall(_TAKEN)
                pid = os.fork()
            except OSError as error:  # a client already gone needs no worker; no fork is a loss
                if not isinstance(error, (BrokenPipeError, ConnectionResetError)):
                    workers.lost(f"the fork server could not start a worker: {error}")
            else:
                if pid == 0:
                    listener.close()
                    os.close(reports)
                    _work_for(connection)
                workers.started(pid)
            connection.close()
        while workers.reap():
            pass


class _Workers:
    """The server's forked workers (it is their parent). The first one that dies of a signal is
    described on the `reports` pipe, and the others are stopped: the run has failed, and Beam's
    clean-up would wait for a worker that waits for work (the same run's other worker, when one
    was killed before it connected, kept a run hanging in Beam's `close_all`)."""

    def __init__(self, reports: int):
        self._reports = reports
        self._alive: set[int] = set()
        self._lost = False

    def started(self, pid: int) -> None:
        self._alive.add(pid)
        if self._lost:
            self._stop(pid)

    def reap(self, block: bool = False) -> bool:
        """Collects one finished worker (waiting for one if `block`); False when none is left
        to collect."""
        try:
            pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return False
        self._alive.discard(pid)
        description = _describe(pid, status)
        if description:
            self.lost(description)
        return True

    def lost(self, description: str) -> None:
        """Reports the run's first lost worker and stops the others."""
        if self._lost:
            return
        self._lost = True
        with contextlib.suppress(OSError):  # the driver may be gone
            os.write(self._reports, f"{description}\n".encode("utf-8"))
        for other in self._alive:
            self._stop(other)

    @staticmethod
    def _stop(pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def _work_for(connection: socket.socket) -> None:
    """In a forked worker: take the client's environment, run the harness, report how it ended."""
    with connection.makefile("rb") as reader:
        request = json.loads(reader.readline())
    os.environ.clear()
    os.environ.update(request["environment"])
    ending = threading.Event()
    threading.Thread(target=_exit_when_closed, args=(connection, ending), daemon=True).start()
    try:
        _run_harness(request["argv"])
    except BaseException:
        traceback.print_exc()  # on the driver's standard error, as a cold worker's would be
        status = 1
    else:
        status = 0
    ending.set()  # the client leaves once it has the status: this worker exits with it
    connection.sendall(f"{status}\n".encode())
    _exit(status)


def _exit_when_closed(connection: socket.socket, ending: threading.Event) -> None:
    """The client sends nothing after its request: a read returns only when it is gone, and
    unless the worker is already ending, the worker ends too."""
    connection.recv(1)
    if not ending.is_set():
        os._exit(_CLIENT_GONE)


# ---------------------------------------------------------------- the client (Beam's command)

def _ask_server(address: str, argv: list[str]) -> int | None:
    """The exit status of a worker forked for this client; None when no server took the client
    (and only then may the client start a worker itself: a worker of the server's that died
    before it began is a lost worker, and the server reports it)."""
    try:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(address)
        connection.sendall(json.dumps({"environment": dict(os.environ),
                                       "argv": argv}).encode("utf-8") + b"\n")
        reader = connection.makefile("rb")
        if reader.readline() != _TAKEN:
            return None
    except OSError:
        return None
    try:
        status = reader.readline()
    except OSError:
        status = b""
    return int(status) if status.strip() else 1  # no status: the worker died


def main(argv: list[str]) -> None:
    if len(argv) == 4 and argv[1] == "--serve":
        _serve(argv[2], int(argv[3]))
        _exit(0)
    if len(argv) == 3 and argv[1] == FORK_SERVER_OPTION:
        status = _ask_server(argv[2], argv[:1])
        if status is not None:
            sys.exit(status)
    _quiet_logging()
    _run_harness(argv[:1])
    _exit(0)


if __name__ == "__main__":
    main(sys.argv)
