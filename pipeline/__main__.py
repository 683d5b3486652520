"""`python -m pipeline [run options]` runs a batch; `python -m pipeline report OUTPUT` summarizes."""
import sys

from pipeline.cli import main

sys.exit(main())
