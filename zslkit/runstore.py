"""The run folder: resolved config, log, checkpoints, metrics and the final model.

Layout (every write is atomic):
    config.yaml        resolved config + what was run (plugins, dataset, seed, selection)
    train.log          JSON lines: loss terms every log_every steps and every evaluation
    checkpoints/last.pt   resumable state of the phase in progress
    checkpoints/<phase>.pt   the state at the end of each finished phase
    model.pt           what `zslkit predict` needs (scaler, classifier, class names)
    metrics.json       the reported numbers, with dataset, plugins, seed, versions, timings
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from zslkit.atomic import atomic_write_text
from zslkit.errors import ZslkitError


class RunStore:
    """Reads and writes one run folder."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @property
    def checkpoint_path(self) -> Path:
        return self.root / "checkpoints" / "last.pt"

    def create(self) -> None:
        try:
            (self.root / "checkpoints").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ZslkitError(f"run folder {self.root}: cannot create it ({exc.strerror})") from exc
        if not os.access(self.root, os.W_OK):
            raise ZslkitError(f"run folder {self.root}: not writable")

    def write_config(self, data: dict) -> None:
        atomic_write_text(self.root / "config.yaml", yaml.safe_dump(data, sort_keys=False))

    def read_config(self) -> dict:
        path = self.root / "config.yaml"
        if not path.is_file():
            raise ZslkitError(f"{self.root}: not a zslkit run folder (no config.yaml)")
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ZslkitError(f"{path}: not valid YAML ({exc.__class__.__name__})") from exc

    def write_metrics(self, data: dict) -> None:
        atomic_write_text(self.root / "metrics.json", json.dumps(data, indent=2, sort_keys=False) + "\n")

    def read_metrics(self) -> dict | None:
        path = self.root / "metrics.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def log(self, record: dict) -> None:
        """Append one JSON line; a line cut short by a kill is skipped when read."""
        with open(self.root / "train.log", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")

    def read_log(self) -> list[dict]:
        path = self.root / "train.log"
        if not path.is_file():
            return []
        records = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return records

    def save_checkpoint(self, state: dict) -> None:
        from zslkit.checkpoint import atomic_torch_save

        atomic_torch_save(state, self.checkpoint_path)

    def save_phase(self, name: str, state: dict) -> None:
        from zslkit.checkpoint import atomic_torch_save

        atomic_torch_save(state, self.root / "checkpoints" / f"{name}.pt")

    def save_predictor(self, step: int, state: dict) -> None:
        from zslkit.predict import save_predictor

        save_predictor(self, step, state)

    def load_checkpoint(self, name: str = "last") -> dict | None:
        from zslkit.checkpoint import load_checkpoint

        path = self.root / "checkpoints" / f"{name}.pt"
        return load_checkpoint(path) if path.is_file() else None
