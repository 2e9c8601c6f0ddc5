"""The dataset registry: the entry-point group `zslkit.datasets`.

Built-in datasets are registered in zslkit's own pyproject.toml exactly as a
third-party package registers one:

    [project.entry-points."zslkit.datasets"]
    mydata = "mypkg.data:load_mydata"     # a zslkit.datasets.base.DatasetLoader

Names are read from package metadata without importing anything; a loader's
module is imported only when that dataset is asked for.
"""

from __future__ import annotations

import dataclasses
import typing
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from zslkit.datasets.base import DatasetLoader, ZSLData
from zslkit.errors import ConfigError, DataError
from zslkit.suggest import did_you_mean

GROUP = "zslkit.datasets"


def available() -> dict[str, EntryPoint]:
    """Installed dataset names -> entry points, sorted by name (nothing is imported)."""
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=GROUP):
        found.setdefault(ep.name, ep)
    return dict(sorted(found.items()))


def get_loader(name: str) -> DatasetLoader:
    """Import and return the loader registered as `name` (DataError with a hint if unknown)."""
    eps = available()
    if name not in eps:
        raise DataError(f"unknown dataset {name!r}{did_you_mean(name, eps)}; installed: {', '.join(eps) or 'none'}")
    try:
        loader = eps[name].load()
    except Exception as exc:  # a broken third-party package must not give a traceback
        raise DataError(f"dataset {name!r} ({eps[name].value}) failed to import: {exc.__class__.__name__}: {exc}") from None
    if not isinstance(loader, DatasetLoader):
        raise DataError(f"dataset {name!r} ({eps[name].value}) is a {type(loader).__name__}; "
                        f"expected a zslkit.datasets.base.DatasetLoader")
    if loader.name != name:
        raise DataError(f"dataset {name!r} ({eps[name].value}) calls itself {loader.name!r}; "
                        f"expected the entry-point name {name!r}")
    return loader


def option_fields(name: str) -> tuple[dataclasses.Field, ...]:
    """The option fields of dataset `name` (each with a default and `metadata['help']`)."""
    return dataclasses.fields(get_loader(name).Options)


def make_options(name: str, values: dict | None = None):
    """Build dataset `name`'s Options from `{key: value}`; string values are parsed by field type.

    Unknown keys and unparsable values are ConfigErrors naming `name.key`.
    """
    Options = get_loader(name).Options
    fields = {f.name: f for f in dataclasses.fields(Options)}
    hints = typing.get_type_hints(Options)
    parsed = {}
    for key, value in (values or {}).items():
        if key not in fields:
            known = ", ".join(fields) or "none"
            raise ConfigError(f"dataset {name!r} has no option {key!r}{did_you_mean(key, fields)}; options: {known}")
        parsed[key] = _coerce(value, hints.get(key, str), f"{name}.{key}")
    return Options(**parsed)


def _coerce(value, typ, where: str):
    if not isinstance(value, str) or typ is str:
        return value
    try:
        if typ is bool:
            lowered = value.strip().lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(value)
            return lowered in ("true", "1", "yes")
        return typ(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}={value!r} is not a valid {getattr(typ, '__name__', typ)}") from None


def load_dataset(name: str, root=None, options=None) -> ZSLData:
    """Load dataset `name` and validate it.

    Args:
        name: a registered dataset name.
        root: the data root (`--data-root`); None falls back to `$ZSLKIT_DATA`, then
            the platform cache folder. Ignored by loaders that need no files.
        options: the loader's Options instance, or a dict `{key: value}` for `make_options`.
    """
    from zslkit.datasets import checks
    from zslkit.datasets.paths import resolve_data_root

    loader = get_loader(name)
    if options is None or isinstance(options, dict):
        options = make_options(name, options)
    resolved: Path | None = resolve_data_root(root) if loader.needs_root else None
    data = loader.load(resolved, options)
    return checks.validate(data, checks.KNOWN_SIZES.get(name))
