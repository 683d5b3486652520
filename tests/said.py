"""What `python -m pipeline` said on stderr beyond its narration of a normal run."""
import re

# The lines every run logs as it goes (pipeline/run.py, pipeline/progress.py).
NARRATION = re.compile(r"khabar: (run \d{4}-\d\d-\d\d: |deduplicating against |"
                       r"pipeline finished|progress: )")


def said(stderr: str) -> list[str]:
    """The `khabar: ` lines of stderr that are not narration: errors, warnings, recoveries."""
    return [line for line in stderr.splitlines()
            if line.startswith("khabar: ") and not NARRATION.match(line)]
