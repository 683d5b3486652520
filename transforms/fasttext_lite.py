"""fastText's `predict` for quantized supervised models (lid.176.ftz), in Python and numpy.

Why: `fasttext` recomputes every word's character n-grams on every call, each one a hash-map
lookup in the pruned model's bucket index, and news lines repeat the same words. This predictor
keeps each word's input-matrix row ids (bounded, per instance), so a line costs a gather, one
sequential float32 sum and the hierarchical-softmax tree walk.

Its (labels, scores) are bit-identical to `fasttext.load_model(path).predict(line, k)`
(fasttext-predict 0.9.2.4, fastText's C++): every float step is done in the same precision and
order (float32 row sums and dot products, double `log` and division, float32 `expf`), checked
against it in `tests/test_fasttext_lite.py`. Only what such a model needs is implemented: a
quantized input matrix, a dense output matrix, the hierarchical softmax loss, word n-grams of 1;
`load_model` refuses anything else.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import math
import struct
from dataclasses import dataclass
from typing import Callable

import numpy as np

_MAGIC = 793712314
_MAX_VERSION = 12
_LOSS_HIERARCHICAL_SOFTMAX = 1
_MODEL_SUPERVISED = 3
_LABEL_PREFIX = b"__label__"  # fastText's default `-label`, not stored in the model file
_EOS = b"</s>"
_FNV_OFFSET, _FNV_PRIME = 2166136261, 16777619
# Centroids per sub-quantizer (`ProductQuantizer::ksub_`).
_KSUB = 256


class _Reader:
    """Little-endian reads from the model file, in the order fastText's `load` methods read."""

    def __init__(self, data: bytes):
        self.data, self.offset = data, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype, count, self.offset)
        self.offset += values.nbytes
        return values

    def word(self) -> bytes:
        end = self.data.index(b"\0", self.offset)
        word, self.offset = self.data[self.offset:end], end + 1
        return word


def _product_quantizer(reader: _Reader) -> tuple[int, int, int, np.ndarray]:
    """`ProductQuantizer::load`: (nsubq, dsub, lastdsub, centroids)."""
    dim, nsubq, dsub, lastdsub = reader.take("iiii")
    return nsubq, dsub, lastdsub, reader.array("<f4", dim * _KSUB)


def _centroid(quantizer: tuple, m: int, codes: np.ndarray) -> np.ndarray:
    """`ProductQuantizer::get_centroids(m, code)` for many codes: (len(codes), its width)."""
    nsubq, dsub, lastdsub, centroids = quantizer
    if m == nsubq - 1:
        starts = m * _KSUB * dsub + codes.astype(np.int64) * lastdsub
        width = lastdsub
    else:
        starts = (m * _KSUB + codes.astype(np.int64)) * dsub
        width = dsub
    return centroids[starts[:, None] + np.arange(width)]


def _dequantized_rows(reader: _Reader) -> np.ndarray:
    """`QuantMatrix::load`, then every row as `addRowToVector` adds it: `norm * centroid` in
    float32 (the norm from the norm quantizer), computed once instead of per call."""
    qnorm, m, n, codesize = reader.take("?qqi")
    codes = reader.array("u1", codesize)
    quantizer = _product_quantizer(reader)
    nsubq, dsub = quantizer[0], quantizer[1]
    codes = codes.reshape(m, nsubq)
    norms = np.ones(m, np.float32)
    if qnorm:
        norm_codes = reader.array("u1", m)
        norms = _centroid(_product_quantizer(reader), 0, norm_codes)[:, 0]
    rows = np.empty((m, n), np.float32)
    for sub in range(nsubq):
        centroid = _centroid(quantizer, sub, codes[:, sub])
        rows[:, sub * dsub:sub * dsub + centroid.shape[1]] = norms[:, None] * centroid
    return rows


def _huffman_tree(counts: list[int]) -> tuple[list[int], list[int]]:
    """`HierarchicalSoftmaxLoss::buildTree`: (left, right) child of each of the 2n-1 nodes
    (-1 for leaves; leaf i is label i, the root is the last node)."""
    osz = len(counts)
    count = counts + [10 ** 15] * (osz - 1)
    left, right = [-1] * (2 * osz - 1), [-1] * (2 * osz - 1)
    leaf, node = osz - 1, osz
    for i in range(osz, 2 * osz - 1):
        mini = []
        for _ in range(2):
            if leaf >= 0 and count[leaf] < count[node]:
                mini.append(leaf)
                leaf -= 1
            else:
                mini.append(node)
                node += 1
        left[i], right[i] = mini
        count[i] = count[mini[0]] + count[mini[1]]
    return left, right


