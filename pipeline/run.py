"""`python -m pipeline`: parse arguments, run the graph, commit the output, check, report.

Arguments khabar does not know are Beam's own (`--runner`, `--direct_num_workers`, ...) and pass
straight through to `PipelineOptions` (see `pipeline/runners.py` for the default runner).
"""
from __future__ import annotations

import argparse
import datetime
import logging
import sys
import time
from pathlib import Path

from apache_beam.io.filesystems import FileSystems

from pipeline.commit import (REPORTS_FOLDER, commit, files_under, pending_commit, plan_commit,
                             staged_files_per_dataset, staged_run, writer_of)
from pipeline.config import ConfigError, load_config
from pipeline.environment import diagnose, one_line_environment_failures
from pipeline.graph import RunSpec, build_graph
from pipeline.outputlock import OutputBusy
from pipeline.runners import run_pipeline
from pipeline.report import build_report, print_summary, write_report
from transforms.beam_steps import STEP_FAILED
from transforms.read import INPUT_FORMATS, expand_input, is_input_path

SAMPLE_INPUT = Path(__file__).resolve().parent / "sample"
LOG = logging.getLogger("khabar")


class UsageError(Exception):
    """The run cannot start; the message is one line for the user (exit code 2)."""


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Clean, deduplicate and write Arabic-script news as partitioned Parquet. "
                    "Unknown options are passed to Apache Beam.")
    parser.add_argument("--input", default=str(SAMPLE_INPUT),
                        help="a directory (read recursively), a glob or one file "
                             "(default: the bundled sample)")
    parser.add_argument("--output", default="output", help="output root (default: ./output)")
    parser.add_argument("--run_date", default=None,
                        help="logical date of this batch, YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--config", default=None, help="YAML config (default: configs/default.yaml)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="SECTION.KEY=VALUE", help="override one config value")
    return parser.parse_known_args(argv)


def _run_date(value: str | None) -> str:
    if value is None:
        return datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise UsageError(f"--run_date must be YYYY-MM-DD, got {value!r}") from None


def _matched_inputs(pattern: str) -> tuple[int, int]:
    """(input files, skipped files) behind the pattern; exits early when nothing matches."""
    try:
        paths = [m.path for m in FileSystems.match([pattern])[0].metadata_list]
    except Exception as error:  # Beam raises a BeamIOError wrapping the cause
        raise UsageError(f"cannot list --input {pattern!r}: {error}") from None
    inputs = sum(1 for path in paths if is_input_path(path))
    if not inputs:
        raise UsageError(f"no input file matches --input {pattern!r} (input files end in "
                         f"{', '.join(sorted(INPUT_FORMATS))})")
    return inputs, len(paths) - inputs


def earlier_index_files(output: str, run_date: str) -> tuple[str, ...]:
    """Index files of the dates before this one. A rerun ignores its own date's old entries,
    and a rerun of an old date is not matched against later dates (earlier documents always
    win the kept choice, so later ones would turn this date's documents into duplicates).
    Listed under the output's lock, after any interrupted commit was finished: every date
    committed before this run took the lock is here whole."""
    index_root = FileSystems.join(output, "index")
    return tuple(FileSystems.join(index_root, *path.split("/")) for path in files_under(index_root)
                 if path.endswith(".parquet") and path.split("/")[0][len("date="):] < run_date)


def _say(line: str) -> None:
    print(f"khabar: {line}", file=sys.stderr)


def run(argv: list[str] | None = None) -> int:
    args, beam_args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.time()
    try:
        run_date = _run_date(args.run_date)
        config = load_config(args.config, args.overrides)
        pattern = expand_input(args.input)
        input_files, skipped_files = _matched_inputs(pattern)
    except (UsageError, ConfigError) as error:
        print(f"khabar: {error}", file=sys.stderr)
        return 2

    LOG.info("run %s: %d input files (%d other files skipped) from %s", run_date, input_files,
             skipped_files, pattern)
    try:
        with writer_of(args.output, f"run of {run_date}", config.output.lock_wait_seconds,
                       _say), staged_run(args.output, run_date) as (staging, run_id), \
                one_line_environment_failures(args.output):
            earlier_index = earlier_index_files(args.output, run_date)
            LOG.info("deduplicating against %d index files of earlier dates", len(earlier_index))
            spec = RunSpec(input_pattern=pattern, staging_root=staging, run_date=run_date,
                           earlier_index_files=earlier_index)
            result = run_pipeline(beam_args, lambda pipeline: build_graph(pipeline, spec, config))
            LOG.info("pipeline finished; checking and committing %s", run_date)
            report = build_report(staging, run_date, config=config, result=result,
                                  input_files=input_files, skipped_files=skipped_files,
                                  committed_files=staged_files_per_dataset(staging),
                                  seconds=time.time() - started,
                                  argv=argv if argv is not None else sys.argv[1:])
            write_report(staging, run_date, report)
            if not report["invariant"]["holds"]:
                _say(f"{report['invariant']['message']}; {run_date} was not committed (its "
                     f"previous output stays), the run's output is in {staging} until the next "
                     "run")
                return 3
            commit(args.output, plan_commit(args.output, staging, run_id, run_date))
    except OutputBusy as error:
        _say(str(error))
        return 2
    except Exception as error:
        failure = diagnose(error, args.output)
        if failure is None:
            raise
        _say(failure.message(args.output, pending_commit(args.output)))
        return 2

    print_summary(report, args.output, FileSystems.join(args.output, REPORTS_FOLDER,
                                                        f"{run_date}.json"))
    failed = report["rejected_per_reason"].get(STEP_FAILED, 0)
    if failed:
        print(f"khabar: warning: {failed} documents were rejected because a step raised an "
              f"error (reason '{STEP_FAILED}'); see rejected/date={run_date}/ for details",
              file=sys.stderr)
    return 0


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    LOG.setLevel(logging.INFO)
    sys.exit(run())
