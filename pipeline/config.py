"""Typed configuration: `configs/default.yaml` -> one frozen dataclass per concern.

Each step owns its config dataclass (with defaults and its own range checks) next to its code;
this module maps YAML sections onto them and applies command-line overrides of the form
`--set section.key=value` (values parsed as YAML scalars). Every value is checked against its
field's type annotation before a run starts, so a typo stops the run with one line naming the
key instead of failing deep inside the pipeline.
"""
from __future__ import annotations

import dataclasses
import difflib
import importlib
import types
import typing
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


def _build_section(name: str, values: Any) -> Any:
    if not isinstance(values, dict):
        raise ConfigError(f"section '{name}' must be a mapping of keys, got {values!r}")
    cls = _section_class(name)
    hints = typing.get_type_hints(cls)
    checked = {key: _checked_value(name, key, value, hints) for key, value in values.items()}
    try:
        section = cls(**checked)
    except (TypeError, ValueError) as error:
        message = str(error)
        raise ConfigError(message if message.startswith(f"{name}.") else
                          f"bad value in section '{name}': {message}") from None
    for field in dataclasses.fields(section):
        _check_not_negative(name, field, getattr(section, field.name))
    return section


def _checked_value(section: str, key: str, value: Any, hints: dict) -> Any:
    """`value` as the field's type (YAML lists become tuples), or a `ConfigError` naming it."""
    if key not in hints:
        hint = difflib.get_close_matches(key, list(hints), n=1)
        raise ConfigError(f"unknown key '{key}' in section '{section}'"
                          + (f" (did you mean {hint[0]}?)" if hint else
                             f" (known: {', '.join(sorted(hints))})"))
    try:
        return _as_type(value, hints[key])
    except TypeError as expected:
        raise ConfigError(f"{section}.{key} must be {expected}, got {value!r}") from None


def _as_type(value: Any, kind: Any) -> Any:
    """`value` if it fits the annotation `kind` (an int where a float goes becomes a float);
    raises TypeError with a phrase describing `kind` otherwise."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for option in (a for a in args if a is not type(None)):
            try:
                return _as_type(value, option)
            except TypeError:
                continue
        raise TypeError(" or ".join(_describe(a) for a in args))
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise TypeError(_describe(kind))
        item = args[0] if args else Any
        try:
            return tuple(_as_type(v, item) for v in value)
        except TypeError:
            raise TypeError(_describe(kind)) from None
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if kind in (bool, str) and not isinstance(value, kind):
        raise TypeError(_describe(kind))
    if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
        raise TypeError(_describe(kind))
    return value


def _describe(kind: Any) -> str:
    if kind is type(None):
        return "null"
    if typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[:1]
        return f"a list of {_describe(item[0]).split(' ', 1)[-1]}s" if item else "a list"
    return {int: "an integer", float: "a number", bool: "true or false",
            str: "a string"}.get(kind, getattr(kind, "__name__", str(kind)))


def _check_not_negative(section: str, field: dataclasses.Field, value: Any) -> None:
    """Sizes, counts, thresholds and shares are never negative: a number whose default is not
    negative must not be either (each dataclass checks its finer ranges itself)."""
    default = field.default
    numeric = (int, float)
    if (isinstance(value, numeric) and isinstance(default, numeric)
            and not isinstance(value, bool) and default >= 0 > value):
        raise ConfigError(f"{section}.{field.name} must not be negative, got {value!r}")


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"config {path}{_yaml_problem(error)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config {path} must be a mapping of sections")
    return data


def _yaml_problem(error: yaml.YAMLError) -> str:
    """' line 3, column 2 is not valid YAML: <what>' (the position when the parser knows it)."""
    mark = getattr(error, "problem_mark", None)
    where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    what = getattr(error, "problem", None) or getattr(error, "context", None) or str(error)
    return f"{where} is not valid YAML: {what}"


def check_patterns(config: Config) -> None:
    """Compiles the boilerplate patterns once before the run (each worker compiles them again
    in its setup): an edited patterns file with a YAML or regex error stops the run here, with
    one line, instead of failing inside the pipeline."""
    import regex

    from transforms.boilerplate import PATTERNS_PATH, load_boilerplate
    path = config.boilerplate.patterns_path or PATTERNS_PATH
    try:
        load_boilerplate(config.boilerplate)
    except OSError as error:
        raise ConfigError(f"cannot read boilerplate patterns {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"boilerplate patterns {path}{_yaml_problem(error)}") from None
    except (ValueError, TypeError, AttributeError, KeyError, regex.error) as error:
        raise ConfigError(f"boilerplate patterns {path}: {error}") from None


def _apply_override(data: dict, override: str) -> None:
    key, sep, raw_value = override.partition("=")
    section, dot, name = key.strip().partition(".")
    if not sep or not dot or not name:
        raise ConfigError(f"--set expects section.key=value, got {override!r}")
    if section not in SECTIONS:
        raise ConfigError(f"--set {override!r}: unknown section '{section}' "
                          f"(known: {', '.join(sorted(SECTIONS))})")
    try:
        value = yaml.safe_load(raw_value)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or "cannot parse"
        raise ConfigError(f"--set {override}: the value is not valid YAML ({problem})") from None
    try:
        _checked_value(section, name, value, typing.get_type_hints(_section_class(section)))
    except ConfigError as error:
        raise ConfigError(f"--set {override}: {error}") from None
    if data.get(section) is None:
        data[section] = {}
    if not isinstance(data[section], dict):
        raise ConfigError(f"section '{section}' must be a mapping of keys, "
                          f"got {data[section]!r}")
    data[section][name] = value


def load_config(path: str | Path | None = None, overrides: list[str] = ()) -> Config:
    """Defaults <- the YAML file (default: configs/default.yaml) <- `--set` overrides."""
    data = _read_yaml(Path(path) if path else DEFAULT_CONFIG)
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"unknown config section(s): {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(SECTIONS))})")
    for override in overrides:
        _apply_override(data, override)
    return Config({name: _build_section(name, {} if data.get(name) is None else data[name])
                   for name in SECTIONS})
