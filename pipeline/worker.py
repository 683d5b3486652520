"""The worker process of a multi-process local run: Beam's own SDK harness, with Python's
logging given a handler before Beam is imported, a less frequent cycle collector and a quick exit.

Beam logs a warning while it is imported; with no handler yet, Python installs its default
stderr handler, and a harness would then print every log line of its worker (the per-bundle
progress counts among them) on the user's terminal. The harness already forwards each line to
the driver, whose console filter decides what a user sees (`pipeline/cli.py`).
"""
import gc
import logging
import os
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
    # The harness returns once the runner closed its control stream: every bundle, and every
    # file a bundle wrote, is finished. The runner waits for each worker to exit before it
    # stops the next one, and tearing down a worker's heap took ~0.3 s each: skip it.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
