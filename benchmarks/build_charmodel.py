"""Build `transforms/data/charbigram.json` (character-bigram counts) from ../shared/corpora.

Only the training half of each corpus is read: a record is in the training half when
crc32(id) is even (`is_training_record`); `bench_repair.py` evaluates on the other half.
The output holds counts only, no text.

    .venv/bin/python benchmarks/build_charmodel.py [--corpora DIR] [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from transforms.charmodel import MODEL_PATH, count_bigrams  # noqa: E402

DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
CORPUS_FILES = ("ar.jsonl", "fa.jsonl")
MIN_CHAR_COUNT = 30
MIN_BIGRAM_COUNT = 2


def is_training_record(record_id: str) -> bool:
    return zlib.crc32(record_id.encode("utf-8")) % 2 == 0


def training_lines(corpora: Path):
    for name in CORPUS_FILES:
        with open(corpora / name, encoding="utf-8") as f:
            for raw in f:
                record = json.loads(raw)
                if not is_training_record(record["id"]):
                    continue
                for field in ("title", "text"):
                    value = record.get(field)
                    if isinstance(value, str):
                        yield from (line for line in value.split("\n") if line.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    counts = count_bigrams(training_lines(args.corpora), MIN_CHAR_COUNT)
    counts["bigrams"] = {p: c for p, c in counts["bigrams"].items() if c >= MIN_BIGRAM_COUNT}
    counts["about"] = (f"character-bigram counts from the crc32-even half of {', '.join(CORPUS_FILES)}; "
                       f"vocabulary = chars seen >= {MIN_CHAR_COUNT} times, bigrams kept when seen "
                       f">= {MIN_BIGRAM_COUNT} times; built by benchmarks/build_charmodel.py")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(counts, f, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    print(f"{args.out}: {len(counts['unigrams'])} symbols, {len(counts['bigrams'])} bigrams, "
          f"{args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
