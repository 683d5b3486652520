"""Typed configuration: `configs/default.yaml` -> one frozen dataclass per concern.

Each step owns its config dataclass (with defaults) next to its code; this module only maps
YAML sections onto them, rejects unknown keys with a clear message, and applies command-line
overrides of the form `--set section.key=value` (values parsed as YAML scalars).
"""
from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "default.yaml"

# section name -> "module:Class" of the step's config dataclass.
SECTIONS = {
    "read": "transforms.read:ReadConfig",
    "limits": "transforms.limits:LimitsConfig",
    "repair": "transforms.repair:RepairConfig",
    "normalize": "transforms.normalize:NormalizeConfig",
    "langid": "transforms.langid:LangIdConfig",
    "boilerplate": "transforms.boilerplate:BoilerplateConfig",
    "dedup": "transforms.dedup.config:DedupConfig",
    "output": "transforms.write:OutputConfig",
}


class ConfigError(ValueError):
    """A config file or override that cannot be used; the message is shown to the user."""


def _section_class(name: str):
    module, cls = SECTIONS[name].split(":")
    return getattr(importlib.import_module(module), cls)


@dataclass(frozen=True)
class Config:
    """All sections, each an instance of its step's config dataclass."""
    sections: dict

    def __getattr__(self, name: str):
        sections = self.__dict__.get("sections", {})
        if name not in sections:
            raise AttributeError(name)
        return sections[name]

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {name: dataclasses.asdict(section) for name, section in self.sections.items()}


def _build_section(name: str, values: dict) -> Any:
    cls = _section_class(name)
    fields = {field.name: field for field in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ConfigError(f"unknown key(s) in section '{name}': {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(fields))})")
    try:
        return cls(**{key: _coerce(fields[key], value) for key, value in values.items()})
    except (TypeError, ValueError) as error:
        raise ConfigError(f"bad value in section '{name}': {error}") from None


def _coerce(field: dataclasses.Field, value: Any) -> Any:
    """YAML lists become tuples so config dataclasses stay hashable and immutable."""
    return tuple(value) if isinstance(value, list) else value


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"config {path} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config {path} must be a mapping of sections")
    return data


def _apply_override(data: dict, override: str) -> None:
    key, sep, raw_value = override.partition("=")
    section, dot, name = key.strip().partition(".")
    if not sep or not dot or not name:
        raise ConfigError(f"--set expects section.key=value, got {override!r}")
    if section not in SECTIONS:
        raise ConfigError(f"--set {override!r}: unknown section '{section}' "
                          f"(known: {', '.join(sorted(SECTIONS))})")
    data.setdefault(section, {})[name] = yaml.safe_load(raw_value)


def load_config(path: str | Path | None = None, overrides: list[str] = ()) -> Config:
    """Defaults <- the YAML file (default: configs/default.yaml) <- `--set` overrides."""
    data = _read_yaml(Path(path) if path else DEFAULT_CONFIG)
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"unknown config section(s): {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(SECTIONS))})")
    for override in overrides:
        _apply_override(data, override)
    return Config({name: _build_section(name, data.get(name) or {}) for name in SECTIONS})
