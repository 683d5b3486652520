"""Duplicate ids across inputs: one deterministic winner, the others rejected as `duplicate_id`.

Two feeds often carry the same id. The winner is the first readable document in
(source path, line) order, so the same inputs give the same winner on any runner; a rejection
never beats a document.

Only each record's small *claim* on its id is shuffled: the ids claimed more than once and their
winning claim reach the records as a side input, while the records wait on disk
(`transforms.spill.ThroughDisk`) instead of being grouped whole.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Union

import apache_beam as beam

from transforms.model import Doc, Rejection
from transforms.spill import ThroughDisk

Record = Union[Doc, Rejection]
# (is a rejection, source order, source): the smallest claim on an id wins it.
Claim = tuple[bool, tuple[str, int], str]


def claim_of(record: Record) -> tuple[str, Claim]:
    return record.id, (isinstance(record, Rejection), record.source_order, record.source)


def contested_winner(doc_id: str, claims: Iterable[Claim]) -> list[tuple[str, Claim]]:
    """(id, winning claim) for an id claimed more than once; nothing for the usual single claim."""
    claims = list(claims)
    return [(doc_id, min(claims))] if len(claims) > 1 else []


def resolve_claim(record: Record, winners: dict[str, Claim]) -> Record:
    """The record unchanged if it won its id (or nobody else claimed it); a losing document
    becomes a `duplicate_id` rejection naming the winner. A rejection stays what it is."""
    winner = winners.get(record.id)
    if winner is None or isinstance(record, Rejection) or claim_of(record)[1] == winner:
        return record
    return Rejection.of(record, "duplicate_id",
                        f"id {record.id!r} was already used by {winner[2]}; "
                        "the first input in path order is kept", step="RejectDuplicateIds")


def resolve_duplicate_ids(records: Iterable[Record]) -> Iterator[Record]:
    """The records sharing one id: the winner unchanged first, every other one rejected."""
    claimed = sorted((claim_of(record)[1], index, record)
                     for index, record in enumerate(records))
    winners = {claimed[0][2].id: claimed[0][0]} if claimed else {}
    for _, _, record in claimed:
        yield resolve_claim(record, winners)


class RejectDuplicateIds(beam.PTransform):
    """Keyed by id, claims only (a shuffle, no in-memory set); the records wait in
    `spill_folder` for the contested ids."""

    def __init__(self, spill_folder: str):
        super().__init__()
        self._spill_folder = spill_folder

    def expand(self, records):
        winners = (records
                   | "Claims" >> beam.Map(claim_of)
                   | "ClaimsById" >> beam.GroupByKey()
                   | "Contested" >> beam.FlatMapTuple(contested_winner))
        return (records
                | "WaitForClaims" >> ThroughDisk(self._spill_folder)
                | "Resolve" >> beam.Map(resolve_claim, beam.pvalue.AsDict(winners)))
