"""Reading a khabar output folder back for order-free comparisons between runs."""
from pathlib import Path

import pandas as pd

DATASETS = ("documents", "duplicates", "rejected", "index")


def snapshot(output: Path, datasets=DATASETS) -> dict[str, list[tuple]]:
    """Every row of every dataset as sorted tuples of strings; an absent dataset has none."""
    rows = {}
    for name in datasets:
        if not (output / name).exists():
            rows[name] = []
            continue
        frame = pd.read_parquet(output / name)
        rows[name] = sorted(tuple(str(v) for v in row) for row in frame.itertuples(index=False))
    return rows
