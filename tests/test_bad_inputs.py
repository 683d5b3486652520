"""The bad-input suite: one pipeline run over every kind of broken input a scheduler meets.

Each input must end exactly once in documents, duplicates or rejected, with a stable reason when
rejected and no decode debris (U+FFFD, NUL, C0 controls, CR) when kept.
"""
import csv
import gzip
import io
import json
import os
import random
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import apache_beam as beam

from apache_beam.testing.util import assert_that, equal_to

from pipeline.run import run
from transforms.read import ReadConfig
from transforms.read.beam import _ReadFileDoFn

SEEDS = Path(__file__).resolve().parent / "data" / "seeds"
RUN_DATE = "2025-07-01"


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def jsonl(*records) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + bytes(range(256)) * 4

# id -> (expected dataset or "rejected:<reason>", expected lang when kept)
EXPECTED = {
    "empty": "rejected:empty_after_cleaning",
    "whitespace": "rejected:empty_after_cleaning",
    "image": "rejected:binary_input",
    "random_bytes": "rejected:undecodable",
    "too_big": "rejected:too_large",
    "long_line": "rejected:line_too_long",
    "gzipped": "kept:ar",
    "truncated_utf8": "kept:fa",
    "nul_bytes": "kept:prs",
    "crlf": "kept:fa",
    "english": "kept:und",
    "good-1": "kept:fa",
    "feed:2": "rejected:malformed_json",
    "feed:3": "rejected:missing_id",
    "no-text": "rejected:missing_text",
    "numeric-text": "rejected:missing_text",
    "empty-text": "rejected:empty_text",
    "gz-0": "kept:ar",
    "cut:truncated": "rejected:truncated_input",
    "shared-id": "kept:fa",
    # issue 16: records that used to crash the run
    "deep:1": "rejected:too_deeply_nested",
    "surrogate\\ud800": "kept:fa",
    "خبر عاجل": "kept:ar",                  # a .txt named in cp1256, not UTF-8
    "w16-3": "kept:fa",                      # UTF-16 JSONL, told by its BOM
    "w32-3": "kept:fa",                      # UTF-32 JSONL
    "empty-gz:truncated": "rejected:truncated_input",
    "corrupt-gz:truncated": "rejected:truncated_input",
    "huge-line:1": "rejected:too_large",     # 20 MB line inside a 20 KB .gz
    "long-bad": "rejected:missing_text",     # raw line longer than the 4 KiB kept
    # issue 17: tabular inputs
    "pq-1": "kept:ar",
    "pq-2": "rejected:missing_text",
    "broken:malformed_parquet": "rejected:malformed_parquet",
    "csv-1": "kept:fa",
    "table:3": "rejected:malformed_csv",
}


