"""Word shingles of folded text, hashed to sorted 64-bit integers.

Shingles are built on `transforms.folding.fold` output, so harakat, tatweel, ZWNJ and the
Arabic/Persian yeh/kaf/alef variants cannot hide a duplicate. Tokens are the words `fold`
separates with the `regex` module's Unicode classes (`[^\\p{L}\\p{Nd}]+` becomes one space, after
marks are removed), so splitting its output on spaces is the Unicode tokenization (`re`'s `\\W`
splits words at combining marks, and ASCII classes see no Arabic at all). Digits are kept as
digits: bulletins that differ only in their figures are different documents.

Folding deletes ZWNJ, so `می‌شود` becomes `میشود`, but a copy that typed the ZWNJ as a space
yields `می شود`. Persian inflectional particles standing alone as tokens are therefore glued to
their neighbour, giving one token for all three spellings.
"""
from __future__ import annotations

import numpy as np
import xxhash

from transforms.folding import fold

# Folded spellings (Persian yeh) of particles that Persian writes joined with ZWNJ.
_GLUE_TO_NEXT = frozenset({"می", "نمی"})
_GLUE_TO_PREVIOUS = frozenset({"ها", "های", "هایی", "هایم", "هایت", "هایش", "هایمان",
                               "هایتان", "هایشان", "تر", "ترین", "ترها"})

SHINGLE_SEED = 0x6B686162  # "khab": fixed so every worker and every run hashes alike


def tokens(text: str) -> list[str]:
    """Folded word tokens, with detached Persian particles glued back.

    >>> tokens("کتاب‌ها می شود")
    ['کتابها', 'میشود']
    """
    words = fold(text).split()
    glued: list[str] = []
    pending_prefix = ""
    for word in words:
        if word in _GLUE_TO_NEXT:
            pending_prefix += word
            continue
        word = pending_prefix + word
        pending_prefix = ""
        if word in _GLUE_TO_PREVIOUS and glued:
            glued[-1] += word
        else:
            glued.append(word)
    if pending_prefix:
        glued.append(pending_prefix)
    return glued


def _word_ngrams(words: list[str], n: int) -> list[str]:
    if not words:
        return []
    if len(words) <= n:
        return [" ".join(words)]
    return [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]


def hash_shingles(strings: list[str]) -> np.ndarray:
    """Sorted unique xxh3-64 hashes (fixed seed) of shingle strings."""
    hashes = [xxhash.xxh3_64_intdigest(s.encode("utf-8"), SHINGLE_SEED) for s in strings]
    return np.unique(np.array(hashes, dtype=np.uint64))


def shingles(text: str, n: int = 5) -> list[str]:
    """Word n-grams of the folded text; a text shorter than n words is one shorter shingle.

    >>> shingles("a b c", n=2)
    ['a b', 'b c']
    >>> shingles("a b", n=5)
    ['a b']
    """
    return _word_ngrams(tokens(text), n)


def shingle_hashes(text: str, n: int = 5) -> np.ndarray:
    """Sorted unique xxh3-64 hashes of the shingles: the exact set used for verification."""
    return hash_shingles(shingles(text, n))


def exact_key(text: str) -> int:
    """Hash of the folded text: equal keys are exact duplicates up to spelling variants."""
    return xxhash.xxh3_64_intdigest(" ".join(tokens(text)).encode("utf-8"), SHINGLE_SEED)


def fingerprint(text: str, n: int = 5) -> tuple[int, np.ndarray]:
    """(exact key, shingle hashes) from one tokenization; both empty-safe."""
    words = tokens(text)
    exact = xxhash.xxh3_64_intdigest(" ".join(words).encode("utf-8"), SHINGLE_SEED)
    return exact, hash_shingles(_word_ngrams(words, n))


def pack(hashes: np.ndarray) -> bytes:
    """Little-endian bytes of a uint64 hash array (compact, picklable, Parquet-storable)."""
    return np.asarray(hashes, dtype="<u8").tobytes()


def unpack(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u8")
