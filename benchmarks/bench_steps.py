"""The pure steps of this checkout against another version's (e.g. `main`): the same outputs,
and the per-record CPU of each step, measured in the same run.

    .venv/bin/python benchmarks/bench_steps.py --reference ../main \
        [--bench-corpus ../scale-data/corpus-30000-seed8] [--check-docs 6000] \
        [--time-docs 3000] [--rounds 3]

Each version runs in its own subprocess with its checkout first on `sys.path` (the harness,
`bench_pipeline.step_costs`, is this checkout's for both, so both run the same chain):
- `outputs`: the chain (read, decode, repair, normalize, limits, langid, boilerplate, local
  dedup) over the shared corpora (`../shared/corpora`) and the first `--check-docs` records of
  the bench corpus; every field of every `Doc`, `Rejection`, rejected step and dedup assignment,
  and each kept document's shingle hashes and MinHash signature, must be equal.
- `steps`: `step_costs` over `--time-docs` bench records, the two versions alternating for
  `--rounds` rounds (the machine is shared: interleaving spreads its noise over both); the
  fastest ms/record of each step and the chain's docs/s from their sum, as reference / this.
- `langid_prefix` (`--langid-chars 300,200`): an output-changing saving measured, not taken:
  `langid.model_chars` below the default 500 (fastText's cost grows with the characters it
  reads), on this checkout: ms/doc of language ID and how many documents of the shared corpora
  and the bench sample change language or confidence.

`--pure-reference` compares this checkout with itself: its compiled step modules (`make
compiled`) against their Python source, outputs and per-step CPU alike.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPORA = REPO.parent / "shared" / "corpora"
RESULTS = REPO / "benchmarks" / "results" / "steps.json"
# `transforms.compiled.PURE_PYTHON_ENV`, spelled out: this process must not import a checkout's
# `transforms` before its workers choose theirs.
PURE_PYTHON_ENV = "KHABAR_PURE_PYTHON"


# ---------------------------------------------------------------- one version (subprocess)

def _plain(value):
    """`value` as builtins only, comparable across two versions' classes."""
    if dataclasses.is_dataclass(value):
        return type(value).__name__, tuple((field.name, _plain(getattr(value, field.name)))
                                           for field in dataclasses.fields(value))
    if isinstance(value, Exception):  # a Reject: its reason, detail and document
        return type(value).__name__, value.reason, value.detail, _plain(value.doc)
    if isinstance(value, dict):
        return tuple(sorted((key, _plain(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_plain(item) for item in value)
    if hasattr(value, "tobytes"):  # numpy arrays
        return value.dtype.str, value.tobytes()
    return value


def chain_outputs(files: list[Path], limit: int) -> list:
    """Every output of the pure chain over the first `limit` records of `files`, as builtins."""
    from bench_pipeline import step_costs
    from pipeline.config import load_config
    from transforms.dedup.shingles import fingerprint
    from transforms.dedup.signatures import minhash_template, signature
    from transforms.model import Doc

    outputs: list = []
    step_costs(files, limit, outputs)
    cfg = load_config(None, []).dedup
    template = minhash_template(cfg.num_perm, cfg.seed)
    features = []
    for doc in (item for item in outputs if isinstance(item, Doc)):
        exact, hashes = fingerprint(doc.text, cfg.shingle_size)
        features.append((doc.id, exact, hashes, signature(hashes, template).hashvalues))
    return [_plain(item) for item in outputs + features]


def langid_prefix_trade(files: list[Path], limit: int, sizes: list[int]) -> dict:
    """ms/doc of `identify_step` and the documents whose `lang` / `lang_confidence` change
    when the identifier reads `sizes` characters instead of the configured number, over the
    first `limit` records of `files` as they reach language ID."""
    from bench_pipeline import first_docs
    from pipeline.config import load_config
    from transforms.decode import decode_step
    from transforms.langid import identify_step, load_langid
    from transforms.limits import check_limits
    from transforms.model import Reject
    from transforms.normalize import basic_normalize_step
    from transforms.repair import build_repairer, repair_step

    config = load_config(None, [])
    docs = first_docs(files, limit, config.read)
    for step, arg in ((decode_step, config.repair), (repair_step, build_repairer(config.repair)),
                      (basic_normalize_step, config.normalize), (check_limits, config.limits)):
        kept = []
        for doc in docs:
            try:
                kept.append(step(doc, arg))
            except Reject:
                pass
        docs = kept
    default = load_langid(config.langid)
    found, cost = {}, {}
    for chars in (default.cfg.model_chars, *sizes):
        state = default._replace(cfg=dataclasses.replace(default.cfg, model_chars=chars))
        started = time.process_time()
        found[chars] = [identify_step(doc, state) for doc in docs]
        cost[chars] = round(1000 * (time.process_time() - started) / len(docs), 3)
    base = found[default.cfg.model_chars]
    return {"documents": len(docs), "ms_per_doc": cost, "changed": {
        chars: {"lang": sum(a.lang != b.lang for a, b in zip(base, found[chars])),
                "lang_confidence": sum(a.lang_confidence != b.lang_confidence
                                       for a, b in zip(base, found[chars]))}
        for chars in sizes}}


def _worker(args) -> None:
    """Runs in a subprocess: this harness, the code of `args.code`."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_pipeline import step_costs  # (puts this checkout on sys.path: first, then theirs)
    sys.path.insert(0, str(Path(args.code).resolve()))
    import transforms
    assert Path(transforms.__file__).resolve().is_relative_to(Path(args.code).resolve())

    files = [Path(name) for name in args.files]
    if args.worker == "outputs":
        with open(args.out, "wb") as out:
            pickle.dump(chain_outputs(files, args.docs), out)
    else:
        print(json.dumps(step_costs(files, args.docs)))


# ---------------------------------------------------------------- both versions

def _run_worker(mode: str, code: Path, files: list[Path], docs: int, out: Path | None = None,
                pure: bool = False):
    """`pure`: the checkout's step modules from their Python source, never compiled copies."""
    command = [sys.executable, __file__, "--worker", mode, "--code", str(code), "--docs", str(docs)]
    if out is not None:
        command += ["--out", str(out)]
    env = {**os.environ, PURE_PYTHON_ENV: "1"} if pure else None
    done = subprocess.run(command + [str(path) for path in files], capture_output=True, text=True,
                          env=env)
    if done.returncode:
        raise RuntimeError(f"{mode} of {code} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def compare_outputs(reference: Path, files: list[Path], docs: int, pure: bool = False) -> dict:
    """Both versions' chain outputs over `files`: how many compared, the first differences.
    `pure`: the reference runs its step modules from source (see `_run_worker`)."""
    with tempfile.TemporaryDirectory() as scratch:
        sides = {}
        for name, code in (("reference", reference), ("this", REPO)):
            _run_worker("outputs", code, files, docs, Path(scratch) / name,
                        pure=pure and name == "reference")
            sides[name] = pickle.loads((Path(scratch) / name).read_bytes())
    ref, this = sides["reference"], sides["this"]
    differing = [i for i, (a, b) in enumerate(zip(ref, this)) if a != b]
    kinds = {kind: sum(1 for item in this if item[0] == kind) for kind in ("Doc", "Rejection")}
    return {"files": [path.name for path in files], "outputs": len(this), **kinds,
            "rejected_by_steps": sum(1 for item in this if item[0] in (
                "boilerplate_strip", "decode", "repair", "normalize_basic", "limits", "langid",
                "normalize_lang")),
            "same_length": len(ref) == len(this), "differing": len(differing),
            "first_differences": [(repr(ref[i])[:2000], repr(this[i])[:2000])
                                  for i in differing[:2]]}


def compare_steps(reference: Path, files: list[Path], docs: int, rounds: int,
                  pure: bool = False) -> dict:
    """Each version's fastest ms/record per step over interleaved rounds, and the ratios. The
    fastest, not the median: on a shared machine other jobs only ever slow a round down (CPU
    time too, through shared caches), so the least disturbed round is the closest to the cost."""
    runs: dict[str, list[dict]] = {"reference": [], "this": []}
    for _ in range(rounds):
        for name, code in (("reference", reference), ("this", REPO)):
            runs[name].append(json.loads(_run_worker("steps", code, files, docs,
                                                     pure=pure and name == "reference")))
    fastest = {name: {step: min(run["ms_per_record"][step] for run in side)
                      for step in side[0]["ms_per_record"]} for name, side in runs.items()}
    table = {step: {"reference_ms": fastest["reference"][step], "this_ms": fastest["this"][step],
                    "ratio": round(fastest["reference"][step] / max(fastest["this"][step], 1e-3), 2)}
             for step in fastest["this"]}
    chain = {name: round(1000 / sum(steps.values()), 1) for name, steps in fastest.items()}
    return {"records": docs, "rounds": rounds, "steps": table, "chain_docs_per_s": chain,
            "chain_ratio": round(chain["this"] / chain["reference"], 2),
            "rounds_chain_docs_per_s": {name: [run["chain_docs_per_s"] for run in side]
                                        for name, side in runs.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, help="checkout of the version to compare with")
    parser.add_argument("--pure-reference", action="store_true",
                        help="compare this checkout's compiled step modules (make compiled) "
                             "with its Python source: the reference is this checkout, run "
                             f"with {PURE_PYTHON_ENV}=1")
    parser.add_argument("--bench-corpus", type=Path,
                        default=REPO.parent / "scale-data" / "corpus-30000-seed8")
    parser.add_argument("--check-docs", type=int, default=6_000)
    parser.add_argument("--time-docs", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=3, help="0: no timing")
    parser.add_argument("--skip-outputs", action="store_true")
    parser.add_argument("--langid-chars", default="",
                        help="comma-separated model_chars to weigh against the default")
    parser.add_argument("--worker", choices=("outputs", "steps"), help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    parser.add_argument("--docs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return _worker(args)
    if args.pure_reference:
        args.reference = args.reference or REPO
    if args.reference is None:
        parser.error("--reference or --pure-reference is required")

    bench_files = sorted(args.bench_corpus.glob("part-*.jsonl"))
    if not bench_files:
        parser.error(f"no part-*.jsonl under {args.bench_corpus} (build_bench_corpus.py)")
    groups = [("bench", bench_files, args.check_docs)]
    if SHARED_CORPORA.exists():
        groups.insert(0, ("shared", sorted(SHARED_CORPORA.glob("*.jsonl")), 10**9))
    result = {}
    if not args.skip_outputs:
        result["outputs"] = {name: compare_outputs(args.reference, files, docs,
                                                   args.pure_reference)
                             for name, files, docs in groups}
        for name, check in result["outputs"].items():
            print(f"outputs {name}: {check['outputs']} compared ({check['Doc']} docs, "
                  f"{check['Rejection']} read rejections, {check['rejected_by_steps']} step "
                  f"rejections), {check['differing']} differ, same length: {check['same_length']}")
    if args.langid_chars:
        sys.path.insert(0, str(REPO))  # this checkout's steps, whichever one is installed
        sizes = [int(size) for size in args.langid_chars.split(",")]
        result["langid_prefix"] = {name: langid_prefix_trade(files, docs, sizes)
                                   for name, files, docs in groups}
        for name, trade in result["langid_prefix"].items():
            print(f"langid_prefix {name}: {trade}")
    if args.rounds:
        result["steps"] = compare_steps(args.reference, bench_files, args.time_docs, args.rounds,
                                        args.pure_reference)
        print(f"{'step':<22}{'reference ms':>14}{'this ms':>10}{'ratio':>8}")
        for step, row in result["steps"]["steps"].items():
            print(f"{step:<22}{row['reference_ms']:>14.3f}{row['this_ms']:>10.3f}"
                  f"{row['ratio']:>8.2f}")
        chain = result["steps"]["chain_docs_per_s"]
        print(f"chain docs/s: reference {chain['reference']}, this {chain['this']} "
              f"(x{result['steps']['chain_ratio']})")
    RESULTS.write_text(json.dumps(result, indent=1, default=repr) + "\n")


if __name__ == "__main__":
    main()
