"""pyarrow schemas of every dataset khabar writes; the writer enforces them.

Partition columns (`lang`, `date`) live in the directory names (hive style), never in the
file body, so pyarrow, DuckDB, pandas and Spark all read them from one place.
"""
import pyarrow as pa

REMOVED_LINE = pa.struct([("text", pa.string()), ("reason", pa.string())])

_DOCUMENT_FIELDS = [
    pa.field("id", pa.string(), nullable=False),
    pa.field("title", pa.string()),
    pa.field("text", pa.string(), nullable=False),
    pa.field("source", pa.string(), nullable=False),
    pa.field("url", pa.string()),
    pa.field("site", pa.string()),
    pa.field("published", pa.date32()),
    pa.field("published_raw", pa.string()),   # the input's value when it is not a readable date
    pa.field("input_encoding", pa.string()),
    pa.field("lang_confidence", pa.float32()),
    pa.field("credited_source", pa.string()),
    pa.field("repairs", pa.list_(pa.string())),
    pa.field("removed_lines", pa.list_(REMOVED_LINE)),
    pa.field("cluster_id", pa.string(), nullable=False),
    pa.field("cluster_size", pa.int32()),
    pa.field("char_count", pa.int32(), nullable=False),
    pa.field("run_date", pa.date32(), nullable=False),
]

DOCUMENTS = pa.schema(_DOCUMENT_FIELDS)

DUPLICATES = pa.schema(_DOCUMENT_FIELDS + [
    pa.field("duplicate_of", pa.string(), nullable=False),
    pa.field("similarity", pa.float32()),
])

REJECTED = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("source", pa.string(), nullable=False),
    pa.field("reason", pa.string(), nullable=False),
    pa.field("detail", pa.string(), nullable=False),
    pa.field("step", pa.string(), nullable=False),
    pa.field("lang", pa.string()),
    pa.field("raw", pa.binary()),
    pa.field("raw_truncated", pa.bool_()),
    pa.field("removed_lines", pa.list_(REMOVED_LINE)),
    pa.field("run_date", pa.date32(), nullable=False),
])

SCHEMAS = {"documents": DOCUMENTS, "duplicates": DUPLICATES, "rejected": REJECTED}

# One row per input file: how many records it yielded. The end-of-run check compares their sum
# with the rows of documents + duplicates + rejected.
INPUTS = pa.schema([
    pa.field("id", pa.string(), nullable=False),   # the input file's path
    pa.field("records", pa.int64(), nullable=False),
])

SCHEMAS["_inputs"] = INPUTS

# The signature index of kept documents, one partition per run date: what the next run's
# deduplication matches against (see transforms/dedup/index.py).
from transforms.dedup.index import INDEX_SCHEMA as INDEX  # noqa: E402

SCHEMAS["index"] = INDEX