def build_inputs(root: Path) -> None:
    arabic, persian, dari, persian2 = seed("002"), seed("000"), seed("004"), seed("001")
    files = {
        "empty.txt": b"",
        "whitespace.txt": " \t\n\u00a0\n\n".encode("utf-8"),
        "image.txt": PNG,
        "random_bytes.txt": bytes(random.Random(7).randrange(256) for _ in range(3000)),
        "too_big.txt": ("خبر " * 1_500_000).encode("utf-8"),
        "long_line.txt": ("کلمه " * 12_000).encode("utf-8"),
        "gzipped.txt": gzip.compress(arabic.encode("utf-8"), mtime=0),
        "truncated_utf8.txt": persian.encode("utf-8")[:-1],
        "nested/deeper/nul_bytes.txt": dari.replace("\n", "\x00\n", 3).encode("utf-8"),
        "crlf.txt": persian2.replace("\n", "\r\n").encode("utf-8"),
        "english.txt": b"The Lavrov - Rubio meeting\nBoth ministers met in Kuala Lumpur on "
                       b"Thursday and discussed Ukraine, Iran and Syria for an hour.\n",
        "notes.json": b'{"id": "notes", "text": "not an input"}\n',
        "README.md": b"# not an input\n",
        "feed.jsonl": jsonl({"id": "good-1", "text": persian2[200:], "title": "عنوان"})
        + b'{"id": "broken", "text": "\n'
        + jsonl({"text": "بدون شناسه"}, {"id": "no-text"}, {"id": "numeric-text", "text": 42},
                {"id": "empty-text", "text": ""}),
        "a.jsonl": jsonl({"id": "shared-id", "text": persian[300:]}),
        "b.jsonl": jsonl({"id": "shared-id", "text": dari[300:]}),
        "deep.jsonl": b'{"id": "deep", "text": ' + b"[" * 1000 + b"]" * 1000 + b"}\n",
        "surrogates.jsonl": b'{"id": "surrogate\\ud800", "text": "\\ud800' + json.dumps(
            persian[100:900])[1:-1].encode() + b'", "site": "\\udfffx", "url": "\\ud800"}\n',
        "wide16.jsonl": jsonl_in("utf-16", "w16", persian2),
        "wide32.jsonl": jsonl_in("utf-32", "w32", persian2),
        "empty-gz.jsonl.gz": b"",
        "corrupt-gz.jsonl.gz": b"\x1f\x8b\x08\x00 not a deflate stream",
        "huge-line.jsonl.gz": gzip.compress(b'{"id": "huge", "text": "' + b"x" * 20_000_000
                                            + b'"}\n', compresslevel=1, mtime=0),
        "long-bad.jsonl": jsonl({"id": "long-bad", "text": None, "pad": "x" * 5000}),
        "broken.parquet": b"PAR1 cut short",
        "table.csv": csv_rows(["id", "text", "published"], ["csv-1", persian2[100:], "2025-07-01"],
                              ["csv-2", "too", "many", "values"]),
    }
    files["pq/lang=ar/part-0.parquet"] = parquet_bytes(
        {"id": ["pq-1", "pq-2"], "text": [arabic[:900], None]})
    records = jsonl(*({"id": f"gz-{i}", "text": arabic[i * 150: i * 150 + 400]} for i in range(24)))
    files["cut.jsonl.gz"] = gzip.compress(records, mtime=0)[: len(gzip.compress(records)) // 2]
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    cp1256_name = os.path.join(os.fsencode(root), "خبر عاجل".encode("cp1256") + b".txt")
    with open(cp1256_name, "wb") as handle:
        handle.write(arabic.encode("utf-8"))


def jsonl_in(encoding: str, prefix: str, text: str) -> bytes:
    """Ten records in UTF-16 or UTF-32 with the codec's BOM: one line each, not 12 broken ones."""
    lines = "".join(json.dumps({"id": f"{prefix}-{i}", "text": text[i * 50:]}, ensure_ascii=False)
                    + "\n" for i in range(10))
    return lines.encode(encoding)


def csv_rows(*rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def parquet_bytes(columns: dict) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    build_inputs(root / "in")
    code = run(["--input", str(root / "in"), "--output", str(root / "out"),
                "--run_date", RUN_DATE, "--set", "limits.max_line_chars=20000"])
    frames = {name: pd.read_parquet(root / "out" / name)
              for name in ("documents", "duplicates", "rejected")
              if (root / "out" / name).exists()}
    return code, frames, pd.read_parquet(root / "out" / "_inputs")


def rows_of(frames, doc_id):
    return [(name, row) for name, frame in frames.items()
            for _, row in frame[frame["id"] == doc_id].iterrows()]


def test_run_completes_despite_every_bad_input(outcome):
    code, *_ = outcome
    assert code == 0


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_each_input_lands_once_where_expected(outcome, doc_id):
    _, frames, _ = outcome
    where, _, detail = EXPECTED[doc_id].partition(":")
    rows = rows_of(frames, doc_id)
    if doc_id == "shared-id":
        datasets = sorted(name for name, _ in rows)
        assert datasets in (["documents", "rejected"], ["duplicates", "rejected"])
        assert [row["reason"] for name, row in rows if name == "rejected"] == ["duplicate_id"]
        return
    assert len(rows) == 1, rows
    name, row = rows[0]
    if where == "rejected":
        assert (name, row["reason"]) == ("rejected", detail)
        assert row["detail"]
    else:
        assert name in ("documents", "duplicates")
        assert row["lang"] == detail
        text = (row["title"] if isinstance(row["title"], str) else "") + row["text"]
        assert not any(c == "\ufffd" or c == "\r" or (ord(c) < 32 and c not in "\n\t")
                       for c in text)


def test_truncated_gzip_keeps_the_records_before_the_cut(outcome):
    _, frames, _ = outcome
    kept = {i for frame in (frames["documents"], frames.get("duplicates", pd.DataFrame({"id": []})))
            for i in frame["id"] if str(i).startswith("gz-")}
    assert "gz-0" in kept and len(kept) < 24


def test_non_inputs_are_ignored(outcome):
    _, frames, _ = outcome
    ids = {i for frame in frames.values() for i in frame["id"]}
    assert not ids & {"notes", "README"}


def test_every_input_record_is_in_exactly_one_output_row(outcome):
    _, frames, manifests = outcome
    assert manifests["records"].sum() == sum(len(frame) for frame in frames.values())


def test_wide_jsonl_gives_one_row_per_record(outcome):
    _, frames, _ = outcome
    for prefix in ("w16", "w32"):
        rows = [(name, row["id"]) for name, frame in frames.items() for _, row in frame.iterrows()
                if f"/wide{prefix[1:]}.jsonl:" in row["source"]]
        assert sorted(i for _, i in rows) == [f"{prefix}-{i}" for i in range(10)]
        assert all(name != "rejected" for name, _ in rows)


def test_lone_surrogates_are_dropped_from_the_fields_they_were_in(outcome):
    _, frames, _ = outcome
    ((_, row),) = rows_of(frames, "surrogate\\ud800")
    assert row["site"] == "x" and pd.isna(row["url"])
    assert "drop_lone_surrogates" in list(row["repairs"])


def test_rejected_rows_say_when_their_raw_bytes_were_cut(outcome):
    _, frames, _ = outcome
    ((_, long_bad),) = rows_of(frames, "long-bad")
    ((_, huge),) = rows_of(frames, "huge-line:1")
    assert long_bad["raw_truncated"] and len(long_bad["raw"]) == 4096
    assert huge["raw_truncated"] and "20,000,0" in huge["detail"]
    ((_, short),) = rows_of(frames, "feed:2")
    assert not short["raw_truncated"]


def test_files_that_vanish_or_shrink_after_listing_leave_one_row_each(tmp_path):
    """The race itself cannot be timed in a test: the listing's (path, size) is given directly
    to the Beam reader, once for a file gone since and once for a file smaller than listed."""
    shrunk = tmp_path / "shrunk.jsonl"
    shrunk.write_bytes(jsonl(*({"id": f"s{i}", "text": "متن"} for i in range(3))))
    listed = [(str(tmp_path / "gone.jsonl").encode(), 2_000),
              (str(shrunk).encode(), shrunk.stat().st_size * 2)]
    with beam.Pipeline() as pipeline:
        rows = (pipeline | beam.Create(listed) | beam.ParDo(_ReadFileDoFn(ReadConfig()))
                | beam.Map(lambda item: (type(item).__name__, item.source.rsplit("/", 1)[-1],
                                         getattr(item, "reason", getattr(item, "records", None)))))
        assert_that(rows, equal_to([
            ("Rejection", "gone.jsonl", "unreadable_input"), ("SourceManifest", "gone.jsonl", 1),
            ("Doc", "shrunk.jsonl:1", None), ("Doc", "shrunk.jsonl:2", None),
            ("Doc", "shrunk.jsonl:3", None), ("Rejection", "shrunk.jsonl", "truncated_input"),
            ("SourceManifest", "shrunk.jsonl", 4)]))
