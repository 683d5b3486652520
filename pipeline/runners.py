"""Which Beam runner a run uses, and the lifetime of what that runner needs.

Without `--runner`, khabar runs on the FnApiRunner: the default DirectRunner first tries to
download the Prism runner binary at every start, which an offline machine cannot do (and a
hanging DNS would stall). An input of `WORKER_PROCESSES_FROM_BYTES` or more runs on one worker
process per core (the steps are CPU-bound Python: one process uses one core), a smaller one
in-process, where starting the workers (`pipeline/worker.py`) would cost more than the second
core saves; `--direct_num_workers` or `--direct_running_mode` choose explicitly. `--runner=dask` (or
`DaskRunner`, or Beam's full class path) runs on Beam's Dask runner: on the `dask.distributed` scheduler at `--dask_client_address`, or
else on a local cluster of one single-threaded worker process per core that khabar starts and
closes. `--runner=flink`, `spark` and `prism` run on Beam's portable runners, embedded on this
machine, with what they need beyond `pip install` taken from a local cache that `make flink`,
`make spark` and `make prism` fill: nothing is downloaded at run time. Every other `--runner`
passes through to Beam unchanged.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
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


class RunnerSetupError(Exception):
    """The runner cannot start from this machine; the message says what to run (exit code 2)."""


@dataclass(frozen=True)
class PortableRunner:
    """A khabar alias for one of Beam's portable runners, run embedded on this machine.

    `artifact` is what Beam would otherwise download at run time (a job-server jar, the Prism
    binary): a glob under the cache with `{beam}` standing for the installed Beam version.
    `defaults` suit a 2-core machine; an option the user passes replaces its default.
    `always` are added whatever the user passes.
    """
    beam_runner: str
    artifact_option: str
    artifact: str
    defaults: tuple[str, ...]
    make_target: str
    always: tuple[str, ...] = ()


# Beam itself picks LOOPBACK workers (the Python SDK harness inside the driver process, no
# Docker) for a local Flink or Spark master and for Prism; a remote cluster needs the user's
# --environment_type.
PORTABLE_RUNNERS = {
    "flink": PortableRunner("FlinkRunner", "--flink_job_server_jar",
                            "jars/beam-runners-flink-*-job-server-{beam}.jar",
                            ("--flink_master=[local]", "--parallelism=2"),
                            "flink"),
    "spark": PortableRunner("SparkRunner", "--spark_job_server_jar",
                            "jars/beam-runners-spark-3-job-server-{beam}.jar",
                            ("--spark_master_url=local[2]",), "spark"),
    # Beam keeps one Prism server per Python process, started with the options of whichever
    # pipeline came first (a DirectRunner's has no --prism_location): each run starts its own.
    "prism": PortableRunner("PrismRunner", "--prism_location", "prism-{beam}/prism", (), "prism",
                            always=("--experiments=disable_prism_server_singleton",)),
}


def artifact_cache() -> Path:
    """Where `make flink|spark|prism` put the runners' artifacts (`$KHABAR_CACHE`)."""
    return Path(os.environ.get("KHABAR_CACHE", Path.home() / ".cache" / "khabar"))


def _has_option(beam_args: list[str], option: str) -> bool:
    return any(arg == option or arg.startswith(option + "=") for arg in beam_args)


def portable_runner_args(runner: PortableRunner, beam_args: list[str], cache: Path) -> list[str]:
    """Beam args for `runner`: its Beam name, its defaults and its artifact from the cache.

    An artifact the user names with `runner.artifact_option` is used as given; otherwise a
    missing one is a RunnerSetupError naming the make target that fetches it.
    """
    args = [f"--runner={runner.beam_runner}", *_without_runner(beam_args), *runner.always]
    args += [default for default in runner.defaults
             if not _has_option(beam_args, default.split("=", 1)[0])]
    if _has_option(beam_args, runner.artifact_option):
        return args
    pattern = runner.artifact.format(beam=beam.__version__)
    found = sorted(cache.glob(pattern))
    if not found:
        raise RunnerSetupError(
            f"{cache / pattern} is missing: run `make {runner.make_target}` to fetch what "
            f"{runner.beam_runner} needs (or pass {runner.artifact_option}=PATH)")
    return [*args, f"{runner.artifact_option}={found[-1]}"]


