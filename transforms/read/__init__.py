"""Reading inputs: `.txt` files hold one article of raw bytes; `.jsonl[.gz]`, `.csv[.gz]`,
`.tsv[.gz]` and `.parquet` files one record per line or row, mapped onto document fields by the
`read` config section.

Reading is lenient, lossless and bounded: every record becomes a `Doc` or a `Rejection` (with
the head of its raw form), a file that breaks off keeps the records before the break and leaves
one rejection that says what was lost, and size limits apply while bytes stream in. Each file
also yields a `SourceManifest` after its last record, so the run can prove that every input
record ended in exactly one output dataset.

    beam.py     ReadArticles: match, spread and read files on the workers
    files.py    one file -> records + manifest; file-level failures -> one rejection
    txt.py, jsonl.py, tabular.py (Parquet, CSV/TSV)   the formats
    fields.py   the field mapping, dates, strings a UTF-8 writer can store
    streams.py  bounded chunks: gunzip, BOM / UTF-16 / UTF-32, lines
    paths.py    which files are inputs; file names as readable text
"""
from transforms.read.beam import ReadArticles, expand_input
from transforms.read.config import ReadConfig
from transforms.read.fields import normalize_published, record_to_doc
from transforms.read.files import Record, SourceManifest, read_file
from transforms.read.jsonl import iter_jsonl, jsonl_record
from transforms.read.paths import INPUT_FORMATS, input_format, is_input_path, readable_path
from transforms.read.txt import txt_record

__all__ = ["INPUT_FORMATS", "ReadArticles", "ReadConfig", "Record", "SourceManifest",
           "expand_input", "input_format", "is_input_path", "iter_jsonl", "jsonl_record",
           "normalize_published", "read_file", "readable_path", "record_to_doc", "txt_record"]
