"""`zslkit data list` and `zslkit data info NAME` (no torch, no scipy at import)."""

from __future__ import annotations

import click

from zslkit.errors import ConfigError


@click.command("list")
@click.option("--data-root", metavar="DIR", help="Data folder (default: $ZSLKIT_DATA, else the platform cache folder).")
def list_cmd(data_root):
    """List the installed datasets and whether their files are under the data root."""
    from rich.console import Console
    from rich.table import Table

    from zslkit.datasets import registry
    from zslkit.datasets.paths import resolve_data_root

    root = resolve_data_root(data_root)
    table = Table(title=f"datasets (data root: {root})", title_justify="left")
    for column in ("name", "description", "files"):
        table.add_column(column)
    for name in registry.available():
        table.add_row(name, *_describe(name, root))
    Console(soft_wrap=False).print(table)


def _describe(name: str, root) -> tuple:
    """(summary, file status) of one dataset; a broken entry point shows its error, not a traceback."""
    from rich.text import Text

    from zslkit.datasets import registry
    from zslkit.errors import ZslkitError

    try:
        loader = registry.get_loader(name)
    except ZslkitError as exc:
        return Text(str(exc), style="red"), "?"
    return loader.summary, _file_status(loader, root)


def _file_status(loader, root) -> str:
    """Loaders that list `files` (paths under the root) get an exact check, others a folder check."""
    if not loader.needs_root:
        return "not needed"
    files = getattr(loader, "files", None)
    if files:
        missing = [f for f in files if not (root / f).exists()]
        return "present" if not missing else "missing " + ", ".join(missing)
    for folder in dict.fromkeys((loader.name.upper(), loader.name)):
        if (root / folder).is_dir():
            return f"present ({folder}/)"
    return "missing"


@click.command("info")
@click.argument("name")
@click.option("--data-root", metavar="DIR", help="Data folder (default: $ZSLKIT_DATA, else the platform cache folder).")
@click.option("--set", "sets", multiple=True, metavar="NAME.KEY=VALUE", help="A dataset option, e.g. --set cub.val_split=2.")
def info_cmd(name, data_root, sets):
    """Load dataset NAME, check it, and print its classes, dimensions and splits."""
    from zslkit.datasets import registry

    options = registry.make_options(name, parse_sets(name, sets))
    data = registry.load_dataset(name, root=data_root, options=options)
    for line in describe(data, registry.get_loader(name).summary):
        click.echo(line)


def parse_sets(name: str, sets) -> dict[str, str]:
    """`("cub.val_split=2",)` -> `{"val_split": "2"}`; only this dataset's section is accepted."""
    values = {}
    for item in sets:
        key, eq, value = item.partition("=")
        section, dot, option = key.strip().partition(".")
        if not eq or not dot or not option:
            raise ConfigError(f"--set {item!r}: expected {name}.KEY=VALUE")
        if section != name:
            raise ConfigError(f"--set {item!r}: `zslkit data info {name}` takes only {name}.KEY=VALUE options")
        values[option] = value
    return values


def describe(data, summary: str = "") -> list[str]:
    """The lines `zslkit data info` prints for a loaded dataset."""
    seen, unseen, val = data.seen_classes.size, data.unseen_classes.size, len(data.val_classes)
    rows = [
        ("source", data.source or "-"),
        ("classes", f"{data.n_classes} (seen {seen}, unseen {unseen}, validation {val} of the seen)"),
        ("attribute dim", str(data.attribute_dim)),
        ("feature dim", str(data.feature_dim)),
        ("splits", f"trainval {len(data.trainval)}, test_seen {len(data.test_seen)}, test_unseen {len(data.test_unseen)}"),
    ]
    lines = [f"{data.name}: {summary}" if summary else data.name]
    lines += [f"  {key:<14} {value}" for key, value in rows]
    for i, note in enumerate(data.notes or ["-"]):
        lines.append(f"  {'notes' if i == 0 else '':<14} {note}")
    return lines
