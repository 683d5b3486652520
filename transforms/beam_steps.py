"""Thin Beam wrappers that turn a pure step into a labelled, counted, dead-lettering transform.

Dead letters travel in-band: a step's output PCollection holds `Doc`s and `Rejection`s, and each
later step passes `Rejection`s through untouched. Two `Filter`s split the stream where a stage
needs documents only. No tagged outputs and nothing emitted from `finish_bundle`: Beam's Dask
runner silently mixes tagged outputs and drops `finish_bundle` output, and this shape runs the
same everywhere.
"""
from __future__ import annotations

from typing import Any, Callable

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.model import Doc, Reject, Rejection

METRICS_NAMESPACE = "khabar"
# Rejection reason for a document on which a step raised something other than `Reject`: a bug
# to fix, reported loudly by the run, but never a reason to lose the other documents.
STEP_FAILED = "step_failed"


def failure_detail(step: str, error: Exception) -> str:
    """The `detail` of a `step_failed` rejection: which step raised what (bounded)."""
    return f"{step} raised {type(error).__name__}: {error}"[:1000]


def is_doc(element: Any) -> bool:
    return isinstance(element, Doc)


def is_rejection(element: Any) -> bool:
    return isinstance(element, Rejection)


class _StepDoFn(beam.DoFn):
    """Applies `step(doc, *args)`; a `Reject` (or any error) becomes a `Rejection` naming this step.

    `setup_fn`, when given, builds costly state once per worker (compiled patterns, models) and
    its result is passed to the step as its first extra argument.
    """

    def __init__(self, name: str, step: Callable, args: tuple, setup_fn: Callable | None):
        self._name = name
        self._step = step
        self._args = args
        self._setup_fn = setup_fn
        self._state = None
        self._processed = Metrics.counter(METRICS_NAMESPACE, f"{name}.processed")
        self._rejected = Metrics.counter(METRICS_NAMESPACE, f"{name}.rejected")
        self._changed = Metrics.counter(METRICS_NAMESPACE, f"{name}.changed")
        self._failed = Metrics.counter(METRICS_NAMESPACE, f"{name}.failed")

    def __getstate__(self):
        # Built state (models) stays on its worker: Dask re-pickles set-up DoFns for side inputs.
        return {**self.__dict__, "_state": None}

    def setup(self):
        if self._setup_fn is not None:
            self._state = self._setup_fn(*self._args)

    def process(self, element, *side_inputs):
        if not isinstance(element, Doc):
            yield element
            return
        args = (self._state,) if self._setup_fn is not None else self._args
        try:
            result = self._step(element, *args, *side_inputs)
        except Reject as rejection:
            self._rejected.inc()
            Metrics.counter(METRICS_NAMESPACE,
                            f"{self._name}.rejected.{rejection.reason}").inc()
            yield Rejection.of(rejection.doc or element, rejection.reason, rejection.detail,
                               self._name)
            return
        except Exception as error:  # a bug met by one document must not sink the whole run
            self._failed.inc()
            yield Rejection.of(element, STEP_FAILED, failure_detail(self._name, error),
                               self._name)
            return
        # Counted only after success: Beam keeps counts made before an exception.
        self._processed.inc()
        if result is not element:
            self._changed.inc()
        yield result


class ApplyStep(beam.PTransform):
    """`docs_and_rejections | ApplyStep("Repair", repair_step, cfg)`.

    Args:
      name: counter prefix and the `step` recorded on rejections.
      step: pure `step(doc, *args, *side_inputs) -> Doc`, raising `Reject`.
      *args: passed to the step after the document (e.g. its config).
      setup: optional `setup(*args) -> state`; then the step is called as `step(doc, state)`.
      side_inputs: Beam side inputs (`beam.pvalue.AsDict(...)`) appended to the call.
    """

    def __init__(self, name: str, step: Callable, *args, setup: Callable | None = None,
                 side_inputs: tuple = ()):
        super().__init__(label=name)
        self._do_fn = _StepDoFn(name, step, args, setup)
        self._side_inputs = side_inputs

    def expand(self, pcoll):
        return pcoll | beam.ParDo(self._do_fn, *self._side_inputs)
