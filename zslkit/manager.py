"""The plugin manager: discovery, `--plugins` resolution, registration, hook calls.

Discovery reads package metadata only (entry-point groups `zslkit.plugins` and
`zslkit.presets`), and a plugin's static metadata (`name`, `provides`,
`requires`, docstring) is read from its source with `ast`, so listing and
resolving plugins never imports a plugin module (they import torch at top).
Only the plugins a run selects are imported, by `build_plugin_set`.

Resolution rule: a `--plugins` spec is applied on top of the preset `base`,
whose members are *defaults*. A default is replaced when an explicitly selected
plugin provides one of its slots; two explicit plugins claiming one slot is an
error. Registration is in sorted name order and `PluginSet.call` runs hook
implementations one by one in sorted name order, never pluggy's LIFO order.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import importlib
import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import pluggy

from zslkit import hookspecs
from zslkit.errors import PluginError, ZslkitError
from zslkit.suggest import did_you_mean

PLUGIN_GROUP = "zslkit.plugins"
PRESET_GROUP = "zslkit.presets"
BASE_PRESET = "base"
HOOK_NAMES = tuple(sorted(n for n in vars(hookspecs) if n.startswith("zslkit_")))
# Plugin names become YAML sections and `--set NAME.key` prefixes.
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_RESERVED = ("trainer", "classifier", "selection", "data")

__all__ = [
    "PluginMeta", "Resolved", "PluginSet", "installed_plugins", "installed_presets", "plugin_metadata",
    "resolve_spec", "load_plugin_class", "build_plugin_set", "register_plugins", "config_sections",
]


# ----------------------------------------------------------------------------- discovery


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


# ----------------------------------------------------------------------------- loading


def load_plugin_class(name_or_ref: str) -> type:
    """Import a plugin class: an installed name, `module:Class` or `path/file.py:Class`."""
    if ":" in name_or_ref:
        cls = _load_local(name_or_ref)
        _validate_class(cls, f"local plugin {name_or_ref}")
        return cls
    plugins = installed_plugins()
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


# ----------------------------------------------------------------------------- resolution


@dataclass
class Resolved:
    """The outcome of a `--plugins` spec.

    Attributes:
        names: the selected plugin names, sorted.
        sources: name -> how it was selected ("entry point", "preset recon",
            "local my_plugin.py").
        notes: what the rules did ("mlpgen replaced resgen (slot generator)").
        spec: a canonical spec that resolves to the same set (saved with runs).
        requested: the spec as given.
        metas: name -> PluginMeta.
        refs: name -> "module:Class" or "/abs/file.py:Class" for local plugins.
    """

    names: list[str]
    sources: dict[str, str]
    notes: list[str]
    spec: str
    requested: str = ""
    metas: dict[str, PluginMeta] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)

    @property
    def slots(self) -> dict[str, str]:
        """Slot -> the plugin that provides it."""
        return {slot: n for n in self.names for slot in self.metas[n].provides}


@dataclass
class _Entry:
    meta: PluginMeta
    source: str
    explicit: bool
    ref: str | None = None


class _Resolver:
    """Applies spec tokens in order to an ordered set of plugin entries."""

    def __init__(self):
        self.plugins = installed_plugins()
        self.presets = installed_presets()
        self.entries: dict[str, _Entry] = {}
        self.base: set[str] = set()
        self.dropped: list[str] = []
        self.notes: list[str] = []
        self._metas: dict[str, PluginMeta] = {}

    def apply(self, token: str, explicit: bool, source: str, stack: tuple[str, ...] = ()) -> None:
        if token.startswith("no:"):
            self._drop(token[3:].strip())
        elif ":" in token:
            self._add_local(token, explicit)
        elif token in self.plugins:
            self._add(self._meta(token), source, explicit)
        elif token in self.presets:
            if token in stack:
                raise PluginError(f"preset cycle: {' -> '.join(stack + (token,))}")
            for item in self.presets[token]:
                self.apply(item.strip(), explicit, f"preset {token}", stack + (token,))
        else:
            where = f" in preset {stack[-1]!r}" if stack else ""
            raise PluginError(
                f"unknown plugin or preset {token!r}{where}{did_you_mean(token, [*self.plugins, *self.presets])}; "
                f"installed plugins: {', '.join(sorted(self.plugins)) or 'none'}; presets: {', '.join(sorted(self.presets)) or 'none'}"
            )

    def _meta(self, name: str) -> PluginMeta:
        if name not in self._metas:
            self._metas[name] = plugin_metadata(name)
        return self._metas[name]

    def _add(self, meta: PluginMeta, source: str, explicit: bool, ref: str | None = None) -> None:
        old = self.entries.get(meta.name)
        if old is not None and ref is None and (old.explicit or not explicit):
            return  # already selected at least as strongly
        self.entries[meta.name] = _Entry(meta, source, explicit, ref)

    def _add_local(self, token: str, explicit: bool) -> None:
        cls = load_plugin_class(token)
        meta = _class_metadata(cls)
        if meta.name in self.plugins:
            self.notes.append(f"{_local_source(token)} shadows installed plugin {meta.name!r}")
        self._add(meta, _local_source(token), explicit, ref=_local_ref(token))

    def _drop(self, name: str) -> None:
        if name in self.presets and name not in self.entries:
            raise PluginError(f"no:{name}: {name!r} is a preset; drop its plugins one by one (no:NAME)")
        if name not in self.entries:
            raise PluginError(f"no:{name}: {name!r} is not in the plugin set{did_you_mean(name, self.entries)}; "
                              f"selected so far: {', '.join(sorted(self.entries)) or 'none'}")
        del self.entries[name]
        self.dropped.append(name)
        self.notes.append(f"{name} dropped (no:{name})")

    def replace_defaults(self) -> None:
        """Explicit plugins replace defaults by slot; two explicit claimants is an error."""
        claims: dict[str, list[str]] = {}
        for name, entry in self.entries.items():
            for slot in entry.meta.provides:
                claims.setdefault(slot, []).append(name)
        replaced: dict[str, list[tuple[str, str]]] = {}
        for slot, names in sorted(claims.items()):
            explicit = sorted(n for n in names if self.entries[n].explicit)
            group = explicit if explicit else sorted(names)
            if len(group) > 1:
                raise PluginError(f"plugins {group[0]!r} and {group[1]!r} both provide slot {slot!r}; "
                                  f"select one (drop the other with no:{group[1]})")
            for loser in sorted(set(names) - set(group)):
                replaced.setdefault(group[0], []).append((loser, slot))
        for winner, losers in replaced.items():
            for loser, _ in losers:
                self.entries.pop(loser, None)
            self.notes.append(f"{winner} replaced " + ", ".join(f"{n} (slot {s})" for n, s in losers))
        for name in sorted(n for n, e in self.entries.items() if e.explicit and n not in self.base | set(replaced)):
            slots = ", ".join(self.entries[name].meta.provides)
            self.notes.append(f"{name} replaced nothing" + (f" (adds slot {slots})" if slots else ""))

    def check_requirements(self) -> None:
        provided = {slot for e in self.entries.values() for slot in e.meta.provides}
        for name in sorted(self.entries):
            for req in self.entries[name].meta.requires:
                if req not in self.entries and req not in provided:
                    raise PluginError(f"plugin {name!r} requires {req!r} (a plugin or slot), which no selected plugin "
                                      f"provides; add a plugin that provides it to --plugins")


def resolve_spec(spec: str | None) -> Resolved:
    """Resolve a `--plugins` spec on top of the `base` preset (see the module docstring)."""
    resolver = _Resolver()
    if BASE_PRESET in resolver.presets:
        resolver.apply(BASE_PRESET, explicit=False, source=f"preset {BASE_PRESET}")
    base_names = resolver.base = set(resolver.entries)
    for token in (spec or "").split(","):
        if token.strip():
            resolver.apply(token.strip(), explicit=True, source="entry point")
    resolver.replace_defaults()
    resolver.check_requirements()
    entries = resolver.entries
    names = sorted(entries)
    refs = {n: e.ref for n, e in entries.items() if e.ref}
    added = sorted(refs.get(n, n) for n in names if n not in base_names or n in refs)
    dropped = sorted(n for n in resolver.dropped if n in base_names and n not in entries)
    canonical = ",".join(added + [f"no:{n}" for n in dropped])
    return Resolved(names, {n: entries[n].source for n in names}, resolver.notes, canonical,
                    requested=spec or "", metas={n: entries[n].meta for n in names}, refs=refs)


def config_sections(resolved: Resolved, dataset: str | None = None) -> tuple[dict[str, type], set[str]]:
    """Config sections of a run (core, selected plugins, the dataset) and the inactive ones.

    Inactive sections (installed plugins not selected, other datasets) are
    ignored silently in config files. Imports the selected plugin classes.
    """
    from zslkit.settings import CORE_SECTIONS

    sections: dict[str, type] = dict(CORE_SECTIONS)
    for name in resolved.names:
        sections[name] = load_plugin_class(resolved.refs.get(name, name)).Config
    from zslkit.datasets import registry

    if dataset is not None:
        options = registry.get_loader(dataset).Options
        if dataclasses.is_dataclass(options):
            sections[dataset] = options
    inactive = (set(installed_plugins()) | set(registry.available())) - set(sections)
    return sections, inactive


# ----------------------------------------------------------------------------- registration and calls


@dataclass
class PluginSet:
    """Registered plugin instances and the calls the trainer makes on them."""

    pm: pluggy.PluginManager
    plugins: list[Any]
    resolved: Resolved | None = None

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.plugins]

    @property
    def by_name(self) -> dict[str, Any]:
        return {p.name: p for p in self.plugins}

    def call(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation of a hook in sorted plugin-name order.

        Each implementation gets only the arguments it names. Returns
        `(plugin name, result)` pairs, without None results. An exception in a
        plugin becomes a PluginError naming the plugin and hook, chained from
        the original so `--debug` can show its traceback.
        """
        caller = self._caller(hook_name, kwargs)
        results = []
        for impl in sorted(caller.get_hookimpls(), key=lambda i: i.plugin_name):
            result = _invoke(impl.plugin_name, hook_name, impl.function, **{a: kwargs[a] for a in impl.argnames})
            if result is not None:
                results.append((impl.plugin_name, result))
        return results

    def call_one(self, name: str, hook_name: str, **kwargs: Any) -> Any:
        """Call plugin `name`'s implementation of a hook; None when it has none."""
        if name not in self.by_name:
            raise ValueError(f"no plugin named {name!r} in {self.names}")
        for impl in self._caller(hook_name, kwargs).get_hookimpls():
            if impl.plugin_name == name:
                return _invoke(name, hook_name, impl.function, **{a: kwargs[a] for a in impl.argnames})
        return None

    def states(self) -> dict[str, dict]:
        """Each plugin's `state_dict()` keyed by its name (the checkpoint layout)."""
        return {p.name: _invoke(p.name, "state_dict", p.state_dict) for p in self.plugins}

    def load_states(self, states: dict[str, dict]) -> None:
        """Restore what `states()` returned; a different plugin set is refused with the difference."""
        if set(states) != set(self.names):
            missing, extra = sorted(set(self.names) - set(states)), sorted(set(states) - set(self.names))
            raise PluginError(f"checkpoint holds plugin states for {', '.join(sorted(states)) or 'none'}, the run has "
                              f"{', '.join(self.names)} (missing: {', '.join(missing) or '-'}; extra: {', '.join(extra) or '-'})")
        for plugin in self.plugins:
            _invoke(plugin.name, "load_state_dict", plugin.load_state_dict, states[plugin.name])

    def _caller(self, hook_name: str, kwargs: dict) -> Any:
        caller = getattr(self.pm.hook, hook_name, None)
        if caller is None or caller.spec is None:
            raise ValueError(f"{hook_name!r} is not a zslkit hook")
        expected = set(caller.spec.argnames)
        if set(kwargs) != expected:
            raise TypeError(f"hook {hook_name} takes {sorted(expected)}, called with {sorted(kwargs)}")
        return caller

    def collect_terms(self, hook_name: str, **kwargs: Any) -> dict[str, Any]:
        """Merge the `{"NAME/TERM": value}` dicts a hook returns, checking each prefix."""
        terms: dict[str, Any] = {}
        for name, result in self.call(hook_name, **kwargs):
            if not isinstance(result, dict):
                raise PluginError(f"plugin {name!r} hook {hook_name} returned {type(result).__name__}; expected a dict of named terms")
            for key, value in result.items():
                if not isinstance(key, str) or not key.startswith(f"{name}/"):
                    raise PluginError(f"plugin {name!r} hook {hook_name} returned term {key!r}; term names must start with '{name}/'")
                terms[key] = value
        return terms


