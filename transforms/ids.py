"""Duplicate ids across inputs: one deterministic winner, the others rejected as `duplicate_id`.

Two feeds often carry the same id. The winner is the first readable document in
(source path, line) order, so the same inputs give the same winner on any runner; a rejection
never beats a document.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Union

import apache_beam as beam

from transforms.model import Doc, Rejection

Record = Union[Doc, Rejection]


def _precedence(record: Record) -> tuple:
    return (isinstance(record, Rejection), record.source_order)


def resolve_duplicate_ids(records: Iterable[Record]) -> Iterator[Record]:
    """The records sharing one id: the winner unchanged, every other one rejected."""
    ordered = sorted(records, key=_precedence)
    winner = ordered[0]
    yield winner
    for loser in ordered[1:]:
        if isinstance(loser, Rejection):
            yield loser
            continue
        yield Rejection.of(loser, "duplicate_id",
                           f"id {loser.id!r} was already used by {winner.source}; "
                           "the first input in path order is kept", step="RejectDuplicateIds")


class RejectDuplicateIds(beam.PTransform):
    """Keyed by id (a shuffle, no in-memory set): resolves each id's records independently."""

    def expand(self, records):
        return (records
                | "KeyById" >> beam.Map(lambda record: (record.id, record))
                | "GroupById" >> beam.GroupByKey()
                | "Resolve" >> beam.FlatMapTuple(lambda _, group: resolve_duplicate_ids(group)))
