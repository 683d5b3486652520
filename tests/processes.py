"""What /proc says of the processes a test starts: its fields, a process's children and
descendants, whether one has exited (Linux only, as the tests that use it)."""
from __future__ import annotations

from pathlib import Path


def proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (which may contain spaces): [0] is the
    state, [1] the parent's pid; None once the process is reaped."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := proc_stat(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def children(parent: int) -> list[int]:
    return sorted(_children_by_parent().get(parent, []))


def descendants(root: int) -> list[int]:
    by_parent = _children_by_parent()
    found, frontier = [], [root]
    while frontier:
        kids = by_parent.get(frontier.pop(), [])
        found += kids
        frontier += kids
    return sorted(found)


def exited(pid: int) -> bool:
    """Reaped, or a zombie waiting for its parent to reap it."""
    fields = proc_stat(pid)
    return fields is None or fields[0] == "Z"
