"""The worker process of a multi-process local run: Beam's own SDK harness, with Python's
logging given a handler before Beam is imported.

Beam logs a warning while it is imported; with no handler yet, Python installs its default
stderr handler, and a harness would then print every log line of its worker (the per-bundle
progress counts among them) on the user's terminal. The harness already forwards each line to
the driver, whose console filter decides what a user sees (`pipeline/cli.py`).
"""
import logging
import sys

logging.getLogger().addHandler(logging.NullHandler())

from apache_beam.runners.worker import sdk_worker_main  # noqa: E402  (after the handler)

if __name__ == "__main__":
    sdk_worker_main.main(sys.argv)
