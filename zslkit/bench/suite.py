"""Benchmark suites: a YAML file of methods x datasets x seeds plus shared overrides.

Schema (keys other than these are errors, with a suggestion):

    name: table2                 # optional; default: the file name
    description: "..."           # optional
    datasets: [awa1, cub]        # required: dataset names
    seeds: 3                     # N (seeds 0..N-1) or a list of seeds; default 3
    set: ["trainer.iterations=500"]   # optional `--set` items shared by every cell
    allow_mixed: false           # allow cells of one dataset to differ in selection mode or classifier
    ablation: false              # also draw the ablation bars (H per method)
    methods:                     # required, in table order
      - name: baseline           # folder-safe id: letters, digits, '.', '_', '-'
        label: "SR-GAN:baseline" # optional; the table's row label (default: name)
        plugins: ""              # a `--plugins` spec ("" = the base set)
        set: []                  # optional `--set` items of this method only
        published: {table: srgan_table2, row: "SR-GAN:baseline"}   # optional

Every problem is a ConfigError of one line naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from zslkit.bench.published import PublishedRef, check_ref
from zslkit.errors import ConfigError
from zslkit.suggest import did_you_mean

TOP_KEYS = ("name", "description", "datasets", "seeds", "set", "allow_mixed", "ablation", "methods")
METHOD_KEYS = ("name", "label", "plugins", "set", "published")
DEFAULT_SEEDS = 3
_SAFE = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class MethodSpec:
    """One row of the table: a plugin set plus its own overrides."""

    name: str
    label: str
    plugins: str = ""
    overrides: tuple[str, ...] = ()
    published: PublishedRef | None = None


@dataclass(frozen=True)
class Suite:
    """A parsed suite; `with_cli` applies the command-line choices."""

    name: str
    path: Path
    methods: tuple[MethodSpec, ...]
    datasets: tuple[str, ...]
    seeds: tuple[int, ...]
    overrides: tuple[str, ...] = ()
    allow_mixed: bool = False
    ablation: bool = False
    description: str = ""

    def with_cli(self, datasets: list[str] | None = None, seeds: int | None = None,
                 overrides: tuple[str, ...] = ()) -> Suite:
        """`--datasets` replaces the datasets, `--seeds N` uses seeds 0..N-1, `--set` comes last."""
        changes: dict = {"overrides": self.overrides + tuple(overrides)}
        if datasets:
            changes["datasets"] = tuple(datasets)
        if seeds is not None:
            if seeds < 1:
                raise ConfigError(f"--seeds {seeds}: expected a positive number of seeds")
            changes["seeds"] = tuple(range(seeds))
        return dataclasses.replace(self, **changes)


def shipped_dir() -> Path:
    """The `benchmarks/` folder next to the package (a source checkout or editable install)."""
    return Path(__file__).resolve().parents[2] / "benchmarks"


def find_suite(spec: str | Path) -> Path:
    """A suite file: an existing path, else `benchmarks/<spec>.yaml` (here, then shipped)."""
    path = Path(spec)
    if path.is_file():
        return path
    if re.fullmatch(r"[A-Za-z0-9_.-]+", str(spec)):
        for folder in (Path("benchmarks"), shipped_dir()):
            candidate = folder / f"{spec}.yaml"
            if candidate.is_file():
                return candidate
    names = sorted(p.stem for p in shipped_dir().glob("*.yaml"))
    raise ConfigError(f"suite {spec}: no such file and no shipped suite of that name{did_you_mean(str(spec), names)}; "
                      f"shipped: {', '.join(names) or 'none'}")


def load_suite(spec: str | Path) -> Suite:
    """Find, read and check a suite file."""
    path = find_suite(spec)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"suite {path}{line}: invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
    except OSError as exc:
        raise ConfigError(f"suite {path}: cannot read it ({exc.strerror})") from None
    return parse_suite(data, path)


def parse_suite(data, path: Path) -> Suite:
    """Check the mapping read from `path` against the schema (module docstring)."""
    where = f"suite {path}"
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping with 'methods' and 'datasets', got {type(data).__name__}")
    _check_keys(data, TOP_KEYS, where, "")
    for key in ("methods", "datasets"):
        if key not in data:
            raise ConfigError(f"{where}: missing key {key!r}")
    methods = _methods(data["methods"], where)
    name = _string(data.get("name", path.stem), where, "name")
    if not _SAFE.match(name):
        raise ConfigError(f"{where}: name={name!r}: expected letters, digits, '.', '_' or '-' (it names the default --out folder)")
    return Suite(
        name=name,
        path=path,
        methods=methods,
        datasets=tuple(_string_list(data["datasets"], where, "datasets", nonempty=True)),
        seeds=_seeds(data.get("seeds", DEFAULT_SEEDS), where),
        overrides=tuple(_string_list(data.get("set") or [], where, "set")),
        allow_mixed=_bool(data.get("allow_mixed", False), where, "allow_mixed"),
        ablation=_bool(data.get("ablation", False), where, "ablation"),
        description=_string(data.get("description", ""), where, "description"),
    )


def _methods(value, where: str) -> tuple[MethodSpec, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where}: methods: expected a non-empty list of methods (each with name and plugins)")
    methods, seen = [], set()
    for i, item in enumerate(value):
        key = f"methods[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: {key}: expected a mapping with name and plugins, got {type(item).__name__}")
        _check_keys(item, METHOD_KEYS, where, f"{key}.")
        if "name" not in item:
            raise ConfigError(f"{where}: {key}: missing key 'name'")
        name = _string(item["name"], where, f"{key}.name")
        if not _SAFE.match(name):
            raise ConfigError(f"{where}: {key}.name={name!r}: expected letters, digits, '.', '_' or '-' (it names a folder)")
        if name in seen:
            raise ConfigError(f"{where}: {key}.name={name!r}: two methods share this name")
        seen.add(name)
        methods.append(MethodSpec(
            name=name,
            label=_string(item.get("label", name), where, f"{key}.label"),
            plugins=_string(item.get("plugins") or "", where, f"{key}.plugins"),
            overrides=tuple(_string_list(item.get("set") or [], where, f"{key}.set")),
            published=_published(item.get("published"), where, f"{key}.published"),
        ))
    return tuple(methods)


def _published(value, where: str, key: str) -> PublishedRef | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"table", "row"}:
        raise ConfigError(f"{where}: {key}: expected {{table: NAME, row: ROW}} (e.g. {{table: srgan_table2, row: SR-GAN}})")
    ref = PublishedRef(_string(value["table"], where, f"{key}.table"), _string(value["row"], where, f"{key}.row"))
    try:
        check_ref(ref, key)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return ref


def _check_keys(data: dict, known: tuple[str, ...], where: str, prefix: str) -> None:
    for key in data:
        if key not in known:
            raise ConfigError(f"{where}: {prefix}{key}: unknown key{did_you_mean(str(key), known)}; keys: {', '.join(known)}")


def _string(value, where: str, key: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key}: expected a string, got {type(value).__name__} {value!r}")
    return value


def _string_list(value, where: str, key: str, nonempty: bool = False) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value) or (nonempty and not value):
        raise ConfigError(f"{where}: {key}: expected a {'non-empty ' if nonempty else ''}list of strings, got {value!r}")
    return list(value)


def _bool(value, where: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key}: expected true or false, got {value!r}")
    return value


def _seeds(value, where: str) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return tuple(range(value))
    if isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
        if len(set(value)) != len(value):
            raise ConfigError(f"{where}: seeds: {value!r} repeats a seed")
        return tuple(value)
    raise ConfigError(f"{where}: seeds: expected a positive integer N (seeds 0..N-1) or a list of seeds >= 0, got {value!r}")
