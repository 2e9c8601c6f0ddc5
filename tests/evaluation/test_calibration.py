"""Calibrated stacking, gamma selection and AUSUC against hand values and a brute-force sweep."""

import time

import numpy as np
import pytest

from zslkit.evaluation.calibration import (
    ausuc,
    calibrated_stacking,
    choose_gamma,
    seen_unseen_curve,
)
from zslkit.evaluation.metrics import gzsl_from_scores


# ---- brute-force reference --------------------------------------------------------------

def ref_u_s(scores, y, seen_mask, gamma):
    """U, S as fractions by explicit loops: argmax of the calibrated row, seen wins ties."""
    hits = {}
    for row, t in zip(scores, y):
        best_s = max((v - gamma, j) for j, v in enumerate(row) if seen_mask[j])
        best_u = max((v, j) for j, v in enumerate(row) if not seen_mask[j])
        # lowest column among equal scores within a domain
        arg_s = min(j for j, v in enumerate(row) if seen_mask[j] and v - gamma == best_s[0])
        arg_u = min(j for j, v in enumerate(row) if not seen_mask[j] and v == best_u[0])
        pred = arg_s if best_s[0] >= best_u[0] else arg_u
        h, n = hits.get(t, (0, 0))
        hits[t] = (h + (pred == t), n + 1)
    u = [h / n for t, (h, n) in hits.items() if not seen_mask[t]]
    s = [h / n for t, (h, n) in hits.items() if seen_mask[t]]
    return sum(u) / len(u), sum(s) / len(s)


def ref_ausuc(scores, y, seen_mask):
    """Trapezoid over a gamma sweep: below all gaps, between each pair of distinct gaps, above all."""
    gaps = sorted({max(v for j, v in enumerate(r) if seen_mask[j]) - max(v for j, v in enumerate(r) if not seen_mask[j])
                   for r in scores})
    gammas = [gaps[0] - 1] + [(a + b) / 2 for a, b in zip(gaps, gaps[1:])] + [gaps[-1] + 1]
    pts = [ref_u_s(scores, y, seen_mask, g) for g in gammas]
    return sum((u1 - u0) * (s0 + s1) / 2 for (u0, s0), (u1, s1) in zip(pts, pts[1:]))


def random_problem(seed, n=60, c=7, integer=False):
    rng = np.random.default_rng(seed)
    seen_mask = np.zeros(c, bool)
    seen_mask[rng.choice(c, 4, replace=False)] = True
    y = rng.integers(0, c, size=n)
    y[:2] = [np.flatnonzero(seen_mask)[0], np.flatnonzero(~seen_mask)[0]]  # both domains present
    scores = rng.integers(0, 4, size=(n, c)).astype(float) if integer else rng.normal(size=(n, c))
    scores[np.arange(n), y] += rng.random(n)
    return scores, y, seen_mask


# ---- hand cases -------------------------------------------------------------------------

def hand_curve_problem():
    # class 0 seen, class 1 unseen; gaps: a=2, b=-1, c=1, d=-3
    scores = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 3.0]])
    y = np.array([0, 0, 1, 1])
    return scores, y, np.array([True, False])


def test_calibrated_stacking_subtracts_from_seen_columns_only():
    scores = np.array([[1.0, 2.0, 3.0]])
    out = calibrated_stacking(scores, [True, False, True], 0.5)
    np.testing.assert_array_equal(out, [[0.5, 2.0, 2.5]])
    np.testing.assert_array_equal(scores, [[1.0, 2.0, 3.0]])  # input untouched


def test_ausuc_hand_case():
    # vertices (U, S): (0,1) (.5,1) (.5,.5) (1,.5) (1,0) -> area .5 + .25
    scores, y, seen_mask = hand_curve_problem()
    u, s = seen_unseen_curve(scores, y, seen_mask).vertices()
    np.testing.assert_allclose(u, [0, 0.5, 0.5, 1, 1])
    np.testing.assert_allclose(s, [1, 1, 0.5, 0.5, 0])
    assert ausuc(scores, y, seen_mask) == pytest.approx(0.75)