def _libm_function(name: str, ctype) -> Callable:
    """The C math library's own function, for the rare values numpy's may round otherwise."""
    function = getattr(ctypes.CDLL(ctypes.util.find_library("m")), name)
    function.restype, function.argtypes = ctype, [ctype]
    return function


def _round_to_float32(approx: np.ndarray, exact: Callable, args: np.ndarray,
                      margin_bits: int) -> np.ndarray:
    """float32 of a float64 result, as C rounds its libm's result: from numpy's `approx`
    except where `approx` lies within 2**margin_bits float64 units of a float32 rounding
    midpoint (or outside float32's normal range), where a libm call (`exact`) decides.
    numpy's and libm's results differ by far less than the margin, so elsewhere both round
    the same way."""
    rounded = approx.astype(np.float32)
    below = (approx.view(np.uint64) & np.uint64(0x1FFFFFFF)).astype(np.int64)
    unsure = np.abs(below - 0x10000000) < (1 << margin_bits)
    unsure |= (np.abs(approx) < np.finfo(np.float32).tiny) & (approx != 0)
    unsure |= ~np.isfinite(rounded)
    for i in np.flatnonzero(unsure):
        rounded[i] = exact(float(args[i]))
    return rounded


def _libstdcpp_heap_push(heap: list, hole: int, top: int, value: tuple) -> None:
    """libstdc++'s `__push_heap` with fastText's `comparePairs` (a min-heap on scores): its
    order decides which of tied labels survive and how they are listed."""
    parent = (hole - 1) // 2
    while hole > top and heap[parent][0] > value[0]:
        heap[hole] = heap[parent]
        hole = parent
        parent = (hole - 1) // 2
    heap[hole] = value


