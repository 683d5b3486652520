"""Builds the throughput benchmark corpus: the 6,000 shared real articles plus perturbed copies.

Each copy is one of: a few word edits, a dropped paragraph, a different site header/footer, or
orthographic variants (Arabic yeh/kaf, ZWNJ as space, tatweel). Copies keep their original's
site and language, so the pipeline finds near-duplicates the way it would in a daily crawl.
Deterministic: one seeded `random.Random` per copy, keyed by the copy number.

    .venv/bin/python benchmarks/build_bench_corpus.py --docs 30000 --out ../khabar-bench

Writes `part-<n>.jsonl` files (never into the repo: the text is the shared corpora's).
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPORA = ("ar.jsonl", "fa.jsonl")
KEPT_FIELDS = ("id", "title", "text", "url", "site", "lang")
HEADERS = ("اخبار عاجل | الرئيسية | رياضة | اقتصاد", "صفحه اصلی | سیاسی | اقتصادی | ورزشی",
           "تابعونا على تويتر وفيسبوك")
FOOTERS = ("جميع الحقوق محفوظة © 2015", "کلیه حقوق این سایت محفوظ است.",
           "للاشتراك في النشرة البريدية اضغط هنا")
ORTHOGRAPHY = (("ی", "ي"), ("ک", "ك"), ("\u200c", " "), ("ة", "ه"), ("أ", "ا"))
DOCS_PER_FILE = 2500


def load_originals(shared: Path = SHARED) -> list[dict]:
    originals = []
    for name in CORPORA:
        with open(shared / "corpora" / name, encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                originals.append({k: record.get(k) for k in KEPT_FIELDS})
    return originals


def _edit_words(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    for _ in range(max(1, len(words) // 60)):
        position = rng.randrange(len(words))
        action = rng.random()
        if action < 0.4 and len(words) > 1:
            del words[position]
        elif action < 0.7:
            words.insert(position, words[rng.randrange(len(words))])
        else:
            words[position] = words[position][::-1]
    return " ".join(words)


def _drop_paragraph(text: str, rng: random.Random) -> str:
    paragraphs = text.split("\n")
    if len(paragraphs) > 2:
        del paragraphs[rng.randrange(len(paragraphs))]
    return "\n".join(paragraphs)


def _header_footer(text: str, rng: random.Random) -> str:
    return f"{rng.choice(HEADERS)}\n{text}\n{rng.choice(FOOTERS)}"


def _orthography(text: str, rng: random.Random) -> str:
    for persian, variant in rng.sample(ORTHOGRAPHY, 2):
        text = text.replace(persian, variant)
    if rng.random() < 0.5:  # tatweel inside a few long words
        words = text.split(" ")
        for _ in range(3):
            position = rng.randrange(len(words))
            if len(words[position]) > 3:
                words[position] = words[position][:2] + "ـ" + words[position][2:]
        text = " ".join(words)
    return text


PERTURBATIONS = (("words", _edit_words), ("paragraph", _drop_paragraph),
                 ("header", _header_footer), ("orthography", _orthography))


def perturbed(original: dict, copy_number: int, seed: int) -> dict:
    rng = random.Random(seed * 1_000_003 + copy_number)
    kind, perturb = PERTURBATIONS[copy_number % len(PERTURBATIONS)]
    return {**original, "id": f"{original['id']}~{kind}{copy_number}",
            "text": perturb(original["text"], rng)}


def build(total: int, seed: int = 8) -> list[dict]:
    """`total` records: the originals, then perturbed copies of originals drawn in a seeded
    order, shuffled with the seed so that any prefix (one file, two files...) is a fair mix
    of languages, sites and copies."""
    originals = load_originals()
    records = list(originals)
    order = random.Random(seed).sample(range(len(originals)), len(originals))
    copy_number = 0
    while len(records) < total:
        records.append(perturbed(originals[order[copy_number % len(order)]], copy_number, seed))
        copy_number += 1
    random.Random(seed + 1).shuffle(records)
    return records[:total]


def write_jsonl(records: list[dict], out: Path, docs_per_file: int = DOCS_PER_FILE) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for start in range(0, len(records), docs_per_file):
        path = out / f"part-{start // docs_per_file:04d}.jsonl"
        with open(path, "w", encoding="utf-8") as handle:
            for record in records[start:start + docs_per_file]:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    paths = write_jsonl(build(args.docs, args.seed), args.out)
    print(f"{args.docs} records in {len(paths)} files under {args.out}")


if __name__ == "__main__":
    main()
