import codecs
import datetime
import gzip
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.model import Doc, Rejection
from transforms.read import (ReadConfig, SourceManifest, expand_input, input_format,
                             is_input_path, jsonl_record, normalize_published, read_file,
                             readable_path, record_to_doc, txt_record)
from transforms.read.streams import BrokenInput, as_utf8, gunzip_chunks, split_lines

CFG = ReadConfig()


def line(record) -> bytes:
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def records_of(path, cfg=CFG, listed_size=None):
    items = list(read_file(str(path), cfg, listed_size))
    assert isinstance(items[-1], SourceManifest) and items[-1].records == len(items) - 1
    return items[:-1]


def test_jsonl_record_keeps_every_optional_field():
    doc = jsonl_record("feed.jsonl", 3, line({
        "id": "a1", "text": "متن خبر", "title": "عنوان", "url": "https://x.ir/1",
        "site": "x.ir", "published": "2025-07-01T10:00:00Z", "lang": "fa"}), CFG)
    assert isinstance(doc, Doc)
    assert (doc.id, doc.text, doc.title, doc.url, doc.site, doc.published, doc.input_lang) == (
        "a1", "متن خبر", "عنوان", "https://x.ir/1", "x.ir", "2025-07-01", "fa")
    assert doc.input_encoding == "utf-8" and doc.published_raw is None
    assert doc.source == "feed.jsonl:3" and doc.source_order == ("feed.jsonl", 3)


@pytest.mark.parametrize("raw, reason, expected_id", [
    (b'{"id": "x", "text": "unterminated\n', "malformed_json", "feed:7"),
    (b"[1, 2]\n", "malformed_json", "feed:7"),
    (b'{"text": "no id"}\n', "missing_id", "feed:7"),
    (b'{"id": "x"}\n', "missing_text", "x"),
    (b'{"id": "x", "text": 42}\n', "missing_text", "x"),
    (b'{"id": "x", "text": "  "}\n', "empty_text", "x"),
    (b'\xff\xfe{"id": "x"}\n', "malformed_json", "feed:7"),
    (b'{"id": "x", "text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
     "too_deeply_nested", "feed:7"),
])
def test_unusable_jsonl_lines_become_rejections_with_the_raw_line(raw, reason, expected_id):
    rejection = jsonl_record("dir/feed.jsonl", 7, raw, ReadConfig(raw_keep_bytes=len(raw)))
    assert isinstance(rejection, Rejection)
    assert (rejection.reason, rejection.id) == (reason, expected_id)
    assert rejection.raw == raw and rejection.detail and not rejection.raw_truncated


def test_a_record_without_the_mapped_text_field_names_the_fields_it_has():
    rejection = jsonl_record("f.jsonl", 1, line({"id": "a", "body": "متن", "date": "x"}), CFG)
    assert rejection.reason == "missing_text"
    assert "`text` (read.text_field)" in rejection.detail and "id, body, date" in rejection.detail


def test_the_field_mapping_reads_other_names():
    cfg = ReadConfig(id_field="uid", text_field="body", published_field="date", title_field=None)
    doc = jsonl_record("f.jsonl", 1, line({"uid": 7, "body": "متن", "date": "2015-07-21 02:47:32",
                                           "title": "ignored"}), cfg)
    assert (doc.id, doc.text, doc.published, doc.title) == ("7", "متن", "2015-07-21", None)


def test_without_an_id_field_ids_come_from_file_and_line():
    doc = jsonl_record("in/feed.jsonl", 12, line({"text": "متن"}), ReadConfig(id_field=None))
    assert doc.id == "feed:12"


@pytest.mark.parametrize("value, expected", [
    ("2025-07-01", ("2025-07-01", None)),
    ("2025-07-01T23:30:00-05:00", ("2025-07-01", None)),   # the date as written, not UTC
    ("2025-07-01T10:00:00.123Z", ("2025-07-01", None)),
    ("2015-07-21 02:47:32", ("2015-07-21", None)),
    ("2025/7/1", ("2025-07-01", None)),
    ("Tue, 01 Jul 2025 10:00:00 +0000", ("2025-07-01", None)),
    ("20250701", ("2025-07-01", None)),
    (datetime.datetime(2025, 7, 1, 23, 0), ("2025-07-01", None)),
    (datetime.date(2025, 7, 1), ("2025-07-01", None)),
    ("yesterday", (None, "yesterday")),
    ("2025-13-40", (None, "2025-13-40")),
    ("۱۴۰۴/۰۴/۱۰", (None, "۱۴۰۴/۰۴/۱۰")),
    ("1404/04/10", (None, "1404/04/10")),
    (1751328000, (None, "1751328000")),
    ("  ", (None, None)),
    (None, (None, None)),
])
def test_published_dates_are_normalized_or_kept_raw(value, expected):
    assert normalize_published(value) == expected


