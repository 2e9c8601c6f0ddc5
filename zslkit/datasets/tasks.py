"""Protocol views of a dataset (test or validation) and the field's MinMax scaling.

Validation exists for honest model selection: the validation classes play the
unseen role, and a seeded, per-class fraction of the remaining training samples
plays test_seen (GZSL). It reads only `trainval` samples and their labels, so
nothing chosen on it can depend on a test label.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from zslkit.datasets.base import ZSLData, ZSLTask
from zslkit.errors import ConfigError

MODES = ("test", "validation")


def make_task(data: ZSLData, mode: str = "test", val_seen_fraction: float = 0.2, split_seed: int = 0) -> ZSLTask:
    """Build the arrays of one protocol.

    Args:
        data: a loaded (and validated) dataset.
        mode: "test": train on trainval, test on test_seen/test_unseen.
            "validation": train on the train classes (seen minus `data.val_classes`)
            less a held-out fraction; test_seen = that held-out fraction,
            test_unseen = all trainval samples of the validation classes.
        val_seen_fraction: validation only; fraction of each train class's samples
            held out as validation test_seen (0 gives ZSL-only validation).
        split_seed: validation only; seed of that hold-out (independent of the run seed).
    """
    if mode == "test":
        parts = (data.trainval, data.test_seen, data.test_unseen)
        seen, unseen, notes = data.seen_classes, data.unseen_classes, []
    elif mode == "validation":
        parts, seen, unseen, notes = _validation_parts(data, val_seen_fraction, split_seed)
    else:
        raise ConfigError(f"task mode {mode!r} is unknown; expected one of {', '.join(MODES)}")
    (tr, ts, tu) = parts
    return ZSLTask(
        name=mode, dataset=data.name,
        train_x=data.features[tr], train_y=data.labels[tr],
        test_seen_x=data.features[ts], test_seen_y=data.labels[ts],
        test_unseen_x=data.features[tu], test_unseen_y=data.labels[tu],
        seen_classes=np.asarray(seen, dtype=np.int64), unseen_classes=np.asarray(unseen, dtype=np.int64),
        attributes=data.attributes, class_names=list(data.class_names), notes=list(data.notes) + notes,
    )


def _validation_parts(data: ZSLData, fraction: float, seed: int):
    if not 0 <= fraction < 1:
        raise ConfigError(f"data.val_seen_fraction={fraction}: expected a fraction in [0, 1)")
    pool = np.asarray(data.trainval)
    pool_y = data.labels[pool]  # the only labels read: trainval's
    val_classes = np.unique(data.val_classes)
    is_val = np.isin(pool_y, val_classes)
    train_classes = np.unique(pool_y[~is_val])
    held = hold_out(pool[~is_val], pool_y[~is_val], fraction, seed)
    train = np.setdiff1d(pool[~is_val], held)
    note = (f"validation: {val_classes.size} validation classes as unseen ({int(is_val.sum())} samples); "
            f"{held.size} of {int((~is_val).sum())} train-class samples held out as seen "
            f"(fraction {fraction} per class, seed {seed})")
    return (train, held, pool[is_val]), train_classes, val_classes, [note]


def hold_out(indices: np.ndarray, labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Seeded per-class hold-out: round(fraction × n_c) samples of each class, keeping ≥ 1 to train.

    Classes are visited in sorted order with one generator, so the result depends
    only on (indices, labels, fraction, seed).
    """
    rng = np.random.default_rng(seed)
    held = []
    for cls in np.unique(labels):
        members = np.sort(indices[labels == cls])
        k = min(int(round(members.size * fraction)), members.size - 1)
        if fraction > 0 and members.size > 1:
            k = max(k, 1)
        held.append(rng.permutation(members)[:k])
    return np.sort(np.concatenate(held)) if held else np.empty(0, dtype=np.int64)


def minmax_scale(task: ZSLTask) -> ZSLTask:
    """Per-dimension MinMax fitted on `task.train_x` only, applied to every split.

    As in f-CLSWGAN and its successors (sklearn's MinMaxScaler fitted on the
    training features): test features may fall outside [0, 1]; that is kept,
    since clipping would use test statistics. Constant training dimensions map to 0.
    """
    lo = task.train_x.min(axis=0)
    span = task.train_x.max(axis=0) - lo
    constant = span == 0
    scale = np.where(constant, 0.0, 1.0 / np.where(constant, 1.0, span)).astype(np.float32)

    def apply(x: np.ndarray) -> np.ndarray:
        return ((x - lo) * scale).astype(np.float32, copy=False)

    note = f"features MinMax-scaled per dimension, fitted on the {len(task.train_x)} training samples only"
    if constant.any():
        note += f"; {int(constant.sum())} constant dimensions set to 0"
    return dataclasses.replace(
        task, train_x=apply(task.train_x), test_seen_x=apply(task.test_seen_x),
        test_unseen_x=apply(task.test_unseen_x), notes=task.notes + [note],
        scaler={"lo": lo.astype(np.float32), "scale": scale},
    )
