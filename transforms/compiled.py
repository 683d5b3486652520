"""Compiled copies of the per-document step modules, used only while they match their source.

The steps are plain Python; Cython compiles the same files unchanged (no type declarations)
into extension modules beside them, which run the step chain ~7% faster with identical outputs
(README: *Speed, measured*). `KERNELS` are the exception: `.pyx` sources with C types and no
Python module of their own; whoever imports one catches the ImportError it raises when it is
not built or stale, and runs its Python code instead. `python -m pipeline.compile_steps` builds them
and records each source's hash in `MANIFEST`. An extension module beside its `.py` would shadow it
for good, so `SourceGuard` (installed by `transforms/__init__.py`, ahead of Python's own finders)
hands a listed module its `.py` unless the manifest holds that file's current hash: editing a
step takes effect at once, with no stale build to remember. `KHABAR_PURE_PYTHON=1` ignores the
compiled modules altogether.

Nothing else depends on them: without a build (no compiler, a distributed runner's workers
installing from `--setup_file`) every module runs from its source.
"""
from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
# The step modules that dominate a worker's CPU, as module names.
MODULES = frozenset((
    "transforms.boilerplate", "transforms.boilerplate_shape", "transforms.charclass",
    "transforms.folding", "transforms.langid", "transforms.normalize", "transforms.repair",
    "transforms.zwnj", "transforms.dedup.shingles", "transforms.dedup.signatures",
))
# Typed Cython sources (`.pyx`), compiled or not importable at all.
KERNELS = frozenset(("transforms.fasttext_lid", "transforms.letter_census",
                     "transforms.dedup.hashing"))
MANIFEST = ROOT / "transforms" / ".compiled.json"
PURE_PYTHON_ENV = "KHABAR_PURE_PYTHON"


def source_path(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".pyx" if module in KERNELS else ".py")


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(path: Path = MANIFEST) -> dict[str, str]:
    """module -> hash of the source its extension module was built from ({} without a build)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def matching_modules(manifest: dict[str, str]) -> frozenset[str]:
    """The listed modules whose source is the one their extension was built from."""
    return frozenset(module for module in MODULES | KERNELS
                     if module in manifest and source_path(module).is_file()
                     and manifest[module] == source_hash(source_path(module)))


class SourceGuard(importlib.abc.MetaPathFinder):
    """Loads a listed module from its `.py` unless its extension module is trusted."""

    def __init__(self, trusted: frozenset[str]):
        self.trusted = trusted

    def find_spec(self, name, path=None, target=None) -> Optional[importlib.machinery.ModuleSpec]:
        if name in KERNELS and name not in self.trusted:
            raise ModuleNotFoundError(f"{name} is not built from its current source "
                                      "(`make compiled`)", name=name)
        if name not in MODULES or name in self.trusted or not source_path(name).is_file():
            return None  # Python's own finders: they prefer the extension module
        return importlib.util.spec_from_file_location(name, source_path(name))


def install_guard() -> SourceGuard:
    """Puts the guard first on `sys.meta_path` (once per process) and returns it."""
    for finder in sys.meta_path:
        if isinstance(finder, SourceGuard):
            return finder
    trusted = frozenset() if os.environ.get(PURE_PYTHON_ENV) else \
        matching_modules(read_manifest())
    guard = SourceGuard(trusted)
    sys.meta_path.insert(0, guard)
    return guard


def compiled_modules() -> list[str]:
    """The listed modules this process runs compiled (for run reports and tests)."""
    return sorted(name for name in MODULES | KERNELS
                  if getattr(sys.modules.get(name), "__file__", "").endswith(
                      tuple(importlib.machinery.EXTENSION_SUFFIXES)))
