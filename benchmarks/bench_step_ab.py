"""Per-document CPU of the pure steps, this checkout against another one (e.g. `main`),
interleaved batch by batch.

    .venv/bin/python benchmarks/bench_step_ab.py --reference ../main \
        [--bench-corpus ../scale-data/corpus-30000-seed8] [--docs 3000] [--rounds 5] [--batch 100]

`bench_steps.py` alternates whole runs of the chain, seconds each; on a shared machine the load
drifts over seconds, and its rounds differ by up to 20% per step, more than one change to a step
saves. Here each version runs in its own long-lived subprocess (its checkout first on
`sys.path`), both read the same inputs of each step (the records as this checkout's chain hands
them to it, built once), and they are asked in turn to run one batch of `--batch` records: the
load a batch sees is the load its twin saw. Each batch's fastest CPU time over `--rounds` is
kept, summed per step. Language ID includes the identifier's `predict`: each round starts with a
new identifier (empty line-score and word caches, built outside the timing), so every batch meets
the caches a worker's identifier has after the batches before it. Outputs are compared by
`bench_steps.py`, not here.
"""
from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "step_ab.json"
STEPS = ("langid", "normalize_lang", "boilerplate_signals", "boilerplate_strip",
         "dedup_features")


# ---------------------------------------------------------------- inputs (this checkout)

def step_inputs(files: list[Path], limit: int) -> dict:
    """The documents each timed step receives, from the first `limit` records of `files` (the
    dedup features: the stripped texts), and the strip step's side inputs ("signals")."""
    from bench_pipeline import clean_chain, corpus_signals, first_docs
    from pipeline.config import load_config
    from transforms.boilerplate import load_boilerplate, strip_step
    from transforms.langid import load_langid
    from transforms.repair import build_repairer

    config = load_config(None, [])
    docs = first_docs(files, limit, config.read)
    inputs = {}
    for name, step, arg in clean_chain(config, build_repairer(config.repair),
                                       load_langid(config.langid)):
        inputs[name] = docs
        docs = _kept(step, docs, arg)
    inputs["boilerplate_signals"] = inputs["boilerplate_strip"] = docs
    inputs["signals"] = common, titles = corpus_signals(docs, config.boilerplate)
    stripped = _kept(strip_step, docs, load_boilerplate(config.boilerplate), common, titles)
    inputs["dedup_features"] = [doc.text for doc in stripped]
    return {name: inputs[name] for name in (*STEPS, "signals")}


def _kept(step, docs: list, *args) -> list:
    """The documents `step` returns, those it rejects left out."""
    from transforms.model import Reject

    kept = []
    for doc in docs:
        try:
            kept.append(step(doc, *args))
        except Reject:
            continue
    return kept


# ---------------------------------------------------------------- one version (subprocess)

def _step_runners(inputs: dict) -> tuple[dict, Callable[[], None]]:
    """Each timed step as a function of a list of its inputs, with this process's code, and
    what starts a new round (a new identifier for language ID)."""
    from pipeline.config import load_config
    from transforms.boilerplate import load_boilerplate, strip_step
    from transforms.boilerplate_beam import site_line_keys, title_hashes
    from transforms.dedup.shingles import fingerprint
    from transforms.dedup.signatures import band_keys, minhash_template
    from transforms.langid import identify_step, load_langid
    from transforms.normalize import normalize_step

    config = load_config(None, [])
    langid = [load_langid(config.langid)]

    def new_round():
        langid[0] = load_langid(config.langid)

    boilerplate = load_boilerplate(config.boilerplate)
    common, titles = inputs["signals"]
    template = minhash_template(config.dedup.num_perm, config.dedup.seed)

    layout = config.dedup.band_layout

    def features(texts):  # what `_ComputeFeatures` does per document
        for text in texts:
            band_keys(fingerprint(text, config.dedup.shingle_size)[1], template, layout)

    return {"langid": lambda docs: [identify_step(doc, langid[0]) for doc in docs],
            "normalize_lang": lambda docs: [normalize_step(doc, config.normalize) for doc in docs],
            "boilerplate_signals": lambda docs: [(site_line_keys(doc, config.boilerplate),
                                                  title_hashes(doc, config.boilerplate))
                                                 for doc in docs],
            "boilerplate_strip": lambda docs: _kept(strip_step, docs, boilerplate, common, titles),
            "dedup_features": features}, new_round


