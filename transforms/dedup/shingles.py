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

try:  # the compiled hashing (`hashing.pyx`): the same hashes, when it is built
    from transforms.dedup import hashing as _compiled
except ImportError:
    _compiled = None

# Folded spellings (Persian yeh) of particles that Persian writes joined with ZWNJ.
_GLUE_TO_NEXT = frozenset({"می", "نمی"})
_GLUE_TO_PREVIOUS = frozenset({"ها", "های", "هایی", "هایم", "هایت", "هایش", "هایمان",
                               "هایتان", "هایشان", "تر", "ترین", "ترها"})
_PARTICLES = _GLUE_TO_NEXT | _GLUE_TO_PREVIOUS

SHINGLE_SEED = 0x6B686162  # "khab": fixed so every worker and every run hashes alike


def tokens(text: str) -> list[str]:
    """Folded word tokens, with detached Persian particles glued back.

    >>> tokens("کتاب‌ها می شود")
    ['کتابها', 'میشود']
    """
    return joined_tokens(text).split()


def joined_tokens(text: str) -> str:
    """`" ".join(tokens(text))`: the folded text itself unless a particle stands alone in it."""
    folded = fold(text)
    words = folded.split(" ")
    if _PARTICLES.isdisjoint(words):  # most texts: skip the Python-level glue loop
        return folded
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
    return " ".join(glued)


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
    return xxhash.xxh3_64_intdigest(joined_tokens(text).encode("utf-8"), SHINGLE_SEED)


def fingerprint(text: str, n: int = 5) -> tuple[int, np.ndarray]:
    """(exact key, shingle hashes) from one tokenization; both empty-safe.

    Equal to `(exact_key(text), shingle_hashes(text, n))`, computed from the text encoded once:
    tokens hold no spaces and a space byte never occurs inside a multi-byte UTF-8 character,
    so each shingle is the byte slice between word boundaries.
    """
    joined = joined_tokens(text).encode("utf-8")
    exact = xxhash.xxh3_64_intdigest(joined, SHINGLE_SEED)
    if not joined:
        return exact, np.empty(0, dtype=np.uint64)
    spaces = np.flatnonzero(np.frombuffer(joined, dtype=np.uint8) == ord(" "))
    if spaces.size < n:  # n words or fewer: the whole text is the one shingle
        return exact, np.array([exact], dtype=np.uint64)
    if _compiled is not None:
        return exact, _compiled.shingle_hashes(joined, n, SHINGLE_SEED)
    # Shingle i runs from after the space that ends word i-1 to the space that ends word i+n-1.
    starts = [0, *(spaces[:spaces.size - n + 1] + 1).tolist()]
    ends = [*spaces[n - 1:].tolist(), len(joined)]
    digest = xxhash.xxh3_64_intdigest
    hashes = np.array([digest(joined[start:end], SHINGLE_SEED)
                       for start, end in zip(starts, ends)], dtype=np.uint64)
    return exact, _sorted_unique(hashes)


def _sorted_unique(hashes: np.ndarray) -> np.ndarray:
    """`np.unique` of a non-empty array, several times faster on a document's few hundred
    hashes (numpy 2's `unique` hashes before it sorts)."""
    hashes = np.sort(hashes)
    keep = np.empty(hashes.size, dtype=bool)
    keep[0] = True
    np.not_equal(hashes[1:], hashes[:-1], out=keep[1:])
    return hashes[keep]


def pack(hashes: np.ndarray) -> bytes:
    """Little-endian bytes of a uint64 hash array (compact, picklable, Parquet-storable)."""
    return np.asarray(hashes, dtype="<u8").tobytes()


def unpack(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u8")