# About 2,500 news articles. With workers forked warm (`pipeline/worker.py`), two workers took
# 0.96x the wall time of one process on 2,500 articles (8.0 MB, 1.48x the CPU) and 0.72x on
# 5,000 (15.5 MB): `farm-bench -n 3` over the default command, each mode forced.
WORKER_PROCESSES_FROM_BYTES = 8 * 2**20
MULTI_PROCESSING = "--direct_running_mode=multi_processing"


def usable_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def default_workers(beam_args: list[str], input_bytes: int, cores: int) -> list[str]:
    """Worker processes, one per core, for a default run on an input large enough to repay
    their start; nothing when the user chose, or for a small input or a single core."""
    chosen = any(_has_option(beam_args, option)
                 for option in ("--direct_running_mode", "--direct_num_workers"))
    if chosen or cores < 2 or input_bytes < WORKER_PROCESSES_FROM_BYTES:
        return []
    return [MULTI_PROCESSING, f"--direct_num_workers={cores}"]


def resolve_beam_args(beam_args: list[str], input_bytes: int = 0) -> list[str]:
    """The Beam args a run uses: the FnApiRunner by default (with worker processes for a large
    input, see `default_workers`), khabar's portable aliases expanded."""
    name = _runner_name(beam_args)
    if name is None:
        return ["--runner=FnApiRunner", *default_workers(beam_args, input_bytes, usable_cores()),
                *beam_args]
    if name in PORTABLE_RUNNERS:
        return portable_runner_args(PORTABLE_RUNNERS[name], beam_args, artifact_cache())
    return beam_args


@contextlib.contextmanager
def _local_workers(beam_args: list[str]):
    """Yields (runner, Beam args) for a run. With `--direct_running_mode=multi_processing` on the
    FnApiRunner: a runner whose workers run `pipeline.worker` (Beam's harness, forked from a
    warm fork server that runs as long as the block, with quiet logging), and the args without
    that mode, which would make the runner substitute Beam's own worker command for the
    environment it is given (`--direct_num_workers` still says how many). Otherwise no runner
    object (Beam picks it from `--runner`) and the args as given."""
    if _runner_name(beam_args) != "FnApiRunner" or MULTI_PROCESSING not in beam_args:
        yield None, beam_args
        return
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner
    from apache_beam.transforms.environments import SubprocessSDKEnvironment

    from pipeline.worker import failing_when_lost, serving
    with failing_when_lost() as on_worker_lost, serving(on_worker_lost) as worker_command:
        runner = FnApiRunner(default_environment=SubprocessSDKEnvironment.from_command_string(
            worker_command))
        yield runner, [arg for arg in beam_args if arg != MULTI_PROCESSING]


def worker_processes_note(beam_args: list[str]) -> str:
    """', on N worker processes' for a multi-process FnApiRunner run, else nothing. Beam's own
    count: `--direct_num_workers` (default 1; 0 is one per core)."""
    if _runner_name(beam_args) != "FnApiRunner" or MULTI_PROCESSING not in beam_args:
        return ""
    counts = [arg.split("=", 1)[1] for arg in beam_args
              if arg.startswith("--direct_num_workers=")]
    count = counts[-1] if counts else "1"
    return f", on {usable_cores() if count == '0' else count} worker processes"


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


class _OneViewPerClass(PipelineOptions):
    """Pipeline options that build each view (`view_as`) once.

    Beam asks the pipeline's options for a view ~1,100 times while it builds and translates
    khabar's graph (every transform's type check asks for `TypeOptions`), and each view parses
    every option with a fresh argparse parser: 0.9 s of the start of a run, on one core. A view
    reads and writes the options it came from (`_all_options`), so one view per class behaves
    as a fresh one would."""

    def __init__(self, flags: list[str]):
        super().__init__(flags)
        object.__setattr__(self, "_views", {})  # PipelineOptions' own setattr takes options only

    def view_as(self, cls):
        if cls not in self._views:
            self._views[cls] = super().view_as(cls)
        return self._views[cls]


def run_pipeline(beam_args: list[str], build: Callable[[beam.Pipeline], None]):
    """Builds the graph with `build(pipeline)`, runs it to the end and returns the result.

    `beam_args` are those of `resolve_beam_args`."""
    if _runner_name(beam_args) not in DASK_RUNNER_NAMES:
        with _local_workers(beam_args) as (runner, options):
            pipeline = beam.Pipeline(runner=runner, options=_OneViewPerClass(options))
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
