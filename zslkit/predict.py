"""Using a trained run: classify new features with the run's final GZSL classifier.

    run = zslkit.load_run("runs/demo")
    names = run.predict(features)          # (N, D) raw features -> N class names

`model.pt` holds everything needed (scaler, classifier state, class ids and
names, the calibration gamma) as tensors and numbers, loaded with
`torch.load(weights_only=True)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zslkit.errors import ZslkitError

MODEL_FILE = "model.pt"


def predictor_path(store, step: int) -> Path:
    return store.root / "checkpoints" / f"predictor-step{step}.pt"


def save_predictor(store, step: int, state: dict) -> None:
    """Keep the GZSL classifier of one final-phase evaluation (resumable runs need it on disk)."""
    from zslkit.checkpoint import atomic_torch_save

    atomic_torch_save(state, predictor_path(store, step))


def save_model(store, ctx, plan, report: dict, plugin_states: dict) -> None:
    """Write model.pt from the classifier of the reported GZSL evaluation."""
    import torch

    from zslkit.checkpoint import atomic_torch_save, load_checkpoint

    step = report["steps"]["H"]
    path = predictor_path(store, step)
    if not path.is_file():
        raise ZslkitError(f"{path}: the classifier of the reported evaluation (step {step}) is missing")
    task = plan.task
    scaler = task.scaler or {"lo": np.zeros(task.feature_dim, np.float32), "scale": np.ones(task.feature_dim, np.float32)}
    model = {
        "format": 1,
        "predictor": load_checkpoint(path),
        "classes": torch.cat([ctx.seen_classes, ctx.unseen_classes]).cpu(),
        "n_seen": int(ctx.seen_classes.numel()),
        "class_names": list(task.class_names),
        "scaler_lo": torch.as_tensor(np.asarray(scaler["lo"], np.float32)),
        "scaler_scale": torch.as_tensor(np.asarray(scaler["scale"], np.float32)),
        "gamma": report.get("cs_gamma"),
        "step": int(step),
        "selection": report["selection"],
        # For figures and analysis: class semantics, the generator's conditioning of
        # every class ([s, extras...], e.g. R(s)) and each plugin's state (e.g. pivots).
        "semantics": ctx.semantics,
        "cond_table": ctx.cond_table,
        "cond_names": list(ctx.cond_dims),
        "cond_sizes": [int(v) for v in ctx.cond_dims.values()],
        "plugin_states": plugin_states,
    }
    atomic_torch_save(_to_cpu(model), store.root / MODEL_FILE)
    for other in (store.root / "checkpoints").glob("predictor-step*.pt"):
        if other != path:
            other.unlink(missing_ok=True)


def _to_cpu(value):
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: _to_cpu(v) for k, v in value.items()}
    return value


@dataclass
class LoadedRun:
    """A finished run, ready to classify raw features."""

    root: Path
    model: dict
    metrics: dict | None

    @property
    def class_names(self) -> list[str]:
        return [self.model["class_names"][int(c)] for c in self.model["classes"]]

    @property
    def feature_dim(self) -> int:
        return int(self.model["scaler_lo"].shape[0])

    def scores(self, features, calibrated: bool = False):
        """(N, n_classes) classifier scores over `self.class_names` (seen first, then unseen)."""
        import torch

        from zslkit.evaluation.predictor import predictor_scores

        x = torch.as_tensor(np.asarray(features, dtype=np.float32))
        if x.ndim != 2 or x.shape[1] != self.feature_dim:
            raise ZslkitError(f"features have shape {tuple(x.shape)}; expected (N, {self.feature_dim}) like the run's training data")
        x = (x - self.model["scaler_lo"]) * self.model["scaler_scale"]
        scores = predictor_scores(self.model["predictor"], x).float()
        if calibrated and self.model.get("gamma") is not None:
            scores[:, : self.model["n_seen"]] -= float(self.model["gamma"])
        return scores

    def predict(self, features, calibrated: bool = False) -> list[str]:
        """Class names for raw (unscaled) features of shape (N, D)."""
        best = self.scores(features, calibrated).argmax(dim=1).tolist()
        names = self.class_names
        return [names[i] for i in best]


def load_run(run_dir) -> LoadedRun:
    import json

    from zslkit.checkpoint import load_checkpoint

    root = Path(run_dir)
    if not (root / MODEL_FILE).is_file():
        raise ZslkitError(f"{root}: no {MODEL_FILE} (not a finished zslkit run; an interrupted one resumes with --resume)")
    metrics_path = root / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else None
    return LoadedRun(root, load_checkpoint(root / MODEL_FILE), metrics)


def read_features(path: Path, key: str | None = None) -> np.ndarray:
    """Features from .npy, .npz (key or the only array) or .mat (key or 'features', transposed if D x N)."""
    path = Path(path)
    if not path.is_file():
        raise ZslkitError(f"{path}: no such file (expected a .npy, .npz or .mat of features)")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return np.load(path, allow_pickle=False)
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                return _pick(archive, list(archive.keys()), key, path)
        if suffix == ".mat":
            from scipy.io import loadmat

            content = loadmat(path)
            return _pick(content, [k for k in content if not k.startswith("__")], key or "features", path)
    except ZslkitError:
        raise
    except Exception as exc:
        raise ZslkitError(f"{path}: cannot read features ({type(exc).__name__}: {exc})") from exc
    raise ZslkitError(f"{path}: unknown file type {suffix!r} (expected .npy, .npz or .mat)")


def _pick(content, keys: list[str], key: str | None, path: Path) -> np.ndarray:
    if key is None and len(keys) == 1:
        key = keys[0]
    if key not in keys:
        raise ZslkitError(f"{path}: no array {key!r} (found {', '.join(keys) or 'none'}; choose one with --key)")
    return np.asarray(content[key])