def test_an_unparseable_published_date_is_kept_raw_not_fatal():
    doc = jsonl_record("f.jsonl", 1, line({"id": "a", "text": "t", "published": "yesterday"}), CFG)
    assert (doc.published, doc.published_raw) == (None, "yesterday")


def test_lone_surrogates_are_dropped_from_text_and_escaped_in_ids():
    raw = b'{"id": "a\\ud800", "text": "\\u0645\\ud800\\u062a\\udfff", "site": "\\ud800x",' \
          b' "url": "\\udc00", "published": "\\ud800"}\n'
    doc = jsonl_record("f.jsonl", 1, raw, CFG)
    assert (doc.id, doc.text, doc.site, doc.url, doc.published_raw) == ("a\\ud800", "مت", "x",
                                                                        None, None)
    assert doc.repairs == ("drop_lone_surrogates",)
    for value in (doc.id, doc.text, doc.site):
        value.encode("utf-8")


def test_oversized_txt_is_rejected_by_its_listed_size_with_its_head():
    cfg = ReadConfig(max_bytes=10, raw_keep_bytes=4)
    rejection = txt_record("a/big.txt", b"x" * 11, cfg, size=10**9)
    assert (rejection.id, rejection.reason, rejection.raw) == ("big", "too_large", b"xxxx")
    assert "1,000,000,000 bytes" in rejection.detail and rejection.raw_truncated


def test_an_oversized_txt_file_is_read_only_up_to_the_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 5000)
    (rejection,) = records_of(path, ReadConfig(max_bytes=100), listed_size=5000)
    assert rejection.reason == "too_large" and "5,000 bytes" in rejection.detail


def test_split_lines_keeps_memory_to_the_head_of_an_oversized_line():
    chunks = [b"short\n", b"y" * 1000, b"y" * 1000 + b"\nlast"]
    lines = list(split_lines(chunks, max_bytes=100, keep_bytes=8))
    assert [(l.number, l.data, l.size, l.complete) for l in lines] == [
        (1, b"short\n", 6, True), (2, b"yyyyyyyy", 2001, False), (3, b"last", 4, True)]


def test_gunzip_reads_every_member_and_rejects_empty_corrupt_and_cut_streams():
    two_members = gzip.compress(b"a\n") + gzip.compress(b"b\n")
    assert b"".join(gunzip_chunks([two_members[:5], two_members[5:]])) == b"a\nb\n"
    for data in (b"", b"not gzip at all", gzip.compress(b"x" * 1000)[:-12]):
        with pytest.raises(BrokenInput) as raised:
            b"".join(gunzip_chunks([data] if data else []))
        assert raised.value.reason == "truncated_input"


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", codecs.BOM_UTF16_LE),
                                           ("utf-16-be", codecs.BOM_UTF16_BE),
                                           ("utf-32-le", codecs.BOM_UTF32_LE),
                                           ("utf-16-le", b""), ("utf-8", codecs.BOM_UTF8)])
def test_jsonl_in_utf16_or_utf32_is_read_by_its_bom(tmp_path, encoding, bom):
    text = "".join(json.dumps({"id": f"r{i}", "text": "متن خبر"}, ensure_ascii=False) + "\n"
                   for i in range(10))
    path = tmp_path / "wide.jsonl"
    path.write_bytes(bom + text.encode(encoding))
    records = records_of(path)
    assert [r.id for r in records] == [f"r{i}" for i in range(10)]
    assert all(isinstance(r, Doc) and r.text == "متن خبر" for r in records)


def test_as_utf8_transcodes_across_chunk_boundaries():
    data = codecs.BOM_UTF16_LE + "سلام\n".encode("utf-16-le")
    encoding, chunks = as_utf8([data[i:i + 3] for i in range(0, len(data), 3)])
    assert (encoding, b"".join(chunks)) == ("utf-16", "سلام\n".encode("utf-8"))


