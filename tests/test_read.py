import gzip
import io
import json

import pytest

from transforms.model import Doc, Rejection
from transforms.read import (ReadConfig, SourceManifest, expand_input, is_input_path, iter_jsonl,
                             jsonl_record, read_file, txt_record)

CFG = ReadConfig()


def line(record) -> bytes:
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def test_jsonl_record_keeps_every_optional_field():
    doc = jsonl_record("feed.jsonl", 3, line({
        "id": "a1", "text": "متن خبر", "title": "عنوان", "url": "https://x.ir/1",
        "site": "x.ir", "published": "2025-07-01T10:00:00Z", "lang": "fa"}), CFG)
    assert isinstance(doc, Doc)
    assert (doc.id, doc.text, doc.title, doc.url, doc.site, doc.published, doc.input_lang) == (
        "a1", "متن خبر", "عنوان", "https://x.ir/1", "x.ir", "2025-07-01", "fa")
    assert doc.input_encoding == "utf-8"
    assert doc.source == "feed.jsonl:3" and doc.source_order == ("feed.jsonl", 3)


@pytest.mark.parametrize("raw, reason, expected_id", [
    (b'{"id": "x", "text": "unterminated\n', "malformed_json", "feed:7"),
    (b"[1, 2]\n", "malformed_json", "feed:7"),
    (b'{"text": "no id"}\n', "missing_id", "feed:7"),
    (b'{"id": "x"}\n', "missing_text", "x"),
    (b'{"id": "x", "text": 42}\n', "missing_text", "x"),
    (b'{"id": "x", "text": "  "}\n', "empty_text", "x"),
    (b'\xff\xfe{"id": "x"}\n', "malformed_json", "feed:7"),
])
def test_unusable_jsonl_lines_become_rejections_with_the_raw_line(raw, reason, expected_id):
    rejection = jsonl_record("dir/feed.jsonl", 7, raw, CFG)
    assert isinstance(rejection, Rejection)
    assert (rejection.reason, rejection.id) == (reason, expected_id)
    assert rejection.raw == raw and rejection.detail


def test_unparseable_published_date_is_dropped_not_fatal():
    doc = jsonl_record("f.jsonl", 1, line({"id": "a", "text": "t", "published": "yesterday"}), CFG)
    assert doc.published is None


def test_truncated_gzip_keeps_lines_before_the_break_and_rejects_the_rest():
    payload = b"".join(line({"id": f"r{i}", "text": "متن " * 50}) for i in range(40))
    compressed = gzip.compress(payload)
    cut = compressed[: int(len(compressed) * 0.6)]
    records = list(iter_jsonl("t.jsonl.gz", gzip.GzipFile(fileobj=io.BytesIO(cut)), CFG))
    kept = [r for r in records if isinstance(r, Doc)]
    assert 0 < len(kept) < 40
    assert [r.id for r in kept] == [f"r{i}" for i in range(len(kept))]
    assert records[-1].reason == "truncated_input" and isinstance(records[-1], Rejection)


def test_oversized_txt_is_rejected_with_its_head():
    rejection = txt_record("a/big.txt", b"x" * 20, ReadConfig(max_bytes=10, raw_keep_bytes=4))
    assert (rejection.id, rejection.reason, rejection.raw) == ("big", "too_large", b"xxxx")


def test_read_file_ends_with_a_manifest(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(line({"id": "a", "text": "t"}) + b"\n" + b"not json\n")
    items = list(read_file(str(path), CFG))
    assert isinstance(items[-1], SourceManifest) and items[-1].records == 2
    assert [type(i) for i in items[:-1]] == [Doc, Rejection]


def test_input_selection_and_directory_expansion(tmp_path):
    assert is_input_path("a/b.TXT") and is_input_path("x.jsonl.gz") and is_input_path("x.jsonl")
    assert not is_input_path("notes.csv") and not is_input_path("x.json.gz")
    assert expand_input(str(tmp_path)).endswith("**")
    assert expand_input(str(tmp_path / "*.txt")) == str(tmp_path / "*.txt")
