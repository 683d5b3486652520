"""Which Beam runner a run uses, and the lifetime of what that runner needs.

Without `--runner`, khabar runs in-process on the FnApiRunner: the default DirectRunner first
tries to download the Prism runner binary at every start, which an offline machine cannot do
(and a hanging DNS would stall). `--runner=dask` (or `DaskRunner`, or Beam's full class path)
runs on Beam's Dask runner: on the `dask.distributed` scheduler at `--dask_client_address`, or
else on a local cluster of one single-threaded worker process per core that khabar starts and
closes. Every other `--runner` passes through to Beam unchanged.
"""
from __future__ import annotations

import contextlib
import logging
import os
from typing import Callable

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

DASK_RUNNER_NAMES = ("dask", "DaskRunner", "apache_beam.runners.dask.dask_runner.DaskRunner")


def _runner_name(beam_args: list[str]) -> str | None:
    for position, arg in enumerate(beam_args):
        if arg.startswith("--runner="):
            return arg.split("=", 1)[1]
        if arg == "--runner" and position + 1 < len(beam_args):
            return beam_args[position + 1]
    return None


def _without_runner(beam_args: list[str]) -> list[str]:
    kept, skip_next = [], False
    for arg in beam_args:
        if skip_next:
            skip_next = False
        elif arg == "--runner":
            skip_next = True
        elif not arg.startswith("--runner="):
            kept.append(arg)
    return kept


def pipeline_options(beam_args: list[str]) -> PipelineOptions:
    if _runner_name(beam_args) is None:
        beam_args = ["--runner=FnApiRunner", *beam_args]
    return PipelineOptions(beam_args)


@contextlib.contextmanager
def _dask_scheduler(beam_args: list[str]):
    """Yields Beam args that name a scheduler, starting (and then closing) a local one if none.

    Workers must be processes: Beam's Dask translation appends every partition's output to one
    list object, which only a pickled copy per task keeps apart (an in-process cluster
    multiplied rows). One thread each, as the steps are CPU-bound Python.
    """
    if any(arg.startswith("--dask_client_address") for arg in beam_args):
        yield beam_args
        return
    from dask.distributed import LocalCluster
    with LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        yield [*beam_args, f"--dask_client_address={cluster.scheduler_address}"]


def run_pipeline(beam_args: list[str], build: Callable[[beam.Pipeline], None]):
    """Builds the graph with `build(pipeline)`, runs it to the end and returns the result."""
    if _runner_name(beam_args) not in DASK_RUNNER_NAMES:
        pipeline = beam.Pipeline(options=pipeline_options(beam_args))
        build(pipeline)
        result = pipeline.run()
        result.wait_until_finish()
        return result
    from apache_beam.runners.dask.dask_runner import DaskRunner
    with _dask_scheduler(_without_runner(beam_args)) as dask_args:
        pipeline = beam.Pipeline(runner=DaskRunner(), options=PipelineOptions(dask_args))
        build(pipeline)
        result = pipeline.run()
        try:
            result.wait_until_finish()
        finally:
            result.client.close()  # Beam never closes it: it would retry a closed cluster for 30 s
    return result
