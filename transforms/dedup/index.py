"""Index rows that let a later run match this run's kept documents.

One row per kept document: its band keys (to meet new documents in LSH buckets) and its
packed shingle hashes (to verify those candidates exactly and name the earlier document).
The `layout` tag records everything that makes band keys and shingles comparable; rows written
under another layout are skipped and counted, never silently mismatched.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyarrow as pa
from apache_beam.metrics import Metrics

from transforms.dedup.select import EARLIER_RUN, rank_node

INDEX_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("run_date", pa.string(), nullable=False),
    pa.field("published", pa.string()),
    pa.field("text_length", pa.int64(), nullable=False),
    pa.field("layout", pa.string(), nullable=False),
    pa.field("bands", pa.list_(pa.uint64()), nullable=False),
    pa.field("shingles", pa.binary(), nullable=False),
])


def layout_tag(cfg) -> str:
    """Shingle size, permutations, seed and band layout, e.g. `w5-p128-s1-b14x9`."""
    bands, rows = cfg.band_layout
    return f"w{cfg.shingle_size}-p{cfg.num_perm}-s{cfg.seed}-b{bands}x{rows}"


def index_row(doc, bands, shingles: bytes, cfg, run_date: str) -> dict:
    return {"id": doc.id, "run_date": run_date, "published": doc.published,
            "text_length": len(doc.text), "layout": layout_tag(cfg),
            # an array, not a list: Beam's default coder pickles each int >= 2**63 on its own
            "bands": np.asarray(bands, dtype=np.uint64), "shingles": shingles}


def earlier_members(row: dict, layout: str) -> list[tuple]:
    """(node, band keys, packed shingles) of an earlier kept document, if comparable."""
    if row.get("layout") != layout:
        Metrics.counter("khabar", "dedup.index_rows_other_layout").inc()
        return []
    node = rank_node(row["id"], _optional(row.get("published")), int(row["text_length"]),
                     era=EARLIER_RUN)
    return [(node, tuple(int(b) for b in row["bands"]), bytes(row["shingles"]))]


def _optional(value) -> Optional[str]:
    return value or None
