"""Published results as data: the YAML tables shipped in `zslkit/published/`.

A table file holds a citation, the metric names and rows
`ROW -> dataset -> {metric: value or null}` (see `srgan_table1.yaml`). A suite
method points at one row with `published: {table: NAME, row: ROW}`; the
aggregate then shows the published figure and the delta (ours - published)
beside each number.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from dataclasses import dataclass, field

import yaml

from zslkit.errors import ConfigError
from zslkit.suggest import did_you_mean

PACKAGE_DIR = "published"


@dataclass(frozen=True)
class PublishedTable:
    """One shipped table: `rows[row][dataset][metric]` (None where the paper has no number)."""

    name: str
    citation: dict
    metrics: tuple[str, ...]
    rows: dict[str, dict[str, dict[str, float | None]]]
    notes: str = ""

    @property
    def cite(self) -> str:
        """A one-line citation: short form, table, arXiv id."""
        c = self.citation
        parts = [c.get("short", self.name), c.get("table", "")]
        if c.get("arxiv"):
            parts.append(f"arXiv:{c['arxiv']}")
        return "; ".join(p for p in parts if p)


@dataclass(frozen=True)
class PublishedRef:
    """A suite method's pointer to a published row."""

    table: str
    row: str


@dataclass
class Published:
    """The published figures for one (method, dataset), with where they come from."""

    values: dict[str, float | None] = field(default_factory=dict)
    cite: str = ""

    def get(self, metric: str) -> float | None:
        return self.values.get(metric)


def available_tables() -> list[str]:
    """Names of the shipped tables (file stems)."""
    folder = importlib.resources.files("zslkit") / PACKAGE_DIR
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


@functools.lru_cache(maxsize=None)
def load_table(name: str) -> PublishedTable:
    """Read and check a shipped table; ConfigError names the file and key at fault."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name) or name not in available_tables():
        tables = available_tables()
        raise ConfigError(f"unknown published table {name!r}{did_you_mean(name, tables)}; shipped: {', '.join(tables)}")
    resource = importlib.resources.files("zslkit") / PACKAGE_DIR / f"{name}.yaml"
    label = f"zslkit/{PACKAGE_DIR}/{name}.yaml"
    data = yaml.safe_load(resource.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("rows"), dict):
        raise ConfigError(f"{label}: expected a mapping with 'rows'")
    metrics = tuple(data.get("metrics") or ("T1", "U", "S", "H"))
    rows = {str(row): _row(body, metrics, f"{label}: rows.{row}") for row, body in data["rows"].items()}
    return PublishedTable(name, dict(data.get("citation") or {}), metrics, rows, str(data.get("notes", "")))


def _row(body, metrics: tuple[str, ...], where: str) -> dict[str, dict[str, float | None]]:
    if not isinstance(body, dict):
        raise ConfigError(f"{where}: expected a mapping of dataset -> metrics")
    out = {}
    for dataset, values in body.items():
        if dataset in ("ref", "cite"):
            continue
        if not isinstance(values, dict):
            raise ConfigError(f"{where}.{dataset}: expected a mapping of metric -> number")
        for metric, value in values.items():
            if metric not in metrics or not (value is None or isinstance(value, (int, float))):
                raise ConfigError(f"{where}.{dataset}.{metric}: expected one of {', '.join(metrics)} with a number or null")
        out[str(dataset)] = {m: (None if v is None else float(v)) for m, v in values.items()}
    return out


def check_ref(ref: PublishedRef, where: str) -> None:
    """Fail early (naming the suite key) when a reference points nowhere."""
    try:
        table = load_table(ref.table)
    except ConfigError as exc:
        raise ConfigError(f"{where}.table: {exc}") from None
    if ref.row not in table.rows:
        raise ConfigError(f"{where}.row: table {ref.table!r} has no row {ref.row!r}{did_you_mean(ref.row, table.rows)}; "
                          f"rows: {', '.join(table.rows)}")


def lookup(ref: PublishedRef | None, dataset: str) -> Published:
    """The published figures of `ref` on `dataset` (empty when there are none)."""
    if ref is None:
        return Published()
    table = load_table(ref.table)
    values = table.rows.get(ref.row, {}).get(dataset, {})
    return Published(dict(values), table.cite if values else "")


def delta(ours: float | None, published: float | None) -> float | None:
    """ours - published, or None when either is missing."""
    if ours is None or published is None:
        return None
    return ours - published
