"""Compiled step modules: used only while they match their source, and equal to it in output."""
from __future__ import annotations

import doctest
import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from transforms import compiled

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPORA = REPO.parent / "shared" / "corpora"
BUILT = compiled.matching_modules(compiled.read_manifest())
# Modules whose docstrings hold examples: a compiled one that yields none lost them.
DOCTESTED = {"transforms.boilerplate", "transforms.boilerplate_shape", "transforms.folding",
             "transforms.dedup.shingles"}
needs_build = pytest.mark.skipif(
    not BUILT, reason="no compiled step modules match their source (make compiled)")


def _module_files(root: Path, env: dict | None = None) -> dict[str, str]:
    """The file each listed module is loaded from, in a fresh interpreter rooted at `root`."""
    script = ("import importlib, json\n"
              f"print(json.dumps({{m: importlib.import_module(m).__file__ "
              f"for m in {sorted(compiled.MODULES)!r}}}))")
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                          text=True, env={**os.environ, **(env or {}), "PYTHONPATH": str(root)},
                          check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_guard_hands_out_the_source_of_an_untrusted_module():
    guard = compiled.SourceGuard(trusted=frozenset({"transforms.folding"}))
    spec = guard.find_spec("transforms.langid")
    assert spec is not None and spec.origin == str(REPO / "transforms" / "langid.py")
    assert guard.find_spec("transforms.folding") is None  # trusted: Python's finders decide
    assert guard.find_spec("transforms.model") is None  # not compiled at all


def test_guard_refuses_a_kernel_that_is_not_built_from_its_source():
    """A typed kernel has no Python source to fall back to: its importer catches the error."""
    with pytest.raises(ModuleNotFoundError, match="make compiled"):
        compiled.SourceGuard(trusted=frozenset()).find_spec("transforms.fasttext_lid")
    trusted = compiled.SourceGuard(trusted=frozenset({"transforms.fasttext_lid"}))
    assert trusted.find_spec("transforms.fasttext_lid") is None  # Python's finders load it


def test_a_failed_build_is_retried_without_the_kernels(monkeypatch, capsys):
    """No g++ (the kernels are C++): the plain modules are still built."""
    from pipeline import compile_steps
    asked = []

    def build(modules):
        asked.append(modules)
        if modules & compiled.KERNELS:
            raise RuntimeError("no C++ compiler")
        return sorted(modules)

    monkeypatch.setattr(compile_steps, "build", build)
    monkeypatch.chdir(compiled.ROOT)  # main() works from the repo root
    assert compile_steps.main() == 0
    assert asked == [compiled.MODULES | compiled.KERNELS, compiled.MODULES]
    out = capsys.readouterr()
    assert "trying without the kernels" in out.err and "compiled 10 step modules" in out.out


def test_manifest_trusts_only_modules_whose_source_hash_it_holds():
    current = {module: compiled.source_hash(compiled.source_path(module))
               for module in compiled.MODULES}
    assert compiled.matching_modules(current) == compiled.MODULES
    edited = {**current, "transforms.langid": "0" * 64}
    del edited["transforms.zwnj"]
    assert compiled.matching_modules(edited) == compiled.MODULES - {
        "transforms.langid", "transforms.zwnj"}
    assert compiled.matching_modules({}) == frozenset()


@needs_build
def test_an_edited_step_runs_from_its_source_until_rebuilt(tmp_path):
    """A copy of the built tree: editing one module's source takes its compiled copy out of use,
    the others stay compiled, and KHABAR_PURE_PYTHON takes them all out."""
    shutil.copytree(REPO / "transforms", tmp_path / "transforms",
                    ignore=shutil.ignore_patterns("__pycache__"))
    loaded = _module_files(tmp_path)
    assert all(not path.endswith(".py") for path in loaded.values()), loaded

    with open(tmp_path / "transforms" / "langid.py", "a", encoding="utf-8") as source:
        source.write("\nEDITED = True\n")
    loaded = _module_files(tmp_path)
    assert loaded.pop("transforms.langid") == str(tmp_path / "transforms" / "langid.py")
    assert all(not path.endswith(".py") for path in loaded.values()), loaded

    pure = _module_files(tmp_path, {compiled.PURE_PYTHON_ENV: "1"})
    assert all(path.endswith(".py") for path in pure.values()), pure


@needs_build
def test_compiled_steps_give_the_outputs_of_their_source():
    """Every field of every document, rejection and dedup feature of the chain, compiled against
    source, over the bundled feed and (with ../shared) 400 articles of each corpus."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from bench_steps import compare_outputs
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    groups = [([REPO / "pipeline" / "sample" / "feeds" / "feed.jsonl"], 10**6)]
    if SHARED_CORPORA.exists():
        groups += [([path], 400) for path in sorted(SHARED_CORPORA.glob("*.jsonl"))]
    for files, docs in groups:
        check = compare_outputs(REPO, files, docs, pure=True)
        assert check["same_length"] and check["differing"] == 0, check["first_differences"]
        assert check["Doc"] > 0


@pytest.mark.parametrize("module", sorted(compiled.MODULES))
def test_doctests_hold_for_the_module_as_loaded(module):
    """pytest collects a compiled module's doctests from its source path, which does not
    match the loaded module (conftest.py skips them there): they run here instead."""
    loaded = importlib.import_module(module)
    if module not in compiled.compiled_modules():
        pytest.skip("loaded from source: pytest's doctest collection runs its doctests")
    result = doctest.testmod(loaded)
    assert result.attempted or module not in DOCTESTED
    assert result.failed == 0


@needs_build
def test_run_report_names_the_modules_loaded_compiled():
    from pipeline.report import _versions
    named = _versions()["compiled_steps"].split(", ")
    assert "transforms.langid" in named and "transforms.boilerplate" in named
