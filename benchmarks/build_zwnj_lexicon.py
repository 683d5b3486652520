"""Build `transforms/data/zwnj_lexicon.tsv` from the shared Persian corpus.

Run: .venv/bin/python benchmarks/build_zwnj_lexicon.py

Held-out split (used by `bench_normalize.py` to score ZWNJ restoration on unseen text): a record is
held out when the first 8 hex digits of sha1(its text) mod 5 == 0, about 20% of the records.
Hashing the text, not the id, keeps the corpus's exact-duplicate articles on one side.

What is counted, on the training records that use ZWNJ at all (a record written without any ZWNJ
says nothing about which joined forms are real words): every Arabic-script word after the
pipeline's own Persian normalization (basic normalization, ي/ك -> ی/ک, ZWNJ spacing), and every
run of 2-3 space-separated words whose ZWNJ-joined form is itself a counted word. Each form gets
two counts: over all those records, and over the "careful" ones that pass `kept_zwnj`. A record
that writes "می شود" lost ZWNJs as spaces, so only careful text shows which affixes are never
written apart (bound: می, نمی, ها, های...); the full count gives coverage for everything else. Plain words seen once are dropped unless a ZWNJ form has the same letters; ZWNJ forms
are all kept. The file holds word forms and counts only, no running text.

A third column marks the spellings of hazm's word list (hazm 0.10.0, `hazm/data/words.dat`, MIT
license, © 2013 Alireza Nourian): its 13,000 ZWNJ forms ("لاک‌پشت", "بی‌اندیشه"), and the few
plain words it spells joined that the restoration would otherwise split, where hazm does not
count another spelling of the same letters as more frequent. They cover compounds too rare for
our training records and, being independent of the corpus, are fair on the held-out split. Their
spaced and joined spellings are counted in the training records too, so the corpus can overrule
them.
"""
from __future__ import annotations

import collections
import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import regex

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from transforms.normalize import NormalizeConfig, basic_normalize  # noqa: E402
from transforms.zwnj import (LEXICON_PATH, WORD_RUN, ZWNJ, _split_joined,  # noqa: E402
                             lexicon_from_counts, tidy_zwnj)

SHARED = REPO.parent / "shared"
PERSIAN_CORPUS = SHARED / "corpora" / "fa.jsonl"
HELD_OUT_MODULUS = 5
_ARABIC_WORD = regex.compile(r"[\p{L}\p{M}\u200c]*\p{Script=Arabic}[\p{L}\p{M}\u200c]*")
_YEH_KAF = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"})


# The verbal prefix and the plural suffix never stand alone in standard spelling (benchmark gold).
_LOST_ZWNJ = regex.compile(r"(?<![\p{L}\u200c])(?:ن?می|ها|های)(?![\p{L}\u200c])")


_HAZM_WORD = regex.compile(r"\p{Arabic}+(?:\u200c\p{Arabic}+)*")


def hazm_spellings() -> dict[str, int]:
    """hazm's word list (Persian-cleaned) reduced to the spelling of each letter sequence that hazm
    counts at least as often as the other spellings: "پاسخنامه" over "پاسخ‌نامه", "آتش‌فشان" over
    "آتشفشان". Plain words only where hazm saw them (most of its 180,000 have frequency 0)."""
    spec = importlib.util.find_spec("hazm")
    if spec is None:
        sys.exit("hazm is needed to build the lexicon: pip install --no-deps hazm==0.10.0")
    freqs: dict[str, int] = {}
    words_dat = Path(spec.submodule_search_locations[0]) / "data" / "words.dat"
    with words_dat.open(encoding="utf-8") as lines:
        for line in lines:
            word, freq, _ = line.rstrip("\n").split("\t")
            word = word.translate(_YEH_KAF)
            if _HAZM_WORD.fullmatch(word):
                freqs[word] = max(int(freq), freqs.get(word, 0))
    top_zwnj: dict[str, int] = {}  # letters -> highest count of a ZWNJ spelling of them
    for word, freq in freqs.items():
        if ZWNJ in word:
            letters = word.replace(ZWNJ, "")
            top_zwnj[letters] = max(top_zwnj.get(letters, 0), freq)

    def kept(word: str, freq: int) -> bool:
        if ZWNJ in word:
            return freq >= freqs.get(word.replace(ZWNJ, ""), 0)
        return freq > 0 and top_zwnj.get(word, -1) <= freq

    return {word: freq for word, freq in freqs.items() if kept(word, freq)}


def kept_zwnj(cleaned_text: str) -> bool:
    """Whether a (Persian-cleaned) text kept its ZWNJs: it has some and no sign of lost ones."""
    return ZWNJ in cleaned_text and not _LOST_ZWNJ.search(cleaned_text)


