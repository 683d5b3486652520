"""The graph runs unchanged on other engines: the same rows as the in-process run.

The input is the bundled sample plus 40 edited copies of the seed articles in three site
folders (exact copies, near-duplicates, reordered and shortened texts), so that dedup finds
clusters and the work spreads over several bundles or partitions.
"""
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import apache_beam
import pytest

from pipeline.run import run
from pipeline.runners import (MULTI_PROCESSING, PORTABLE_RUNNERS, WORKER_PROCESSES_FROM_BYTES,
                              RunnerSetupError, _OneViewPerClass, artifact_cache,
                              default_workers, portable_runner_args, resolve_beam_args,
                              worker_processes_note)
from readback import snapshot

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "pipeline" / "sample"
SEEDS = ROOT / "tests" / "data" / "seeds"
RUN_DATE = "2025-03-01"
VARIANTS = 40


def write_variants(folder: Path) -> None:
    """Deterministic edits of the seeds: every fifth an exact copy, the rest edited."""
    seeds = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    for number in range(VARIANTS):
        lines = [line for line in seeds[number % len(seeds)].split("\n") if line.strip()]
        edit = number // len(seeds) % 4
        if edit == 1:      # one line dropped
            del lines[number % len(lines)]
        elif edit == 2:    # first and last paragraphs swapped, a line repeated
            lines[0], lines[-1] = lines[-1], lines[0]
            lines.append(lines[1])
        elif edit == 3:    # only the first half kept: a different document for dedup
            lines = lines[:max(1, len(lines) // 2)]
        site = folder / f"site{number % 3}"
        site.mkdir(parents=True, exist_ok=True)
        (site / f"variant_{number:03d}.txt").write_text("\n".join(lines) + "\n",
                                                          encoding="utf-8")



@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("runners") / "input"
    shutil.copytree(SAMPLE, folder / "sample")
    write_variants(folder / "variants")
    return folder


@pytest.fixture(scope="module")
def in_process(corpus) -> dict[str, list[tuple]]:
    output = corpus.parent / "in_process"
    assert run(["--input", str(corpus), "--output", str(output), "--run_date", RUN_DATE]) == 0
    rows = snapshot(output)
    assert len(rows["documents"]) >= 5 and len(rows["duplicates"]) > 10  # a real dedup workload
    return rows


def run_with(corpus: Path, name: str, beam_args: list[str]) -> dict[str, list[tuple]]:
    output = corpus.parent / name
    argv = ["--input", str(corpus), "--output", str(output), "--run_date", RUN_DATE]
    assert run(argv + beam_args) == 0
    return snapshot(output)


@pytest.mark.slow
def test_multi_processing_gives_the_in_process_rows_quietly(corpus, in_process, capfd):
    rows = run_with(corpus, "multi_processing",
                    ["--direct_running_mode=multi_processing", "--direct_num_workers=2"])
    assert rows == in_process
    # The workers' own log lines (Beam's harness start-up, per-bundle progress counts) reach
    # the driver's console filter, not the terminal.
    stderr = capfd.readouterr().err
    assert "khabar progress" not in stderr and "sdk_worker" not in stderr, stderr


def test_large_inputs_run_on_a_worker_process_per_core():
    large, small = WORKER_PROCESSES_FROM_BYTES, WORKER_PROCESSES_FROM_BYTES - 1
    assert default_workers([], large, cores=4) == [MULTI_PROCESSING, "--direct_num_workers=4"]
    assert default_workers([], small, cores=4) == []
    assert default_workers([], large, cores=1) == []
    assert default_workers(["--direct_num_workers=1"], large, cores=4) == []
    assert default_workers(["--direct_running_mode=in_memory"], large, cores=4) == []
    assert resolve_beam_args(["--runner=dask"], large) == ["--runner=dask"]


def test_the_first_line_names_beams_own_worker_count():
    fn_api = ["--runner=FnApiRunner", MULTI_PROCESSING]
    assert worker_processes_note([*fn_api, "--direct_num_workers=3"]) == ", on 3 worker processes"
    assert worker_processes_note(fn_api) == ", on 1 worker processes"  # Beam's default
    assert worker_processes_note(["--runner=FnApiRunner", "--direct_num_workers=3"]) == ""


@pytest.fixture(scope="module")
def on_dask(corpus) -> dict[str, list[tuple]]:
    pytest.importorskip("distributed", reason='needs "dask[distributed]"')
    return run_with(corpus, "dask", ["--runner=dask", "--dask_npartitions=4"])


@pytest.mark.slow
def test_dask_gives_the_in_process_documents_rejections_and_index(on_dask, in_process):
    for name in ("documents", "rejected", "index"):
        assert on_dask[name] == in_process[name], name


@pytest.mark.slow
def test_dask_gives_the_in_process_duplicates(on_dask, in_process):
    assert on_dask["duplicates"] == in_process["duplicates"]


@pytest.fixture(scope="module", params=sorted(PORTABLE_RUNNERS))
def on_portable_runner(request, corpus) -> dict[str, list[tuple]]:
    """The corpus run on an embedded Flink, Spark or Prism, if `make <runner>` fetched it."""
    name = request.param
    try:
        portable_runner_args(PORTABLE_RUNNERS[name], [], artifact_cache())
    except RunnerSetupError as missing:
        pytest.skip(str(missing))
    return run_with(corpus, name, [f"--runner={name}"])


@pytest.mark.slow
def test_portable_runners_give_the_in_process_rows(on_portable_runner, in_process):
    for name in ("documents", "duplicates", "rejected", "index"):
        assert on_portable_runner[name] == in_process[name], name


def test_portable_alias_adds_its_defaults_and_the_cached_artifact(tmp_path):
    jar = tmp_path / "jars" / f"beam-runners-flink-1.20-job-server-{apache_beam.__version__}.jar"
    jar.parent.mkdir()
    jar.touch()
    args = portable_runner_args(PORTABLE_RUNNERS["flink"],
                                ["--runner", "flink", "--parallelism=1"], tmp_path)
    assert args[0] == "--runner=FlinkRunner"
    assert "--parallelism=1" in args and "--parallelism=2" not in args
    assert "--flink_master=[local]" in args
    assert args[-1] == f"--flink_job_server_jar={jar}"


def test_portable_alias_keeps_an_artifact_the_user_names(tmp_path):
    args = portable_runner_args(PORTABLE_RUNNERS["spark"],
                                ["--runner=spark", "--spark_job_server_jar=/opt/js.jar"], tmp_path)
    assert [arg for arg in args if arg.startswith("--spark_job_server_jar")] == [
        "--spark_job_server_jar=/opt/js.jar"]


def test_prism_runs_get_their_own_server_even_with_other_experiments(tmp_path):
    """Beam's one-per-process Prism server may have been started without our binary."""
    prism = tmp_path / f"prism-{apache_beam.__version__}" / "prism"
    prism.parent.mkdir()
    prism.touch()
    args = portable_runner_args(PORTABLE_RUNNERS["prism"], ["--runner=prism",
                                                            "--experiments=beam_fn_api"], tmp_path)
    assert "--experiments=disable_prism_server_singleton" in args
    assert "--experiments=beam_fn_api" in args and args[-1] == f"--prism_location={prism}"


def test_a_missing_artifact_stops_the_run_before_it_starts(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KHABAR_CACHE", str(tmp_path / "empty_cache"))
    output = tmp_path / "out"
    assert run(["--output", str(output), "--runner=flink"]) == 2
    message = capsys.readouterr().err
    assert "run `make flink`" in message and message.count("\n") == 1
    assert not output.exists()


def test_dask_runner_names_are_recognised():
    from pipeline.runners import DASK_RUNNER_NAMES, _runner_name, _without_runner
    for name in DASK_RUNNER_NAMES:
        assert _runner_name(["--runner", name, "--x=1"]) == name
        assert _without_runner([f"--runner={name}", "--x=1"]) == ["--x=1"]
        assert _without_runner(["--runner", name, "--x=1"]) == ["--x=1"]
    assert _runner_name(["--direct_num_workers=2"]) is None


@pytest.mark.slow
def test_sdist_installs_and_runs_outside_the_repo(tmp_path):
    """What `--setup_file ./setup.py` ships: the sdist alone must hold code, sample and data."""
    subprocess.run([sys.executable, "setup.py", "-q", "sdist", "--dist-dir", str(tmp_path)],
                   cwd=ROOT, check=True, capture_output=True)
    (sdist,) = tmp_path.glob("khabar-*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = {Path(*Path(name).parts[1:]).as_posix() for name in archive.getnames()}
    for packaged in ("configs/default.yaml", "configs/boilerplate.yaml",
                     "transforms/data/charbigram.json", "transforms/data/zwnj_lexicon.tsv",
                     "pipeline/sample/feeds/feed.jsonl",
                     "pipeline/sample/variants/003_as_utf16.txt"):
        assert packaged in members, packaged

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Dependencies come from this venv; a plain path line does not run its editable khabar hook.
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "khabar_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", str(sdist)],
                   check=True, capture_output=True)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    located = subprocess.run([python, "-c", "import pipeline; print(pipeline.__file__)"],
                             cwd=elsewhere, env=env, check=True, capture_output=True, text=True)
    assert Path(located.stdout.strip()).is_relative_to(venv)
    finished = subprocess.run([python, "-m", "pipeline", "--output", "out",
                               "--run_date", RUN_DATE],
                              cwd=elsewhere, env=env, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert list((elsewhere / "out" / "documents").glob(f"lang=*/date={RUN_DATE}/*.parquet"))


def test_options_build_each_view_once_and_views_share_values():
    """Beam asks for views ~1,100 times per graph: one per class, reading the same values."""
    from apache_beam.options.pipeline_options import StandardOptions, TypeOptions
    options = _OneViewPerClass(["--runner=FnApiRunner", "--no_pipeline_type_check"])
    assert options.view_as(StandardOptions) is options.view_as(StandardOptions)
    assert options.view_as(StandardOptions).runner == "FnApiRunner"
    assert not options.view_as(TypeOptions).pipeline_type_check
    options.view_as(StandardOptions).streaming = True
    assert options.get_all_options()["streaming"] and options.view_as(StandardOptions).streaming
