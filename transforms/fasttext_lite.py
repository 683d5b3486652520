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
import math
import struct
from dataclasses import dataclass
from typing import NamedTuple

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
    output_columns: np.ndarray  # (dim, inner nodes): the output rows of the inner tree nodes
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
        rows=rows, output_columns=np.ascontiguousarray(output[:nlabels - 1].T),
        left=left, right=right)


def _ngram_row(model: _Model, gram: str) -> int:
    """`Dictionary::pushHash` of one character n-gram: its input row (nwords + its bucket,
    through the pruned model's bucket index), or -1 when pruning dropped its bucket. The bucket
    is fastText's FNV-1a of the UTF-8 bytes, each hashed as a signed char."""
    h = _FNV_OFFSET
    for byte in gram.encode():
        h = ((h ^ (byte | 0xFFFFFF00 if byte & 0x80 else byte)) * _FNV_PRIME) & 0xFFFFFFFF
    bucket = h % model.bucket
    if model.pruned is None:
        return model.nwords + bucket
    offset = model.pruned.get(bucket)
    return -1 if offset is None else model.nwords + offset


class _TreeWalk(NamedTuple):
    """`HierarchicalSoftmaxLoss::dfs` laid out flat. The walk visits nodes in preorder (left
    subtree first); a pruned node's subtree is skipped by jumping to `skip`. Node scores come
    from one array: row = a leaf, column c = the score of its ancestor at depth c, the running
    float32 sum of `path_terms` (indices into the left terms, the right terms, then one 0.0)."""
    path_terms: np.ndarray  # (leaves, depth + 1): a 0.0 first (the root), 0.0s after the leaf
    depth_terms: np.ndarray  # path_terms transposed, (depth + 1, leaves), C-contiguous
    score_at: np.ndarray  # for each node in preorder, its score's index in the flat sums
    skip: list[int]  # for each node in preorder, the preorder index after its subtree
    label: list[int]  # for each node in preorder, its label id, or -1 for an inner node


def _tree_walk(left: list[int], right: list[int]) -> _TreeWalk:
    osz = (len(left) + 1) // 2
    inner, root = osz - 1, len(left) - 1
    pad = 2 * inner
    paths: dict[int, list[int]] = {root: [pad]}
    order, skip_of = [], {}
    stack = [root]
    while stack:
        node = stack.pop()
        order.append(node)
        if left[node] != -1:
            paths[left[node]] = paths[node] + [node - osz]
            paths[right[node]] = paths[node] + [inner + node - osz]
            stack += [right[node], left[node]]
    for index in range(len(order) - 1, -1, -1):  # a subtree ends where its last child's ends
        node = order[index]
        skip_of[node] = index + 1 if left[node] == -1 else skip_of[right[node]]
    depth = max(map(len, paths.values()))
    path_terms = np.full((osz, depth), pad, np.intp)
    for leaf in range(osz):
        path_terms[leaf, :len(paths[leaf])] = paths[leaf]
    some_leaf = list(range(osz)) + [0] * inner  # children come before their parents
    for node in range(osz, root + 1):
        some_leaf[node] = some_leaf[left[node]]
    return _TreeWalk(
        path_terms=path_terms,
        depth_terms=np.ascontiguousarray(path_terms.T),
        score_at=np.array([some_leaf[node] * depth + len(paths[node]) - 1 for node in order],
                          np.intp),
        skip=[skip_of[node] for node in order],
        label=[node if left[node] == -1 else -1 for node in order])


def _unsure_rounding(approx: np.ndarray, margin_bits: int) -> np.ndarray:
    """Where a float64 lies within 2**margin_bits float64 units of a float32 rounding midpoint
    (its 29 bits below float32's precision near 0x10000000)."""
    below = approx.view(np.int64) + ((1 << margin_bits) - 0x10000000)
    return (below & 0x1FFFFFFF) < (2 << margin_bits)


def _sum_in_order(matrix: np.ndarray) -> np.ndarray:
    """The float32 sum of a C-contiguous matrix's rows, added one after the other as fastText
    adds vectors. numpy reduces axis 0 of such a matrix row by row (its pairwise summation is
    for a contiguous axis only), and several times faster than `np.add.accumulate`."""
    return np.add.reduce(matrix, axis=0)


