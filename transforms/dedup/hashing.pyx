# distutils: language = c++
# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""A document's shingle hashes and MinHash band keys, compiled: the same integers as
`shingles.fingerprint` and `signatures.band_keys` compute with numpy and the `xxhash` package.

Why: those two are the dedup features, a sixth of a worker's time. In Python each of a
document's ~270 shingles is one byte slice and one `xxh3_64_intdigest` call, and its MinHash is
four passes of numpy temporaries over a (shingles x 128) matrix. Here a shingle is hashed where
it lies in the encoded text, and the permutations run in one loop that keeps 128 minima.

Same integers: XXH3-64 is xxHash's stable format since 0.8.0 (the header is pyarrow's vendored
copy, `pipeline/compile_steps.py` adds its include path); the permutations are uint64
arithmetic modulo 2**64 as numpy's; `tests/test_dedup_hashing.py` compares both on corpora.
Built by `make compiled`; without a build the numpy code runs.
"""
import sys

import numpy as np

from libc.stdint cimport uint64_t
from libcpp.algorithm cimport sort, unique
from libcpp.vector cimport vector

if sys.byteorder != "little":  # band keys hash the values' little-endian bytes in place
    raise ImportError("transforms.dedup.hashing assumes a little-endian machine")

cdef extern from *:
    """
    #define XXH_INLINE_ALL
    #include "arrow/vendored/xxhash/xxhash.h"
    """
    uint64_t XXH3_64bits_withSeed(const void* data, size_t length, uint64_t seed) nogil


def shingle_hashes(const unsigned char[::1] joined, int n, uint64_t seed):
    """Sorted unique XXH3-64 hashes of the n-word shingles of `joined` (tokens separated by
    single spaces, at least n spaces): shingle i runs from after the space that ends word
    i-1 to the space that ends word i+n-1, as `shingles.fingerprint` slices them."""
    cdef vector[Py_ssize_t] spaces
    cdef Py_ssize_t size = joined.shape[0], i, start, end, count
    if n < 1:
        raise ValueError("a shingle has at least one word")
    for i in range(size):
        if joined[i] == 32:
            spaces.push_back(i)
    if <Py_ssize_t>spaces.size() < n:
        raise ValueError("fewer spaces than words in a shingle: the text is one shingle")
    count = spaces.size() - n + 2
    hashes = np.empty(count, np.uint64)
    cdef uint64_t[::1] out = hashes
    cdef const unsigned char* text = &joined[0]
    for i in range(count):
        start = 0 if i == 0 else spaces[i - 1] + 1
        end = spaces[i + n - 1] if i + n - 1 < <Py_ssize_t>spaces.size() else size
        out[i] = XXH3_64bits_withSeed(text + start, end - start, seed)
    sort(&out[0], &out[0] + count)
    return hashes[:unique(&out[0], &out[0] + count) - &out[0]]


cdef inline uint64_t fmix64(uint64_t value) noexcept nogil:
    """MurmurHash3's 64-bit finalizer (`signatures._fmix64`)."""
    value ^= value >> 33
    value *= 0xFF51AFD7ED558CCDULL
    value ^= value >> 33
    value *= 0xC4CEB9FE1A85EC53ULL
    value ^= value >> 33
    return value


def band_keys(const uint64_t[::1] hashes, const uint64_t[::1] multipliers,
              const uint64_t[::1] offsets, const uint64_t[::1] initial, int bands, int rows,
              uint64_t band_seed) -> list:
    """`signatures.band_keys`: the MinHash values (each permutation's minimum of
    fmix64(hash) * multiplier + offset, and of its initial value), then XXH3-64 of each band's
    `rows` values, seeded `band_seed + band`."""
    cdef Py_ssize_t perms = initial.shape[0], i, p
    if bands * rows > perms or multipliers.shape[0] != perms or offsets.shape[0] != perms:
        raise ValueError("the band layout needs more values than the permutations give")
    cdef vector[uint64_t] minima = vector[uint64_t](perms)
    cdef uint64_t mixed, value
    for p in range(perms):
        minima[p] = initial[p]
    with nogil:
        for i in range(hashes.shape[0]):
            mixed = fmix64(hashes[i])
            for p in range(perms):
                value = mixed * multipliers[p] + offsets[p]
                if value < minima[p]:
                    minima[p] = value
    return [XXH3_64bits_withSeed(&minima[band * rows], rows * 8, band_seed + band)
            for band in range(bands)]