def is_held_out(text: str) -> bool:
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % HELD_OUT_MODULUS == 0


def read_records(path: Path = PERSIAN_CORPUS):
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def persian_clean(text: str) -> str:
    """The text as the pipeline sees it just before ZWNJ restoration."""
    text = basic_normalize(text, NormalizeConfig())[0].translate(_YEH_KAF)
    return tidy_zwnj(text)[0]


def count_forms(cleaned_texts, listed: frozenset = frozenset()) -> collections.Counter:
    """Word and spaced-run counts over Persian-cleaned texts that hold ZWNJs. A spaced run counts
    when its ZWNJ form is a word of the texts or `listed`."""
    words: collections.Counter = collections.Counter()
    for text in cleaned_texts:
        words.update(m.group() for m in _ARABIC_WORD.finditer(text))
    spaced: collections.Counter = collections.Counter()
    for text in cleaned_texts:
        pieces = WORD_RUN.on(text).split(text)
        words_in_text, separators = pieces[1::2], pieces[2::2]
        for n in (2, 3):
            for i in range(len(words_in_text) - n + 1):
                parts = words_in_text[i:i + n]
                if all(sep == " " for sep in separators[i:i + n - 1]) \
                        and not any(ZWNJ in p for p in parts) \
                        and (words.get(joined := ZWNJ.join(parts)) or joined in listed):
                    spaced[" ".join(parts)] += 1
    return words + spaced


def lexicon_rows(texts, listed: frozenset = frozenset()) -> dict[str, tuple[int, int, int]]:
    """form -> (count in records with ZWNJs, count in the careful ones among them, 1 if listed)."""
    cleaned = [t for t in map(persian_clean, texts) if ZWNJ in t]
    every = count_forms(cleaned, listed)
    careful = count_forms([t for t in cleaned if kept_zwnj(t)], listed)
    zwnj_letters = {w.replace(ZWNJ, "") for w in (*every, *listed) if ZWNJ in w and " " not in w}
    rows = {w: (n, careful.get(w, 0), int(w in listed)) for w, n in every.items()
            if ZWNJ in w or " " in w or n >= 2 or w in zwnj_letters}
    rows.update({w: (0, 0, 1) for w in listed if w not in rows})
    return rows


def hazm_joined_rows(rows: dict[str, tuple[int, int, int]], spellings) -> dict:
    """hazm's plain words that the lexicon of `rows` would split ("شوشتر" -> "شوش‌تر"), marked as
    hazm's: its vote keeps them joined unless the corpus prefers a ZWNJ form. Other plain words
    would not change a decision, so they are left out of the file."""
    lexicon = lexicon_from_counts({w: n for w, (n, _, _) in rows.items()},
                                  {w: c for w, (_, c, _) in rows.items()},
                                  frozenset(w for w, (_, _, h) in rows.items() if h))
    return {w: (*rows.get(w, (0, 0))[:2], 1) for w in spellings
            if ZWNJ not in w and _split_joined(w, lexicon) != w}


def main() -> None:
    if not PERSIAN_CORPUS.exists():
        sys.exit(f"missing {PERSIAN_CORPUS}")
    records = list(read_records())
    training = [r["title"] + "\n" + r["text"] for r in records if not is_held_out(r["text"])]
    spellings = hazm_spellings()
    rows = lexicon_rows(training, frozenset(w for w in spellings if ZWNJ in w))
    rows.update(hazm_joined_rows(rows, spellings))
    LEXICON_PATH.parent.mkdir(parents=True, exist_ok=True)
    with LEXICON_PATH.open("w", encoding="utf-8") as out:
        out.write("# ZWNJ lexicon: word form<TAB>count<TAB>careful count<TAB>hazm. "
                  "Built by benchmarks/build_zwnj_lexicon.py\n"
                  f"# from {len(training)} of {len(records)} fa.jsonl records (held out: "
                  f"sha1(text) mod {HELD_OUT_MODULUS} == 0).\n"
                  "# hazm = 1: a spelling of hazm's word list (hazm 0.10.0 data/words.dat, "
                  "MIT license, (c) 2013 Alireza Nourian, github.com/roshan-research/hazm).\n")
        for form, (n, careful, listed) in sorted(rows.items(), key=lambda kv: (-kv[1][0], kv[0])):
            out.write(f"{form}\t{n}\t{careful}\t{listed}\n")
    with_zwnj = sum(ZWNJ in f for f in rows)
    print(f"{len(rows)} forms ({with_zwnj} with ZWNJ) from {len(training)} training records "
          f"-> {LEXICON_PATH.relative_to(REPO)} ({LEXICON_PATH.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
