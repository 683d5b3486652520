"""Which Beam runner a run uses.

Without `--runner`, khabar runs in-process on the FnApiRunner: the default DirectRunner first
tries to download the Prism runner binary at every start, which an offline machine cannot do
(and a hanging DNS would stall). Every other `--runner` passes through to Beam unchanged.
"""
from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions


def _has_runner(beam_args: list[str]) -> bool:
    return any(arg == "--runner" or arg.startswith("--runner=") for arg in beam_args)


def pipeline_options(beam_args: list[str]) -> PipelineOptions:
    if not _has_runner(beam_args):
        beam_args = ["--runner=FnApiRunner", *beam_args]
    return PipelineOptions(beam_args)
