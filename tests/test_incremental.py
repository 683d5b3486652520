"""Scheduled runs: day 2 is deduplicated against day 1's index; rerunning day 2 is idempotent."""
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.run import run
from readback import snapshot

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "pipeline" / "sample"
DAY1, DAY2 = "2025-07-01", "2025-07-02"



@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    day1, day2 = root / "day1", root / "day2"
    shutil.copytree(SAMPLE, day1, ignore=shutil.ignore_patterns("variants", "feeds"))
    shutil.copytree(SAMPLE / "variants", day2)
    output = root / "out"
    assert run(["--input", str(day1), "--output", str(output), "--run_date", DAY1]) == 0
    after_day1 = snapshot(output)
    assert run(["--input", str(day2), "--output", str(output), "--run_date", DAY2]) == 0
    after_day2 = snapshot(output)
    assert run(["--input", str(day2), "--output", str(output), "--run_date", DAY2]) == 0
    return output, after_day1, after_day2, snapshot(output)


def test_day2_copies_name_the_day1_documents(runs):
    output = runs[0]
    duplicates = pd.read_parquet(output / "duplicates", filters=[("date", "=", DAY2)])
    assert dict(zip(duplicates["id"], duplicates["duplicate_of"])) == {
        "002_as_windows1256": "002_aaad3a3370a53648",
        "003_as_utf16": "003_8cb5c2daadf7745d",
        "001_mojibake_cp1256": "001_24c8fc7dcc9ac8e7",
        "000_republished": "000_189b450469c21532"}
    assert (duplicates["cluster_id"] == duplicates["duplicate_of"]).all()
    assert not list(output.glob(f"documents/lang=*/date={DAY2}/*.parquet"))


def test_day1_rows_are_never_rewritten(runs):
    _, after_day1, after_day2, _ = runs
    for name, rows in after_day1.items():
        assert set(rows) <= set(after_day2[name]), name


def test_rerunning_a_date_gives_the_same_rows(runs):
    _, _, after_day2, after_rerun = runs
    assert after_rerun == after_day2
