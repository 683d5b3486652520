# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Language ID's letter evidence in one pass over a text, compiled: the counts and word runs
`langid._letter_evidence` otherwise takes from `str.split`, three regex scans and a `str.count`
per marker letter (about half of language ID once the model ran compiled).

Same counts, by construction: the letter classes are look-up tables of the Basic Multilingual
Plane that the `regex` module itself fills (`charclass.bmp_table`), the word runs follow
`langid._word_runs` (whitespace tokens that are all `str.isalpha` whole, the others cut into
runs of letters and ZWNJ), and a text with characters beyond the BMP is left to the Python code
(`census` returns None). `tests/test_letter_census.py` compares both. Built by `make compiled`.
"""
from cpython.unicode cimport (Py_UNICODE_ISALPHA, Py_UNICODE_ISSPACE, PyUnicode_4BYTE_KIND,
                              PyUnicode_DATA, PyUnicode_KIND, PyUnicode_READ)

cdef enum:
    ZWNJ = 0x200C
    ALEF = 0x0627
    LAM = 0x0644


cdef class LetterCensus:
    """The tables, built once per process: BMP letters (`\\p{L}`), BMP letters outside the
    Arabic script, and the slot (1-based) of each counted character."""

    cdef const unsigned char[::1] _letter
    cdef const unsigned char[::1] _non_arabic
    cdef const unsigned char[::1] _slot
    cdef const unsigned char[::1] _article_mark
    cdef Py_ssize_t _slots

    def __init__(self, letter, non_arabic, slot, article_mark, slots: int):
        """Tables of 65,536 bytes each, indexed by code point: nonzero for a letter, a letter
        outside the Arabic script, a counted character's slot, a letter counted again inside
        an article match (ة and ى)."""
        for table in (letter, non_arabic, slot, article_mark):
            if len(table) != 0x10000:
                raise ValueError("a census table covers the 65,536 BMP code points")
        self._letter, self._non_arabic, self._slot = letter, non_arabic, slot
        self._article_mark, self._slots = article_mark, slots

    def census(self, str text, frozenset whole_words, frozenset piece_words):
        """(runs, letters in runs, letters outside the Arabic script, count of each slot's
        character, article matches, marked letters inside them, runs in `whole_words`, pieces
        of runs between ZWNJs in `piece_words`), or None for a text with characters beyond
        the BMP."""
        cdef int kind = PyUnicode_KIND(text)
        if kind == PyUnicode_4BYTE_KIND:
            return None
        cdef void* data = PyUnicode_DATA(text)
        cdef Py_ssize_t size = len(text), i, start, end, run_start, run_chars = 0
        cdef Py_ssize_t non_arabic = 0, articles = 0, marks = 0, whole = 0, pieces = 0
        cdef Py_ssize_t piece_start
        cdef Py_UCS4 char
        cdef bint alpha
        counts = [0] * self._slots
        alpha_tokens, other_runs = [], []
        i = 0
        while i < size:  # whitespace tokens, as str.split() makes them
            while i < size and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)):
                i += 1
            if i == size:
                break
            start, alpha = i, True
            while i < size:
                char = PyUnicode_READ(kind, data, i)
                if Py_UNICODE_ISSPACE(char):
                    break
                alpha = alpha and Py_UNICODE_ISALPHA(char)
                i += 1
            end = i
            if alpha:  # no ZWNJ in it: the token is its one piece
                run = text[start:end]
                alpha_tokens.append(run)
                run_chars += end - start
                whole += run in whole_words
                pieces += run in piece_words
                continue
            run_start = -1
            for i in range(start, end + 1):  # runs of letters and ZWNJ (`_WORD_RUNS`)
                if i < end:
                    char = PyUnicode_READ(kind, data, i)
                    if self._letter[char] or char == ZWNJ:
                        if run_start < 0:
                            run_start = i
                        continue
                if run_start >= 0:
                    run = text[run_start:i]
                    other_runs.append(run)
                    run_chars += i - run_start
                    whole += run in whole_words
                    piece_start = run_start
                    for end in range(run_start, i + 1):
                        if end == i or PyUnicode_READ(kind, data, end) == ZWNJ:
                            if end > piece_start:
                                pieces += text[piece_start:end] in piece_words
                            piece_start = end + 1
                    end = i
                    run_start = -1
            i = end
        i = 0
        while i < size:
            char = PyUnicode_READ(kind, data, i)
            non_arabic += self._non_arabic[char]
            if self._slot[char]:
                counts[self._slot[char] - 1] += 1
            if (char == ALEF and i + 3 < size and PyUnicode_READ(kind, data, i + 1) == LAM
                    and (i == 0 or not self._letter[PyUnicode_READ(kind, data, i - 1)])
                    and self._letter[PyUnicode_READ(kind, data, i + 2)]
                    and self._letter[PyUnicode_READ(kind, data, i + 3)]):
                # `_ARABIC_ARTICLE`: non-overlapping matches; the characters it spans are
                # counted like any other before the scan moves past them
                articles += 1
                for end in range(i + 1, i + 4):
                    char = PyUnicode_READ(kind, data, end)
                    marks += self._article_mark[char]
                    non_arabic += self._non_arabic[char]
                    if self._slot[char]:
                        counts[self._slot[char] - 1] += 1
                i += 4
                continue
            i += 1
        return (alpha_tokens + other_runs, run_chars, non_arabic, counts, articles, marks, whole,
                pieces)
