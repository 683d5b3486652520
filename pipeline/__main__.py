"""`python -m pipeline [run options]` runs a batch; `python -m pipeline report OUTPUT` summarizes."""
import sys

if len(sys.argv) > 1 and sys.argv[1] == "report":
    from pipeline.summary import main as report_main
    sys.exit(report_main(sys.argv[2:]))

from pipeline.run import main  # noqa: E402

main()
