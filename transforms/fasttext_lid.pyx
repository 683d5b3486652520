# distutils: language = c++
# distutils: extra_compile_args = -ffp-contract=off
# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""fastText's `predict` for the language-ID model (lid.176.ftz), compiled: the same labels and
the same float32 scores, bit for bit, several times faster.

Why: fastText's own `predict` was most of language ID, the largest step (0.2 ms of its ~0.5 ms
per document). It tokenizes through a C++ stream and recomputes every word's character n-grams
on every call, one `std::string` and one hash-map lookup each, though news lines repeat the same
words. Here each word's input rows (its id and its n-grams' pruned buckets) are looked up once
and kept, and a line costs a dict lookup per word, a float32 sum of its rows and the tree walk.

Same scores: every float step is fastText's, in its precision and order (`Model::computeHidden`:
rows added one after the other in float32, then scaled; `DenseMatrix::dotRow` in float32;
`HierarchicalSoftmaxLoss::dfs` with `expf`, `std_log` in double, libstdc++'s heap with
fastText's `comparePairs`); `-ffp-contract=off` keeps the compiler from fusing a multiply and
an add that fastText rounds apart. `tests/test_fasttext_lid.py` checks it against fastText.

Only what such a model needs is read: a quantized input matrix, a dense output matrix, the
hierarchical softmax loss, no word n-grams; anything else is refused. Built by `make compiled`
(`pipeline/compile_steps.py`); without a build, language ID asks fastText itself
(`transforms/langid.py`).
"""
import struct

import numpy as np

from libc.math cimport expf, log
from libcpp.algorithm cimport pop_heap, push_heap, sort_heap
from libcpp.pair cimport pair
from libcpp.unordered_map cimport unordered_map
from libcpp.vector cimport vector

_MAGIC = 793712314
_MAX_VERSION = 12
_LOSS_HIERARCHICAL_SOFTMAX = 1
_MODEL_SUPERVISED = 3
_LABEL_PREFIX = b"__label__"  # fastText's default `-label`, not stored in the model file
_EOS = b"</s>"
_KSUB = 256  # centroids per sub-quantizer (`ProductQuantizer::ksub_`)

ctypedef pair[float, int] Scored

cdef enum:
    MAX_DIM = 256  # the widest hidden layer read (lid.176's is 16)


cdef bint compare_pairs(const Scored& left, const Scored& right) noexcept:
    """fastText's `comparePairs`: the heap keeps the k best (a min-heap on scores)."""
    return left.first > right.first


cdef inline float std_log(float x) noexcept:
    """`Loss::std_log`: the float argument, the log in double, a float result."""
    return <float>log(x + 1e-5)


class _Reader:
    """Little-endian reads from the model file, in the order fastText's `load` methods read."""

    def __init__(self, data: bytes):
        self.data, self.offset = data, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int):
        values = np.frombuffer(self.data, dtype, count, self.offset)
        self.offset += values.nbytes
        return values

    def word(self) -> bytes:
        end = self.data.index(b"\0", self.offset)
        word, self.offset = self.data[self.offset:end], end + 1
        return word


def _product_quantizer(reader):
    """`ProductQuantizer::load`: (nsubq, dsub, lastdsub, centroids)."""
    dim, nsubq, dsub, lastdsub = reader.take("iiii")
    return nsubq, dsub, lastdsub, reader.array("<f4", dim * _KSUB)


def _centroids(quantizer, m: int, codes):
    """`ProductQuantizer::get_centroids(m, code)` for many codes: (len(codes), its width)."""
    nsubq, dsub, lastdsub, centroids = quantizer
    if m == nsubq - 1:
        starts = m * _KSUB * dsub + codes.astype(np.int64) * lastdsub
        width = lastdsub
    else:
        starts = (m * _KSUB + codes.astype(np.int64)) * dsub
        width = dsub
    return centroids[starts[:, None] + np.arange(width)]


def _dequantized_rows(reader):
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
        norms = _centroids(_product_quantizer(reader), 0, norm_codes)[:, 0]
    rows = np.empty((m, n), np.float32)
    for sub in range(nsubq):
        centroid = _centroids(quantizer, sub, codes[:, sub])
        rows[:, sub * dsub:sub * dsub + centroid.shape[1]] = norms[:, None] * centroid
    return rows


