import re

import pytest

from pipeline.config import ConfigError, load_config


def test_default_config_builds_every_section():
    config = load_config()
    assert config.read.max_bytes > 0 and config.output.shards >= 1
    assert set(config.as_dict()) >= {"read", "output"}


def test_overrides_are_typed_by_yaml(tmp_path):
    config = load_config(overrides=["output.shards=7", "read.max_bytes=10"])
    assert (config.output.shards, config.read.max_bytes) == (7, 10)


@pytest.mark.parametrize("text, message", [
    ("nonsense: {}\n", "unknown config section"),
    ("read:\n  max_byte: 3\n",
     "unknown key 'max_byte' in section 'read' (did you mean max_bytes?)"),
    ("read: [\n", "not valid YAML"),
    ("read:\n  max_bytes: 3\n bad: 1\n", "c.yaml line 3, column 2 is not valid YAML"),
    ("read: [1]\n", "section 'read' must be a mapping of keys"),
    ("output:\n  shards: two\n", "output.shards must be an integer, got 'two'"),
    ("dedup:\n  jaccard_threshold: -1\n", "dedup.jaccard_threshold must not be negative"),
    ("- a\n", "must be a mapping"),
])
def test_bad_config_files_fail_with_a_clear_message(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(path)


def test_bad_overrides_and_missing_files():
    with pytest.raises(ConfigError, match="section.key=value"):
        load_config(overrides=["shards=3"])
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config("/nonexistent/khabar.yaml")


def test_default_yaml_states_every_default_of_every_section():
    """configs/default.yaml documents every knob: it must list each field with its real default."""
    import dataclasses

    import yaml

    from pipeline.config import DEFAULT_CONFIG, SECTIONS, _section_class

    written = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    for name in SECTIONS:
        defaults = dataclasses.asdict(_section_class(name)())
        stated = {k: tuple(v) if isinstance(v, list) else v for k, v in written[name].items()}
        assert stated == defaults, name
