"""Config sections as dataclasses, layered from flat YAML files and `--set` overrides.

Precedence: dataclass defaults < the per-dataset YAML shipped in
`zslkit/defaults/<dataset>.yaml` < the user's YAML (`--config`) <
`--set section.key=value`. Every file is flat: top-level keys are section names
(plugin names, "trainer", "classifier", "selection", "data", dataset names) and
each maps field -> value. Values are checked against the field types, so a
typo or a wrong type fails before any training with a one-line error naming
the file (and line) or the `--set` item, and the expected type.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import yaml

from zslkit.errors import ConfigError
from zslkit.suggest import did_you_mean

__all__ = [
    "EffectiveConfig", "resolve_config", "config_to_dict", "configs_from_dict", "describe_fields",
    "read_shipped_defaults", "save_yaml_atomic",
]


class EffectiveConfig(dict):
    """Section name -> config dataclass instance, plus where values came from.

    Attributes:
        ignored: "FILE: SECTION" for every section skipped because it belongs
            to a plugin or dataset that is not part of this run.
        origins: "section.key" -> the file or "--set" that set it (absent:
            the dataclass default).
    """

    def __init__(self, *args, ignored=(), origins=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ignored: list[str] = list(ignored)
        self.origins: dict[str, str] = dict(origins or {})


def resolve_config(
    sections: dict[str, type],
    dataset: str | None,
    user_yaml: str | Path | None,
    overrides: list[str] | tuple[str, ...] = (),
    inactive: set[str] | frozenset[str] | tuple = (),
) -> EffectiveConfig:
    """Build every section's config from the layers, checking names and types.

    Args:
        sections: section name -> config dataclass.
        dataset: selects the shipped defaults file; None for none.
        user_yaml: the user's config file, or None.
        overrides: `section.key=value` strings (values parsed as YAML).
        inactive: sections skipped silently in the shipped and user files
            (installed plugins not selected, other datasets).
    """
    layers = _Layers(sections, inactive)
    shipped = read_shipped_defaults(dataset) if dataset else None
    if shipped is not None:
        layers.apply_text(shipped, f"shipped defaults {dataset}.yaml")
    if user_yaml is not None:
        layers.apply_text(_read_file(Path(user_yaml)), str(user_yaml))
    for item in overrides:
        layers.apply_override(item)
    return layers.build()


def read_shipped_defaults(dataset: str) -> str | None:
    """The text of `zslkit/defaults/<dataset>.yaml`, or None when not shipped."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", dataset):
        return None
    resource = importlib.resources.files("zslkit") / "defaults" / f"{dataset}.yaml"
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


def _read_file(path: Path) -> str:
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc


class _Layers:
    """Accumulates field values per section, checking each one as it arrives."""

    def __init__(self, sections: dict[str, type], inactive=()):
        self.sections = sections
        self.inactive = set(inactive) - set(sections)
        self.fields = {name: _field_types(cls) for name, cls in sections.items()}
        self.values: dict[str, dict[str, Any]] = {name: {} for name in sections}
        self.origins: dict[str, str] = {}
        self.ignored: list[str] = []

    def apply_text(self, text: str, label: str) -> None:
        data = _parse_yaml(text, label)
        self.apply_mapping(data, label, lambda *keys: _locate(text, label, keys))

    def apply_mapping(self, data: dict, label: str, locate=None, skip_unknown: bool = False) -> None:
        locate = locate or (lambda *keys: label)
        for section, body in data.items():
            if section in self.inactive or (skip_unknown and section not in self.sections):
                self.ignored.append(f"{label}: {section}")
                continue
            if section not in self.sections:
                raise ConfigError(f"{locate(section)}: unknown section {section!r}{did_you_mean(str(section), self.sections)}; "
                                  f"sections: {', '.join(sorted(self.sections))}")
            if body is None:
                continue
            if not isinstance(body, dict):
                raise ConfigError(f"{locate(section)}: section {section!r} must be a mapping of key: value, got {type(body).__name__}")
            for key, value in body.items():
                where = locate(section, key)
                self._check_key(section, key, where)
                self._set(section, key, _coerce_checked(value, self.fields[section][key], f"{where}: {section}.{key}={value!r}"), label)

    def apply_override(self, item: str) -> None:
        target, sep, raw = item.partition("=")
        section, dot, key = target.strip().partition(".")
        if not sep or not dot or not section or not key:
            raise ConfigError(f"--set {item}: expected section.key=value (e.g. trainer.batch_size=512)")
        if section in self.inactive:
            raise ConfigError(f"--set {item}: section {section!r} is not part of this run (plugin not selected, or another dataset)")
        if section not in self.sections:
            raise ConfigError(f"--set {item}: unknown section {section!r}{did_you_mean(section, self.sections)}; "
                              f"sections: {', '.join(sorted(self.sections))}")
        self._check_key(section, key, f"--set {item}")
        self._set(section, key, _parse_override(raw.strip(), self.fields[section][key], f"--set {item}"), "--set")

    def _check_key(self, section: str, key: Any, where: str) -> None:
        known = self.fields[section]
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r} in section {section!r}{did_you_mean(str(key), known)}; "
                              f"keys: {', '.join(sorted(known)) or 'none'}")

    def _set(self, section: str, key: str, value: Any, label: str) -> None:
        self.values[section][key] = value
        self.origins[f"{section}.{key}"] = label

    def build(self) -> EffectiveConfig:
        configs = {}
        for name, cls in self.sections.items():
            try:
                configs[name] = cls(**self.values[name])
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"section {name!r}: {exc}") from exc
        return EffectiveConfig(configs, ignored=self.ignored, origins=self.origins)


