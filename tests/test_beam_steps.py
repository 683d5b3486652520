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
