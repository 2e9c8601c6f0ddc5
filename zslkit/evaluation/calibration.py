"""Calibrated stacking and AUSUC (Chao et al., ECCV 2016).

GZSL classifiers favour the seen classes they were trained on. Calibrated
stacking subtracts a constant gamma from every seen-class score before the
argmax; gamma trades seen accuracy S for unseen accuracy U. Sweeping gamma
from -inf (everything predicted seen) to +inf (everything predicted unseen)
traces the seen-unseen accuracy curve; AUSUC is the area under it.

Per sample only the gap `best_seen - best_unseen` matters: the sample is
predicted seen when gap >= gamma (see `zslkit.evaluation.metrics`). Sorting
the gaps once gives U and S for every gamma with prefix sums, so the sweep
is O(n log n) however many gammas are tried, and AUSUC is the exact curve
(one vertex per distinct gap), not a grid approximation.

Accuracies are per-class means, as everywhere in zslkit. `ausuc` returns a
FRACTION in [0, 1] (U and S as fractions on the axes: a perfect classifier
scores 1), while U/S/H stay in percent elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zslkit.evaluation.metrics import best_in_domain, check_scores, harmonic_mean


def calibrated_stacking(scores, seen_mask, gamma: float) -> np.ndarray:
    """Scores with gamma subtracted from every seen-class column (a copy)."""
    out = np.array(scores, dtype=np.float64, copy=True)
    out[:, np.asarray(seen_mask, dtype=bool)] -= float(gamma)
    return out


@dataclass(frozen=True)
class SeenUnseenCurve:
    """U and S (fractions) for every gamma, from the sorted per-sample gaps.

    `gaps` is sorted ascending; predicting the first k samples (in that order)
    as unseen gives U = cum_u[k] and S = total_s - cum_s[k].
    """

    gaps: np.ndarray
    cum_u: np.ndarray
    cum_s: np.ndarray

    @property
    def total_s(self) -> float:
        return float(self.cum_s[-1])

    def at(self, gammas) -> tuple[np.ndarray, np.ndarray]:
        """U and S (fractions) at each gamma; samples with gap < gamma go unseen."""
        k = np.searchsorted(self.gaps, np.asarray(gammas, dtype=np.float64), side="left")
        return self.cum_u[k], self.total_s - self.cum_s[k]

    def vertices(self) -> tuple[np.ndarray, np.ndarray]:
        """Every reachable (U, S) point, from all-seen (k=0) to all-unseen (k=n).

        Samples with equal gaps flip together, so only group ends are vertices.
        """
        g = self.gaps
        ends = np.flatnonzero(np.append(g[1:] > g[:-1], True)) + 1
        k = np.concatenate([[0], ends])
        return self.cum_u[k], self.total_s - self.cum_s[k]


def _class_weights(y: np.ndarray, member: np.ndarray) -> np.ndarray:
    """1 / (n_classes * n_samples_of_class) for members, 0 otherwise.

    Summing it over the correctly classified members gives their per-class
    mean accuracy as a fraction.
    """
    w = np.zeros(y.size)
    if member.any():
        labels, inverse, counts = np.unique(y[member], return_inverse=True, return_counts=True)
        w[member] = 1.0 / (labels.size * counts[inverse])
    return w


def seen_unseen_curve(scores, y, seen_mask) -> SeenUnseenCurve:
    """Build the exact seen-unseen curve of a score matrix (see module doc)."""
    scores, y, seen_mask = check_scores(scores, y, seen_mask)
    best_s, arg_s = best_in_domain(scores, seen_mask)
    best_u, arg_u = best_in_domain(scores, ~seen_mask)
    in_seen = seen_mask[y]
    hit_u = _class_weights(y, ~in_seen) * (arg_u == y)
    hit_s = _class_weights(y, in_seen) * (arg_s == y)
    order = np.argsort(best_s - best_u, kind="stable")
    return SeenUnseenCurve(
        gaps=(best_s - best_u)[order],
        cum_u=np.concatenate([[0.0], np.cumsum(hit_u[order])]),
        cum_s=np.concatenate([[0.0], np.cumsum(hit_s[order])]),
    )


def _require_both_domains(y, seen_mask, what: str) -> None:
    in_seen = np.asarray(seen_mask, dtype=bool)[np.asarray(y, dtype=np.int64)]
    if not in_seen.any() or in_seen.all():
        raise ValueError(f"{what} needs test samples of both seen and unseen classes")


def choose_gamma(scores, y, seen_mask, steps: int = 41) -> float:
    """The gamma of highest H on (validation) data, over a sweep.

    Candidates are `steps` evenly spaced quantiles of the per-sample gaps
    (so each step moves about the same number of samples, whatever the
    score scale) plus 0 (no calibration). Ties in H go to the smallest |gamma|.
    """
    _require_both_domains(y, seen_mask, "choose_gamma")
    curve = seen_unseen_curve(scores, y, seen_mask)
    finite = curve.gaps[np.isfinite(curve.gaps)]
    grid = np.quantile(finite, np.linspace(0.0, 1.0, max(int(steps), 2))) if finite.size else []
    cand = np.unique(np.concatenate([grid, [0.0]]))
    cand = cand[np.lexsort((cand, np.abs(cand)))]  # smallest |gamma| first
    u, s = curve.at(cand)
    h = np.array([harmonic_mean(a, b) for a, b in zip(u, s)])
    return float(cand[int(np.argmax(h))])


def ausuc(scores, y, seen_mask) -> float:
    """Area under the seen-unseen accuracy curve, a fraction in [0, 1].

    The curve runs from (U=0, S=S_max), everything predicted seen, to
    (U=U_max, S=0), everything predicted unseen, through every reachable
    (U, S) point; the area is the trapezoid rule with U on the x axis.
    """
    _require_both_domains(y, seen_mask, "AUSUC")
    u, s = seen_unseen_curve(scores, y, seen_mask).vertices()
    area = float(np.sum(np.diff(u) * (s[1:] + s[:-1]) / 2.0))
    return min(max(area, 0.0), 1.0)  # rounding of the prefix sums can overshoot by ~1e-15
