"""The khabar graph: one composite per concern, one terminal sink.

    patterns  -> ReadArticles -> RejectDuplicateIds -> Clean (decode, repair, normalize, identify)
              -> StripBoilerplate (with per-batch corpus signals) -> Deduplicate
              (against the probed index of earlier run dates)
              -> rows of documents / duplicates / rejected / index / _inputs -> WriteStaged

Every input record is a `Doc` or a `Rejection` from the first step on; rejections ride along
in-band and are split off only where a stage needs documents alone. Everything flows into one
final write so that runners that execute only the last terminal branch (Dask) still run it all;
each branch's rows are spilled where they are made and only file paths are flattened.

The two batch-wide steps compute small results from a stream of the documents (per-site line
counts; dedup decisions from compact features), and the documents wait for those results on
disk (`ThroughDisk`; for dedup, by id partition next to their partition's decisions), not in
the runner's memory: a run holds a partition's features and decisions at a time, not texts.
"""
from __future__ import annotations

from dataclasses import dataclass

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from pipeline.progress import counted
from schemas import SCHEMAS
from transforms.beam_steps import ApplyStep, is_doc
from transforms.boilerplate import load_boilerplate, strip_step
from transforms.boilerplate_beam import CorpusBoilerplateSignals
from transforms.decode import decode_step
from transforms.dedup.beam import ApplyDecisions, DedupDecisions
from transforms.ids import RejectDuplicateIds
from transforms.langid import identify_step, load_langid
from transforms.limits import check_limits
from transforms.normalize import basic_normalize_step, normalize_step
from transforms.read import ReadArticles, SourceManifest
from transforms.repair import build_repairer, repair_step
from transforms.rows import index_row, manifest_row, record_row
from transforms.spill import ThroughDisk
from transforms.write import WriteStaged, shards_for


@dataclass(frozen=True)
class RunSpec:
    """What one run reads and writes (the config says how)."""
    input_pattern: str
    staging_root: str
    run_date: str
    earlier_index_files: tuple[str, ...] = ()
    progress: bool = True  # count records through the stages for the progress display

    def spill_folder(self, barrier: str) -> str:
        """Where records wait for a batch-wide result (removed with the staging folder)."""
        return FileSystems.join(self.staging_root, "_spill", barrier)


def _is_manifest(element) -> bool:
    return isinstance(element, SourceManifest)


def _is_record(element) -> bool:
    return not isinstance(element, SourceManifest)


class CleanDocuments(beam.PTransform):
    """Bytes to clean, language-tagged text: each step a labelled, pure, counted function."""

    def __init__(self, config):
        super().__init__()
        self._config = config

    def expand(self, records):
        config = self._config
        return (records
                | ApplyStep("Decode", decode_step, config.repair)
                | ApplyStep("Repair", repair_step, config.repair, setup=build_repairer)
                | ApplyStep("NormalizeBasic", basic_normalize_step, config.normalize)
                | ApplyStep("CheckLimits", check_limits, config.limits)
                | ApplyStep("IdentifyLanguage", identify_step, config.langid, setup=load_langid)
                | ApplyStep("NormalizeLanguage", normalize_step, config.normalize))


class StripBoilerplate(beam.PTransform):
    """Removes non-article lines, using what the whole batch says about each site's lines.

    The records wait for the batch's signals in `spill_folder`; rejections pass through."""

    def __init__(self, config, spill_folder: str):
        super().__init__()
        self._config = config
        self._spill_folder = spill_folder

    def expand(self, records):
        signals = (records
                   | "CleanedDocs" >> beam.Filter(is_doc)
                   | "LearnCorpusSignals" >> CorpusBoilerplateSignals(self._config))
        return (records
                | "WaitForSignals" >> ThroughDisk(self._spill_folder)
                | ApplyStep("StripLines", strip_step, self._config, setup=load_boilerplate,
                            side_inputs=signals.side_inputs()))


def build_graph(pipeline: beam.Pipeline, spec: RunSpec, config) -> None:
    read = (pipeline
            | "InputPattern" >> beam.Create([spec.input_pattern])
            | "ReadArticles" >> ReadArticles(config.read))
    manifests = read | "Manifests" >> beam.Filter(_is_manifest)
    records = (counted(read | "Records" >> beam.Filter(_is_record), "read", spec.progress)
               | "RejectDuplicateIds" >> RejectDuplicateIds(spec.spill_folder("read")))

    cleaned = counted(records | "Clean" >> CleanDocuments(config), "cleaned", spec.progress)
    stripped = counted(cleaned | "StripBoilerplate" >> StripBoilerplate(
        config.boilerplate, spec.spill_folder("cleaned")), "boilerplate", spec.progress)
    earlier_index_files = None
    if spec.earlier_index_files:
        earlier_index_files = pipeline | "EarlierIndexFiles" >> beam.Create(
            spec.earlier_index_files)
    decided = (stripped
               | "StrippedDocs" >> beam.Filter(is_doc)
               | "Deduplicate" >> DedupDecisions(config.dedup, spec.run_date,
                                                 spec.spill_folder("dedup"), earlier_index_files))
    finished = counted(stripped
                       | "ApplyDecisions" >> ApplyDecisions(decided,
                                                            spec.spill_folder("stripped")),
                       "deduplicated", spec.progress)

    run_date = spec.run_date
    rows = (
        finished | "RecordRows" >> beam.Map(record_row, run_date),
        decided["index"] | "IndexRows" >> beam.Map(index_row, run_date),
        manifests | "ManifestRows" >> beam.Map(manifest_row, run_date),
    )
    shards = (records
              | "CountRecords" >> beam.combiners.Count.Globally()
              | "ShardsPerPartition" >> beam.Map(shards_for, config.output))
    rows | "Write" >> WriteStaged(spec.staging_root, SCHEMAS, shards)
