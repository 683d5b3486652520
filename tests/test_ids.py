from transforms.ids import resolve_duplicate_ids
from transforms.model import Doc, Rejection


def doc(source, line=0):
    return Doc(id="same", source=f"{source}:{line}", text="t", source_order=(source, line))


def test_first_document_in_path_order_wins_whatever_the_arrival_order():
    records = [doc("b.jsonl", 1), doc("a.jsonl", 9), doc("a.jsonl", 2)]
    for ordering in (records, records[::-1]):
        winner, *losers = resolve_duplicate_ids(ordering)
        assert winner.source_order == ("a.jsonl", 2)
        assert sorted(l.source for l in losers) == ["a.jsonl:9", "b.jsonl:1"]
        assert all(l.reason == "duplicate_id" and "a.jsonl:2" in l.detail for l in losers)


def test_a_rejection_never_beats_a_document():
    rejected = Rejection(id="same", source="a:1", reason="malformed_json", detail="d", step="Read",
                         source_order=("a", 1))
    winner, loser = resolve_duplicate_ids([rejected, doc("z")])
    assert isinstance(winner, Doc) and loser is rejected


def test_claims_resolve_a_stream_like_grouping_does():
    """The pipeline resolves each record against the contested ids' winning claims; that equals
    resolving each id's group whole."""
    from transforms.ids import claim_of, contested_winner, resolve_claim
    rejected = Rejection(id="same", source="a:1", reason="malformed_json", detail="d",
                         step="Read", source_order=("a", 1))
    alone = Doc(id="alone", source="c:0", text="t", source_order=("c", 0))
    records = [doc("b.jsonl", 1), rejected, alone, doc("a.jsonl", 9), doc("a.jsonl", 2)]
    claims: dict = {}
    for record in records:
        record_id, claim = claim_of(record)
        claims.setdefault(record_id, []).append(claim)
    winners = dict(pair for record_id, group in claims.items()
                   for pair in contested_winner(record_id, group))
    streamed = [resolve_claim(record, winners) for record in records]
    grouped = [*resolve_duplicate_ids(records[:2] + records[3:]), alone]
    key = lambda r: r.source_order  # noqa: E731
    assert sorted(streamed, key=key) == sorted(grouped, key=key)
    assert list(winners) == ["same"]
