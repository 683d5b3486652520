"""pytest's doctest collection imports each module from its `.py` path, which a module loaded
compiled (transforms/compiled.py) cannot match: those modules' doctests run from
`tests/test_compiled.py` on the loaded module instead."""
import importlib
from pathlib import Path

from transforms import compiled

for _module in sorted(compiled.MODULES):
    importlib.import_module(_module)
_LOADED_COMPILED = frozenset(compiled.source_path(module) for module in compiled.compiled_modules())


def pytest_ignore_collect(collection_path: Path, config):
    return True if collection_path in _LOADED_COMPILED else None
