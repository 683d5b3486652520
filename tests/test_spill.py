"""Spill files: what a bundle wrote is read back whole, once, whatever other bundles wrote."""
import pickle

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.spill import GroupByKeyThroughDisk, _SpillFile, read_spilled


def _spill(folder, records):
    spill = _SpillFile(str(folder), pickle.dumps(records[0]))
    for record in records:
        spill.add(record)
    spill.close()
    return spill.prefix


def test_bundles_starting_alike_keep_both_files(tmp_path):
    # One candidate edge found in two bands can open two bundles' files: both are kept.
    first = _spill(tmp_path, [("a", "b"), ("c", "d")])
    second = _spill(tmp_path, [("a", "b"), ("e", "f")])
    assert first == second
    assert sorted(read_spilled(first)) == [("a", "b"), ("a", "b"), ("c", "d"), ("e", "f")]


def test_a_rewritten_bundle_is_read_once(tmp_path):
    # A retried bundle, or a stage a runner executes again, writes the same content again.
    prefix = _spill(tmp_path, [1, 2, 3])
    assert _spill(tmp_path, [1, 2, 3]) == prefix
    assert list(read_spilled(prefix)) == [1, 2, 3]


def test_group_by_key_through_disk_from_two_inputs(tmp_path):
    values = [(key % 3, key) for key in range(3000)]  # more than one chunk per bundle
    with TestPipeline() as p:
        evens = p | "Evens" >> beam.Create(values[::2])
        odds = p | "Odds" >> beam.Create(values[1::2])
        grouped = ((evens, odds)
                   | GroupByKeyThroughDisk(str(tmp_path))
                   | beam.MapTuple(lambda key, found: (key, sorted(found))))
        assert_that(grouped, equal_to([(key, [v for k, v in values if k == key])
                                       for key in range(3)]))



def _as_sum(key, values):
    return [(key, sum(values), len(values))]


def _totals(key, chunks):
    chunks = list(chunks)
    assert all(chunk_key == key for chunk_key, _, _ in chunks)
    return key, sum(total for _, total, _ in chunks), sum(n for _, _, n in chunks), len(chunks)


def test_a_packed_grouping_stores_and_reads_back_its_packed_chunks(tmp_path):
    # pack_chunk turns each chunk of a key's values into what its file stores (the writer: one
    # Arrow record batch per chunk); a buffer of 8 values makes several chunks per key.
    values = [(key % 2, key) for key in range(100)]
    with TestPipeline() as p:
        grouped = (p
                   | beam.Create(values)
                   | GroupByKeyThroughDisk(str(tmp_path), pack_chunk=_as_sum, buffered_values=8)
                   | beam.MapTuple(_totals)
                   | beam.MapTuple(lambda key, total, count, chunks: (key, total, count,
                                                                      chunks > 1)))
        assert_that(grouped, equal_to([(0, sum(range(0, 100, 2)), 50, True),
                                       (1, sum(range(1, 100, 2)), 50, True)]))
