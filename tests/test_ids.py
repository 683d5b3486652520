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
