"""`python -m pipeline`: parse arguments, run the graph, commit the output, check, report.

Arguments khabar does not know are Beam's own (`--runner`, `--direct_num_workers`, ...) and pass
straight through to `PipelineOptions` (see `pipeline/runners.py` for the default runner).
"""
from __future__ import annotations

import argparse
import datetime
import logging
import shutil
import sys
import time
from pathlib import Path

from apache_beam.io.filesystems import FileSystems

from pipeline.config import ConfigError, load_config
from pipeline.graph import RunSpec, build_graph
from pipeline.runners import RunnerSetupError, resolve_beam_args, run_pipeline
from pipeline.report import build_report, print_summary, write_report
from transforms.beam_steps import STEP_FAILED
from transforms.read import expand_input, is_input_path
from transforms.write import commit_staged

SAMPLE_INPUT = Path(__file__).resolve().parent / "sample"
DATASETS = ("documents", "duplicates", "rejected", "index", "_inputs")
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
        raise UsageError(f"no .txt, .jsonl or .jsonl.gz file matches --input {pattern!r}")
    return inputs, len(paths) - inputs


def _prepare_output(output: str, run_date: str) -> str:
    """Creates the output root and a clean staging folder; returns the staging folder."""
    staging = Path(output) / "_staging" / run_date
    try:
        if staging.exists():
            shutil.rmtree(staging)  # left by an interrupted run of this date
        staging.mkdir(parents=True)
        (staging / ".writable").touch()
    except OSError as error:
        raise UsageError(f"cannot write to --output {output!r}: {error.strerror}") from None
    return str(staging)


def earlier_index_files(output: str, run_date: str) -> tuple[str, ...]:
    """Index files of the dates before this one. A rerun ignores its own date's old entries,
    and a rerun of an old date is not matched against later dates (earlier documents always
    win the kept choice, so later ones would turn this date's documents into duplicates)."""
    index_root = Path(output) / "index"
    return tuple(sorted(str(path) for path in index_root.glob("date=*/*.parquet")
                        if path.parent.name[len("date="):] < run_date))


def run(argv: list[str] | None = None) -> int:
    args, beam_args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.time()
    try:
        run_date = _run_date(args.run_date)
        config = load_config(args.config, args.overrides)
        pattern = expand_input(args.input)
        input_files, skipped_files = _matched_inputs(pattern)
        beam_args = resolve_beam_args(beam_args)
        staging = _prepare_output(args.output, run_date)
    except (UsageError, ConfigError, RunnerSetupError) as error:
        print(f"khabar: {error}", file=sys.stderr)
        return 2

    LOG.info("run %s: %d input files (%d other files skipped) from %s", run_date, input_files,
             skipped_files, pattern)
    earlier_index = earlier_index_files(args.output, run_date)
    LOG.info("deduplicating against %d index files of earlier dates", len(earlier_index))
    spec = RunSpec(input_pattern=pattern, staging_root=staging, run_date=run_date,
                   earlier_index_files=earlier_index)
    result = run_pipeline(beam_args, lambda pipeline: build_graph(pipeline, spec, config))
    LOG.info("pipeline finished; committing %s", run_date)

    committed = commit_staged(staging, args.output, DATASETS, run_date)
    report = build_report(args.output, run_date, config=config, result=result,
                          input_files=input_files, skipped_files=skipped_files,
                          committed_files=committed, seconds=time.time() - started,
                          argv=argv if argv is not None else sys.argv[1:])
    report_path = write_report(args.output, run_date, report)
    shutil.rmtree(Path(args.output) / "_staging", ignore_errors=True)
    print_summary(report, args.output, report_path)
    failed = report["rejected_per_reason"].get(STEP_FAILED, 0)
    if failed:
        print(f"khabar: warning: {failed} documents were rejected because a step raised an "
              f"error (reason '{STEP_FAILED}'); see rejected/date={run_date}/ for details",
              file=sys.stderr)
    if not report["invariant"]["holds"]:
        print(f"khabar: {report['invariant']['message']}", file=sys.stderr)
        return 3
    return 0


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    LOG.setLevel(logging.INFO)
    sys.exit(run())