def test_tied_gaps_flip_together():
    # two samples share gap 0: one unseen gains U, one seen loses S -> one diagonal step
    scores = np.array([[1.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 1])
    u, s = seen_unseen_curve(scores, y, [True, False]).vertices()
    np.testing.assert_allclose(u, [0, 1])
    np.testing.assert_allclose(s, [1, 0])
    assert ausuc(scores, y, [True, False]) == pytest.approx(0.5)


def test_ausuc_perfect_and_hopeless():
    y = np.array([0, 1, 2, 3])
    seen_mask = np.array([True, True, False, False])
    perfect = np.eye(4) * 5
    assert ausuc(perfect, y, seen_mask) == 1.0
    # right domain, wrong class everywhere: no gamma recovers any accuracy
    wrong = np.eye(4)[[1, 0, 3, 2]] * 5
    assert ausuc(wrong, y, seen_mask) == 0.0


def test_curve_endpoints_are_all_seen_and_all_unseen():
    scores, y, seen_mask = random_problem(3)
    u, s = seen_unseen_curve(scores, y, seen_mask).vertices()
    assert u[0] == 0.0 and s[-1] == 0.0
    all_seen = gzsl_from_scores(scores, y, seen_mask, gamma=-1e9)
    all_unseen = gzsl_from_scores(scores, y, seen_mask, gamma=1e9)
    assert s[0] * 100 == pytest.approx(all_seen["S"])
    assert u[-1] * 100 == pytest.approx(all_unseen["U"])


def test_choose_gamma_finds_the_calibration_that_fixes_seen_bias():
    scores = np.array([[3.0, 0.0], [1.0, 0.5]])  # the unseen sample is lost to the seen class
    y, seen_mask = np.array([0, 1]), np.array([True, False])
    assert gzsl_from_scores(scores, y, seen_mask)["H"] == 0.0
    gamma = choose_gamma(scores, y, seen_mask, steps=41)
    assert 0.5 < gamma <= 3.0
    assert gzsl_from_scores(scores, y, seen_mask, gamma)["H"] == pytest.approx(100.0)


def test_choose_gamma_prefers_no_calibration_when_it_is_best():
    y, seen_mask = np.array([0, 1]), np.array([True, False])
    assert choose_gamma(np.array([[3.0, 0.0], [0.0, 3.0]]), y, seen_mask) == 0.0


def test_one_domain_only_is_rejected():
    scores, y, seen_mask = hand_curve_problem()
    with pytest.raises(ValueError, match="both seen and unseen"):
        ausuc(scores[:2], y[:2], seen_mask)
    with pytest.raises(ValueError, match="both seen and unseen"):
        choose_gamma(scores[2:], y[2:], seen_mask)


# ---- fast vs brute force ----------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("integer", [False, True])
def test_ausuc_matches_brute_force_sweep(seed, integer):
    scores, y, seen_mask = random_problem(seed, integer=integer)  # integer scores: many tied gaps
    assert ausuc(scores, y, seen_mask) == pytest.approx(ref_ausuc(scores.tolist(), y.tolist(), seen_mask), abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_curve_matches_brute_force_at_any_gamma(seed):
    scores, y, seen_mask = random_problem(seed, integer=seed % 2 == 1)
    curve = seen_unseen_curve(scores, y, seen_mask)
    gammas = np.concatenate([np.linspace(-3, 3, 13), curve.gaps[::7]])  # includes exact gap values
    u, s = curve.at(gammas)
    for g, ui, si in zip(gammas, u, s):
        assert (ui, si) == pytest.approx(ref_u_s(scores.tolist(), y.tolist(), seen_mask, g), abs=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_chosen_gamma_is_best_of_its_sweep(seed):
    scores, y, seen_mask = random_problem(seed)
    gamma = choose_gamma(scores, y, seen_mask, steps=11)
    gaps = scores[:, seen_mask].max(1) - scores[:, ~seen_mask].max(1)
    sweep = list(np.quantile(gaps, np.linspace(0, 1, 11))) + [0.0]
    h = {g: gzsl_from_scores(scores, y, seen_mask, g)["H"] for g in sweep}
    assert gamma in h
    assert h[gamma] == pytest.approx(max(h.values()))
    assert h[gamma] >= h[0.0]  # calibration never loses H on the data it is chosen on


def test_metric_part_is_fast_on_awa_sized_data():
    rng = np.random.default_rng(0)
    n, c = 10_000, 50
    seen_mask = np.arange(c) < 40
    y = rng.integers(0, c, size=n)
    scores = rng.normal(size=(n, c))
    start = time.perf_counter()
    gamma = choose_gamma(scores, y, seen_mask)
    gzsl_from_scores(scores, y, seen_mask)
    gzsl_from_scores(scores, y, seen_mask, gamma)
    ausuc(scores, y, seen_mask)
    assert time.perf_counter() - start < 1.0
