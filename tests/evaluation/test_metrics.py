"""Per-class accuracy, H, GZSL U/S/H and ZSL T1 against hand values and a loop reference."""

import numpy as np
import pytest

from zslkit.evaluation.metrics import (
    gzsl_from_scores,
    gzsl_predict,
    harmonic_mean,
    per_class_accuracy,
    zsl_from_scores,
)


# ---- brute-force reference (plain Python loops) ----------------------------------------

def ref_per_class_accuracy(y_true, y_pred):
    per_class = {}
    for t, p in zip(y_true, y_pred):
        hits, n = per_class.get(t, (0, 0))
        per_class[t] = (hits + (t == p), n + 1)
    return 100.0 * sum(h / n for h, n in per_class.values()) / len(per_class)


def ref_predict(row, seen_mask, gamma):
    best, arg = -float("inf"), None
    for j, v in enumerate(row):
        v = v - gamma if seen_mask[j] else v
        if v > best:
            best, arg = v, j
    return arg


def ref_gzsl(scores, y, seen_mask, gamma):
    pred = [ref_predict(row, seen_mask, gamma) for row in scores]
    seen = [i for i in range(len(y)) if seen_mask[y[i]]]
    unseen = [i for i in range(len(y)) if not seen_mask[y[i]]]
    u = ref_per_class_accuracy([y[i] for i in unseen], [pred[i] for i in unseen])
    s = ref_per_class_accuracy([y[i] for i in seen], [pred[i] for i in seen])
    return u, s, 2 * u * s / (u + s) if u + s else 0.0


# ---- hand cases -------------------------------------------------------------------------

def test_per_class_mean_differs_from_overall_accuracy():
    y_true = [0, 0, 0, 1]
    y_pred = [0, 0, 0, 0]
    assert np.mean(np.array(y_true) == np.array(y_pred)) == 0.75  # overall 75 %
    assert per_class_accuracy(y_true, y_pred) == pytest.approx(50.0)  # (100 + 0) / 2


def test_float_division_on_integer_labels():
    assert per_class_accuracy([0, 1, 1], [0, 1, 0]) == pytest.approx(75.0)  # (1 + 1/2) / 2
    assert per_class_accuracy([2, 2, 2], [2, 0, 0]) == pytest.approx(100.0 / 3)


def test_class_without_test_samples_is_excluded():
    y_true, y_pred = [0, 0, 1], [0, 1, 1]
    # class 2 is listed but has no test sample: mean over classes 0 and 1 only
    assert per_class_accuracy(y_true, y_pred, classes=[0, 1, 2]) == pytest.approx(75.0)
    # samples of unlisted classes are ignored
    assert per_class_accuracy(y_true, y_pred, classes=[1]) == pytest.approx(100.0)
    with pytest.raises(ValueError, match="no test sample"):
        per_class_accuracy(y_true, y_pred, classes=[5])


def test_all_predictions_one_class():
    y_true = [0, 0, 1, 1, 1, 2]
    assert per_class_accuracy(y_true, [1] * 6) == pytest.approx(100.0 / 3)


def test_harmonic_mean():
    assert harmonic_mean(50.0, 100.0) == pytest.approx(200.0 / 3)
    assert harmonic_mean(0.0, 80.0) == 0.0
    assert harmonic_mean(0.0, 0.0) == 0.0
    assert harmonic_mean(1, 1) == 1.0


def hand_gzsl_scores():
    # classes 0, 1 seen; 2, 3 unseen
    seen_mask = np.array([True, True, False, False])
    scores = np.array([
        [5.0, 1.0, 0.0, 0.0],  # y=0 -> 0 (right)
        [1.0, 0.0, 3.0, 0.0],  # y=0 -> 2 (wrong, unseen wins)
        [0.0, 4.0, 0.0, 1.0],  # y=1 -> 1 (right)
        [0.0, 2.0, 1.5, 0.0],  # y=2 -> 1 (wrong: seen bias, gap 0.5)
        [0.0, 0.0, 0.0, 9.0],  # y=3 -> 3 (right)
    ])
    y = np.array([0, 0, 1, 2, 3])
    return scores, y, seen_mask


def test_gzsl_u_s_h_by_hand():
    scores, y, seen_mask = hand_gzsl_scores()
    r = gzsl_from_scores(scores, y, seen_mask)
    assert r["S"] == pytest.approx((50.0 + 100.0) / 2)  # class 0: 1/2, class 1: 1/1
    assert r["U"] == pytest.approx((0.0 + 100.0) / 2)  # class 2: 0/1, class 3: 1/1
    assert r["H"] == pytest.approx(2 * 75.0 * 50.0 / 125.0)


def test_calibrated_stacking_changes_a_prediction():
    scores, y, seen_mask = hand_gzsl_scores()
    assert gzsl_predict(scores, seen_mask, 0.0)[3] == 1
    assert gzsl_predict(scores, seen_mask, 0.6)[3] == 2  # 2 - 0.6 < 1.5
    r = gzsl_from_scores(scores, y, seen_mask, gamma=0.6)
    assert r["U"] == pytest.approx(100.0)
    assert r["S"] == pytest.approx(75.0)  # sample 1 stays wrong, sample 0 (gap 4) stays right


def test_zsl_t1_is_an_argmax_among_unseen_classes_only():
    scores, y, seen_mask = hand_gzsl_scores()
    unseen_rows = ~seen_mask[y]
    unseen_cols = np.flatnonzero(~seen_mask)
    y_local = np.searchsorted(unseen_cols, y[unseen_rows])
    # sample 3 is lost to a seen class in GZSL but correct among unseen classes
    assert zsl_from_scores(scores[np.ix_(unseen_rows, unseen_cols)], y_local) == pytest.approx(100.0)


def test_missing_domain_gives_none():
    scores, y, seen_mask = hand_gzsl_scores()
    only_seen = seen_mask[y]
    r = gzsl_from_scores(scores[only_seen], y[only_seen], seen_mask)
    assert r["U"] is None and r["H"] is None and r["S"] == pytest.approx(75.0)


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match="disagree"):
        gzsl_from_scores(np.zeros((3, 4)), [0, 1], [True, False, False, False])
    with pytest.raises(ValueError, match="local ids"):
        gzsl_from_scores(np.zeros((1, 2)), [5], [True, False])


# ---- fast vs brute force ----------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_per_class_accuracy_matches_reference(seed):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 7, size=60)
    y_pred = np.where(rng.random(60) < 0.5, y_true, rng.integers(0, 7, size=60))
    assert per_class_accuracy(y_true, y_pred) == pytest.approx(ref_per_class_accuracy(y_true, y_pred), abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_gzsl_matches_reference(seed):
    rng = np.random.default_rng(seed)
    n, c = 80, 9
    seen_mask = np.zeros(c, bool)
    seen_mask[rng.choice(c, 5, replace=False)] = True
    y = rng.integers(0, c, size=n)
    scores = rng.normal(size=(n, c))
    scores[np.arange(n), y] += rng.random(n) * 2  # some signal
    scores[:, seen_mask] += 0.5  # seen bias
    for gamma in (0.0, 0.3, 1.0, -0.4):
        r = gzsl_from_scores(scores, y, seen_mask, gamma)
        u, s, h = ref_gzsl(scores.tolist(), y.tolist(), seen_mask.tolist(), gamma)
        assert (r["U"], r["S"], r["H"]) == pytest.approx((u, s, h), abs=1e-12)
