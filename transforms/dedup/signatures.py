"""MinHash signatures over pre-hashed shingles, with permutations built once per worker.

Shingles are already xxh3-64 integers (`shingles.shingle_hashes`), so the datasketch hash
function is the identity (`int`) under the `affine64` scheme: no SHA-1 per shingle, and
`signature` applies the template's permutations (from the config seed) to the whole hash array
at once, exactly as datasketch's `update_batch` would. Every worker builds the same template,
so signatures are comparable across workers and runs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xxhash

try:  # the compiled MinHash and band keys (`hashing.pyx`): the same keys, when it is built
    from transforms.dedup import hashing as _compiled
except ImportError:
    _compiled = None

SCHEME = "affine64"
_BAND_SEED = 0x62616E64  # "band"


@dataclass(frozen=True)
class Template:
    """What signing needs of datasketch's empty MinHash: its seed, its (a, b) permutation arrays
    and its initial values. Plain numpy, so no process, driver or worker, imports datasketch
    (whose package import pulls in scipy: ~1 s per process)."""
    seed: int
    permutations: np.ndarray
    hashvalues: np.ndarray


def minhash_template(num_perm: int, seed: int) -> Template:
    """The shared permutations of datasketch's `affine64` MinHash for `num_perm` and `seed`,
    drawn as its `MinHash._init_permutations` draws them (the tests compare the two): an odd
    multiplier and an offset per permutation, from `RandomState(seed)`."""
    generator = np.random.RandomState(seed)
    multipliers = generator.randint(0, 1 << 63, num_perm, dtype=np.uint64) * np.uint64(2) \
        + np.uint64(1)
    offsets = generator.randint(0, 1 << 64, num_perm, dtype=np.uint64)
    return Template(seed, np.array([multipliers, offsets]),
                    np.full(num_perm, np.iinfo(np.uint64).max, dtype=np.uint64))


def _fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer, the pre-mix datasketch applies before its permutations."""
    mixed = values ^ (values >> np.uint64(33))
    mixed *= np.uint64(0xFF51AFD7ED558CCD)
    mixed ^= mixed >> np.uint64(33)
    mixed *= np.uint64(0xC4CEB9FE1A85EC53)
    mixed ^= mixed >> np.uint64(33)
    return mixed


def signature_values(hashes: np.ndarray, template: Template) -> np.ndarray:
    """The MinHash values of a document's uint64 shingle hashes (the empty sketch's for an empty
    set): `signature`'s `hashvalues`, without building the sketch the dedup step does not use.

    Bit-identical to `template.copy().update_batch(hashes.tolist())` under `affine64`, but on
    the array itself: datasketch's batch update calls `hashfunc` once per hash in Python.
    """
    if not hashes.size:
        return template.hashvalues.copy()
    a, b = template.permutations
    mixed = _fmix64(np.asarray(hashes, dtype=np.uint64)).reshape(-1, 1)
    permuted = mixed * a  # one (hashes x num_perm) buffer, updated in place
    permuted += b
    return np.minimum(template.hashvalues, permuted.min(axis=0))


def signature(hashes: np.ndarray, template: Template):
    """LeanMinHash of a document's uint64 shingle hashes (an empty set gives the empty sketch)."""
    from datasketch import LeanMinHash
    return LeanMinHash(seed=template.seed, hashvalues=signature_values(hashes, template),
                       scheme=SCHEME)


def band_hashes(hashvalues: np.ndarray, bands: int, rows: int) -> list[int]:
    """One 64-bit key per band: documents sharing any band key are LSH candidates."""
    packed = np.ascontiguousarray(hashvalues, dtype="<u8").tobytes()
    width = rows * 8  # bytes per band
    return [xxhash.xxh3_64_intdigest(packed[band * width:(band + 1) * width], _BAND_SEED + band)
            for band in range(bands)]


def band_keys(hashes: np.ndarray, template: Template, layout: tuple[int, int]) -> list[int]:
    """A document's LSH band keys from its shingle hashes: its MinHash values, then one key per
    band of the (bands, rows) layout. What the Beam step, the local dedup and the benchmarks
    compute per document."""
    bands, rows = layout
    if _compiled is not None and bands * rows <= template.hashvalues.size:
        multipliers, offsets = template.permutations
        return _compiled.band_keys(np.ascontiguousarray(hashes, dtype=np.uint64), multipliers,
                                   offsets, template.hashvalues, bands, rows, _BAND_SEED)
    return band_hashes(signature_values(hashes, template), bands, rows)


def s_curve(bands: int, rows: int, similarity: float) -> float:
    """Probability that a pair at this Jaccard shares at least one band: 1-(1-s^r)^b."""
    return 1.0 - (1.0 - similarity ** rows) ** bands
