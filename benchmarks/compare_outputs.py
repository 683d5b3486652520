"""Are two output roots the same, row for row? (documents, duplicates, rejected, index)

    .venv/bin/python benchmarks/compare_outputs.py BASELINE_ROOT NEW_ROOT [--date 2025-03-01]

Rows are matched by id within each dataset and compared column by column (list and struct
columns included; `source` by file name and line, since the input folders may differ; columns
only one side has are listed, not compared); `bench_pipeline.py --baseline ROOT` runs the same
check on its 30,000-document output. Prints one line per dataset and the first differing ids
per column; exit code 1 when rows differ.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import pyarrow.dataset as ds

DATASETS = ("documents", "duplicates", "rejected", "index")
SHOWN = 5


def _rows_by_id(root: Path, dataset: str, date: str | None) -> dict[str, dict]:
    folder = root / dataset
    if not folder.is_dir():
        return {}
    table = ds.dataset(folder, partitioning="hive").to_table()
    rows = table.to_pylist()
    return {row["id"]: row for row in rows if date is None or str(row.get("date")) == date}


def _comparable(column: str, value):
    """`source` names the input folder, which two runs of one corpus need not share: compare
    the file name and line."""
    if column == "source" and isinstance(value, str):
        return os.path.basename(value)
    return value


def _columns(rows: dict) -> set[str]:
    return set(next(iter(rows.values()))) if rows else set()


def compare_dataset(baseline: dict, new: dict) -> dict:
    """Counts of missing/extra ids, the columns only one side has (a version may drop one,
    as the index dropped `shingles`), and, per shared column, the ids whose values differ."""
    shared = sorted(set(baseline) & set(new))
    columns = _columns(baseline) & _columns(new) if baseline and new else set()
    differing: dict[str, list[str]] = {}
    for row_id in shared:
        for column in sorted(columns):
            value = baseline[row_id][column]
            if _comparable(column, new[row_id][column]) != _comparable(column, value):
                differing.setdefault(column, []).append(row_id)
    return {"baseline_rows": len(baseline), "new_rows": len(new),
            "missing": sorted(set(baseline) - set(new))[:SHOWN],
            "missing_count": len(set(baseline) - set(new)),
            "extra_count": len(set(new) - set(baseline)),
            "columns_only_in_baseline": sorted(_columns(baseline) - _columns(new)) if new else [],
            "columns_only_in_new": sorted(_columns(new) - _columns(baseline)) if baseline else [],
            "differing": {column: {"count": len(ids), "ids": ids[:SHOWN]}
                          for column, ids in sorted(differing.items())}}


def compare_roots(baseline: Path, new: Path, date: str | None = None) -> dict:
    return {dataset: compare_dataset(_rows_by_id(baseline, dataset, date),
                                     _rows_by_id(new, dataset, date))
            for dataset in DATASETS}


def identical(comparison: dict) -> bool:
    """The same ids with the same values in every column both sides have."""
    return all(not entry["missing_count"] and not entry["extra_count"] and not entry["differing"]
               for entry in comparison.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--date", default=None)
    args = parser.parse_args()
    comparison = compare_roots(args.baseline, args.new, args.date)
    for dataset, entry in comparison.items():
        print(f"{dataset:<11} baseline {entry['baseline_rows']:>6}  new {entry['new_rows']:>6}  "
              f"missing {entry['missing_count']}  extra {entry['extra_count']}  "
              f"differing columns {json.dumps(entry['differing'], ensure_ascii=False)}")
        for side in ("baseline", "new"):
            if entry[f"columns_only_in_{side}"]:
                print(f"{'':<11} columns only in {side}: "
                      f"{', '.join(entry[f'columns_only_in_{side}'])}")
    same = identical(comparison)
    print("identical row for row" if same else "DIFFERENT")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
