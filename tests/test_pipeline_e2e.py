"""Whole-pipeline runs: the bundled sample, a rerun of the same date, CLI errors, the corpora.

Beam is slow to start, so these few tests cover what only a whole run can show; the steps'
behaviour is tested on their pure functions elsewhere.
"""
import gzip
import itertools
import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.dataset as ds
import pytest

from pipeline.cli import SAMPLE_INPUT
from pipeline.run import run

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = json.loads((ROOT / "tests/data/seeds/expected.json").read_text(encoding="utf-8"))["seeds"]
RUN_DATE = "2025-07-01"
DATASETS = ("documents", "duplicates", "rejected")
CORPUS_RECORDS = 1000


def read_three_ways(output: Path) -> dict[str, list[tuple]]:
    """(id, partition values) per dataset from pyarrow, DuckDB and pandas; they must agree."""
    rows = {}
    for name in DATASETS:
        root = output / name
        if not root.exists():
            rows[name] = []
            continue
        parts = ["lang", "date"] if name != "rejected" else ["date"]
        arrow = ds.dataset(root, partitioning="hive").to_table(columns=["id", *parts]).to_pylist()
        by_arrow = sorted(tuple(str(r[c]) for c in ["id", *parts]) for r in arrow)
        by_duck = sorted(tuple(str(v) for v in r) for r in duckdb.sql(
            f"select id, {', '.join(parts)} from read_parquet('{root}/**/*.parquet', "
            "hive_partitioning=true)").fetchall())
        frame = pd.read_parquet(root)
        by_pandas = sorted(tuple(str(v) for v in r)
                           for r in frame[["id", *parts]].itertuples(index=False))
        assert by_arrow == by_duck == by_pandas, name
        rows[name] = by_arrow
    return rows


def table(output: Path, dataset: str) -> pd.DataFrame:
    return pd.read_parquet(output / dataset)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("sample") / "out"
    code = run(["--output", str(output), "--run_date", RUN_DATE])
    return code, output


def test_sample_run_accounts_for_every_input_exactly_once(sample_run):
    code, output = sample_run
    assert code == 0
    rows = read_three_ways(output)
    ids = [r[0] for name in DATASETS for r in rows[name]]
    expected = {p.name[:-4] for p in SAMPLE_INPUT.rglob("*.txt")} | {
        "feed-004", "feed:2", "feed-no-text"}
    assert sorted(ids) == sorted(expected)
    assert all(r[-1] == RUN_DATE for name in DATASETS for r in rows[name])
    report = json.loads((output / "_reports" / f"{RUN_DATE}.json").read_text())
    assert report["invariant"]["holds"] and report["inputs"]["records"] == len(expected)


def test_all_five_seeds_are_kept_with_their_labelled_language(sample_run):
    _, output = sample_run
    documents = table(output, "documents").set_index("id")
    for name, label in SEEDS.items():
        # Dari is labelled lang=fa, dialect=prs; khabar's `lang` has the code prs for it.
        assert documents.loc[name[:-4], "lang"] == label.get("dialect", label["lang"]), name


def test_variants_are_repaired_into_duplicates_of_their_seed(sample_run):
    _, output = sample_run
    duplicates = table(output, "duplicates").set_index("id")
    documents = table(output, "documents").set_index("id")
    expected = {"002_as_windows1256": "002_aaad3a3370a53648",
                "003_as_utf16": "003_8cb5c2daadf7745d",
                "001_mojibake_cp1256": "001_24c8fc7dcc9ac8e7",
                "000_republished": "000_189b450469c21532",
                "feed-004": "004_ed85480cc3e6e9f2"}
    for variant, seed in expected.items():
        assert duplicates.loc[variant, "duplicate_of"] == seed, variant
        assert duplicates.loc[variant, "cluster_id"] == documents.loc[seed, "cluster_id"]
    assert duplicates.loc["002_as_windows1256", "input_encoding"] == "cp1256"
    assert duplicates.loc["003_as_utf16", "input_encoding"].startswith("utf-16")
    assert documents.loc["002_aaad3a3370a53648", "text"] == duplicates.loc["002_as_windows1256",
                                                                             "text"]


def test_bad_feed_lines_are_rejected_with_reasons(sample_run):
    _, output = sample_run
    rejected = table(output, "rejected").set_index("id")
    assert rejected.loc["feed:2", "reason"] == "malformed_json"
    assert rejected.loc["feed-no-text", "reason"] == "missing_text"
    assert rejected.loc["feed:2", "raw"].startswith(b'{"id": "feed-broken"')


def test_rerun_of_the_same_date_replaces_its_partitions(sample_run, tmp_path):
    _, first = sample_run
    output = tmp_path / "out"
    shutil.copytree(first, output)
    before = read_three_ways(output)
    files_before = sorted(p.relative_to(output) for p in output.rglob("*.parquet"))
    assert run(["--output", str(output), "--run_date", RUN_DATE]) == 0
    assert read_three_ways(output) == before
    assert sorted(p.relative_to(output) for p in output.rglob("*.parquet")) == files_before
    assert not (output / "_staging").exists()


@pytest.mark.parametrize("args, message", [
    (["--input", "/nonexistent/dir/*.txt"], "no input file matches --input"),
    (["--run_date", "2025-13-40"], "--run_date: must be YYYY-MM-DD"),
    (["--set", "nope.key=1"], "unknown section"),
])
def test_unusable_arguments_exit_2_with_one_line(tmp_path, capsys, args, message):
    assert run(["--output", str(tmp_path / "out"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and err.count("\n") == 0


@pytest.mark.skipif(not (SHARED / "corpora" / "ar.jsonl").exists(), reason="../shared absent")
def test_corpus_sized_run_keeps_every_record_exactly_once(tmp_path):
    """2,000 real articles (the first 1,000 of each corpus, as two JSONL feeds, the second
    gzipped): in = documents + duplicates + rejected, read back by three readers."""
    feeds = tmp_path / "in"
    feeds.mkdir()
    for lang in ("ar", "fa"):
        with open(SHARED / "corpora" / f"{lang}.jsonl", "rb") as corpus:
            head = b"".join(itertools.islice(corpus, CORPUS_RECORDS))
        (feeds / f"{lang}.jsonl.gz" if lang == "fa" else feeds / f"{lang}.jsonl").write_bytes(
            gzip.compress(head) if lang == "fa" else head)
    output = tmp_path / "out"
    assert run(["--input", str(feeds), "--output", str(output), "--run_date", RUN_DATE]) == 0
    rows = read_three_ways(output)
    ids = [r[0] for name in DATASETS for r in rows[name]]
    assert len(ids) == 2 * CORPUS_RECORDS and len(set(ids)) == len(ids)
    report = json.loads((output / "_reports" / f"{RUN_DATE}.json").read_text())
    assert report["invariant"]["holds"] and not report["ids_repeated"]
    assert report["documents_per_lang"].get("ar", 0) > 0.8 * CORPUS_RECORDS
    assert report["documents_per_lang"].get("fa", 0) > 0.8 * CORPUS_RECORDS
