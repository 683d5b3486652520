"""Progress of a long run: records read and documents through each stage, rate, elapsed time.

Workers count what passes a few points of the graph (`counted`) and log the count every few
seconds and at the end of each bundle ("khabar progress cleaned +512"): per-bundle log lines,
which every runner keeps (in-process they reach the driver's logging directly, the
multi-process runner forwards its workers' logs to it, Dataflow and Flink keep them with each
worker's logs). Nothing is shared between workers. On the driver, `ProgressDisplay` adds those
lines up and shows them: a bar redrawn every second on a terminal, otherwise a log line every
30 s. The FnApiRunner returns its result only when the run is over, so Beam metrics cannot be
read while it runs; these lines can.
"""
from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from typing import TextIO

import apache_beam as beam

from pipeline.cli import PROGRESS_LOGGER, PROGRESS_MARK

STAGES = ("read", "cleaned", "boilerplate", "deduplicated")
FLUSH_SECONDS = 3.0  # how often a worker logs what went by (and at every bundle end)
TIME_CHECK_EVERY = 64  # elements between clock reads
TERMINAL_SECONDS, LOG_SECONDS = 1.0, 30.0
_PROGRESS = re.compile(re.escape(PROGRESS_MARK) + r" (\w+) \+(\d+)")


class _CountThrough(beam.DoFn):
    """Passes elements on unchanged; logs how many went by every `FLUSH_SECONDS`."""

    def __init__(self, stage: str):
        self._stage = stage
        self._count = 0
        self._flushed_at = 0.0

    def start_bundle(self):
        self._count = 0
        self._flushed_at = time.monotonic()

    def process(self, element):
        self._count += 1
        if self._count % TIME_CHECK_EVERY == 0 and (
                time.monotonic() - self._flushed_at >= FLUSH_SECONDS):
            self._flush()
        yield element

    def finish_bundle(self):
        self._flush()

    def _flush(self):
        if self._count:
            logging.getLogger(PROGRESS_LOGGER).info("%s %s +%d", PROGRESS_MARK, self._stage,
                                                    self._count)
        self._count = 0
        self._flushed_at = time.monotonic()


def counted(pcoll, stage: str, enabled: bool = True):
    """`pcoll`, counted for the progress display under `stage` (one of `STAGES`)."""
    if not enabled:
        return pcoll
    return pcoll | f"Progress[{stage}]" >> beam.ParDo(_CountThrough(stage))


# ----------------------------------------------------------------------------- driver


@dataclass
class Tally:
    """What the workers reported so far, and when each stage first moved."""
    started: float
    counts: dict = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    first_seen: dict = field(default_factory=dict)

    def add(self, stage: str, count: int, now: float) -> None:
        self.counts[stage] = self.counts.get(stage, 0) + count
        self.first_seen.setdefault(stage, now)

    def current(self) -> str | None:
        """The furthest stage that has moved."""
        moved = [s for s in self.counts if self.counts[s]]
        return max(moved, key=_stage_order) if moved else None


def _stage_order(stage: str) -> int:
    return STAGES.index(stage) if stage in STAGES else len(STAGES)


def _elapsed(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def progress_text(tally: Tally, now: float) -> str:
    """'0:42 elapsed · 512/s (boilerplate) · read 30,000 · cleaned 30,000 · boilerplate ...'."""
    text = f"{_elapsed(now - tally.started)} elapsed"
    stage = tally.current()
    if stage is not None:
        # A stage's first line comes at most FLUSH_SECONDS after its first element.
        begun = max(tally.started, tally.first_seen[stage] - FLUSH_SECONDS)
        seconds = max(now - begun, 1.0)
        text += f" · {tally.counts[stage] / seconds:,.0f}/s ({stage})"
    return text + "".join(f" · {stage} {count:,}" for stage, count in tally.counts.items())


def progress_bar(tally: Tally, now: float, width: int) -> str:
    """One terminal line: a bar of the current stage against the records read, then counts."""
    stage = tally.current()
    total = tally.counts.get("read", 0)
    share = tally.counts[stage] / total if stage and stage != "read" and total else 0.0
    cells = 12
    filled = min(cells, int(share * cells))
    bar = "[" + "#" * filled + "." * (cells - filled) + "] "
    return (bar + progress_text(tally, now))[:max(width - 1, 0)]


class _TallyHandler(logging.Handler):
    """Adds up the workers' progress lines (in-process records, or forwarded log entries)."""

    def __init__(self, tally: Tally, lock: threading.Lock):
        super().__init__(level=logging.INFO)
        self._tally = tally
        self._lock = lock

    def emit(self, record: logging.LogRecord) -> None:
        found = _PROGRESS.search(record.getMessage())
        if found:
            with self._lock:
                self._tally.add(found.group(1), int(found.group(2)), time.monotonic())


class ProgressDisplay:
    """`with ProgressDisplay(sys.stderr): run()`: a bar on a terminal, else a line every 30 s."""

    def __init__(self, stream: TextIO, enabled: bool = True):
        self._stream = stream
        self._enabled = enabled
        self._terminal = enabled and stream.isatty()
        self._lock = threading.Lock()
        self._tally = Tally(started=time.monotonic())
        self._handler = _TallyHandler(self._tally, self._lock)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._show, name="khabar-progress", daemon=True)

    def __enter__(self):
        if self._enabled:
            logging.getLogger().addHandler(self._handler)
            self._thread.start()
        return self

    def __exit__(self, *exc_info):
        if self._enabled:
            self._stop.set()
            self._thread.join()
            logging.getLogger().removeHandler(self._handler)
            if self._terminal:
                self._stream.write("\r\033[K")
                self._stream.flush()

    def _show(self):
        interval = TERMINAL_SECONDS if self._terminal else LOG_SECONDS
        while not self._stop.wait(interval):
            with self._lock:
                now = time.monotonic()
                if self._terminal:
                    bar = progress_bar(self._tally, now, shutil.get_terminal_size().columns)
                else:
                    text = progress_text(self._tally, now)
            if self._terminal:
                self._stream.write("\r\033[K" + bar)
                self._stream.flush()
            else:
                logging.getLogger("khabar").info("progress: %s", text)
