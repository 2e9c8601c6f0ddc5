"""Resolution: from a `--plugins` spec to the set of plugins a run uses.

Rule: a spec is applied on top of the preset `base`, whose members are
*defaults*. A default is replaced when an explicitly selected plugin provides
one of its slots; two explicit plugins claiming one slot is an error. Tokens
are plugin names, preset names, `no:NAME` and local `module:Class` or
`path/file.py:Class` references. Only local references and `config_sections`
import plugin classes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

# `discovery.installed_*` are looked up on the module, so patching them there reaches every caller.
from zslkit import discovery
from zslkit.discovery import PluginMeta, _class_metadata, plugin_metadata
from zslkit.errors import PluginError
from zslkit.plugin_loading import _local_ref, _local_source, load_plugin_class
from zslkit.suggest import did_you_mean

BASE_PRESET = "base"

__all__ = ["BASE_PRESET", "Resolved", "resolve_spec", "config_sections"]


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
        self.plugins = discovery.installed_plugins()
        self.presets = discovery.installed_presets()
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
    inactive = (set(discovery.installed_plugins()) | set(registry.available())) - set(sections)
    return sections, inactive
