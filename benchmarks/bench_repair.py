"""Benchmark the decode and repair steps on ../shared (corpora, ftfy cases); table + JSON.

    .venv/bin/python benchmarks/bench_repair.py [--lines 2000] [--docs 300]

Sections (all text from the evaluation half of the corpora: crc32(id) odd, the half the
character model was NOT built from):
  1. line repair: random lines (seed 7, >= 20 chars, >= 5 Arabic-block chars) corrupted the way
     shared/benchmarks/mojibake_eval/README.md describes; exact = our repair of the corrupted line
     equals our repair of the clean line (so the documented normalizations cancel out), per kind
     and language, with plain ftfy.fix_text(bad) == s as the baseline. Lossy kinds reported only.
  2. mixed documents: 8-line chunks with every other line corrupted by a random reversible kind.
  3. whole-file decoding: every article encoded in each encoding (legacy ones only when the
     article is encodable), whole and cut to its first 80 characters.
  4. clean corpora: every title/text/abstract field of all 6,000 articles; changed fields per fix.
  5. ftfy's own test cases through repair_text.
  6. throughput on the clean fields, as a ratio to ftfy.fix_text in the same run.
Needs `arabic-reshaper` and `python-bidi` (presentation-form corruption only; the benchmark's
own dependencies, not the pipeline's).
"""
from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import time
import zlib
from pathlib import Path

import ftfy
import regex

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from transforms.decode import decode_bytes, remove_decode_debris  # noqa: E402
from transforms.model import Reject  # noqa: E402
from transforms.repair import RepairConfig, repair_text  # noqa: E402

SHARED = REPO.parent / "shared"
CORPORA = SHARED / "corpora"
FTFY_CASES = SHARED / "benchmarks" / "ftfy_cases" / "v6.3.1" / "test_cases.json"
RESULTS = REPO / "benchmarks" / "results" / "repair.json"
ARABIC_BLOCK = regex.compile(r"[\u0600-\u06FF]")
TARGET_EXACT = 0.995


def is_eval_record(record_id: str) -> bool:
    return zlib.crc32(record_id.encode("utf-8")) % 2 == 1


