"""`zslkit plugins ...`: list, show and resolve plugins.

`list` reads package metadata and plugin sources only (no plugin import, no
torch), so it stays fast; `show` and `resolve` import the plugins they name.
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import click


@click.group()
def plugins():
    """List, show and resolve plugins."""


@plugins.command("list")
def list_cmd():
    """List installed plugins (slots, requirements, summary) and presets."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from zslkit.errors import ZslkitError
    from zslkit.discovery import installed_plugins, installed_presets, plugin_metadata

    table = Table(title="plugins", title_justify="left")
    for column in ("name", "slots", "requires", "source"):
        table.add_column(column, no_wrap=True)
    table.add_column("summary", ratio=1)
    for name, ep in sorted(installed_plugins().items()):
        try:
            meta = plugin_metadata(name)
        except ZslkitError as exc:  # one broken plugin must not hide the others
            table.add_row(name, "?", "?", ep.module, Text(str(exc), style="red"))
            continue
        table.add_row(name, ", ".join(meta.provides) or "-", ", ".join(meta.requires) or "-", ep.module, Text(meta.summary))
    presets = Table(title="presets ('base' applies first)", title_justify="left")
    for column in ("name", "plugins"):
        presets.add_column(column)
    for name, items in sorted(installed_presets().items()):
        presets.add_row(name, Text(", ".join(items)))
    console = Console(soft_wrap=False)
    console.print(table)
    console.print(presets)


@plugins.command("show")
@click.argument("name")
def show_cmd(name):
    """Show plugin NAME (or module:Class, path/file.py:Class): slots and config options."""
    from zslkit.config import describe_fields
    from zslkit.discovery import installed_presets
    from zslkit.plugin_loading import load_plugin_class

    presets = installed_presets()
    if ":" not in name and name in presets and name not in _installed_names():
        click.echo(f"{name} is a preset: {', '.join(presets[name])}")
        return
    cls = load_plugin_class(name)
    for line in _header_lines(cls):
        click.echo(line)
    rows = describe_fields(cls.Config)
    if not rows:
        click.echo("\nno config options")
        return
    click.echo(f"\noptions (YAML section '{cls.name}:' or --set {cls.name}.KEY=VALUE):")
    _print_options(rows)


def _installed_names() -> set[str]:
    from zslkit.discovery import installed_plugins

    return set(installed_plugins())


def _header_lines(cls) -> list[str]:
    doc = inspect.cleandoc(cls.__doc__ or "").splitlines()
    lines = [f"{cls.name}: {doc[0] if doc else ''}",
             f"  slots:    {', '.join(cls.provides) or '-'}",
             f"  requires: {', '.join(cls.requires) or '-'}",
             f"  class:    {cls.__module__}:{cls.__qualname__}"]
    body = list(doc[1:])
    while body and not body[0].strip():
        body.pop(0)
    return lines + ([""] + body if body else [])


def _print_options(rows) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_header=True)
    for column in ("option", "type", "default", "help"):
        table.add_column(column)
    for name, type_str, default, help_text in rows:
        shown = "required" if default is dataclasses.MISSING else repr(default)
        table.add_row(name, Text(type_str), Text(shown), Text(help_text))
    Console(soft_wrap=False).print(table)


@plugins.command("resolve")
@click.argument("spec", required=False, default="")
@click.option("--dataset", default=None, help="Apply this dataset's shipped defaults (and its option section).")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="A YAML file of config sections, as for 'zslkit run --config'.")
@click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE", help="Override one value; repeatable.")
def resolve_cmd(spec, dataset, config_file, overrides):
    """Print the plugin set SPEC resolves to and the effective config, as YAML (no training).

    SPEC is what 'zslkit run --plugins' takes (empty: the base set). The output
    is a valid config file: plugin details are YAML comments.
    """
    import yaml

    from zslkit.config import config_to_dict, resolve_config
    from zslkit.resolution import config_sections, resolve_spec

    resolved = resolve_spec(spec)
    sections, inactive = config_sections(resolved, dataset)
    configs = resolve_config(sections, dataset, config_file, list(overrides), inactive)
    for line in _summary_lines(resolved, configs):
        click.echo(f"# {line}" if line else "#")
    click.echo(yaml.safe_dump(config_to_dict(configs), sort_keys=False, default_flow_style=False), nl=False)


def _summary_lines(resolved, configs) -> list[str]:
    width = max(len(n) for n in resolved.names) if resolved.names else 0
    lines = [f"plugins: {', '.join(resolved.names) or 'none'}  (canonical spec: '{resolved.spec}')"]
    for name in resolved.names:
        slots = ", ".join(resolved.metas[name].provides) or "-"
        lines.append(f"  {name:<{width}}  slots: {slots:<12}  from: {resolved.sources[name]}")
    lines += [f"note: {note}" for note in resolved.notes]
    lines += [f"ignored section {item} (not part of this run)" for item in configs.ignored]
    lines += [f"{key} set by {origin}" for key, origin in configs.origins.items()]
    return lines + [""]
