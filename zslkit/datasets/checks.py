"""Sanity checks every loaded dataset must pass before anything trains on it.

A wrong file usually loads without complaint and then trains to a plausible but
meaningless number; these checks turn that into a one-line DataError that names
the dataset, the key and the value at fault.
"""

from __future__ import annotations

import numpy as np

from zslkit.datasets.base import ZSLData
from zslkit.errors import DataError

SPLITS = ("trainval", "test_seen", "test_unseen")

# Proposed-split sizes (trainval, test_seen, test_unseen) of xlsa17 (Xian et al. 2018).
KNOWN_SIZES = {
    "awa1": (19832, 4958, 5685),
    "awa2": (23527, 5882, 7913),
    "cub": (7057, 1764, 2967),
    "sun": (10320, 2580, 1440),
    "apy": (5932, 1483, 7924),
    "flo": (5631, 1403, 1155),
}


def validate(data: ZSLData, expected_sizes=None) -> ZSLData:
    """Check shapes, ranges, split disjointness, finiteness and class roles.

    Args:
        data: the loaded dataset.
        expected_sizes: optional (trainval, test_seen, test_unseen) sample counts.

    Returns `data` unchanged, so `validate(load(...))` reads naturally.
    """
    _check_arrays(data)
    _check_splits(data)
    _check_class_roles(data)
    if expected_sizes is not None:
        _check_sizes(data, expected_sizes)
    return data


def _fail(data: ZSLData, message: str) -> None:
    where = f" ({data.source})" if data.source else ""
    raise DataError(f"{data.name}{where}: {message}")


def _check_arrays(data: ZSLData) -> None:
    feats, labels, att = data.features, data.labels, data.attributes
    if feats.ndim != 2:
        _fail(data, f"features have shape {feats.shape}; expected (N, D)")
    if labels.ndim != 1 or len(labels) != len(feats):
        _fail(data, f"labels have shape {labels.shape} but features have {len(feats)} samples; expected ({len(feats)},)")
    if att.ndim != 2 or att.shape[0] != len(data.class_names):
        _fail(data, f"attributes have shape {att.shape} for {len(data.class_names)} class names; expected (C, A) with C = {len(data.class_names)}")
    _check_finite(data, feats, "features")
    _check_finite(data, att, "attributes")
    if labels.size and (labels.min() < 0 or labels.max() >= len(att)):
        bad = labels.min() if labels.min() < 0 else labels.max()
        _fail(data, f"label {int(bad)} is out of range; expected 0..{len(att) - 1} (one per attribute row)")


def _check_finite(data: ZSLData, arr: np.ndarray, key: str) -> None:
    finite = np.isfinite(arr)
    if not finite.all():
        row, col = np.argwhere(~finite)[0]
        _fail(data, f"{key} contain {arr[row, col]} at row {row}, column {col}; expected finite values")


def _check_splits(data: ZSLData) -> None:
    n = len(data.labels)
    for key in SPLITS:
        idx = getattr(data, key)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            _fail(data, f"{key} has shape {idx.shape} and dtype {idx.dtype}; expected a 1-D integer index vector")
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            _fail(data, f"{key} holds index {int(idx.max() if idx.max() >= n else idx.min())}; expected 0..{n - 1}")
        if len(np.unique(idx)) != len(idx):
            _fail(data, f"{key} lists some samples twice; expected unique indices")
    for i, a in enumerate(SPLITS):
        for b in SPLITS[i + 1:]:
            both = np.intersect1d(getattr(data, a), getattr(data, b))
            if both.size:
                _fail(data, f"{a} and {b} overlap in {both.size} samples (e.g. sample {int(both[0])}); expected disjoint splits")
    if not data.trainval.size or not data.test_unseen.size:
        _fail(data, f"trainval has {data.trainval.size} and test_unseen {data.test_unseen.size} samples; expected both non-empty")


def _check_class_roles(data: ZSLData) -> None:
    seen, unseen = data.seen_classes, data.unseen_classes
    leaked = np.intersect1d(seen, unseen)
    if leaked.size:
        _fail(data, f"test_unseen classes {_names(data, leaked)} also occur in trainval; expected unseen classes absent from training")
    stray = np.setdiff1d(np.unique(data.labels[data.test_seen]), seen)
    if stray.size:
        _fail(data, f"test_seen holds classes {_names(data, stray)} that are not in trainval; expected seen classes only")
    val = np.asarray(data.val_classes)
    if not val.size or np.setdiff1d(val, seen).size or np.setdiff1d(seen, val).size == 0:
        _fail(data, f"val_classes {_names(data, val)} must be a non-empty proper subset of the {seen.size} seen classes")


def _check_sizes(data: ZSLData, expected) -> None:
    got = tuple(len(getattr(data, key)) for key in SPLITS)
    if got != tuple(expected):
        key, n, want = next((k, g, e) for k, g, e in zip(SPLITS, got, expected) if g != e)
        _fail(data, f"{key} has {n} samples; expected {want} (trainval/test_seen/test_unseen = "
                    f"{'/'.join(map(str, expected))}): wrong or modified split file?")


def _names(data: ZSLData, ids, limit: int = 5) -> str:
    ids = [int(i) for i in np.asarray(ids).reshape(-1)]
    shown = [data.class_names[i] if 0 <= i < len(data.class_names) else str(i) for i in ids[:limit]]
    return "[" + ", ".join(shown) + (f", ... {len(ids)} in all" if len(ids) > limit else "") + "]"
