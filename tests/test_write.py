import pyarrow as pa
import pyarrow.dataset as ds

from transforms.write import commit_staged, shard_of, staged_file, write_table

SCHEMA = pa.schema([("id", pa.string())])


def stage(root, dataset, partition, ids, shard=0):
    write_table(staged_file(str(root), dataset, partition, shard),
                pa.Table.from_pylist([{"id": i} for i in ids], schema=SCHEMA))


def ids_of(output, dataset):
    table = ds.dataset(output / dataset, partitioning="hive").to_table()
    return sorted(zip(table.column("id").to_pylist(), table.column("date").to_pylist()))


def test_commit_replaces_only_the_run_dates_partitions(tmp_path):
    output = tmp_path / "out"
    stage(tmp_path / "s1", "documents", "lang=fa/date=2025-07-01", ["a"])
    stage(tmp_path / "s1", "documents", "lang=ar/date=2025-07-01", ["b"])
    commit_staged(str(tmp_path / "s1"), str(output), ["documents"], "2025-07-01")
    stage(tmp_path / "s2", "documents", "lang=fa/date=2025-07-02", ["c"])
    commit_staged(str(tmp_path / "s2"), str(output), ["documents"], "2025-07-02")
    # Rerun of day 1 without any Arabic: the old lang=ar/date=2025-07-01 partition must go too.
    stage(tmp_path / "s3", "documents", "lang=fa/date=2025-07-01", ["a2"])
    committed = commit_staged(str(tmp_path / "s3"), str(output), ["documents"], "2025-07-01")
    assert committed == {"documents": 1}
    assert ids_of(output, "documents") == [("a2", "2025-07-01"), ("c", "2025-07-02")]
    assert not (output / "documents" / "lang=ar").exists()


def test_commit_of_an_empty_dataset_clears_that_date(tmp_path):
    output = tmp_path / "out"
    stage(tmp_path / "s1", "rejected", "date=2025-07-01", ["x"])
    commit_staged(str(tmp_path / "s1"), str(output), ["rejected"], "2025-07-01")
    commit_staged(str(tmp_path / "empty"), str(output), ["rejected"], "2025-07-01")
    assert not list((output / "rejected").rglob("*.parquet"))


def test_shards_are_stable_and_in_range():
    assert [shard_of(i, 4) for i in ("a", "b", "ب")] == [shard_of(i, 4) for i in ("a", "b", "ب")]
    assert all(0 <= shard_of(str(i), 3) < 3 for i in range(100))
    assert shard_of("a", 4) == 3  # crc32 is fixed across processes and Python versions
