"""Batch-wide boilerplate signals, computed with keyed aggregations and used as side inputs.

`CorpusBoilerplateSignals(cfg)` reads the normalized documents once and returns two small
PCollections:

- `site_common_lines`: `(site_key, frozenset of line_hash)` for each site that has lines
  recurring in at least `cfg.site_line_min_docs` of its documents and in at least
  `cfg.site_line_min_share` of them. Counted with `CombinePerKey` over `((site, hash), 1)`
  pairs, each document contributing a line once; only the frequent keys are kept.
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

from typing import Iterable, NamedTuple

import apache_beam as beam

from transforms.boilerplate import (BoilerplateConfig, is_prose, line_hash, looks_like_title,
                                    site_key)
from transforms.model import Doc

# First lines of a title-less document that may be its title (a site-name line can come first).
TITLE_CANDIDATE_LINES = 2


def site_line_keys(doc: Doc) -> Iterable[tuple[tuple[str, int], int]]:
    """`((site, line_hash), 1)` once per distinct non-empty line of the document."""
    site = site_key(doc)
    hashes = {line_hash(line) for line in doc.text.split("\n") if line.strip()}
    for value in sorted(hashes):
        yield (site, value), 1


def title_hashes(doc: Doc, cfg: BoilerplateConfig) -> list[int]:
    """Hashes of the document's title, or of the first lines that may be its title."""
    if doc.title:
        return [line_hash(doc.title)]
    lines = [line.strip() for line in doc.text.split("\n") if line.strip()]
    return [line_hash(line) for line in lines[:TITLE_CANDIDATE_LINES]
            if looks_like_title(line, cfg) and not is_prose(line)]


class _ToFrozenSet(beam.CombineFn):
    """Union of hashes into one frozenset (the batch title index)."""

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

    def extract_output(self, accumulator):
        return frozenset(accumulator)


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
                     | "SiteOfDoc" >> beam.Map(lambda doc: (site_key(doc), 1))
                     | "CountSiteDocs" >> beam.CombinePerKey(sum))
        site_common_lines = (
            docs
            | "SiteLines" >> beam.FlatMap(site_line_keys)
            | "CountSiteLines" >> beam.CombinePerKey(sum)
            | "KeepCommon" >> beam.Filter(_is_common, beam.pvalue.AsDict(site_docs), cfg)
            | "BySite" >> beam.Map(lambda key_count: key_count[0])
            | "GroupBySite" >> beam.GroupByKey()
            | "HashSet" >> beam.MapTuple(lambda site, hashes: (site, frozenset(hashes))))
        batch_titles = (docs
                        | "TitleHashes" >> beam.FlatMap(title_hashes, cfg)
                        | "TitleIndex" >> beam.CombineGlobally(_ToFrozenSet()))
        return CorpusSignals(site_common_lines, batch_titles)
