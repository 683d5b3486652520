"""The bundled sample is generated from the seeds; the committed bytes must match the builder."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_committed_sample_matches_its_builder():
    spec = importlib.util.spec_from_file_location("build_sample", ROOT / "tests/data/build_sample.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    expected = builder.sample_files()
    sample = ROOT / "pipeline" / "sample"
    committed = {str(p.relative_to(sample)): p.read_bytes() for p in sample.rglob("*") if p.is_file()}
    assert committed == expected
