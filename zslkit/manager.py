"""The plugin manager: registration of plugin instances and the hook calls on them.

Registration is in sorted name order and `PluginSet.call` runs hook
implementations one by one in sorted name order, never pluggy's LIFO order.
Discovery lives in `zslkit.discovery`, class loading in
`zslkit.plugin_loading` and `--plugins` resolution in `zslkit.resolution`;
their public names are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pluggy

from zslkit import hookspecs
from zslkit.discovery import (PLUGIN_GROUP, PRESET_GROUP, PluginMeta, installed_plugins, installed_presets,
                              plugin_metadata)
from zslkit.errors import PluginError, ZslkitError
from zslkit.plugin_loading import _validate_class, load_plugin_class
from zslkit.resolution import BASE_PRESET, Resolved, config_sections, resolve_spec
from zslkit.suggest import did_you_mean

HOOK_NAMES = tuple(sorted(n for n in vars(hookspecs) if n.startswith("zslkit_")))

__all__ = [
    "PluginMeta", "Resolved", "PluginSet", "installed_plugins", "installed_presets", "plugin_metadata",
    "resolve_spec", "load_plugin_class", "build_plugin_set", "register_plugins", "config_sections",
    "PLUGIN_GROUP", "PRESET_GROUP", "BASE_PRESET", "HOOK_NAMES",
]


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