def _huffman_tree(counts: list):
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


cdef class FastTextLid:
    """A lid.176.ftz-style model's `predict`; each word's input rows are kept for the next line
    (up to `word_cache_size` distinct words, ~12 MB: all are dropped when full, and news words
    come back within a few lines)."""

    cdef float[:, ::1] _rows
    cdef float[:, ::1] _output  # the output rows of the inner tree nodes
    cdef int[::1] _left
    cdef int[::1] _right
    cdef float[::1] _hidden
    cdef int _osz
    cdef int _dim
    cdef float _floor
    cdef dict _word_ids
    cdef object _word_is_label
    cdef int _nwords
    cdef int _minn
    cdef int _maxn
    cdef unsigned int _bucket
    cdef bint _is_pruned
    cdef unordered_map[unsigned int, int] _pruned  # bucket -> its row after the words
    cdef dict _word_rows
    cdef Py_ssize_t _word_cache_size
    cdef readonly tuple labels

    def __init__(self, path: str, word_cache_size: int = 1 << 16):
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
            raise ValueError(f"{path}: only quantized supervised hierarchical-softmax models "
                             "with subwords and no word n-grams are supported")
        rows = _dequantized_rows(reader)
        (quant_output,) = reader.take("?")
        if quant_output:
            raise ValueError(f"{path}: a quantized output matrix is not supported")
        out_m, out_n = reader.take("qq")
        output = reader.array("<f4", out_m * out_n).reshape(out_m, out_n)
        if rows.shape[1] != dim or out_n != dim or out_m != nlabels or not 0 < dim <= MAX_DIM:
            raise ValueError(f"{path}: matrix shapes do not match the model's arguments")
        left, right = _huffman_tree([count for _, count, _ in entries[nwords:]])
        self._rows = rows
        self._output = np.array(output[:nlabels - 1], np.float32, order="C")
        self._left = np.array(left, np.intc)
        self._right = np.array(right, np.intc)
        self._hidden = np.zeros(dim, np.float32)
        self._osz, self._dim = nlabels, dim
        self._floor = std_log(0.0)  # `dfs` prunes below std_log(threshold 0)
        self._word_ids = {word: i for i, (word, _, _) in enumerate(entries)}
        self._word_is_label = [kind == 1 for _, _, kind in entries]
        self._nwords, self._minn, self._maxn, self._bucket = nwords, minn, maxn, bucket
        self._is_pruned = pruneidx_size >= 0
        for bucket, offset in pairs.tolist():
            self._pruned[bucket] = offset
        self.labels = tuple(word.decode() for word, _, _ in entries[nwords:])
        self._word_rows = {}
        self._word_cache_size = word_cache_size

    def predict(self, line: str, k: int = 1):
        """(labels, probabilities) of the k likeliest labels, likeliest first, as
        `fasttext.FastText._FastText.predict(line, k)` returns them (threshold 0)."""
        if "\n" in line:
            raise ValueError("predict processes one line at a time (remove '\\n')")
        if k == -1:  # fastText's "all labels"
            k = self._osz
        elif k <= 0:
            raise ValueError("k needs to be 1 or higher!")
        encoded = line.encode()
        tokens = (encoded.replace(b"\0", b" ") if b"\0" in encoded else encoded).split()
        # fastText's line ends at its first end-of-sentence token (a substring test first)
        if _EOS in encoded and _EOS in tokens:
            del tokens[tokens.index(_EOS) + 1:]
        else:
            tokens.append(_EOS)
        try:
            packed = b"".join(map(self._word_rows.__getitem__, tokens))
        except KeyError:
            packed = b"".join(map(self._rows_of, tokens))
        if not packed:
            return (), ()
        cdef const int[::1] ids = np.frombuffer(packed, np.intc)
        self._compute_hidden(ids)
        cdef vector[Scored] heap
        heap.reserve(k + 1)
        self._dfs(k, 2 * self._osz - 2, 0.0, heap)
        sort_heap(heap.begin(), heap.end(), compare_pairs)
        # `FastText::predictLine` returns expf of each log-probability.
        return (tuple([self.labels[scored.second] for scored in heap]),
                tuple([expf(scored.first) for scored in heap]))

    cdef void _compute_hidden(self, const int[::1] ids) noexcept:
        """`Model::computeHidden`: the rows added one after the other in float32, then
        scaled by float(1 / count). Each of the `dim` sums is its own sequence of adds, so
        the compiler may add several of them at once without changing any."""
        cdef float total[MAX_DIM]
        cdef const float* rows = &self._rows[0, 0]
        cdef const float* row
        cdef float* hidden = &self._hidden[0]
        cdef Py_ssize_t i, j, count = ids.shape[0]
        cdef int dim = self._dim
        cdef float scale = 1.0 / count
        for j in range(dim):
            total[j] = 0
        for i in range(count):
            row = rows + <Py_ssize_t>ids[i] * dim
            for j in range(dim):
                total[j] = total[j] + row[j]
        for j in range(dim):
            hidden[j] = total[j] * scale

    cdef float _dot(self, int inner) noexcept:
        """`DenseMatrix::dotRow`: a float32 sum, in order."""
        cdef const float* row = &self._output[inner, 0]
        cdef const float* hidden = &self._hidden[0]
        cdef float d = 0.0
        cdef int j
        for j in range(self._dim):
            d = d + row[j] * hidden[j]
        return d

    cdef void _dfs(self, int k, int node, float score, vector[Scored]& heap) noexcept:
        """`HierarchicalSoftmaxLoss::dfs`, step for step."""
        if score < self._floor:
            return
        if <int>heap.size() == k and score < heap.front().first:
            return
        if self._left[node] == -1 and self._right[node] == -1:
            heap.push_back(Scored(score, node))
            push_heap(heap.begin(), heap.end(), compare_pairs)
            if <int>heap.size() > k:
                pop_heap(heap.begin(), heap.end(), compare_pairs)
                heap.pop_back()
            return
        cdef float f = self._dot(node - self._osz)
        f = 1. / (1 + expf(-f))
        self._dfs(k, self._left[node], score + std_log(1.0 - f), heap)
        self._dfs(k, self._right[node], score + std_log(f), heap)

    def _rows_of(self, token: bytes) -> bytes:
        rows = self._word_rows.get(token)
        return self._new_word(token) if rows is None else rows

    cdef bytes _new_word(self, bytes token):
        """`Dictionary::getLine` for one token: a known word's id and n-gram rows, an unknown
        word's n-gram rows, `</s>`'s id alone, nothing for a label ("__label__...")."""
        cdef vector[int] rows
        wid = self._word_ids.get(token, -1)
        if not (wid >= 0 and self._word_is_label[wid]
                or wid < 0 and token.startswith(_LABEL_PREFIX)):
            if wid >= 0:
                rows.push_back(wid)
            if token != _EOS:
                self._add_subwords(b"<" + token + b">", rows)
        if len(self._word_rows) >= self._word_cache_size:
            self._word_rows.clear()
        kept = (<char*>rows.data())[:rows.size() * sizeof(int)] if rows.size() else b""
        self._word_rows[token] = kept
        return kept

    cdef void _add_subwords(self, bytes word, vector[int]& rows):
        """`Dictionary::computeSubwords` of a bracketed word, on its UTF-8 bytes as fastText
        does: each n-gram of minn..maxn characters (a character is a lead byte and its
        continuation bytes) by start, then by length, FNV-1a hashed as it grows, its bucket
        through the pruned model's index (`pushHash`); one-character n-grams not at either
        end."""
        cdef const unsigned char* data = word
        cdef Py_ssize_t size = len(word), i, j
        cdef int n
        cdef unsigned int h, bucket
        for i in range(size):
            if data[i] & 0xC0 == 0x80:
                continue
            h = 2166136261
            j, n = i, 1
            while j < size and n <= self._maxn:
                h = (h ^ <unsigned int><int><signed char>data[j]) * 16777619
                j += 1
                while j < size and data[j] & 0xC0 == 0x80:
                    h = (h ^ <unsigned int><int><signed char>data[j]) * 16777619
                    j += 1
                if n >= self._minn and not (n == 1 and (i == 0 or j == size)):
                    bucket = h % self._bucket
                    if not self._is_pruned:
                        rows.push_back(self._nwords + bucket)
                    elif self._pruned.count(bucket):
                        rows.push_back(self._nwords + self._pruned[bucket])
                n += 1

    def cached_words(self) -> int:
        """Words whose rows are kept now (tests)."""
        return len(self._word_rows)
