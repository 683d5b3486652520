"""Records -> output rows that match `schemas/` exactly."""
from __future__ import annotations

import datetime

from transforms.model import Doc, Rejection
from transforms.read import SourceManifest
from transforms.write import OutputRow, partition_path

RAW_KEEP_BYTES = 4_096


def _removed(lines) -> list[dict]:
    return [{"text": line.text, "reason": line.reason} for line in lines]


def doc_row(doc: Doc, run_date: str) -> OutputRow:
    """A kept document or a duplicate, partitioned by its language and the run date."""
    row = {
        "id": doc.id,
        "title": doc.title,
        "text": doc.text,
        "source": doc.source,
        "url": doc.url,
        "site": doc.site,
        "published": datetime.date.fromisoformat(doc.published) if doc.published else None,
        "published_raw": doc.published_raw,
        "input_encoding": doc.input_encoding,
        "lang_confidence": doc.lang_confidence,
        "credited_source": doc.credited_source,
        "repairs": list(doc.repairs),
        "removed_lines": _removed(doc.removed_lines),
        "cluster_id": doc.cluster_id or doc.id,
        "cluster_size": doc.cluster_size,
        "char_count": len(doc.text),
        "run_date": datetime.date.fromisoformat(run_date),
    }
    dataset = "documents"
    if doc.duplicate_of is not None:
        dataset = "duplicates"
        row["duplicate_of"] = doc.duplicate_of
        row["similarity"] = doc.similarity
    return OutputRow(dataset, partition_path(run_date, doc.lang), row)


def rejection_row(rejection: Rejection, run_date: str) -> OutputRow:
    return OutputRow("rejected", partition_path(run_date), {
        "id": rejection.id,
        "source": rejection.source,
        "reason": rejection.reason,
        "detail": rejection.detail,
        "step": rejection.step,
        "lang": rejection.lang,
        "raw": rejection.raw[:RAW_KEEP_BYTES],
        "raw_truncated": rejection.raw_truncated or len(rejection.raw) > RAW_KEEP_BYTES,
        "removed_lines": _removed(rejection.removed_lines),
        "run_date": datetime.date.fromisoformat(run_date),
    })


def record_row(record, run_date: str) -> OutputRow:
    """The row of a record at the end of the graph: a document, a duplicate or a rejection."""
    if isinstance(record, Rejection):
        return rejection_row(record, run_date)
    return doc_row(record, run_date)


def index_row(row: dict, run_date: str) -> OutputRow:
    """A kept document's band keys and shingles, for later runs to match against."""
    return OutputRow("index", partition_path(run_date), row)


def manifest_row(manifest: SourceManifest, run_date: str) -> OutputRow:
    return OutputRow("_inputs", partition_path(run_date),
                     {"id": manifest.source, "records": manifest.records})
