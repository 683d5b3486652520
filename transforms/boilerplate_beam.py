"""Batch-wide boilerplate signals, computed with keyed aggregations and used as side inputs.

`CorpusBoilerplateSignals(cfg)` reads the normalized documents once and returns two small
PCollections:

- `site_common_lines`: `(site_key, frozenset of line_hash)` for each site that has lines
  recurring in at least `cfg.site_line_min_docs` of its documents and in at least
  `cfg.site_line_min_share` of them. Counted as distinct documents per `(site, hash)` key
  (`_CountDistinct`), so each document contributes a line once even if a runner delivers it
  twice; only the frequent keys are kept.
- `batch_titles`: one `frozenset` of title hashes (JSONL titles, and the title-like first lines
  of `.txt` documents), built with `CombineGlobally`; empty on an empty batch.

Pass them to the step as `signals.side_inputs()`, i.e.
`(beam.pvalue.AsDict(site_common_lines), beam.pvalue.AsSingleton(batch_titles))`, matching
`strip_step(doc, state, site_common_lines, batch_titles)`.

The site of a `.txt` document without `doc.site` is the folder it was read from (see
`transforms.boilerplate.site_key`). No tagged outputs and nothing emitted from `finish_bundle`,
so the composite runs the same on every runner.
"""
from __future__ import annotations

from typing import NamedTuple

import apache_beam as beam
import xxhash

from transforms.boilerplate import (BoilerplateConfig, is_prose, is_shared_prose, line_hash,
                                    line_hashes, looks_like_title, site_key, word_count)
from transforms.model import Doc

# First lines of a title-less document that may be its title (a site-name line can come first).
TITLE_CANDIDATE_LINES = 2


def site_line_keys(doc: Doc, cfg: BoilerplateConfig) -> list[tuple[str, int]]:
    """`(site, line_hash)` once per distinct non-empty line of the document, sorted. Shared
    prose (`is_shared_prose`) is never stripped as site boilerplate, so it is not counted:
    most of an article's lines, and most of what this count would shuffle."""
    site = site_key(doc)
    lines = [line for line in map(str.strip, doc.text.split("\n"))
             if line and not is_shared_prose(line, cfg)]
    return [(site, value) for value in sorted(set(line_hashes(lines)))]


def _doc_key(doc: Doc) -> int:
    """63 bits, like `line_hash`, so the shuffle encodes it as a varint."""
    return xxhash.xxh3_64_intdigest(doc.id.encode("utf-8")) >> 1


def _site_line_docs(doc: Doc, cfg: BoilerplateConfig) -> list[tuple[tuple[str, int], int]]:
    doc_key = _doc_key(doc)
    return [(key, doc_key) for key in site_line_keys(doc, cfg)]


def _site_doc(doc: Doc) -> tuple[str, int]:
    return site_key(doc), _doc_key(doc)


def title_hashes(doc: Doc, cfg: BoilerplateConfig) -> list[int]:
    """Hashes of the document's title, or of the first lines that may be its title."""
    if doc.title:
        return [line_hash(doc.title)]
    lines = [line.strip() for line in doc.text.split("\n") if line.strip()]
    return [line_hash(line) for line in lines[:TITLE_CANDIDATE_LINES]
            if looks_like_title(line, cfg, words := word_count(line)) and not is_prose(line, words)]


class _SetUnion(beam.CombineFn):
    """Union of the values into one set; subclasses say what to output from it."""

    def create_accumulator(self):
        return set()

    def add_input(self, accumulator, value):
        accumulator.add(value)
        return accumulator

    def merge_accumulators(self, accumulators):
        merged = set()
        for accumulator in accumulators:
            merged |= accumulator
        return merged


class _ToFrozenSet(_SetUnion):
    """Union of hashes into one frozenset (the batch title index)."""

    def extract_output(self, accumulator):
        return frozenset(accumulator)


class _CountDistinct(_SetUnion):
    """How many distinct document keys a key was seen with.

    Counting elements would let a runner that delivers an element twice inflate the counts,
    and Beam's Dask runner does, silently: it recomputes a side input's upstream inside each
    consuming task, and a ParDo's output list there keeps what the earlier computation
    appended (every line was counted twice). One combine with lifting, as cheap as summing
    ones; the set holds 63-bit keys of the documents of one site that share one line.
    """

    def extract_output(self, accumulator):
        return len(accumulator)


class CorpusSignals(NamedTuple):
    """The two side-input PCollections; `side_inputs()` wraps them for `ApplyStep`."""
    site_common_lines: beam.PCollection
    batch_titles: beam.PCollection

    def side_inputs(self) -> tuple:
        return (beam.pvalue.AsDict(self.site_common_lines),
                beam.pvalue.AsSingleton(self.batch_titles))


def _is_common(key_count, site_docs: dict, cfg: BoilerplateConfig) -> bool:
    (site, _), count = key_count
    return (count >= cfg.site_line_min_docs
            and count >= cfg.site_line_min_share * site_docs.get(site, 0))


class CorpusBoilerplateSignals(beam.PTransform):
    """`docs | CorpusBoilerplateSignals(cfg)` -> `CorpusSignals(site_common_lines, batch_titles)`."""

    def __init__(self, cfg: BoilerplateConfig):
        super().__init__()
        self._cfg = cfg

    def expand(self, docs):
        cfg = self._cfg
        site_docs = (docs
                     | "SiteOfDoc" >> beam.Map(_site_doc)
                     | "CountSiteDocs" >> beam.CombinePerKey(_CountDistinct()))
        site_common_lines = (
            docs
            | "SiteLines" >> beam.FlatMap(_site_line_docs, cfg)
            | "CountSiteLines" >> beam.CombinePerKey(_CountDistinct())
            | "KeepCommon" >> beam.Filter(_is_common, beam.pvalue.AsDict(site_docs), cfg)
            | "BySite" >> beam.Map(lambda key_count: key_count[0])
            | "GroupBySite" >> beam.GroupByKey()
            | "HashSet" >> beam.MapTuple(lambda site, hashes: (site, frozenset(hashes))))
        batch_titles = (docs
                        | "TitleHashes" >> beam.FlatMap(title_hashes, cfg)
                        | "TitleIndex" >> beam.CombineGlobally(_ToFrozenSet()))
        return CorpusSignals(site_common_lines, batch_titles)
