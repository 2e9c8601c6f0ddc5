"""Cells: a suite expanded into methods x datasets x seeds, each keyed by its resolved config.

A cell's key is a short hash of what decides its result: the resolved plugin
names (and local plugin references), the resolved config of every section
(`config_to_dict`), the dataset and the seed. Its run folder is
`<out>/<method>/<dataset>/seed<N>-<key>`, so two cells with different configs
never share a folder, and changing a default or a `--set` starts new cells
instead of mixing old results in. Expansion resolves every config before any
training, so a bad plugin name or override fails at once, and it enforces the
protocol rule: within one dataset every cell must use the same selection mode
and final classifier unless the suite sets `allow_mixed: true`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from zslkit.bench.suite import MethodSpec, Suite
from zslkit.errors import ConfigError, ZslkitError

KEY_LENGTH = 10


@dataclass(frozen=True)
class Cell:
    """One run of the suite."""

    method: MethodSpec
    dataset: str
    seed: int
    overrides: tuple[str, ...]
    key: str
    plugins: tuple[str, ...]
    selection: str
    classifier: str

    @property
    def id(self) -> str:
        return f"{self.method.name}/{self.dataset}/seed{self.seed}"

    def folder(self, out: Path) -> Path:
        return Path(out) / self.method.name / self.dataset / f"seed{self.seed}-{self.key}"


def config_key(plugins, local_refs, config: dict, dataset: str, seed: int) -> str:
    """The short hash of a resolved config (the same inputs give the same key in any process)."""
    payload = {"plugins": sorted(plugins), "local": sorted(local_refs), "config": config,
               "dataset": dataset, "seed": int(seed)}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:KEY_LENGTH]


def key_of_saved(saved: dict) -> str:
    """The key of a run folder's `config.yaml` (what `prepare_run` wrote), to check a folder's content."""
    run = saved.get("run", {})
    return config_key(run.get("plugins", []), _local_refs(run.get("spec", "")), saved.get("config", {}),
                      run.get("dataset", ""), run.get("seed", -1))


def _local_refs(spec: str) -> list[str]:
    return [t for t in (spec or "").split(",") if ":" in t and not t.startswith("no:")]


def expand(suite: Suite) -> list[Cell]:
    """Every cell of the suite, in table order (method, dataset, seed).

    A shared override (the suite's `set` and `--set`) whose section belongs to
    a plugin a method does not use (or to another dataset) is left out of that
    method's cells, so `--set srn.hidden=32` can shrink a whole ablation; one
    that applies to no cell at all is an error. A method's own `set` is strict.
    """
    cells, used = [], set()
    for method in suite.methods:
        for dataset in suite.datasets:
            overrides, plugins, local, config = _resolve(suite, method, dataset, used)
            for seed in suite.seeds:
                cells.append(Cell(method, dataset, seed, overrides, config_key(plugins, local, config, dataset, seed),
                                  tuple(plugins), config["selection"]["mode"], config["classifier"]["kind"]))
    unused = [item for item in suite.overrides if item not in used]
    if unused:
        raise ConfigError(f"suite {suite.path}: --set {unused[0]}: its section is not part of any method of the suite "
                          f"(on {', '.join(suite.datasets)})")
    check_protocols(cells, suite)
    return cells


def _resolve(suite: Suite, method: MethodSpec, dataset: str, used: set[str]):
    """(overrides passed to the run, plugin names, local refs, resolved config as a dict)."""
    from zslkit.config import config_to_dict, resolve_config
    from zslkit.resolution import config_sections, resolve_spec

    try:
        resolved = resolve_spec(method.plugins)
        sections, inactive = config_sections(resolved, dataset)
        shared = [item for item in suite.overrides if item.partition(".")[0].strip() not in inactive]
        used.update(shared)
        overrides = tuple(shared) + method.overrides
        configs = resolve_config(sections, dataset, None, list(overrides), inactive)
    except ZslkitError as exc:
        raise type(exc)(f"suite {suite.path}: method {method.name!r} on {dataset}: {exc}") from exc
    return overrides, resolved.names, _local_refs(resolved.spec), config_to_dict(configs)


def protocol_label(selection: str, classifier: str) -> str:
    """How a row was produced; test-selected rows say so."""
    return f"{'test-selected' if selection == 'test' else selection}, {classifier}"


def check_protocols(cells: list[Cell], suite: Suite) -> None:
    """Refuse a dataset whose cells differ in selection mode or classifier (unless allowed)."""
    if suite.allow_mixed:
        return
    for dataset in suite.datasets:
        seen: dict[tuple[str, str], list[str]] = {}
        for cell in cells:
            if cell.dataset == dataset:
                names = seen.setdefault((cell.selection, cell.classifier), [])
                if cell.method.name not in names:
                    names.append(cell.method.name)
        if len(seen) > 1:
            parts = "; ".join(f"{', '.join(names)}: {protocol_label(*proto)}" for proto, names in seen.items())
            raise ConfigError(f"suite {suite.path}: on {dataset} the methods differ in selection mode or final classifier "
                              f"({parts}); make them agree or set allow_mixed: true to compare them labelled")
