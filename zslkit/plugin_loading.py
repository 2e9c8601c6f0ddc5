"""Importing plugin classes: installed names, `module:Class` and `path/file.py:Class`.

Kept apart from `zslkit.discovery`, which must never import a plugin: only the
plugins a run (or `plugins show`) selects come through here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import Any

# `discovery.installed_plugins` is looked up on the module, so patching it there reaches every caller.
from zslkit import discovery
from zslkit.discovery import _check_meta, _class_metadata
from zslkit.errors import PluginError
from zslkit.suggest import did_you_mean

__all__ = ["load_plugin_class"]


def load_plugin_class(name_or_ref: str) -> type:
    """Import a plugin class: an installed name, `module:Class` or `path/file.py:Class`."""
    if ":" in name_or_ref:
        cls = _load_local(name_or_ref)
        _validate_class(cls, f"local plugin {name_or_ref}")
        return cls
    plugins = discovery.installed_plugins()
    if name_or_ref not in plugins:
        raise PluginError(f"unknown plugin {name_or_ref!r}{did_you_mean(name_or_ref, plugins)}; installed: {', '.join(sorted(plugins))}")
    ep = plugins[name_or_ref]
    try:
        cls = ep.load()
    except Exception as exc:
        raise PluginError(f"plugin {name_or_ref!r} ({ep.value}) failed to import: {type(exc).__name__}: {exc}") from exc
    _validate_class(cls, f"entry point {name_or_ref!r} ({ep.value})", expected=name_or_ref)
    return cls


def _validate_class(cls: Any, where: str, expected: str | None = None) -> None:
    if not isinstance(cls, type):
        raise PluginError(f"{where} is not a class (got {type(cls).__name__})")
    _check_meta(_class_metadata(cls), where, expected)
    config = getattr(cls, "Config", None)
    if not (isinstance(config, type) and dataclasses.is_dataclass(config)):
        raise PluginError(f"{where}: plugin {cls.name!r} needs a `Config` dataclass (subclass zslkit.plugin.Plugin)")


def _load_local(ref: str) -> type:
    target, _, qualname = ref.rpartition(":")
    if not target or not qualname:
        raise PluginError(f"bad local plugin {ref!r}: expected module:Class or path/file.py:Class")
    module = _import_file(target) if _is_file_ref(target) else _import_module(target, ref)
    obj: Any = module
    for part in qualname.split("."):
        if not hasattr(obj, part):
            classes = [n for n, v in vars(module).items() if isinstance(v, type)]
            raise PluginError(f"local plugin {ref!r}: no class {qualname!r} in {target}{did_you_mean(part, classes)}")
        obj = getattr(obj, part)
    return obj


def _is_file_ref(target: str) -> bool:
    return target.endswith(".py") or "/" in target or "\\" in target


def _import_module(target: str, ref: str):
    """Import `target`; the current folder is searched too (the `zslkit` script omits it)."""
    try:
        try:
            return importlib.import_module(target)
        except ModuleNotFoundError as exc:
            if exc.name != target.split(".")[0] or os.getcwd() in sys.path:
                raise
            sys.path.insert(0, os.getcwd())
            return importlib.import_module(target)
    except Exception as exc:
        raise PluginError(f"local plugin {ref!r}: cannot import module {target!r}: {type(exc).__name__}: {exc}") from exc


def _import_file(target: str):
    """Load a plugin file once, under a module name unique to its absolute path."""
    path = Path(target).expanduser().resolve()
    if not path.is_file():
        raise PluginError(f"local plugin file {target} does not exist")
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    mod_name = f"zslkit_local_{re.sub(r'[^0-9A-Za-z_]', '_', path.stem)}_{digest}"
    if mod_name in sys.modules:
        return sys.modules[mod_name]
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[mod_name]
        raise PluginError(f"local plugin file {target} failed to import: {type(exc).__name__}: {exc}") from exc
    return module


def _local_ref(token: str) -> str:
    """The canonical form of a local reference (absolute path for files)."""
    target, _, qualname = token.rpartition(":")
    return f"{Path(target).expanduser().resolve()}:{qualname}" if _is_file_ref(target) else token


def _local_source(token: str) -> str:
    target = token.rpartition(":")[0]
    return f"local {Path(target).name}" if _is_file_ref(target) else f"local {token}"
