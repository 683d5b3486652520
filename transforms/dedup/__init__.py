"""Near-duplicate detection: word shingles of folded text, MinHash LSH candidates, exact
verification, connected components in Beam, and a deterministic kept document per cluster.

Public API (import from the submodules; this package import stays light for config loading):
- `config.DedupConfig` - the `dedup:` config section;
- `beam.Deduplicate(cfg, earlier_index_files=None)` - docs -> docs with dedup fields;
  `beam.DedupDecisions(cfg, run_date, spill_folder, earlier_index_files=None)` -
  `{"decisions", "index"}` from the documents' features, and
  `beam.ApplyDecisions(decided, spill_folder)` - records with their dedup fields, joined to
  their decisions partition by partition on disk (how the pipeline graph uses them);
- `index.INDEX_SCHEMA` - pyarrow schema of the index rows (`index/date=<run_date>/`);
  `index.probe_index_file` - the earlier rows that share a band key or an id with a run;
  `index.earlier_shingles` - their shingles, re-fingerprinted from their kept texts;
- `stats.DedupStats()` / `stats.dedup_stats(rows)` - run-report diagnostics;
- pure functions: `shingles.shingles/tokens/shingle_hashes`, `signatures.signature`,
  `verify.jaccard/overlap/judge`, `select.choose_kept/assign_component`,
  `components.connected_components_local/star_rounds_local`, `local.deduplicate_local`.
"""
from transforms.dedup.config import DedupConfig

__all__ = ["DedupConfig"]
