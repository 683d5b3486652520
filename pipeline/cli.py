"""The command line: what a user typed, checked before any work starts, and where logs go.

`python -m pipeline [options]` runs a batch; `python -m pipeline report OUTPUT` summarizes an
output root. Options khabar does not define are Beam's: each must be one that some Beam
`PipelineOptions` class declares (asked of Beam's own parser, so new Beam versions need no list
here), else the run stops with a one-line "did you mean" instead of running without it. This
module imports no Beam at load time, so logging is set up before Beam's import-time warnings.
"""
from __future__ import annotations

import argparse
import datetime
import difflib
import logging
import sys
from pathlib import Path

SAMPLE_INPUT = Path(__file__).resolve().parent / "sample"
SUBCOMMANDS = {"report": "summarize an output root: counts, reasons, clusters, an HTML page\n"
                         "              (python -m pipeline report --help)"}
USAGE = """python -m pipeline [--input PATH] [--output DIR] [--run_date YYYY-MM-DD]
                          [--config FILE] [--set SECTION.KEY=VALUE ...] [-v] [--no_progress]
                          [Beam options]
       python -m pipeline report OUTPUT [--date YYYY-MM-DD] [--html FILE]"""
EPILOG = """commands:
  (none)      run one batch: read, clean, deduplicate, write Parquet under --output
""" + "".join(f"  {name:<12}{what}\n" for name, what in SUBCOMMANDS.items()) + """
Any other --option must be an Apache Beam pipeline option (--runner, --direct_num_workers,
--direct_running_mode, ...); an option neither khabar nor Beam knows stops the run.
Exit codes: 0 done, 2 bad arguments or unusable config/input/output, 3 records lost."""


class UsageError(Exception):
    """The run cannot start; the message is one line for the user (exit code 2)."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse that raises `UsageError` instead of printing usage and exiting."""

    def error(self, message: str):
        raise UsageError(message)


def _run_date(value: str) -> str:
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be YYYY-MM-DD, got {value!r}") from None


def today() -> str:
    return datetime.datetime.now(datetime.timezone.utc).date().isoformat()


def run_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="python -m pipeline", usage=USAGE, epilog=EPILOG, allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Clean, deduplicate and write Arabic-script news as partitioned Parquet.")
    parser.add_argument("--input", default=str(SAMPLE_INPUT), metavar="PATH",
                        help="a directory (read recursively), a glob or one file "
                             "(default: the bundled sample)")
    parser.add_argument("--output", default="output", metavar="DIR",
                        help="output root (default: ./output)")
    parser.add_argument("--run_date", type=_run_date, default=None, metavar="YYYY-MM-DD",
                        help="logical date of this batch, YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--config", default=None, metavar="FILE",
                        help="YAML config (default: configs/default.yaml)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="SECTION.KEY=VALUE", help="override one config value")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also show Apache Beam's and other libraries' logs")
    parser.add_argument("--no_progress", dest="progress", action="store_false",
                        help="no progress display (by default a bar on a terminal, else a "
                             "line every 30 s) and no counting steps in the graph")
    return parser


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """(khabar's options, Beam's options); raises `UsageError` for anything neither knows."""
    parser = run_parser()
    args, beam_args = parser.parse_known_args(argv)
    if args.run_date is None:
        args.run_date = today()
    check_beam_args(beam_args, _option_strings(parser))
    return args, beam_args


def _option_strings(parser: argparse.ArgumentParser) -> list[str]:
    return [option for action in parser._actions for option in action.option_strings]


def beam_parser(beam_args: list[str]) -> argparse.ArgumentParser:
    """Beam's own option parser, as `PipelineOptions.get_all_options` assembles it: every
    `PipelineOptions` subclass adds its options (the Dask runner's when it is asked for)."""
    from apache_beam.options.pipeline_options import PipelineOptions, _BeamArgumentParser

    from pipeline.runners import DASK_RUNNER_NAMES, _runner_name
    if _runner_name(beam_args) in DASK_RUNNER_NAMES:
        import apache_beam.runners.dask.dask_runner  # noqa: F401  (declares DaskOptions)
    parser = _BeamArgumentParser(allow_abbrev=False)
    parser.error = _raise_usage  # a bad value is a usage error, not Beam's usage text
    for options in {str(cls): cls for cls in PipelineOptions.__subclasses__()}.values():
        options._add_argparse_args(parser)
    return parser


