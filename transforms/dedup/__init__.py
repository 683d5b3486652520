"""Near-duplicate detection: word shingles of folded text, MinHash LSH candidates, exact
verification, connected components in Beam, and a deterministic kept document per cluster.

Public API: `DedupConfig`, `Deduplicate`, `DeduplicateWithIndex`, `INDEX_SCHEMA`, `DedupStats`,
`dedup_stats`, and the pure functions used by tests and benchmarks.
"""
from transforms.dedup.config import DedupConfig

__all__ = ["DedupConfig"]
