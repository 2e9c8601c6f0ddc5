"""Atomic, resumable checkpoints that load with `torch.load(weights_only=True)`.

A checkpoint is written to a temporary file in the same folder, flushed to
disk, then renamed over the old one, so a run killed at any moment leaves
either the previous checkpoint or the new one, never half of one.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch

from zslkit.atomic import atomic_open
from zslkit.errors import ZslkitError


def atomic_torch_save(obj, path: Path) -> None:
    """Save `obj` to `path` atomically (temp file, fsync, rename)."""
    with atomic_open(path, "wb") as handle:
        torch.save(obj, handle)


def load_checkpoint(path: Path, map_location="cpu") -> dict:
    """Load a checkpoint safely (no pickled code), with a one-line error if unreadable."""
    path = Path(path)
    if not path.is_file():
        raise ZslkitError(f"{path}: no checkpoint found (expected a file written by 'zslkit run')")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # corrupted or foreign file
        raise ZslkitError(f"{path}: not a readable zslkit checkpoint ({type(exc).__name__}: {exc})") from exc


def capture_rng() -> dict:
    """Every random state a run draws from, so a resumed run draws the same numbers."""
    np_state = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": {"keys": torch.from_numpy(np_state[1].astype(np.int64)), "pos": int(np_state[2]),
                  "has_gauss": int(np_state[3]), "cached": float(np_state[4])},
        "python": _python_state_to_tensor(random.getstate()),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    keys = state["numpy"]["keys"].numpy().astype(np.uint32)
    np.random.set_state(("MT19937", keys, state["numpy"]["pos"], state["numpy"]["has_gauss"], state["numpy"]["cached"]))
    random.setstate(_python_state_from_tensor(state["python"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _python_state_to_tensor(state) -> dict:
    version, internal, gauss = state
    return {"version": version, "internal": torch.tensor(internal, dtype=torch.int64),
            "gauss": gauss if gauss is not None else float("nan")}


def _python_state_from_tensor(state: dict):
    gauss = state["gauss"]
    gauss = None if gauss != gauss else gauss  # NaN encodes None
    return (state["version"], tuple(int(v) for v in state["internal"].tolist()), gauss)