def _invoke(plugin: str, hook: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a plugin function; a failure names the plugin and hook, chained from the original.

    User-facing errors keep their class (and so their exit code).
    """
    try:
        return function(*args, **kwargs)
    except Exception as exc:
        cls = type(exc) if isinstance(exc, ZslkitError) else PluginError
        raise cls(f"plugin {plugin!r} failed in hook {hook}: {type(exc).__name__}: {exc}") from exc


def build_plugin_set(resolved: Resolved, configs: dict[str, object] | None = None) -> PluginSet:
    """Import, configure and register the resolved plugins (sorted by name)."""
    configs = configs or {}
    plugins = []
    for name in resolved.names:
        cls = load_plugin_class(resolved.refs.get(name, name))
        config = configs.get(name)
        plugins.append(cls(config if config is not None else cls.Config()))
    plugin_set = register_plugins(plugins)
    plugin_set.resolved = resolved
    return plugin_set


def register_plugins(plugins: list[Any]) -> PluginSet:
    """Validate plugin instances and register them in sorted name order.

    Also the way tests and `check_plugin` register inline plugin objects.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    ordered = sorted(plugins, key=lambda p: str(getattr(p, "name", "")))
    seen: set[str] = set()
    for plugin in ordered:
        _validate_class(type(plugin), f"plugin class {type(plugin).__qualname__}")
        if plugin.name in seen:
            raise PluginError(f"two plugins are named {plugin.name!r}")
        seen.add(plugin.name)
        _check_hook_methods(pm, plugin)
        try:
            pm.register(plugin, name=plugin.name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {plugin.name!r} has an invalid hook: {exc}") from exc
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        hook, name = _unknown_hook(pm)
        raise PluginError(f"plugin {name!r} implements unknown hook {hook!r}{did_you_mean(hook, HOOK_NAMES)}") from exc
    return PluginSet(pm, ordered)


def _check_hook_methods(pm: pluggy.PluginManager, plugin: Any) -> None:
    """Catch `zslkit_*` methods that would silently never run, and order options."""
    for attr in sorted(a for a in dir(type(plugin)) if a.startswith("zslkit_")):
        opts = pm.parse_hookimpl_opts(plugin, attr)
        if opts is None and attr in HOOK_NAMES:
            raise PluginError(f"plugin {plugin.name!r}: method {attr!r} is not marked with @hookimpl")
        if opts is None:
            raise PluginError(f"plugin {plugin.name!r}: method {attr!r} is not a zslkit hook{did_you_mean(attr, HOOK_NAMES)}")
        used = [k for k in ("wrapper", "hookwrapper", "tryfirst", "trylast") if opts.get(k)]
        if used:
            raise PluginError(f"plugin {plugin.name!r} hook {attr!r}: {'/'.join(used)} is not supported "
                              f"(zslkit calls hooks in sorted plugin-name order)")


def _unknown_hook(pm: pluggy.PluginManager) -> tuple[str, str]:
    for hook_name, caller in sorted(vars(pm.hook).items()):
        if not hook_name.startswith("_") and not caller.has_spec():
            for impl in caller.get_hookimpls():
                return hook_name, impl.plugin_name
    return "?", "?"
