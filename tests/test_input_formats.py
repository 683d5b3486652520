"""Inputs as users have them, run as a user runs khabar: `python -m pipeline` in a subprocess.

One folder holds the same kind of feed as JSONL, CSV, TSV and a hive-partitioned Parquet
dataset, all with a `body` and a `date` field; `--set read.text_field=body --set
read.published_field=date` reads them all. Without the mapping every record is rejected with a
detail that names the fields it has.
"""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "data" / "seeds"
RUN_DATE = "2025-07-01"
MAPPING = ["--set", "read.text_field=body", "--set", "read.published_field=date"]


def seed_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]


def build_inputs(folder: Path) -> dict[str, str]:
    """Writes one record per seed per format; returns id -> the `date` it was given."""
    texts = seed_texts()
    dates = ["2025-06-30T23:15:00+04:30", "2025-06-29", "Sun, 29 Jun 2025 08:00:00 +0000",
             "1404/04/08", "2025-06-28 10:00:00"]
    expected = {}

    def rows(prefix):
        for i, text in enumerate(texts):
            expected[f"{prefix}-{i}"] = dates[i % len(dates)]
            yield {"id": f"{prefix}-{i}", "body": text, "date": dates[i % len(dates)]}

    folder.mkdir(parents=True)
    (folder / "feed.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows("jsonl")), encoding="utf-8")
    pd.DataFrame(list(rows("csv"))).to_csv(folder / "table.csv", index=False)
    tsv = pd.DataFrame(list(rows("tsv")))
    tsv["body"] = tsv["body"].str.replace("\t", " ").str.replace("\n", " ")  # TSV has no quoting
    tsv.to_csv(folder / "table.tsv", sep="\t", index=False, quoting=3)
    table = pa.Table.from_pylist(list(rows("pq")))
    partition = folder / "dataset" / "lang=fa"
    partition.mkdir(parents=True)
    pq.write_table(table, partition / "part-0.parquet", row_group_size=2)
    (folder / "README.md").write_text("not an input\n", encoding="utf-8")
    return expected


def run_khabar(input_folder: Path, output: Path, *overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "--input", str(input_folder),
                           "--output", str(output), "--run_date", RUN_DATE, *overrides],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


def every_row(output: Path) -> pd.DataFrame:
    frames = [pd.read_parquet(output / name).assign(dataset=name)
              for name in ("documents", "duplicates", "rejected") if (output / name).exists()]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def mapped_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("formats")
    expected = build_inputs(root / "in")
    completed = run_khabar(root / "in", root / "out", *MAPPING)
    return completed, expected, root / "out"


def test_the_mapped_run_reads_every_format(mapped_run):
    completed, expected, output = mapped_run
    assert completed.returncode == 0, completed.stderr[-2000:]
    rows = every_row(output)
    assert sorted(rows["id"]) == sorted(expected)
    report = json.loads((output / "_reports" / f"{RUN_DATE}.json").read_text(encoding="utf-8"))
    assert report["inputs"]["records"] == len(expected) and report["invariant"]["holds"]


def test_published_dates_are_iso_dates_or_kept_raw(mapped_run):
    _, expected, output = mapped_run
    docs = pd.concat([pd.read_parquet(output / name) for name in ("documents", "duplicates")
                      if (output / name).exists()])
    iso = {"2025-06-30T23:15:00+04:30": "2025-06-30", "2025-06-29": "2025-06-29",
           "Sun, 29 Jun 2025 08:00:00 +0000": "2025-06-29", "2025-06-28 10:00:00": "2025-06-28"}
    for _, doc in docs.iterrows():
        given = expected[doc["id"]]
        if given in iso:
            assert str(doc["published"]) == iso[given] and pd.isna(doc["published_raw"])
        else:
            assert pd.isna(doc["published"]) and doc["published_raw"] == given
    report = json.loads((output / "_reports" / f"{RUN_DATE}.json").read_text(encoding="utf-8"))
    unparsed = sum(1 for value in expected.values() if value not in iso)
    assert report["step_counters"]["Read.published_unparsed"] == unparsed


def test_parquet_folders_fill_mapped_fields(mapped_run):
    _, _, output = mapped_run
    docs = every_row(output)
    parquet_docs = docs[docs["id"].str.startswith("pq-")]
    assert len(parquet_docs) == len(seed_texts())
    assert all(source.split(":")[-2].endswith("part-0.parquet") for source in parquet_docs["source"])


def test_without_the_mapping_each_record_says_which_fields_it_has(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "feed.jsonl").write_text(json.dumps({"id": "a", "body": "متن", "date": "x"}) + "\n",
                                       encoding="utf-8")
    completed = run_khabar(folder, tmp_path / "out")
    assert completed.returncode == 0, completed.stderr[-2000:]
    (row,) = pd.read_parquet(tmp_path / "out" / "rejected").to_dict("records")
    assert row["reason"] == "missing_text"
    assert "has no `text` (read.text_field); its fields are: id, body, date" in row["detail"]


def test_a_mapping_that_is_not_a_field_name_is_a_usage_error(tmp_path):
    completed = run_khabar(ROOT / "tests" / "data" / "seeds", tmp_path / "out",
                           "--set", "read.text_field=")
    assert completed.returncode == 2
    assert "read.text_field" in completed.stderr and "Traceback" not in completed.stderr
