"""Discovery: which plugins and presets are installed, and their static metadata.

Reads package metadata only (entry-point groups `zslkit.plugins` and
`zslkit.presets`) and a plugin's `name`, `provides`, `requires` and docstring
from its source with `ast`, so listing and resolving plugins never imports a
plugin module (they import torch at top). Importing classes is
`zslkit.plugin_loading`'s job.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from zslkit.errors import PluginError
from zslkit.suggest import did_you_mean

PLUGIN_GROUP = "zslkit.plugins"
PRESET_GROUP = "zslkit.presets"
# Plugin names become YAML sections and `--set NAME.key` prefixes.
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_RESERVED = ("trainer", "classifier", "selection", "data")

__all__ = ["PLUGIN_GROUP", "PRESET_GROUP", "PluginMeta", "installed_plugins", "installed_presets", "plugin_metadata"]


def installed_plugins() -> dict[str, EntryPoint]:
    """Installed plugins by name, from package metadata (nothing is imported)."""
    return {ep.name: ep for ep in entry_points(group=PLUGIN_GROUP)}


def installed_presets() -> dict[str, list[str]]:
    """Installed presets by name; each entry point names a list of plugin specs."""
    presets = {}
    for ep in entry_points(group=PRESET_GROUP):
        try:
            items = ep.load()
        except Exception as exc:
            raise PluginError(f"preset {ep.name!r} ({ep.value}) failed to load: {type(exc).__name__}: {exc}") from exc
        if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
            raise PluginError(f"preset {ep.name!r} ({ep.value}) must be a list of plugin specs, got {items!r}")
        presets[ep.name] = list(items)
    return presets


@dataclass(frozen=True)
class PluginMeta:
    """A plugin's static metadata, readable without importing its module."""

    name: str
    provides: tuple[str, ...]
    requires: tuple[str, ...]
    summary: str
    module: str
    qualname: str


def plugin_metadata(name: str) -> PluginMeta:
    """Metadata of the installed plugin `name`, read from its source with `ast`.

    Falls back to importing the class when the attributes are not literals
    (or inherited from another plugin class). Raises PluginError when the
    plugin is unknown, its module is missing, or its metadata is invalid.
    """
    plugins = installed_plugins()
    if name not in plugins:
        raise PluginError(f"unknown plugin {name!r}{did_you_mean(name, plugins)}; installed: {', '.join(sorted(plugins))}")
    ep = plugins[name]
    module, _, qualname = ep.value.partition(":")
    meta = _ast_metadata(name, module.strip(), qualname.strip(), ep.value)
    if meta is None:
        from zslkit.plugin_loading import load_plugin_class  # it imports this module

        meta = _class_metadata(load_plugin_class(name))
    _check_meta(meta, f"entry point {name!r} ({ep.value})", expected=name)
    return meta


def _module_source(name: str, module: str, where: str) -> str:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError) as exc:
        raise PluginError(f"plugin {name!r}: module {module!r} cannot be found ({where}): {exc}") from exc
    if spec is None or not spec.origin or not spec.has_location:
        raise PluginError(f"plugin {name!r}: module {module!r} is not installed ({where})")
    try:
        return Path(spec.origin).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PluginError(f"plugin {name!r}: cannot read {spec.origin}: {exc}") from exc


def _ast_metadata(name: str, module: str, qualname: str, where: str) -> PluginMeta | None:
    """Read literal class attributes from source; None when that is not enough."""
    source = _module_source(name, module, f"entry point {where}")
    try:
        node = _find_class(ast.parse(source), qualname)
    except SyntaxError:
        return None  # importing shows the real error
    if node is None:
        return None
    try:
        attrs = _literal_attrs(node)
    except ValueError:
        return None  # computed attributes: import the class instead
    only_plugin_base = all(_base_name(b) == "Plugin" for b in node.bases)
    if "name" not in attrs or (len(attrs) < 3 and not only_plugin_base):
        return None
    doc = (ast.get_docstring(node) or "").strip()
    return PluginMeta(attrs["name"], attrs.get("provides", ()), attrs.get("requires", ()),
                      doc.splitlines()[0] if doc else "", module, qualname)


def _literal_attrs(node: ast.ClassDef) -> dict[str, Any]:
    """`name`, `provides`, `requires` assigned as literals in the class body."""
    attrs = {}
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("name", "provides", "requires"):
            attrs[target.id] = ast.literal_eval(value)
    return attrs


def _find_class(tree: ast.Module, qualname: str) -> ast.ClassDef | None:
    body, node = tree.body, None
    for part in qualname.split("."):
        node = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == part), None)
        if node is None:
            return None
        body = node.body
    return node


def _base_name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")


def _class_metadata(cls: type) -> PluginMeta:
    doc = (cls.__doc__ or "").strip()
    return PluginMeta(getattr(cls, "name", ""), getattr(cls, "provides", ()), getattr(cls, "requires", ()),
                      doc.splitlines()[0] if doc else "", cls.__module__, cls.__qualname__)


def _check_meta(meta: PluginMeta, where: str, expected: str | None = None) -> None:
    """One name everywhere, and slots/requirements as tuples of names."""
    if not isinstance(meta.name, str) or not meta.name:
        raise PluginError(f"{where}: class {meta.qualname} has no `name` attribute")
    if not _NAME_RE.match(meta.name) or meta.name in _RESERVED:
        raise PluginError(f"{where}: plugin name {meta.name!r} must be an identifier (letters, digits, _ or -) other than {', '.join(_RESERVED)}")
    if expected is not None and meta.name != expected:
        raise PluginError(f"{where}: class {meta.qualname} has name {meta.name!r}; the entry-point name must equal the plugin name")
    for attr in ("provides", "requires"):
        value = getattr(meta, attr)
        if not isinstance(value, (tuple, list)) or not all(isinstance(v, str) for v in value):
            raise PluginError(f"{where}: `{attr}` of plugin {meta.name!r} must be a tuple of names, got {value!r}")
