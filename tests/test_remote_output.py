"""An `--output` that is not a local path: staging, read-back check, report and commit all go
through Beam's FileSystems, here on `flatstore://` (object-store semantics, `tests/objectstore.py`),
and a later date still deduplicates against the earlier one's index listed through it."""
import json
import shutil
from pathlib import Path

import pandas as pd

from objectstore import url
from pipeline.run import run

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "pipeline" / "sample"
DAY1, DAY2 = "2025-07-01", "2025-07-02"


def test_two_dates_into_an_object_store_root(tmp_path):
    day1, day2, output = tmp_path / "day1", tmp_path / "day2", tmp_path / "store"
    shutil.copytree(SAMPLE, day1, ignore=shutil.ignore_patterns("variants", "feeds"))
    shutil.copytree(SAMPLE / "variants", day2)
    assert run(["--input", str(day1), "--output", url(output), "--run_date", DAY1]) == 0
    assert run(["--input", str(day2), "--output", url(output), "--run_date", DAY2]) == 0

    report = json.loads((output / "_reports" / f"{DAY2}.json").read_text(encoding="utf-8"))
    assert report["invariant"]["holds"] and report["inputs"]["records"] == 4
    duplicates = pd.read_parquet(output / "duplicates", filters=[("date", "=", DAY2)])
    assert len(duplicates) == 4 and set(duplicates["duplicate_of"]) <= set(
        pd.read_parquet(output / "documents", filters=[("date", "=", DAY1)])["id"])
    assert not [path for path in (output / "_staging").rglob("*") if path.is_file()]
    assert not (output / "_commit.json").exists()