def _raise_usage(message: str):
    raise UsageError(message)


def check_beam_args(beam_args: list[str], khabar_options: list[str]) -> None:
    """Stops at the first argument that no Beam option takes, a Beam option's bad value, or a
    `--runner` that Beam would not find."""
    if not beam_args:
        return
    parser = beam_parser(beam_args)
    known, unknown = parser.parse_known_args(beam_args)
    if known.runner is not None:
        check_runner(known.runner)
    if not unknown:
        return
    first = unknown[0]
    if not first.startswith("-"):
        hint = _did_you_mean(first, list(SUBCOMMANDS))
        raise UsageError(f"unexpected argument {first!r}{hint}")
    name = first.split("=", 1)[0]
    hint = _did_you_mean(name, khabar_options + _option_strings(parser))
    raise UsageError(f"unknown option {name}{hint}: neither khabar nor Beam has it "
                     f"(python -m pipeline --help)")


def check_runner(name: str) -> None:
    """A runner name as Beam resolves it (`create_runner`): a known runner's class name, any
    case, with or without "Runner", or a dotted class path; khabar adds `dask`."""
    from apache_beam.options.pipeline_options import StandardOptions

    from pipeline.runners import DASK_RUNNER_NAMES
    known = [path.rsplit(".", 1)[-1] for path in StandardOptions.ALL_KNOWN_RUNNERS]
    lowered = {k.lower() for k in known}
    if ("." in name or name in DASK_RUNNER_NAMES or name.lower() in lowered
            or f"{name.lower()}runner" in lowered):
        return
    short = [k.removesuffix("Runner") for k in known]
    hint = _did_you_mean(name, short + known + list(DASK_RUNNER_NAMES[:2]))
    raise UsageError(f"unknown --runner {name!r}{hint}: a Beam runner ({', '.join(short)}), "
                     f"dask, or a runner's class path")


def _did_you_mean(typed: str, known: list[str]) -> str:
    """' (did you mean --run_date?)'; the underscore spelling of a hyphenated name first."""
    underscored = "--" + typed.lstrip("-").replace("-", "_")
    close = ([underscored] if underscored in known else
             difflib.get_close_matches(typed, known, n=1, cutoff=0.7))
    return f" (did you mean {close[0]}?)" if close else ""


# ----------------------------------------------------------------------------- logging

PROGRESS_LOGGER = "khabar.progress"
PROGRESS_MARK = "khabar progress"  # starts each worker's progress line (pipeline/progress.py)


class _ConsoleFilter(logging.Filter):
    """khabar's own lines always; other libraries' only with -v (errors always)."""

    def __init__(self, verbose: bool):
        super().__init__()
        self._verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == PROGRESS_LOGGER:
            return False  # per-bundle counts: read by the progress display, not for people
        if record.name == "khabar" or record.name.startswith("khabar."):
            return True
        if record.levelno >= logging.ERROR:
            return True
        # A multi-process worker's progress lines arrive as Beam's forwarded log entries.
        return self._verbose and PROGRESS_MARK not in record.getMessage()


class _ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        if record.name == "khabar":
            prefix = "khabar: " if record.levelno < logging.WARNING else "khabar: warning: "
            return prefix + record.getMessage()
        return f"{record.levelname} {record.name}: {record.getMessage()}"


def configure_logging(verbose: bool) -> None:
    """One stderr handler on the root logger, installed before Beam is imported: Beam logs a
    warning at import time, which would otherwise install Python's default handler."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_ConsoleFormatter())
    handler.addFilter(_ConsoleFilter(verbose))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)  # records reach the handlers; the filter decides what shows
    logging.captureWarnings(True)  # library `warnings` become records the filter can drop


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    configure_logging(verbose="-v" in argv or "--verbose" in argv)
    if argv and argv[0] in SUBCOMMANDS:
        from pipeline.summary import main as report_main
        return report_main(argv[1:])
    from pipeline.run import run
    return run(argv)
