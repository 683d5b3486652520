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
    ("read:\n  max_byte: 3\n", "unknown key(s) in section 'read': max_byte"),
    ("read: [\n", "not valid YAML"),
    ("- a\n", "must be a mapping"),
])
def test_bad_config_files_fail_with_a_clear_message(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(path)


def test_bad_overrides_and_missing_files():
    with pytest.raises(ConfigError, match="section.key=value"):
        load_config(overrides=["shards=3"])
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config("/nonexistent/khabar.yaml")