def test_raw_truncated_is_set_when_the_kept_raw_line_is_cut():
    rejection = jsonl_record("f.jsonl", 1, b'{"id": "x", "text": 5, "pad": "' + b"p" * 100 + b'"}',
                             ReadConfig(raw_keep_bytes=16))
    assert len(rejection.raw) == 16 and rejection.raw_truncated


def test_truncated_gzip_keeps_lines_before_the_break_and_rejects_the_rest(tmp_path):
    payload = b"".join(line({"id": f"r{i}", "text": "متن " * 50}) for i in range(40))
    compressed = gzip.compress(payload)
    path = tmp_path / "t.jsonl.gz"
    path.write_bytes(compressed[: int(len(compressed) * 0.6)])
    records = records_of(path)
    kept = [r for r in records if isinstance(r, Doc)]
    assert 0 < len(kept) < 40
    assert [r.id for r in kept] == [f"r{i}" for i in range(len(kept))]
    assert (records[-1].reason, records[-1].id) == ("truncated_input", "t:truncated")


@pytest.mark.parametrize("data", [b"", b"\x1f\x8b\x08 corrupt"])
def test_an_empty_or_corrupt_gz_is_one_truncated_input_row(tmp_path, data):
    path = tmp_path / "feed.jsonl.gz"
    path.write_bytes(data)
    (rejection,) = records_of(path)
    assert (rejection.id, rejection.reason) == ("feed:truncated", "truncated_input")


def test_a_file_that_shrinks_while_it_is_read_says_so(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b"".join(line({"id": f"r{i}", "text": "متن " * 100}) for i in range(400)))
    listed = path.stat().st_size
    items = read_file(str(path), CFG, listed)
    first = next(items)
    os.truncate(path, listed // 2)
    rest = list(items)
    assert first.id == "r0" and rest[-1].records == len(rest)
    assert rest[-2].reason == "truncated_input" and "shrank" in rest[-2].detail


@pytest.mark.parametrize("name, make", [("gone.jsonl", lambda p: None),
                                        ("folder.txt", lambda p: p.mkdir())])
def test_a_vanished_or_unreadable_file_is_one_unreadable_input_row(tmp_path, name, make):
    make(tmp_path / name)
    (rejection,) = records_of(tmp_path / name, listed_size=100)
    assert rejection.reason == "unreadable_input" and rejection.detail


def test_a_non_utf8_file_name_becomes_a_readable_id(tmp_path):
    name = "خبر الرياض".encode("cp1256") + b".txt"
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, name), "wb") as handle:
        handle.write("متن".encode("utf-8"))
    path = os.fsdecode(os.path.join(folder, name))
    (doc,) = records_of(path)
    assert doc.id == "خبر الرياض" and doc.source == readable_path(path)
    assert doc.source.endswith("/خبر الرياض.txt")
    assert readable_path(os.fsdecode(b"/x/\xff\xfe\x00.txt")).startswith("/x/")
    readable_path(os.fsdecode(b"/x/\xff\xfe\x00.txt")).encode("utf-8")


def test_parquet_rows_are_read_by_row_group_through_the_mapping(tmp_path):
    folder = tmp_path / "lang=fa" / "date=2025-07-01"
    folder.mkdir(parents=True)
    table = pa.table({"uid": ["a", "b", "c"], "body": ["متن یک", None, "متن سه"],
                      "date": [datetime.date(2025, 7, 1), None, None],
                      "extra": [1, 2, 3]})
    pq.write_table(table, folder / "part-0.parquet", row_group_size=1)
    cfg = ReadConfig(id_field="uid", text_field="body", published_field="date")
    records = records_of(folder / "part-0.parquet", cfg)
    assert [type(r) for r in records] == [Doc, Rejection, Doc]
    assert (records[0].id, records[0].published, records[0].input_lang) == ("a", "2025-07-01", "fa")
    assert records[1].reason == "missing_text" and "uid, body, date, extra" in records[1].detail
    assert records[2].source.endswith("part-0.parquet:3")


