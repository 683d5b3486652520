"""The worker process of a multi-process local run: Beam's own SDK harness, with Python's
logging given a handler before Beam is imported and a less frequent cycle collector.

Beam logs a warning while it is imported; with no handler yet, Python installs its default
stderr handler, and a harness would then print every log line of its worker (the per-bundle
progress counts among them) on the user's terminal. The harness already forwards each line to
the driver, whose console filter decides what a user sees (`pipeline/cli.py`).
"""
import gc
import logging
import sys

logging.getLogger().addHandler(logging.NullHandler())
# A worker allocates millions of short-lived containers. At the default first threshold (700)
# Python's cycle collector ran ~800 times per worker in a 30,000-document run and took 1.1 s of
# its ~55 s of CPU; at 10,000 it runs ~25 times and takes 0.15-0.3 s (measured with
# `gc.callbacks`). Cycles are rare in the steps' data, so the memory it holds back is small.
gc.set_threshold(10_000)

from apache_beam.runners.worker import sdk_worker_main  # noqa: E402  (after the handler)

if __name__ == "__main__":
    sdk_worker_main.main(sys.argv)
