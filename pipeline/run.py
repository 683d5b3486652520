"""One batch run: check the arguments, run the graph, commit the output, check, report.

Arguments are parsed and checked in `pipeline/cli.py`; Beam's own options (`--runner`,
`--direct_num_workers`, ...) pass through to `PipelineOptions` (see `pipeline/runners.py` for
the default runner).
"""
from __future__ import annotations

import logging
import sys
import time

from apache_beam.io.filesystems import FileSystems

from pipeline.cli import UsageError, parse_args
from pipeline.commit import (REPORTS_FOLDER, commit, files_under, pending_commit, plan_commit,
                             staged_files_per_dataset, staged_run, writer_of)
from pipeline.config import ConfigError, check_patterns, load_config
from pipeline.environment import diagnose, one_line_environment_failures
from pipeline.graph import RunSpec, build_graph
from pipeline.outputlock import OutputBusy
from pipeline.progress import ProgressDisplay
from pipeline.runners import (RunnerSetupError, resolve_beam_args, run_pipeline,
                              worker_processes_note)
from pipeline.report import build_report, print_summary, write_report
from pipeline.worker import WorkerLost
from transforms.beam_steps import STEP_FAILED
from transforms.read import INPUT_FORMATS, expand_input, is_input_path

LOG = logging.getLogger("khabar")


def _matched_inputs(pattern: str) -> tuple[int, int, int]:
    """(input files, skipped files, input bytes) behind the pattern; exits early when nothing
    matches."""
    try:
        matched = FileSystems.match([pattern])[0].metadata_list
    except Exception as error:  # Beam raises a BeamIOError wrapping the cause
        raise UsageError(f"cannot list --input {pattern!r}: {error}") from None
    inputs = [metadata for metadata in matched if is_input_path(metadata.path)]
    if not inputs:
        raise UsageError(f"no input file matches --input {pattern!r} (input files end in "
                         f"{', '.join(sorted(INPUT_FORMATS))})")
    return len(inputs), len(matched) - len(inputs), sum(m.size_in_bytes for m in inputs)


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
    started = time.time()
    try:
        args, beam_args = parse_args(sys.argv[1:] if argv is None else argv)
        run_date = args.run_date
        config = load_config(args.config, args.overrides)
        check_patterns(config)
        pattern = expand_input(args.input)
        input_files, skipped_files, input_bytes = _matched_inputs(pattern)
        beam_args = resolve_beam_args(beam_args, input_bytes)
    except (UsageError, ConfigError, RunnerSetupError) as error:
        print(f"khabar: {error}", file=sys.stderr)
        return 2

    LOG.info("run %s: %d input files (%d other files skipped) from %s%s", run_date, input_files,
             skipped_files, pattern, worker_processes_note(beam_args))
    try:
        with writer_of(args.output, f"run of {run_date}", config.output.lock_wait_seconds,
                       _say), staged_run(args.output, run_date) as (staging, run_id), \
                one_line_environment_failures(args.output):
            earlier_index = earlier_index_files(args.output, run_date)
            LOG.info("deduplicating against %d index files of earlier dates", len(earlier_index))
            spec = RunSpec(input_pattern=pattern, staging_root=staging, run_date=run_date,
                           earlier_index_files=earlier_index, progress=args.progress)
            with ProgressDisplay(sys.stderr, enabled=args.progress):
                result = run_pipeline(beam_args,
                                      lambda pipeline: build_graph(pipeline, spec, config))
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
    except WorkerLost as error:
        _say(f"{error}; {run_date} was not committed (its previous output stays)")
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