def _serve(code: Path, inputs_path: Path) -> None:
    """Runs in a subprocess: answers "step start end" lines with the batch's CPU seconds."""
    sys.path.insert(0, str(code.resolve()))
    import transforms
    assert Path(transforms.__file__).resolve().is_relative_to(code.resolve())
    with open(inputs_path, "rb") as stream:
        inputs = pickle.load(stream)
    runners, new_round = _step_runners(inputs)
    print("ready", flush=True)
    for line in sys.stdin:
        step, start, end = line.split()
        if step == "langid" and int(start) == 0:
            new_round()
        batch = inputs[step][int(start):int(end)]
        started = time.process_time()
        runners[step](batch)
        print(time.process_time() - started, flush=True)


# ---------------------------------------------------------------- both versions

def _start(code: Path, inputs_path: Path) -> subprocess.Popen:
    worker = subprocess.Popen([sys.executable, __file__, "--serve", str(code), str(inputs_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if worker.stdout.readline().strip() != "ready":
        raise RuntimeError(f"the worker of {code} did not start")
    return worker


def _ask(worker: subprocess.Popen, step: str, start: int, end: int) -> float:
    worker.stdin.write(f"{step} {start} {end}\n")
    worker.stdin.flush()
    return float(worker.stdout.readline())


def compare(reference: Path, inputs: dict, rounds: int, batch: int) -> dict:
    """ms/doc of each step for both versions: the sum over batches of each batch's fastest CPU
    time, the two versions asked in turn for every batch (which one first alternates)."""
    with tempfile.TemporaryDirectory() as scratch:
        inputs_path = Path(scratch) / "inputs.pickle"
        inputs_path.write_bytes(pickle.dumps(inputs))
        workers = {"reference": _start(reference, inputs_path), "this": _start(REPO, inputs_path)}
        try:
            fastest: dict = defaultdict(dict)
            for round_ in range(rounds):
                for step in STEPS:
                    for number, start in enumerate(range(0, len(inputs[step]), batch)):
                        order = ("reference", "this") if (round_ + number) % 2 else \
                            ("this", "reference")
                        for name in order:
                            seconds = _ask(workers[name], step, start, start + batch)
                            key = (step, start)
                            fastest[name][key] = min(fastest[name].get(key, seconds), seconds)
        finally:
            for worker in workers.values():
                worker.stdin.close()
                worker.wait()
    table = {}
    for step in STEPS:
        ms = {name: 1000 * sum(seconds for (timed, _), seconds in fastest[name].items()
                               if timed == step) / max(len(inputs[step]), 1)
              for name in workers}
        table[step] = {"reference_ms": round(ms["reference"], 4), "this_ms": round(ms["this"], 4),
                       "ratio": round(ms["reference"] / max(ms["this"], 1e-6), 3)}
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path)
    parser.add_argument("--bench-corpus", type=Path,
                        default=REPO.parent / "scale-data" / "corpus-30000-seed8")
    parser.add_argument("--docs", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--serve", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return _serve(*args.serve)
    if args.reference is None:
        parser.error("--reference is required")
    sys.path.insert(0, str(REPO))
    files = sorted(args.bench_corpus.glob("part-*.jsonl"))
    if not files:
        parser.error(f"no part-*.jsonl under {args.bench_corpus} (build_bench_corpus.py)")
    table = compare(args.reference, step_inputs(files, args.docs), args.rounds, args.batch)
    print(f"{'step':<22}{'reference ms':>14}{'this ms':>10}{'ratio':>8}")
    for step, row in table.items():
        print(f"{step:<22}{row['reference_ms']:>14.4f}{row['this_ms']:>10.4f}{row['ratio']:>8.3f}")
    RESULTS.write_text(json.dumps({"records": args.docs, "rounds": args.rounds,
                                   "batch": args.batch, "steps": table}, indent=1) + "\n")


if __name__ == "__main__":
    main()