def load_records(lang: str) -> list[dict]:
    with open(CORPORA / f"{lang}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


# --- corruptions -------------------------------------------------------------------------------

def _reshaper():
    import arabic_reshaper
    return arabic_reshaper.ArabicReshaper({"delete_harakat": False, "support_ligatures": True})


_RESHAPER = _reshaper()


def html_entities(s: str, hexadecimal: bool) -> str:
    return "".join(ch if ord(ch) < 128 else (f"&#x{ord(ch):X};" if hexadecimal else f"&#{ord(ch)};")
                   for ch in s)


def reversible_corruptions(reshaper) -> dict:
    utf8 = lambda s: s.encode("utf-8")  # noqa: E731
    return {
        "utf8_as_cp1252": lambda s: utf8(s).decode("sloppy-windows-1252"),
        "utf8_as_latin1": lambda s: utf8(s).decode("latin-1"),
        "utf8_as_cp1252_twice": lambda s: utf8(utf8(s).decode("sloppy-windows-1252"))
        .decode("sloppy-windows-1252"),
        "utf8_as_cp1256": lambda s: utf8(s).decode("cp1256"),
        "utf8_as_mac_arabic": lambda s: utf8(s).decode("mac_arabic"),
        "utf16le_as_latin1": lambda s: s.encode("utf-16-le").decode("latin-1"),
        "html_decimal": lambda s: html_entities(s, False),
        "html_hex": lambda s: html_entities(s, True),
        "presentation_forms": reshaper.reshape,
        "presentation_forms_visual": lambda s: visual_order(reshaper.reshape(s)),
    }


def visual_order(s: str) -> str:
    """What PDF text extraction gives: the Unicode bidi algorithm's display order (python-bidi),
    right-to-left runs reversed and mirrored, Latin and digit runs left-to-right."""
    from bidi import get_display
    return get_display(s, base_dir="R")


LOSSY_CORRUPTIONS = {
    # Reversing every character also reverses digits and Latin words, which cannot be told apart
    # from text written that way; reported only.
    "presentation_forms_all_chars_reversed": lambda s: _RESHAPER.reshape(s)[::-1],
    "utf8_as_cp1252_replace": lambda s: s.encode("utf-8").decode("cp1252", errors="replace"),
    "utf8_as_iso8859_6_replace": lambda s: s.encode("utf-8").decode("iso-8859-6", errors="replace"),
    "utf8_as_utf16le_replace": lambda s: s.encode("utf-8").decode("utf-16-le", errors="replace"),
}
MIXED_KINDS = ("utf8_as_cp1252", "utf8_as_latin1", "utf8_as_cp1252_twice", "utf8_as_cp1256",
               "utf8_as_mac_arabic", "html_decimal", "presentation_forms")


def fold_persian_yeh_kaf(text: str, lang: str) -> str:
    """Persian orthography's ی/ک, for comparing Persian lines whose source used Arabic ي/ك."""
    return text.replace("ي", "ی").replace("ك", "ک") if lang == "fa" else text


def sample_lines(records: list[dict], n: int, rng: random.Random) -> list[str]:
    lines = [line for r in records if is_eval_record(r["id"])
             for line in r["text"].split("\n")
             if len(line) >= 20 and len(ARABIC_BLOCK.findall(line)) >= 5]
    return rng.sample(lines, min(n, len(lines)))


def line_repair_section(records_by_lang, n_lines, cfg, reshaper) -> dict:
    out = {}
    corruptions = reversible_corruptions(reshaper)
    for lang, records in records_by_lang.items():
        lines = sample_lines(records, n_lines, random.Random(7))
        expected = [repair_text(s, cfg)[0] for s in lines]
        for kind, corrupt in {**corruptions, **LOSSY_CORRUPTIONS}.items():
            exact = folded = ftfy_exact = changed_clean = 0
            failures = []
            for s, want in zip(lines, expected):
                bad = corrupt(s)
                got = repair_text(bad, cfg)[0]
                exact += got == want
                folded += fold_persian_yeh_kaf(got, lang) == fold_persian_yeh_kaf(want, lang)
                ftfy_exact += ftfy.fix_text(bad) == s
                changed_clean += want != s
                if got != want and len(failures) < 3:
                    failures.append({"want": want[:80], "got": got[:80]})
            n = len(lines)
            out[f"{lang}|{kind}"] = {
                "lines": n, "lossy": kind in LOSSY_CORRUPTIONS,
                "exact": exact / n, "exact_yeh_kaf_folded": folded / n,
                "ftfy_fix_text_exact": ftfy_exact / n, "failures": failures,
            }
    return out


def mixed_documents_section(records_by_lang, cfg, reshaper) -> dict:
    corruptions = reversible_corruptions(reshaper)
    out = {}
    for lang, records in records_by_lang.items():
        rng = random.Random(11)
        docs = exact = 0
        for record in records:
            if not is_eval_record(record["id"]):
                continue
            lines = [line for line in record["text"].split("\n") if line.strip()][:8]
            if len(lines) < 4:
                continue
            bad = [corruptions[rng.choice(MIXED_KINDS)](line) if i % 2 else line
                   for i, line in enumerate(lines)]
            want = repair_text("\n".join(lines), cfg)[0]
            got = repair_text("\n".join(bad), cfg)[0]
            docs += 1
            exact += fold_persian_yeh_kaf(got, lang) == fold_persian_yeh_kaf(want, lang)
        out[lang] = {"docs": docs, "exact_yeh_kaf_folded": exact / docs}
    return out


# --- whole-file decoding -----------------------------------------------------------------------

FILE_ENCODINGS = {
    "utf-8": lambda s: s.encode("utf-8"),
    "utf-8-sig": lambda s: s.encode("utf-8-sig"),
    "utf-16-le+bom": lambda s: b"\xff\xfe" + s.encode("utf-16-le"),
    "utf-16-be+bom": lambda s: b"\xfe\xff" + s.encode("utf-16-be"),
    "utf-16-le": lambda s: s.encode("utf-16-le"),
    "utf-16-be": lambda s: s.encode("utf-16-be"),
    "cp1256": lambda s: s.encode("cp1256"),
    "iso-8859-6": lambda s: s.encode("iso-8859-6"),
    "mac-arabic": lambda s: s.encode("mac_arabic"),
}


def decode_section(records_by_lang, n_docs, cfg) -> dict:
    out = {}
    for lang, records in records_by_lang.items():
        texts = [r["text"] for r in records if is_eval_record(r["id"])][:n_docs]
        for length_name, cut in (("full", None), ("80 chars", 80)):
            for name, encode in FILE_ENCODINGS.items():
                ok = total = 0
                for text in texts:
                    text = text[:cut].strip() if cut else text
                    if name == "cp1256":
                        # cp1256 has no FARSI YEH: legacy Persian files wrote Arabic yeh.
                        text = text.replace("ی", "ي")
                    try:
                        raw = encode(text)
                    except UnicodeEncodeError:
                        continue
                    want = remove_decode_debris(text)[0]
                    total += 1
                    try:
                        ok += decode_bytes(raw, cfg)[0] == want
                    except Reject:
                        pass
                if total:
                    out[f"{lang}|{name}|{length_name}"] = {"docs": total, "exact": ok / total}
    return out


# --- clean text, ftfy cases, speed -------------------------------------------------------------

def clean_fields(records_by_lang):
    return [(r["id"], field, r[field]) for records in records_by_lang.values() for r in records
            for field in ("title", "text", "abstract") if isinstance(r.get(field), str)]


def clean_section(fields, cfg) -> dict:
    changed_by_fix = collections.Counter()
    examples = collections.defaultdict(list)
    changed = 0
    for record_id, field, value in fields:
        fixed, fixes = repair_text(value, cfg)
        if fixed != value:
            changed += 1
            for name in fixes:
                changed_by_fix[name] += 1
                if len(examples[name]) < 5:
                    examples[name].append(f"{record_id}:{field}")
    return {"fields": len(fields), "changed_fields": changed,
            "changed_by_fix": dict(sorted(changed_by_fix.items())), "examples": dict(examples)}


def ftfy_cases_section(cfg) -> dict:
    with open(FTFY_CASES, encoding="utf-8") as f:
        cases = json.load(f)
    passing = [c for c in cases if c["expect"] == "pass"]
    ok = same_as_fix_encoding = 0
    failures = []
    for case in passing:
        got = repair_text(case["original"], cfg)[0]
        expected = case.get("fixed-encoding", case["fixed"])
        if got in (expected, case["fixed"]):
            ok += 1
        else:
            failures.append(case["label"])
        same_as_fix_encoding += got == ftfy.fix_encoding(case["original"])
    return {"cases": len(passing), "pass": ok, "same_as_ftfy_fix_encoding": same_as_fix_encoding,
            "failures": failures}


def speed_section(fields, cfg, rounds: int = 3) -> dict:
    """Best-of-`rounds` wall time of repair_text vs ftfy.fix_text over the same clean fields."""
    values = [v for _, _, v in fields]
    chars = sum(len(v) for v in values)

    def best(fn):
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            for v in values:
                fn(v)
            times.append(time.perf_counter() - start)
        return min(times)

    ours = best(lambda v: repair_text(v, cfg))
    baseline = best(ftfy.fix_text)
    return {"fields": len(values), "chars": chars, "repair_text_s": ours, "ftfy_fix_text_s": baseline,
            "throughput_ratio_vs_ftfy_fix_text": baseline / ours}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--docs", type=int, default=300)
    args = parser.parse_args()
    cfg = RepairConfig()
    reshaper = _RESHAPER
    records_by_lang = {lang: load_records(lang) for lang in ("ar", "fa")}
    fields = clean_fields(records_by_lang)
    results = {
        "line_repair": line_repair_section(records_by_lang, args.lines, cfg, reshaper),
        "mixed_documents": mixed_documents_section(records_by_lang, cfg, reshaper),
        "decode": decode_section(records_by_lang, args.docs, cfg),
        "clean": clean_section(fields, cfg),
        "ftfy_cases": ftfy_cases_section(cfg),
        "speed": speed_section(fields, cfg),
    }
    print(f"{'line repair: lang|kind':42} {'exact':>7} {'folded':>7} {'ftfy':>7}")
    for key, row in results["line_repair"].items():
        flag = "" if row["lossy"] or row["exact_yeh_kaf_folded"] >= TARGET_EXACT else "  < target"
        print(f"{key + (' (lossy)' if row['lossy'] else ''):42} {row['exact']:7.4f} "
              f"{row['exact_yeh_kaf_folded']:7.4f} {row['ftfy_fix_text_exact']:7.4f}{flag}")
    for lang, row in results["mixed_documents"].items():
        print(f"{'mixed docs ' + lang:42} {row['exact_yeh_kaf_folded']:7.4f}  ({row['docs']} docs)")
    print(f"\n{'decode: lang|encoding|length':42} {'exact':>7} {'docs':>6}")
    for key, row in results["decode"].items():
        print(f"{key:42} {row['exact']:7.4f} {row['docs']:6d}")
    clean = results["clean"]
    print(f"\nclean fields changed: {clean['changed_fields']} of {clean['fields']} "
          f"by fix: {clean['changed_by_fix']}")
    cases = results["ftfy_cases"]
    print(f"ftfy cases: {cases['pass']}/{cases['cases']} pass "
          f"({cases['same_as_ftfy_fix_encoding']} identical to ftfy.fix_encoding)")
    speed = results["speed"]
    print(f"throughput on clean text vs ftfy.fix_text (same run): "
          f"{speed['throughput_ratio_vs_ftfy_fix_text']:.2f}x")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with open(RESULTS, "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False, indent=1)
    print(f"wrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
