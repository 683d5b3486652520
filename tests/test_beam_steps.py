import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.beam_steps import STEP_FAILED, ApplyStep
from transforms.model import Doc, Reject, Rejection


def shout(doc: Doc, suffix: str) -> Doc:
    if doc.id == "bad":
        raise Reject("too_loud", "cannot shout this one")
    if doc.id == "bug":
        raise ZeroDivisionError("division by zero")
    return doc.replace(text=doc.text + suffix)


def outcome(element):
    if isinstance(element, Rejection):
        return element.id, element.reason, element.step
    return element.id, element.text, None


def test_rejections_bugs_and_passing_dead_letters_all_reach_the_output():
    earlier = Rejection(id="old", source="s", reason="malformed_json", detail="d", step="Read")
    docs = [Doc(id=i, source=f"{i}.txt", text="x") for i in ("ok", "bad", "bug")]
    with TestPipeline() as pipeline:
        result = (pipeline
                  | beam.Create(docs + [earlier])
                  | ApplyStep("Shout", shout, "!")
                  | beam.Map(outcome))
        assert_that(result, equal_to([
            ("ok", "x!", None), ("bad", "too_loud", "Shout"), ("bug", STEP_FAILED, "Shout"),
            ("old", "malformed_json", "Read")]))


def test_records_pickle_to_equal_records_with_every_field_set():
    """Shuffles pickle documents; the field-tuple reduction must keep every field."""
    import dataclasses
    import pickle

    from transforms.model import Doc, Rejection, RemovedLine

    values = {"raw": b"\x00raw", "raw_truncated": True, "text": "متن", "title": "عنوان",
              "url": "u", "site": "s", "published": "2025-01-01", "published_raw": "dirooz",
              "input_lang": "fa", "input_encoding": "cp1256",
              "lang": "fa", "lang_confidence": 0.5, "credited_source": "مهر",
              "title_from_text": True, "repairs": ("a",),
              "removed_lines": (RemovedLine("خط", "byline"),), "source_order": ("p", 3),
              "cluster_id": "c", "duplicate_of": "c", "similarity": 0.7, "cluster_size": 2}
    doc = Doc(id="i", source="src", **values)
    assert {f.name for f in dataclasses.fields(Doc)} == {"id", "source", *values}
    rejection = Rejection.of(doc, "reason", "detail", "step")
    for record in (doc, rejection, RemovedLine("x", "y")):
        assert pickle.loads(pickle.dumps(record)) == record
