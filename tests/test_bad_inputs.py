"""The bad-input suite: one pipeline run over every kind of broken input a scheduler meets.

Each input must end exactly once in documents, duplicates or rejected, with a stable reason when
rejected and no decode debris (U+FFFD, NUL, C0 controls, CR) when kept.
"""
import gzip
import json
import random
from pathlib import Path

import pandas as pd
import pytest

from pipeline.run import run

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
        "notes.csv": b"id,text\n1,not an input\n",
        "README.md": b"# not an input\n",
        "feed.jsonl": jsonl({"id": "good-1", "text": persian2[200:], "title": "عنوان"})
        + b'{"id": "broken", "text": "\n'
        + jsonl({"text": "بدون شناسه"}, {"id": "no-text"}, {"id": "numeric-text", "text": 42},
                {"id": "empty-text", "text": ""}),
        "a.jsonl": jsonl({"id": "shared-id", "text": persian[300:]}),
        "b.jsonl": jsonl({"id": "shared-id", "text": dari[300:]}),
    }
    records = jsonl(*({"id": f"gz-{i}", "text": arabic[i * 150: i * 150 + 400]} for i in range(24)))
    files["cut.jsonl.gz"] = gzip.compress(records, mtime=0)[: len(gzip.compress(records)) // 2]
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    build_inputs(root / "in")
    code = run(["--input", str(root / "in"), "--output", str(root / "out"),
                "--run_date", RUN_DATE, "--set", "limits.max_line_chars=20000"])
    frames = {name: pd.read_parquet(root / "out" / name)
              for name in ("documents", "duplicates", "rejected")
              if (root / "out" / name).exists()}
    return code, frames


def rows_of(frames, doc_id):
    return [(name, row) for name, frame in frames.items()
            for _, row in frame[frame["id"] == doc_id].iterrows()]


def test_run_completes_despite_every_bad_input(outcome):
    code, _ = outcome
    assert code == 0


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_each_input_lands_once_where_expected(outcome, doc_id):
    _, frames = outcome
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
    _, frames = outcome
    kept = {i for frame in (frames["documents"], frames.get("duplicates", pd.DataFrame({"id": []})))
            for i in frame["id"] if str(i).startswith("gz-")}
    assert "gz-0" in kept and len(kept) < 24


def test_non_inputs_are_ignored(outcome):
    _, frames = outcome
    ids = {i for frame in frames.values() for i in frame["id"]}
    assert not ids & {"notes", "README"}