def _libstdcpp_heap_pop(heap: list, last: int) -> None:
    """libstdc++'s `__pop_heap` on heap[:last + 1]: the top moves to `last`."""
    value, heap[last] = heap[last], heap[0]
    length, hole, child = last, 0, 0
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if heap[child][0] > heap[child - 1][0]:
            child -= 1
        heap[hole] = heap[child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        heap[hole] = heap[child - 1]
        hole = child - 1
    _libstdcpp_heap_push(heap, hole, 0, value)


@dataclass(frozen=True)
class _Model:
    """What prediction reads from a .ftz file."""
    word_ids: dict[bytes, int]
    word_is_label: list[bool]
    nwords: int
    labels: tuple[str, ...]
    minn: int
    maxn: int
    bucket: int
    pruned: dict[int, int] | None  # bucket -> row offset; None when the model is not pruned
    rows: np.ndarray  # dequantized input rows, float32
    output: np.ndarray  # the rows of the internal tree nodes (the first nlabels - 1), float32
    left: list[int]
    right: list[int]


def _load(path: str) -> _Model:
    """Parse a .ftz file as `FastText::loadModel` does."""
    with open(path, "rb") as file:
        reader = _Reader(file.read())
    magic, version = reader.take("ii")
    if magic != _MAGIC or version > _MAX_VERSION:
        raise ValueError(f"{path}: not a fastText model file")
    dim, _ws, _epoch, _min_count, _neg, word_ngrams, loss, model, bucket, minn, maxn, \
        _lr_update_rate, _t = reader.take("12id")
    size, nwords, nlabels, _ntokens, pruneidx_size = reader.take("iiiqq")
    entries = [(reader.word(), *reader.take("qb")) for _ in range(size)]
    pairs = reader.array("<i4", 2 * max(pruneidx_size, 0)).reshape(-1, 2)
    (quant_input,) = reader.take("?")
    if not quant_input or model != _MODEL_SUPERVISED or loss != _LOSS_HIERARCHICAL_SOFTMAX \
            or word_ngrams != 1 or version < 12 or maxn <= 0:
        raise ValueError(f"{path}: only quantized supervised hierarchical-softmax models with "
                         f"subwords and no word n-grams are supported")
    rows = _dequantized_rows(reader)
    (quant_output,) = reader.take("?")
    if quant_output:
        raise ValueError(f"{path}: a quantized output matrix is not supported")
    out_m, out_n = reader.take("qq")
    output = reader.array("<f4", out_m * out_n).reshape(out_m, out_n)
    if rows.shape[1] != dim or out_n != dim or out_m != nlabels:
        raise ValueError(f"{path}: matrix shapes do not match the model's arguments")
    left, right = _huffman_tree([count for _, count, _ in entries[nwords:]])
    return _Model(
        word_ids={word: i for i, (word, _, _) in enumerate(entries)},
        word_is_label=[kind == 1 for _, _, kind in entries],
        nwords=nwords,
        labels=tuple(word.decode() for word, _, _ in entries[nwords:]),
        minn=minn, maxn=maxn, bucket=bucket,
        pruned=None if pruneidx_size < 0 else dict(pairs.tolist()),
        rows=rows, output=np.ascontiguousarray(output[:nlabels - 1]), left=left, right=right)


def _fnv1a(h: int, byte: int) -> int:
    """One step of fastText's FNV-1a, which hashes each byte as a signed char."""
    return ((h ^ (byte | 0xFFFFFF00 if byte & 0x80 else byte)) * _FNV_PRIME) & 0xFFFFFFFF


def _subword_rows(model: _Model, word: bytes) -> list[int]:
    """`Dictionary::computeSubwords`: the rows of a bracketed word's character n-grams
    (minn..maxn UTF-8 characters, no single bracket), buckets the pruned model dropped
    skipped."""
    rows = []
    size = len(word)
    for i in range(size):
        if word[i] & 0xC0 == 0x80:
            continue
        h, j, n = _FNV_OFFSET, i, 1
        while j < size and n <= model.maxn:
            h = _fnv1a(h, word[j])
            j += 1
            while j < size and word[j] & 0xC0 == 0x80:
                h = _fnv1a(h, word[j])
                j += 1
            if n >= model.minn and not (n == 1 and (i == 0 or j == size)):
                bucket = h % model.bucket
                if model.pruned is None:
                    rows.append(model.nwords + bucket)
                elif bucket in model.pruned:
                    rows.append(model.nwords + model.pruned[bucket])
            n += 1
    return rows


def _token_rows(model: _Model, token: bytes) -> np.ndarray:
    """`Dictionary::getLine` for one token: a known word's id and n-gram rows, an unknown
    word's n-gram rows, nothing for labels ("__label__..." tokens) and n-grams for `</s>`."""
    wid = model.word_ids.get(token, -1)
    if wid >= 0 and model.word_is_label[wid] or wid < 0 and token.startswith(_LABEL_PREFIX):
        rows = []
    elif token == _EOS:
        rows = [wid] if wid >= 0 else []
    else:
        rows = ([wid] if wid >= 0 else []) + _subword_rows(model, b"<" + token + b">")
    return np.array(rows, np.intp)


class FastTextLite:
    """A lid.176.ftz-style model's `predict`, with each word's input rows kept for the next
    line (up to `word_cache_size` distinct words, least recently used first out)."""

    def __init__(self, path: str, word_cache_size: int = 65536):
        self._model = _load(path)
        self._token_rows = functools.lru_cache(maxsize=word_cache_size)(
            functools.partial(_token_rows, self._model))
        self._expf = _libm_function("expf", ctypes.c_float)
        self._log = math.log  # CPython calls the C library's `log`, as fastText's std::log does
        self._paths = self._leaf_paths()

    def _leaf_paths(self) -> tuple[np.ndarray, np.ndarray]:
        """For each leaf, the indices of the terms on its root-to-leaf path (into left terms,
        right terms, then one 0.0 that pads short paths), and where each node's score lands
        in the (leaf, depth) prefix sums of those terms."""
        left, right = self._model.left, self._model.right
        osz = len(self._model.labels)
        inner = osz - 1
        pad = 2 * inner
        paths: list[list[int]] = [[] for _ in range(2 * osz - 1)]
        for node in range(2 * osz - 2, osz - 1, -1):  # parents come after their children
            for child, term in ((left[node], node - osz), (right[node], inner + node - osz)):
                paths[child] = paths[node] + [term]
        depth = max(map(len, paths))
        terms = np.full((osz, depth), pad, np.intp)
        for leaf in range(osz):
            terms[leaf, :len(paths[leaf])] = paths[leaf]
        # A node's score: its depth's column in the row of any leaf below it.
        first_leaf = list(range(osz)) + [0] * (osz - 1)
        for node in range(osz, 2 * osz - 1):
            first_leaf[node] = first_leaf[left[node]]
        where = [first_leaf[node] * depth + len(paths[node]) - 1 for node in range(2 * osz - 1)]
        return terms, np.array(where[:-1], np.intp)

    def predict(self, line: str, k: int = 1) -> tuple[tuple[str, ...], tuple[float, ...]]:
        """(labels, probabilities) of the k likeliest labels, likeliest first, as
        `fasttext.FastText._FastText.predict(line, k)` returns them (threshold 0)."""
        if "\n" in line:
            raise ValueError("predict processes one line at a time (remove '\\n')")
        if k == -1:  # fastText's "all labels"
            k = len(self._model.labels)
        elif k <= 0:
            raise ValueError("k needs to be 1 or higher!")
        tokens = line.encode().replace(b"\0", b" ").split()
        if _EOS in tokens:  # fastText's line ends at its first end-of-sentence token
            del tokens[tokens.index(_EOS) + 1:]
        else:
            tokens.append(_EOS)
        rows = [self._token_rows(token) for token in tokens]
        ids = np.concatenate(rows) if rows else np.empty(0, np.intp)
        if not len(ids):
            return (), ()
        # `Model::computeHidden`: rows added one after the other in float32 (numpy's `sum`
        # would add pairwise), then scaled by float32(1 / count).
        hidden = np.add.accumulate(self._model.rows[ids], axis=0)[-1]
        hidden *= np.float32(1.0 / len(ids))
        scores = self._node_scores(hidden)
        best = self._tree_search(scores, k)
        probabilities = self._exact_expf(np.array([score for score, _ in best], np.float32))
        return (tuple(self._model.labels[node] for _, node in best),
                tuple(probabilities.tolist()))

    def _exact_expf(self, x: np.ndarray) -> np.ndarray:
        """`expf` of float32 values, rounded as the C library rounds it."""
        return _round_to_float32(np.exp(x.astype(np.float64)), self._expf, x, 23)

    def _std_log(self, x: np.ndarray) -> np.ndarray:
        """fastText's `std_log` of float32 values: float32(log(double(x) + 1e-5))."""
        shifted = x.astype(np.float64) + 1e-5
        return _round_to_float32(np.log(shifted), self._log, shifted, 8)

    def _node_scores(self, hidden: np.ndarray) -> list[float]:
        """Every tree node's log-probability, as `HierarchicalSoftmaxLoss::dfs` sums it on
        the way down: float32 dot products added in order, f = 1 / (1 + expf(-dot)), terms
        std_log(1 - f) to the left and std_log(f) to the right, added root first in float32."""
        dots = np.add.accumulate(self._model.output * hidden, axis=1)[:, -1]
        f = (1.0 / (np.float32(1) + self._exact_expf(-dots)).astype(np.float64)) \
            .astype(np.float32)
        one_minus_f = (1.0 - f.astype(np.float64)).astype(np.float32)
        terms = np.concatenate((self._std_log(one_minus_f), self._std_log(f),
                                np.zeros(1, np.float32)))
        path_terms, where = self._paths
        prefix = np.add.accumulate(terms[path_terms], axis=1)
        return prefix.ravel()[where].tolist() + [0.0]

    def _tree_search(self, scores: list[float], k: int) -> list[tuple[float, int]]:
        """`HierarchicalSoftmaxLoss::predict`: the depth-first walk with its pruning, its
        libstdc++ heap of the k best leaves and its final `sort_heap`, for the same labels
        in the same order when scores tie."""
        left, right = self._model.left, self._model.right
        floor = float(np.float32(math.log(1e-5)))  # std_log(threshold 0)
        heap: list[tuple[float, int]] = []
        stack = [len(scores) - 1]
        while stack:
            node = stack.pop()
            score = scores[node]
            if score < floor or len(heap) == k and score < heap[0][0]:
                continue
            if left[node] == -1:
                heap.append((score, node))
                _libstdcpp_heap_push(heap, len(heap) - 1, 0, heap[-1])
                if len(heap) > k:
                    _libstdcpp_heap_pop(heap, len(heap) - 1)
                    heap.pop()
                continue
            stack.append(right[node])
            stack.append(left[node])
        for last in range(len(heap) - 1, 0, -1):
            _libstdcpp_heap_pop(heap, last)
        return heap