class FastTextLite:
    """A lid.176.ftz-style model's `predict`, with each word's input rows kept for the next
    line (up to `word_cache_size` distinct words, least recently used first out)."""

    def __init__(self, path: str, word_cache_size: int = 1 << 17,
                 ngram_cache_size: int = 1 << 18):
        self._model = _load(path)
        self._word_cache_size, self._ngram_cache_size = word_cache_size, ngram_cache_size
        # a token's rows as packed int32s: a line's rows are one `bytes.join` of its tokens'
        self._word_rows: dict[bytes, bytes] = {}
        self._ngram_rows: dict[str, int] = {}
        self._spans_by_size: dict[int, list[tuple[int, int]]] = {}
        # libm's own `expf` for the values numpy's float64 `exp` cannot settle (`_expf`).
        self._libm_expf = ctypes.CDLL(ctypes.util.find_library("m")).expf
        self._libm_expf.restype, self._libm_expf.argtypes = ctypes.c_float, [ctypes.c_float]
        self._walk = _tree_walk(self._model.left, self._model.right)
        self._floor = float(np.float32(math.log(1e-5)))  # std_log(threshold 0)

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
        try:
            packed = b"".join(map(self._word_rows.__getitem__, tokens))
        except KeyError:
            packed = b"".join(map(self._rows_of, tokens))
        if not packed:
            return (), ()
        ids = np.frombuffer(packed, np.int32)
        # `Model::computeHidden`: rows added one after the other in float32, then scaled by
        # float32(1 / count).
        hidden = _sum_in_order(self._model.rows.take(ids, axis=0))
        hidden *= np.float32(1.0 / len(ids))
        terms = self._edge_terms(hidden)
        best = self._clear_top_leaves(terms, k)
        if best is None:
            sums = np.add.accumulate(terms[self._walk.path_terms], axis=1)
            best = self._tree_search(sums.ravel()[self._walk.score_at].tolist(), k)
        # `FastText::predictLine` returns expf of each log-probability.
        return (tuple(self._model.labels[label] for _, label in best),
                tuple(self._libm_expf(score) for score, _ in best))

    def _rows_of(self, token: bytes) -> bytes:
        rows = self._word_rows.get(token)
        return self._new_word(token) if rows is None else rows

    def _new_word(self, token: bytes) -> bytes:
        """`Dictionary::getLine` for one token: a known word's id and n-gram rows, an unknown
        word's n-gram rows, `</s>`'s id alone, nothing for a label ("__label__..."). Kept for
        later lines; all are dropped when the cache is full (news words come back within a few
        lines, so it refills with the common ones)."""
        model = self._model
        wid = model.word_ids.get(token, -1)
        if wid >= 0 and model.word_is_label[wid] or wid < 0 and token.startswith(_LABEL_PREFIX):
            rows = []
        else:
            rows = [wid] if wid >= 0 else []
            if token != _EOS:
                rows += self._subword_rows("<" + token.decode() + ">")
        if len(self._word_rows) >= self._word_cache_size:
            self._word_rows.clear()
        kept = self._word_rows[token] = np.array(rows, np.int32).tobytes()
        return kept

    def _subword_rows(self, word: str) -> list[int]:
        """`Dictionary::computeSubwords` of a bracketed word: the rows of its minn..maxn
        character n-grams in fastText's order (a UTF-8 character is a code point). The
        n-grams' rows are kept too: unknown words share most of them."""
        grams = [word[start:end] for start, end in self._gram_spans(len(word))]
        try:
            rows = [self._ngram_rows[gram] for gram in grams]
        except KeyError:
            rows = [self._ngram_row(gram) for gram in grams]
        return [row for row in rows if row >= 0]

    def _ngram_row(self, gram: str) -> int:
        """`_ngram_row` of one n-gram, kept (all are dropped when the cache is full)."""
        row = self._ngram_rows.get(gram)
        if row is None:
            if len(self._ngram_rows) >= self._ngram_cache_size:
                self._ngram_rows.clear()
            row = self._ngram_rows[gram] = _ngram_row(self._model, gram)
        return row

    def _gram_spans(self, size: int) -> list[tuple[int, int]]:
        """The (start, end) of a `size`-character word's n-grams in `computeSubwords`' order:
        by start, then by length; single-character ones not at either end. Kept per size for
        words of up to 64 characters."""
        spans = self._spans_by_size.get(size)
        if spans is None:
            minn, maxn = self._model.minn, self._model.maxn
            spans = [(start, start + n) for start in range(size)
                     for n in range(minn, min(maxn, size - start) + 1)
                     if not (n == 1 and (start == 0 or start + 1 == size))]
            if size <= 64:
                self._spans_by_size[size] = spans
        return spans

    def _expf(self, x: np.ndarray) -> np.ndarray:
        """libm's `expf` of float32 values: numpy's float64 `exp` rounded to float32, except
        where that rounding is close or the result leaves float32's normal range. libm's
        `expf` is within 2**-33 of exp before it rounds, numpy's `exp` within a few float64
        units; the margin, 2**21 float64 units, is at least 2**-32 of the value."""
        approx = np.exp(x, dtype=np.float64)
        result = approx.astype(np.float32)
        for i in (_unsure_rounding(approx, 21) | (np.abs(x) > 87)).nonzero()[0]:
            result[i] = self._libm_expf(float(x[i]))
        return result

    def _edge_terms(self, hidden: np.ndarray) -> np.ndarray:
        """What `HierarchicalSoftmaxLoss::dfs` adds to the score on each edge: for inner node
        i, float32 dot product (added in order) d = output_i . hidden, f = 1 / (1 + expf(-d)),
        std_log(1 - f) to the left child and std_log(f) to the right; then a 0.0 that pads
        paths (see `_TreeWalk`). float32 +, - and / round as fastText's double arithmetic
        rounded to float does (double has more than twice float's precision)."""
        dots = _sum_in_order(self._model.output_columns * hidden[:, None])
        f = np.float32(1) / (np.float32(1) + self._expf(-dots))
        # std_log(x) = float32(log(double(x) + 1e-5)) of float32(1 - f), f, and a pad's 0.0
        shifted = np.concatenate((np.float32(1) - f, f, np.zeros(1, np.float32)),
                                 dtype=np.float64)
        shifted += 1e-5
        shifted[-1] = 1.0
        approx = np.log(shifted)
        terms = approx.astype(np.float32)
        # Where numpy's `log` might round otherwise than the C library's (CPython's `math.log`
        # is the C library's); x + 1e-5 lies in [1e-5, 2]: normal results or 0.
        for i in _unsure_rounding(approx, 8).nonzero()[0]:
            terms[i] = math.log(shifted[i])
        return terms

    def _clear_top_leaves(self, terms: np.ndarray, k: int) -> list[tuple[float, int]] | None:
        """The walk's result read off the leaf scores when the walk's order cannot change it:
        the k best leaves at or above the floor have distinct scores above the next one's,
        and none of their ancestors scores below that next one (nor the floor). The heap's
        minimum when an ancestor is visited is at most that next score, as at least one of
        the k best (the one below it) is not in the heap yet, so no ancestor is pruned and
        no best leaf is popped. None otherwise (ties, a pruned ancestor): the walk decides.
        A leaf's score is its path's terms added root first (the rows of `depth_terms`)."""
        leaf_scores = _sum_in_order(terms[self._walk.depth_terms])
        order = np.argsort(leaf_scores)[::-1][:k + 1].tolist()
        ranked = [(score, label) for score, label in zip(leaf_scores[order].tolist(), order)
                  if score >= self._floor]
        best, rest = ranked[:k], ranked[k:]
        if not best:
            return best
        if any(a[0] == b[0] for a, b in zip(best, best[1:])) or rest and rest[0][0] == best[-1][0]:
            return None
        ancestors = np.add.accumulate(
            terms[self._walk.path_terms[[label for _, label in best]]], axis=1)[:, 1:]
        if ancestors.min() < (rest[0][0] if rest else self._floor):
            return None
        return best

    def _tree_search(self, scores: list[float], k: int) -> list[tuple[float, int]]:
        """`HierarchicalSoftmaxLoss::predict`: the depth-first walk with its pruning, its
        libstdc++ heap of the k best leaves and its final `sort_heap`, for the same labels
        in the same order when scores tie; `scores` are the nodes' in preorder."""
        skip, labels = self._walk.skip, self._walk.label
        heap: list[tuple[float, int]] = []
        bar = self._floor  # below it a subtree is pruned: the floor, or the k-th best score
        index, end = 0, len(scores)
        while index < end:
            score = scores[index]
            if score < bar:
                index = skip[index]
                continue
            label = labels[index]
            if label >= 0:
                heap.append((score, label))
                _libstdcpp_heap_push(heap, len(heap) - 1, 0, heap[-1])
                if len(heap) > k:
                    _libstdcpp_heap_pop(heap, len(heap) - 1)
                    heap.pop()
                if len(heap) == k:
                    bar = max(self._floor, heap[0][0])
            index += 1
        for last in range(len(heap) - 1, 0, -1):
            _libstdcpp_heap_pop(heap, last)
        return heap
