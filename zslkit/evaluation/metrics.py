"""The field's accuracy metrics (Xian et al., TPAMI 2018), in NumPy float64.

Every accuracy is returned in PERCENT (0-100), like the published tables, and
is a *per-class mean*: each class weighs the same however many test images it
has, so a large class cannot hide a failed small one. No torch here: the
metrics run on score matrices the classifiers hand over as arrays.

Conventions shared by every function below:

* `scores` is an (n, C) array; column j is class j (local ids 0..C-1);
  `y` holds local ids; `seen_mask` is a (C,) boolean array, True for seen.
* A test sample belongs to the seen domain when `seen_mask[y]` is True.
* Calibrated stacking (Chao et al., ECCV 2016) subtracts `gamma` from every
  seen score before the argmax. The decision is taken between the best seen
  and the best unseen class: the seen one wins when
  `best_seen - gamma >= best_unseen` (an exact cross-domain tie goes to the
  seen class; within a domain, ties go to the lowest column, as `argmax`).
"""

from __future__ import annotations

import numpy as np


def per_class_accuracy(y_true, y_pred, classes=None) -> float:
    """Mean over classes of each class's top-1 accuracy, in percent.

    The mean runs over the classes *present in `y_true`* (xlsa17's loop over
    the unique test labels). With `classes`, it runs over those of `classes`
    that have test samples: a listed class with no test sample is left out of
    the mean (it has no accuracy), and samples of unlisted classes are ignored.
    Raises ValueError when no class is left to average over.
    """
    y_true = np.asarray(y_true).ravel()
    y_pred = np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    labels, inverse = np.unique(y_true, return_inverse=True)
    keep = np.ones(labels.size, bool) if classes is None else np.isin(labels, np.asarray(classes))
    if not keep.any():
        raise ValueError("per-class accuracy of no class: no test sample of the requested classes")
    counts = np.bincount(inverse, minlength=labels.size).astype(np.float64)
    hits = np.bincount(inverse, weights=(y_true == y_pred).astype(np.float64), minlength=labels.size)
    return float(100.0 * np.mean(hits[keep] / counts[keep]))


def harmonic_mean(u, s) -> float:
    """H = 2us / (u + s); 0 when u + s == 0 (both accuracies are zero)."""
    u, s = float(u), float(s)
    return 0.0 if u + s == 0.0 else 2.0 * u * s / (u + s)


def best_in_domain(scores: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best score and its column among the columns in `mask`, per row.

    A domain without columns gives -inf and column -1, so it never wins.
    """
    n = scores.shape[0]
    cols = np.flatnonzero(mask)
    if cols.size == 0:
        return np.full(n, -np.inf), np.full(n, -1, dtype=np.int64)
    sub = scores[:, cols]
    j = sub.argmax(axis=1)
    return sub[np.arange(n), j], cols[j]


def check_scores(scores, y, seen_mask) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coerce to float64 / int64 / bool arrays and check their shapes agree."""
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y).astype(np.int64).ravel()
    seen_mask = np.asarray(seen_mask, dtype=bool).ravel()
    if scores.ndim != 2 or scores.shape[0] != y.size or scores.shape[1] != seen_mask.size:
        raise ValueError(
            f"scores {scores.shape}, y ({y.size},) and seen_mask ({seen_mask.size},) disagree; "
            "expected scores (n, C), y (n,), seen_mask (C,)"
        )
    if y.size and (y.min() < 0 or y.max() >= seen_mask.size):
        raise ValueError(f"labels must be local ids in [0, {seen_mask.size}); got {y.min()}..{y.max()}")
    return scores, y, seen_mask


def gzsl_predict(scores, seen_mask, gamma: float = 0.0) -> np.ndarray:
    """Calibrated-stacking predictions (gamma = 0: the plain GZSL argmax)."""
    scores = np.asarray(scores, dtype=np.float64)
    seen_mask = np.asarray(seen_mask, dtype=bool).ravel()
    best_s, arg_s = best_in_domain(scores, seen_mask)
    best_u, arg_u = best_in_domain(scores, ~seen_mask)
    return np.where(best_s - float(gamma) >= best_u, arg_s, arg_u)


def gzsl_from_scores(scores, y, seen_mask, gamma: float = 0.0) -> dict:
    """GZSL U, S and H (percent) from an all-class score matrix.

    U is the per-class accuracy on the unseen-class samples and S on the
    seen-class samples, both predicted over ALL classes; H = 2US/(U+S).
    A domain without test samples gives None for its accuracy and for H.
    """
    scores, y, seen_mask = check_scores(scores, y, seen_mask)
    pred = gzsl_predict(scores, seen_mask, gamma)
    in_seen = seen_mask[y]
    u = per_class_accuracy(y[~in_seen], pred[~in_seen]) if (~in_seen).any() else None
    s = per_class_accuracy(y[in_seen], pred[in_seen]) if in_seen.any() else None
    h = None if u is None or s is None else harmonic_mean(u, s)
    return {"U": u, "S": s, "H": h}


def zsl_from_scores(scores, y) -> float:
    """ZSL T1 (percent): per-class accuracy of an argmax over the given columns.

    Pass the scores of the unseen classes only, so that T1 is a choice among
    unseen classes (the ZSL setting), never among seen ones.
    """
    scores = np.asarray(scores, dtype=np.float64)
    return per_class_accuracy(y, scores.argmax(axis=1))
