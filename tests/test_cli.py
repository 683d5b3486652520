"""`python -m pipeline` as a user runs it, in a subprocess: re-crawls over two run dates, usage
errors, quiet output, progress on a terminal, and help and report texts that match the program.
"""
import logging
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "pipeline" / "sample"
DAY1, DAY2 = "2025-07-01", "2025-07-02"


def khabar(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def seeds(folder: Path) -> Path:
    """The five sample articles alone (no variants, no feed)."""
    folder.mkdir(parents=True)
    for path in SAMPLE.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    return folder


# ----------------------------------------------------------------------------- 1. re-crawls

@pytest.fixture(scope="module")
def recrawled(tmp_path_factory):
    """Day 1: the five seeds. Day 2: the same ids again, four unchanged and one whose text is
    now another article's plus a line (an id kept on day 1 is a duplicate, whatever its
    similarity; not an exact copy, which would follow the copy it repeats)."""
    root = tmp_path_factory.mktemp("recrawl")
    day1 = seeds(root / "day1")
    day2 = seeds(root / "day2")
    changed = "000_189b450469c21532.txt"
    other = (SAMPLE / "002_aaad3a3370a53648.txt").read_bytes()
    added = "\nوأضاف المتحدث أن المحادثات ستستمر الأسبوع المقبل في جنيف.\n"
    (day2 / changed).write_bytes(other + added.encode("utf-8"))
    output = root / "out"
    for inputs, date in ((day1, DAY1), (day2, DAY2)):
        done = khabar("--input", str(inputs), "--output", str(output), "--run_date", date,
                      cwd=root)
        assert done.returncode == 0, done.stderr
    report = khabar("report", str(output), cwd=root)
    assert report.returncode == 0, report.stderr
    return output, changed[:-len(".txt")], report.stdout


def test_a_recrawled_id_is_a_duplicate_of_its_earlier_self(recrawled):
    output, changed, _ = recrawled
    duplicates = pd.read_parquet(output / "duplicates", filters=[("date", "=", DAY2)])
    assert sorted(duplicates["id"]) == sorted(p.stem for p in SAMPLE.glob("*.txt"))
    assert (duplicates["duplicate_of"] == duplicates["id"]).all()
    assert (duplicates["cluster_id"] == duplicates["id"]).all()
    similarity = dict(zip(duplicates["id"], duplicates["similarity"]))
    assert similarity.pop(changed) < 0.1  # another article's text: still this id's duplicate
    assert set(similarity.values()) == {1.0}
    assert not list(output.glob(f"documents/lang=*/date={DAY2}/*.parquet"))


def test_recrawls_add_nothing_to_the_index(recrawled):
    output, _, _ = recrawled
    rows = ds.dataset(output / "index", partitioning="hive").to_table().to_pylist()
    assert {str(row["date"]) for row in rows} == {DAY1} and len(rows) == 5


def test_report_shows_each_cluster_with_its_duplicates(recrawled):
    _, _, report = recrawled
    # Five day-1 documents, each with its day-2 re-crawl: five clusters of two, no singleton.
    assert "Clusters by size: 1: 0  2: 5" in report


# ----------------------------------------------------------------------------- 3. usage errors

BAD_YAML = "dedup:\n  num_perm: 128\n shards: 2\n"


USAGE_ERRORS = [  # (arguments, message, run in a subprocess as well)
    (["--run-date", "2026-01-01"], "unknown option --run-date (did you mean --run_date?)", True),
    (["--ouptut", "x"], "unknown option --ouptut (did you mean --output?)", False),
    (["--direct_num_wrkers=2"], "did you mean --direct_num_workers?", False),
    (["--direct_num_workers=abc"], "argument --direct_num_workers: invalid int value: 'abc'",
     True),
    (["--set", "output.shards=abc"], "output.shards must be an integer, got 'abc'", True),
    (["--set", "output.shards=0"], "output.shards must be >= 1, got 0", False),
    (["--set", "dedup.num_perm=-5"], "num_perm and component_rounds must be >= 1", True),
    (["--set", "dedup.jaccard_threshold=-0.5"], "must not be negative", False),
    (["--set", "read.max_byte=3"], "unknown key 'max_byte' in section 'read' (did you mean",
     False),
    (["--set", "repair.legacy_encodings=cp1256"], "must be a list of strings", False),
    (["--config", "bad.yaml"], "bad.yaml line 3, column 2 is not valid YAML", True),
    (["--run_date", "2026-02-30"], "--run_date: must be YYYY-MM-DD", False),
    (["--runner=Flnk"], "unknown --runner 'Flnk' (did you mean Flink?)", False),
    (["--set", "boilerplate.patterns_path=bad.yaml"],
     "boilerplate patterns bad.yaml line 3, column 2 is not valid YAML", False),
    (["--set", "boilerplate.patterns_path=no.yaml"], "cannot read boilerplate patterns no.yaml",
     False),
]


@pytest.mark.parametrize("args, message", [(a, m) for a, m, alone in USAGE_ERRORS if alone])
def test_usage_errors_exit_2_with_one_line_before_any_work(tmp_path, args, message):
    (tmp_path / "bad.yaml").write_text(BAD_YAML)
    done = khabar("--output", str(tmp_path / "out"), *args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("khabar: ") and done.stderr.count("\n") == 1, done.stderr
    assert message in done.stderr
    assert done.stdout == ""
    assert not (tmp_path / "out").exists()  # no _staging/ or anything else left behind


@pytest.mark.parametrize("args, message", [(a, m) for a, m, _ in USAGE_ERRORS])
def test_every_usage_error_is_one_line(tmp_path, monkeypatch, capsys, args, message):
    """The same entry point in this process (a subprocess each would take minutes)."""
    from pipeline.cli import main
    root = logging.getLogger()  # `main` sets up logging: undone after the test
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    (tmp_path / "bad.yaml").write_text(BAD_YAML)
    monkeypatch.chdir(tmp_path)
    assert main(["--output", str(tmp_path / "out"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("khabar: ") and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "out").exists()


def test_a_misspelt_subcommand_is_a_usage_error(tmp_path):
    done = khabar("reprot", "out", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "khabar: unexpected argument 'reprot' (did you mean report?)\n"


# ----------------------------------------------------------------------------- 4. quiet


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("quiet")
    return khabar("--run_date", DAY1, cwd=root), root


def test_a_sample_run_prints_what_the_user_needs_and_no_library_noise(sample_run):
    done, root = sample_run
    assert done.returncode == 0, done.stderr
    assert all(line.startswith("khabar: ") for line in done.stderr.splitlines()), done.stderr
    assert "WARNING" not in done.stderr and "apitools" not in done.stderr
    assert len((done.stdout + done.stderr).splitlines()) < 30
    assert f"report: output/_reports/{DAY1}.json" in done.stdout
    assert (root / "output" / "documents").is_dir()


def test_verbose_shows_beams_logs(tmp_path):
    done = khabar("-v", "--run_date", DAY1, "--input", str(seeds(tmp_path / "in")), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^(INFO|WARNING) (apache_beam|root)", done.stderr, re.MULTILINE)


def test_every_folder_of_the_packages_is_packaged(tmp_path):
    """setuptools warns ("Package would be ignored", ~176 lines of `make run`) about any
    importable folder missing from `packages`: the sample and data folders must be listed."""
    listed = subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; import distutils.core as d; "
         "print(*d.run_setup('setup.py', stop_after='init').packages)"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    folders = {".".join(p.relative_to(ROOT).parts) for top in ("pipeline", "transforms")
               for p in [ROOT / top, *(ROOT / top).rglob("*")]
               if p.is_dir() and "__pycache__" not in p.parts}
    assert folders <= set(listed)


# ----------------------------------------------------------------------------- 5. progress


def test_progress_bar_on_a_terminal(tmp_path):
    """With stderr on a terminal, a bar redrawn in place counts the records through stages."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "--run_date", DAY1],
                               cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=terminal)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closes when the run ends
            break
        if not chunk:
            break
        shown += chunk
    assert process.wait(timeout=600) == 0
    text = shown.decode("utf-8", "replace")
    bars = [line for line in text.split("\r") if line.startswith("\x1b[K[")]
    assert bars, text
    assert any(" · read 12 · " in bar and "elapsed" in bar for bar in bars), bars


def test_progress_line_shows_every_stage_and_the_current_rate():
    from pipeline.progress import Tally, progress_bar, progress_text
    tally = Tally(started=0.0)
    tally.add("read", 10_000, now=5.0)
    tally.add("cleaned", 3_000, now=40.0)  # cleaning began at most 3 s before its first line
    assert progress_text(tally, now=45.0) == (
        "0:45 elapsed · 375/s (cleaned) · read 10,000 · cleaned 3,000 · boilerplate 0 · "
        "deduplicated 0")
    assert progress_bar(tally, now=45.0, width=40) == "[###.........] 0:45 elapsed · 375/s (cl"


def test_no_progress_runs_without_counting_steps(tmp_path):
    done = khabar("--no_progress", "--run_date", DAY1, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "progress" not in done.stderr


# ----------------------------------------------------------------------------- 6. docs


def test_help_names_every_subcommand_and_option(tmp_path):
    done = khabar("--help", cwd=tmp_path)
    assert done.returncode == 0
    for text in ("report", "--input", "--output", "--run_date", "--config", "--set",
                 "--verbose", "--no_progress", "Beam"):
        assert text in done.stdout, text
    assert "report" in khabar("report", "--help", cwd=tmp_path).stdout


def test_report_title_and_removed_lines_count_what_they_say(sample_run):
    _, root = sample_run
    done = khabar("report", "output", cwd=root)
    assert done.returncode == 0, done.stderr
    title = done.stdout.splitlines()[0]
    assert title == f"khabar summary of output/: {DAY1}"
    rows_per_reason = {}
    for name in ("documents", "duplicates", "rejected"):
        table = ds.dataset(root / "output" / name, partitioning="hive").to_table(
            columns=["removed_lines"])
        for removed in table.column("removed_lines").to_pylist():
            for reason in {line["reason"] for line in removed or []}:
                rows_per_reason[reason] = rows_per_reason.get(reason, 0) + 1
    section = done.stdout.split("Removed lines by reason (all rows)")[1].split("\n\n")[0]
    shown = {line.split()[0]: int(line.split()[-1]) for line in section.splitlines()[1:]}
    assert shown == rows_per_reason


def test_readme_documents_every_output_folder():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tree = readme.split("## Output")[1].split("```")[1]
    for folder in ("documents/", "duplicates/", "rejected/", "index/", "_inputs/", "_reports/"):
        assert folder in tree, folder
