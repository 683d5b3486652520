"""A small character-bigram model of Arabic-script news text: "does this look like real text?".

Generic charset detectors get short Persian windows-1256 text and mac-arabic wrong; decoding
with every candidate and keeping the one this model likes best does not. The same score decides
whether a line repair is an improvement. Only counts are shipped (`data/charbigram.json`,
built by `benchmarks/build_charmodel.py` from half of the shared corpora), never text.

Characters outside the trained vocabulary collapse into one class symbol per Unicode category,
so unseen Latin letters, symbols and C1 controls still get a (low) probability.
"""
from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

MODEL_PATH = Path(__file__).resolve().parent / "data" / "charbigram.json"

LINE_BOUNDARY = "\n"
# One private-use symbol per Unicode major category for characters outside the vocabulary.
_CLASS_SYMBOLS = {
    "L": "\ue000", "N": "\ue001", "P": "\ue002", "S": "\ue003",
    "M": "\ue004", "Z": "\ue005", "C": "\ue006",
}
# Weight of the unigram distribution when a bigram was never seen (interpolated backoff).
BACKOFF_WEIGHT = 2.0
# A class symbol stands for many rare characters; each one costs as if drawn uniformly from
# 256 of them. Without it, mojibake made only of rare letters ("ÈÏÃ ÝÑíÞ") scores like text.
OOV_EMISSION_LOGP = -math.log(256)
SPACE_RUN = re.compile(r"[ \t]{2,}")


def symbol_of(ch: str, vocabulary: frozenset[str] | Mapping[str, object]) -> str:
    """The model symbol for one character: itself if known, else its category class."""
    if ch in vocabulary:
        return ch
    return _CLASS_SYMBOLS[unicodedata.category(ch)[0]]


def symbols(text: str, vocabulary) -> list[str]:
    return [symbol_of(ch, vocabulary) for ch in text]


@dataclass(frozen=True)
class CharBigramModel:
    """Interpolated bigram log-probabilities over characters (natural log)."""
    pair_logp: Mapping[str, float]
    unigram_logp: Mapping[str, float]
    backoff_logp: Mapping[str, float]
    floor_logp: float

    def line_logprob(self, line: str) -> tuple[float, int]:
        """Total log-probability of a line (with boundaries) and the number of bigrams."""
        vocab = self.unigram_logp
        pair_logp = self.pair_logp
        backoff = self.backoff_logp
        unigram = self.unigram_logp
        floor = self.floor_logp
        seq = [symbol_of(ch, vocab) for ch in line]
        total = OOV_EMISSION_LOGP * sum(1 for ch, sym in zip(line, seq) if ch != sym)
        seq.append(LINE_BOUNDARY)
        prev = LINE_BOUNDARY
        for cur in seq:
            lp = pair_logp.get(prev + cur)
            if lp is None:
                lp = backoff.get(prev, floor) + unigram.get(cur, floor)
            total += lp
            prev = cur
        return total, len(seq)

    def score(self, text: str) -> float:
        """Mean log-probability per bigram over the text's lines; higher looks more real.

        Runs of spaces and tabs count as one: tables padded with spaces are still text.
        """
        total = 0.0
        count = 0
        for line in text.split("\n"):
            line = SPACE_RUN.sub(" ", line)
            lp, n = self.line_logprob(line)
            total += lp
            count += n
        return total / count if count else 0.0


def count_bigrams(lines: Iterable[str], min_char_count: int) -> dict:
    """Counts for `CharBigramModel`: the vocabulary is every character seen `min_char_count` times."""
    char_counts: dict[str, int] = {}
    materialized = []
    for line in lines:
        materialized.append(line)
        for ch in line:
            char_counts[ch] = char_counts.get(ch, 0) + 1
    vocabulary = frozenset(ch for ch, c in char_counts.items() if c >= min_char_count)
    unigrams: dict[str, int] = {}
    bigrams: dict[str, int] = {}
    for line in materialized:
        prev = LINE_BOUNDARY
        for cur in symbols(line, vocabulary) + [LINE_BOUNDARY]:
            unigrams[cur] = unigrams.get(cur, 0) + 1
            bigrams[prev + cur] = bigrams.get(prev + cur, 0) + 1
            prev = cur
    return {"unigrams": dict(sorted(unigrams.items())), "bigrams": dict(sorted(bigrams.items()))}


def model_from_counts(counts: Mapping) -> CharBigramModel:
    unigrams: Mapping[str, int] = counts["unigrams"]
    bigrams: Mapping[str, int] = counts["bigrams"]
    # Every class symbol gets at least one pseudo-count so nothing has probability zero.
    smoothed = dict(unigrams)
    for sym in _CLASS_SYMBOLS.values():
        smoothed[sym] = smoothed.get(sym, 0) + 1
    total = sum(smoothed.values())
    unigram_p = {sym: c / total for sym, c in smoothed.items()}
    # Context totals: how often each symbol is followed by anything.
    context_totals: dict[str, int] = {}
    for pair, c in bigrams.items():
        context_totals[pair[0]] = context_totals.get(pair[0], 0) + c
    pair_logp = {}
    for pair, c in bigrams.items():
        a, b = pair[0], pair[1]
        denom = context_totals[a] + BACKOFF_WEIGHT
        pair_logp[pair] = math.log((c + BACKOFF_WEIGHT * unigram_p[b]) / denom)
    backoff_logp = {a: math.log(BACKOFF_WEIGHT / (n + BACKOFF_WEIGHT))
                    for a, n in context_totals.items()}
    return CharBigramModel(
        pair_logp=pair_logp,
        unigram_logp={sym: math.log(p) for sym, p in unigram_p.items()},
        backoff_logp=backoff_logp,
        floor_logp=math.log(1.0 / total),
    )


@functools.lru_cache(maxsize=1)
def load_model(path: str = str(MODEL_PATH)) -> CharBigramModel:
    """The packaged model, loaded once per process (immutable, so safe to share)."""
    with open(path, encoding="utf-8") as f:
        return model_from_counts(json.load(f))