def test_a_parquet_file_without_the_text_column_rejects_each_row(tmp_path):
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "content": ["x", "y"]}), path)
    records = records_of(path)
    assert [r.reason for r in records] == ["missing_text"] * 2
    assert "id, content" in records[0].detail


def test_a_corrupt_parquet_file_is_one_rejection(tmp_path):
    path = tmp_path / "x.parquet"
    path.write_bytes(b"PAR1 not really")
    (rejection,) = records_of(path)
    assert (rejection.id, rejection.reason) == ("x:malformed_parquet", "malformed_parquet")


def test_csv_with_quoted_newlines_bad_rows_and_non_utf8_text(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_bytes(b'id,text,published\n007,"line one\nline two",2025-07-01\n'
                     b'2,too,many,values\n3,' + "متن".encode("cp1256") + b',\n')
    records = records_of(path)
    by_number = {r.source.rsplit(":", 1)[1]: r for r in records}
    assert sorted(by_number) == ["2", "3", "4"]
    first = by_number["2"]
    assert (first.id, first.text, first.published) == ("007", "line one\nline two", "2025-07-01")
    assert by_number["3"].reason == "malformed_csv"
    assert by_number["4"].raw == "متن".encode("cp1256") and by_number["4"].input_encoding is None


def test_tsv_values_keep_their_quotes(tmp_path):
    path = tmp_path / "feed.tsv.gz"
    path.write_bytes(gzip.compress('id\ttext\na\tگفت "سلام"\n'.encode("utf-8")))
    (doc,) = records_of(path)
    assert (doc.id, doc.text) == ("a", 'گفت "سلام"')


def test_a_csv_row_longer_than_a_parse_block_ends_the_file_with_one_row(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"id,text\n1,ok\n2," + b"x" * 300_000 + b"\n3,lost\n")
    records = records_of(path, ReadConfig(max_bytes=1000))
    assert [r.reason if isinstance(r, Rejection) else r.id for r in records] == ["1", "too_large"]


def test_record_to_doc_keeps_bytes_text_for_the_decode_step():
    doc = record_to_doc({"id": "a", "text": b"\xe3\xca\xe4"}, CFG, fallback_id="f:1",
                        source="f.csv:1", order=("f.csv", 1), raw=b"{}", raw_truncated=False)
    assert (doc.raw, doc.text, doc.input_encoding) == (b"\xe3\xca\xe4", "", None)


def test_input_selection_and_directory_expansion(tmp_path):
    assert is_input_path("a/b.TXT") and is_input_path("x.jsonl.gz") and is_input_path("x.jsonl")
    assert [input_format(p) for p in ("a.parquet", "b.CSV", "c.tsv.gz", "d.csv.gz")] == [
        "parquet", "csv", "tsv", "csv"]
    assert not is_input_path("notes.md") and not is_input_path("x.json.gz")
    assert expand_input(str(tmp_path)).endswith("**")
    assert expand_input(str(tmp_path / "*.txt")) == str(tmp_path / "*.txt")


def test_read_config_rejects_a_missing_text_field():
    with pytest.raises(ValueError):
        ReadConfig(text_field="")
    with pytest.raises(ValueError):
        ReadConfig(title_field=3)


def _cut(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:])]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.lists(st.integers(0, 400), max_size=8),
       st.integers(1, 60), st.integers(0, 20))
def test_split_lines_accounts_for_every_byte_however_the_stream_is_cut(data, cuts, limit, keep):
    lines = list(split_lines(_cut(data, cuts), max_bytes=limit, keep_bytes=keep))
    *ended, tail = data.split(b"\n")
    expected = [part + b"\n" for part in ended] + ([tail] if tail else [])
    assert [line.size for line in lines] == [len(line) for line in expected]
    assert [line.number for line in lines] == list(range(1, len(expected) + 1))
    for line, original in zip(lines, expected):
        assert line.complete == (len(original) <= limit)
        assert line.data == (original if line.complete else original[:keep])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=3000), min_size=1, max_size=3),
       st.lists(st.integers(0, 4000), max_size=6), st.integers(1, 4096))
def test_gunzip_chunks_equals_gzip_however_the_stream_is_cut(members, cuts, chunk_bytes):
    data = b"".join(gzip.compress(member, mtime=0) for member in members)
    assert b"".join(gunzip_chunks(_cut(data, cuts), chunk_bytes)) == b"".join(members)
