"""`python -m pipeline.compile_steps` (`make compiled`): compiles the step modules with Cython.

What is compiled, and why a compiled module runs only while it matches its source:
`transforms/compiled.py`.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from transforms.compiled import KERNELS, MANIFEST, MODULES, ROOT, source_hash, source_path


def build(modules: frozenset[str] = MODULES | KERNELS, jobs: int = os.cpu_count() or 1) \
        -> list[str]:
    """Compiles `modules` beside their sources and records their hashes; returns them."""
    from Cython.Build import cythonize
    from setuptools import Distribution
    from setuptools.command.build_ext import build_ext

    hashes = {module: source_hash(source_path(module)) for module in sorted(modules)}
    extensions = cythonize(
        [str(source_path(module).relative_to(ROOT)) for module in hashes],
        language_level=3, nthreads=jobs, quiet=True, build_dir=str(ROOT / "build" / "cython"),
        # binding: functions keep Python's introspection (signatures, pickling by name)
        compiler_directives={"binding": True})
    import pyarrow
    for extension in extensions:  # `transforms/dedup/hashing.pyx` takes pyarrow's xxhash.h
        extension.include_dirs.append(pyarrow.get_include())
    distribution = Distribution({"ext_modules": extensions, "script_name": "setup.py"})
    command = build_ext(distribution)
    # Built outside the tree (gcc skips what is up to date there), then renamed into place:
    # a running job keeps the file it loaded instead of seeing it rewritten under it.
    command.build_lib, command.parallel = str(ROOT / "build" / "compiled"), jobs
    command.ensure_finalized()
    command.run()
    for extension in extensions:
        built = Path(command.get_ext_fullpath(extension.name))
        target = ROOT / built.relative_to(command.build_lib)
        staged = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copy2(built, staged)
        os.replace(staged, target)
    MANIFEST.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return sorted(hashes)


def main() -> int:
    """`python -m pipeline.compile_steps`: build, or say why not and leave the source in charge.
    The kernels need a C++ compiler: when the whole build fails, the plain modules are built
    alone, so a machine without g++ still runs them compiled."""
    os.chdir(ROOT)
    built = None
    for modules in (MODULES | KERNELS, MODULES):
        try:
            built = build(modules)
            break
        except Exception as error:  # no Cython, no compiler, no headers: the source still runs
            print(f"compiled steps not built ({type(error).__name__}: {error})"
                  + ("; trying without the kernels" if modules != MODULES else
                     "; the steps run from their Python source"), file=sys.stderr)
    if built is None:
        return 0
    print(f"compiled {len(built)} step modules beside their sources ({MANIFEST.name} holds their "
          "sources' hashes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
