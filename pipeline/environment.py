"""Failures of the machine, not of the data: a full disk, a permission, an output that went away.

They surface anywhere: in a Beam worker writing a staged file (where the runner hands the driver
only the worker's traceback as text), or in the driver writing the journal or renaming a file
(where Beam wraps the OSError in an IOError inside a BeamIOError). `diagnose` finds the first
OS error in an exception, its chain or its text, and turns it into one line that names the cause
and what to do; anything else is not an environment failure and is left to propagate.
"""
from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
from dataclasses import dataclass
from typing import Iterator

# errno -> (what happened, what the user does about it)
CAUSES = {
    errno.ENOSPC: ("the output filesystem is full", "free space on it"),
    errno.EDQUOT: ("the disk quota of the output filesystem is used up",
                   "free space or raise the quota"),
    errno.EACCES: ("permission denied on the output", "give this user write access to it"),
    errno.EPERM: ("permission denied on the output", "give this user write access to it"),
    errno.EROFS: ("the output filesystem is read-only",
                  "remount it read-write or pick another --output"),
    errno.EIO: ("an I/O error on the output filesystem", "check the disk or the mount"),
    errno.ESTALE: ("the output filesystem went away (stale handle)", "remount it"),
    errno.ENOTCONN: ("the output filesystem is disconnected", "remount it"),
    errno.ENODEV: ("the output filesystem went away", "remount it"),
    errno.ENOTDIR: ("the output path runs through a file", "pick another --output"),
    errno.EEXIST: ("the output path is a file, not a folder", "pick another --output"),
}
# Errors that are the environment's fault only inside the output root: a missing folder there
# means the root was deleted or unmounted under the run; a missing or forbidden input file is the
# data's (a rejected row), not the output's.
WHERE_IT_MATTERS = (errno.ENOENT, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EEXIST)
LOST = ("the output folder disappeared during the run", "check what removed or unmounted it")
BEAM_STEP_LOGGER = "apache_beam.runners.common"  # logs a failing bundle's traceback, then raises
ERRNO_TEXT = re.compile(r"\[Errno (\d+)\] ([^:'\n\]]+)(?:: '([^'\n]*)')?")


@dataclass(frozen=True)
class EnvironmentFailure:
    """One OS error that stopped the run, with where it struck."""
    code: int
    strerror: str
    filename: str | None

    def message(self, output: str, pending_date: str | None) -> str:
        """One line: what happened, where, what to do, and what became of the output."""
        cause, remedy = CAUSES.get(self.code, LOST)
        where = f" at {self.filename}" if self.filename else ""
        outcome = (f"the next khabar command on {output} finishes the commit of {pending_date}"
                   if pending_date else "committed dates are unchanged")
        return f"{cause} ({self.strerror}{where}); {remedy} and run again; {outcome}"


def _exceptions(error: BaseException):
    """The error, its causes and contexts, and the exceptions Beam nests in args or details."""
    seen, pending = set(), [error]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [current.__cause__, current.__context__]
        pending += [arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)]
        details = getattr(current, "exception_details", None)
        if isinstance(details, dict):
            pending += [value for value in details.values() if isinstance(value, BaseException)]


def _is_under(filename: str, output: str) -> bool:
    roots = {output.rstrip("/")} | ({os.path.abspath(output)} if "://" not in output else set())
    return any(filename == root or filename.startswith(root + "/") for root in roots)


def _is_environmental(code: int, filename: str | None, output: str) -> bool:
    if code not in CAUSES and code != errno.ENOENT:
        return False
    if code in WHERE_IT_MATTERS:
        return _is_under(filename, output) if filename else code != errno.ENOENT
    return True


def diagnose(error: BaseException, output: str) -> EnvironmentFailure | None:
    """The environment failure behind `error`, or None when it is something else."""
    texts = []
    for current in _exceptions(error):
        if isinstance(current, OSError) and current.errno is not None:
            filename = current.filename if isinstance(current.filename, str) else None
            if _is_environmental(current.errno, filename, output):
                return EnvironmentFailure(current.errno, current.strerror or "", filename)
        texts.append(str(current))
    for match in ERRNO_TEXT.finditer("\n".join(texts)):
        code, strerror, filename = int(match.group(1)), match.group(2).strip(), match.group(3)
        if _is_environmental(code, filename, output):
            return EnvironmentFailure(code, strerror, filename)
    return None


class _DropEnvironmentTracebacks(logging.Filter):
    def __init__(self, output: str):
        super().__init__()
        self._output = output

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return error is None or diagnose(error, self._output) is None


@contextlib.contextmanager
def one_line_environment_failures(output: str) -> Iterator[None]:
    """While the block runs, Beam does not log the traceback of a step that failed for an
    environment reason: the driver reports that failure in one line. In-process runners only;
    worker processes log on their own."""
    quiet = _DropEnvironmentTracebacks(output)
    logger = logging.getLogger(BEAM_STEP_LOGGER)
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)
