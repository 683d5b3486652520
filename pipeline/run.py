"""One batch run: check the arguments, run the graph, commit the output, check, report.

Arguments are parsed and checked in `pipeline/cli.py`; Beam's own options (`--runner`,
`--direct_num_workers`, ...) pass through to `PipelineOptions` (see `pipeline/runners.py` for
the default runner).
"""
from __future__ import annotations

import logging
import shutil
import sys
import time
from pathlib import Path

from apache_beam.io.filesystems import FileSystems

from pipeline.cli import UsageError, parse_args
from pipeline.config import ConfigError, check_patterns, load_config
from pipeline.graph import RunSpec, build_graph
from pipeline.progress import ProgressDisplay
from pipeline.runners import run_pipeline
from pipeline.report import build_report, print_summary, write_report
from transforms.beam_steps import STEP_FAILED
from transforms.read import expand_input, is_input_path
from transforms.write import commit_staged

DATASETS = ("documents", "duplicates", "rejected", "index", "_inputs")
LOG = logging.getLogger("khabar")


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
    started = time.time()
    try:
        args, beam_args = parse_args(sys.argv[1:] if argv is None else argv)
        run_date = args.run_date
        config = load_config(args.config, args.overrides)
        check_patterns(config)
        pattern = expand_input(args.input)
        input_files, skipped_files = _matched_inputs(pattern)
        staging = _prepare_output(args.output, run_date)
    except (UsageError, ConfigError) as error:
        print(f"khabar: {error}", file=sys.stderr)
        return 2

    LOG.info("run %s: %d input files (%d other files skipped) from %s", run_date, input_files,
             skipped_files, pattern)
    earlier_index = earlier_index_files(args.output, run_date)
    LOG.info("deduplicating against %d index files of earlier dates", len(earlier_index))
    spec = RunSpec(input_pattern=pattern, staging_root=staging, run_date=run_date,
                   earlier_index_files=earlier_index, progress=args.progress)
    with ProgressDisplay(sys.stderr, enabled=args.progress):
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