def _parse_yaml(text: str, label: str) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{label}{line}: invalid YAML: {problem}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{label}: expected a mapping of sections (e.g. 'trainer:'), got {type(data).__name__}")
    return data


def _locate(text: str, label: str, keys: tuple) -> str:
    """`label:LINE` of a section or section key (computed only for errors)."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return label
    for depth, key in enumerate(keys):
        if not isinstance(node, yaml.MappingNode):
            return label
        match = next(((k, v) for k, v in node.value if k.value == str(key)), None)
        if match is None:
            return label
        line, node = match[0].start_mark.line + 1, match[1]
    return f"{label}:{line}"


# ----------------------------------------------------------------------------- types


class _Mismatch(Exception):
    """A value does not fit a type; the message says what was expected."""


def _field_types(cls: type) -> dict[str, Any]:
    """Init field name -> real type (resolving `from __future__ import annotations`)."""
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # names only importable for type checkers
        hints = {}
    return {f.name: hints.get(f.name, Any) for f in dataclasses.fields(cls) if f.init}


def _coerce_checked(value: Any, tp: Any, where: str) -> Any:
    try:
        return _coerce(value, tp)
    except _Mismatch as exc:
        raise ConfigError(f"{where}: expected {exc}") from None


def _parse_override(raw: str, tp: Any, where: str) -> Any:
    """A `--set` value: YAML first; else the raw text (so `name=123` can be a string)."""
    try:
        parsed = yaml.safe_load(raw) if raw else raw
    except yaml.YAMLError:
        parsed = raw
    try:
        return _coerce(parsed, tp, cli=True)
    except _Mismatch as exc:
        try:
            return _coerce(raw, tp, cli=True)
        except _Mismatch:
            raise ConfigError(f"{where}: expected {exc}") from None


def _coerce(value: Any, tp: Any, cli: bool = False) -> Any:
    """Check `value` against `tp`, converting only where lossless (int -> float)."""
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any or tp is object:
        return value
    if origin in (Union, types.UnionType):
        return _coerce_union(value, args, cli)
    if origin is Literal:
        if value in args:
            return value
        raise _Mismatch(f"one of {', '.join(repr(a) for a in args)}")
    if tp in (list, tuple) or origin in (list, tuple):
        return _coerce_sequence(value, tp, origin or tp, args, cli)
    return _coerce_scalar(value, tp, cli)


def _coerce_union(value: Any, args: tuple, cli: bool) -> Any:
    if value is None and type(None) in args:
        return None
    expected = []
    for arg in args:
        if arg is type(None):
            expected.append("null")
            continue
        try:
            return _coerce(value, arg, cli)
        except _Mismatch as exc:
            expected.append(str(exc))
    raise _Mismatch(" or ".join(expected))


def _coerce_sequence(value: Any, tp: Any, kind: type, args: tuple, cli: bool) -> Any:
    if not isinstance(value, (list, tuple)):
        raise _Mismatch("a list")
    if kind is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
        if len(value) != len(args):
            raise _Mismatch(f"a list of {len(args)} items")
        return tuple(_coerce(v, a, cli) for v, a in zip(value, args))
    item = args[0] if args else Any
    try:
        items = [_coerce(v, item, cli) for v in value]
    except _Mismatch as exc:
        raise _Mismatch(f"a list whose items are each {exc}") from None
    return tuple(items) if kind is tuple else items


def _coerce_scalar(value: Any, tp: Any, cli: bool) -> Any:
    if tp is bool:
        if isinstance(value, bool):
            return value
        if cli and value in (0, 1) and not isinstance(value, float):
            return bool(value)
        raise _Mismatch("true or false")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _Mismatch("an integer")
    if tp is float:
        return _to_float(value)
    if tp is str:
        if isinstance(value, str):
            return value
        raise _Mismatch("a string")
    if isinstance(tp, type) and isinstance(value, tp):
        return value
    raise _Mismatch(_type_str(tp))


def _to_float(value: Any) -> float:
    # PyYAML reads `1e-4` (no dot) as a string; accept numeric strings for floats.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise _Mismatch("a number")


def _type_str(tp: Any) -> str:
    if tp is type(None):
        return "None"
    if isinstance(tp, type) and not get_args(tp):
        return tp.__name__
    return str(tp).replace("typing.", "")


# ----------------------------------------------------------------------------- round trip and files


def describe_fields(cls: type) -> list[tuple[str, str, Any, str]]:
    """`(name, type, default, help)` of each option; default `dataclasses.MISSING` if required."""
    types_ = _field_types(cls)
    rows = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = dataclasses.MISSING
        rows.append((f.name, _type_str(types_[f.name]), default, f.metadata.get("help", "")))
    return rows


def config_to_dict(configs: dict[str, object]) -> dict[str, dict]:
    """Plain `{section: {key: value}}` that `yaml.safe_dump` accepts (tuples -> lists)."""
    return {name: _plain(dataclasses.asdict(cfg) if dataclasses.is_dataclass(cfg) else cfg) for name, cfg in configs.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def configs_from_dict(sections: dict[str, type], data: dict) -> EffectiveConfig:
    """Rebuild configs from `config_to_dict` output (a saved run); other sections are skipped."""
    if not isinstance(data, dict):
        raise ConfigError(f"saved config: expected a mapping of sections, got {type(data).__name__}")
    layers = _Layers(sections)
    layers.apply_mapping(data, "saved config", skip_unknown=True)
    return layers.build()


def save_yaml_atomic(path: str | Path, data: Any) -> None:
    """Write YAML so a crash never leaves a half-written file (temp file, fsync, rename)."""
    from zslkit.atomic import atomic_open

    with atomic_open(path, "w") as handle:
        yaml.safe_dump(data, handle, sort_keys=False, default_flow_style=False)
