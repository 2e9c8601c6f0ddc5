"""Paired effects of ablation rows against the baseline: the statistics and the verdicts."""

from __future__ import annotations

import pytest
from scipy.stats import ttest_rel

from zslkit.bench.aggregate import Row
from zslkit.bench.effects import fmt_effect, markdown, paired_effects


def row(method: str, dataset: str, h: dict[int, float]) -> Row:
    return Row(method, f"label-{method}", dataset, [], "validation", "knn", sorted(h), len(h), per_seed={"H": h})


def test_effect_equals_scipys_paired_t_test_on_the_shared_seeds():
    base = row("base", "d", {0: 50.0, 1: 55.0, 2: 53.0, 3: 40.0})
    other = row("srn", "d", {0: 58.0, 1: 60.5, 2: 61.0})  # seed 3 did not finish: not paired
    (effect,) = paired_effects([base, other], metrics=("H",))
    diffs = [8.0, 5.5, 8.0]
    assert effect.n == 3 and effect.mean == pytest.approx(sum(diffs) / 3)
    assert effect.p == pytest.approx(ttest_rel([58.0, 60.5, 61.0], [50.0, 55.0, 53.0]).pvalue)
    assert effect.p < 0.05 and effect.verdict == "higher" and effect.baseline == "label-base"


def test_a_noisy_difference_is_not_called_an_effect():
    base = row("base", "d", {0: 50.0, 1: 60.0, 2: 55.0})
    other = row("rec", "d", {0: 62.0, 1: 52.0, 2: 58.0})
    (effect,) = paired_effects([base, other], metrics=("H",))
    assert effect.verdict == "no clear difference" and effect.p > 0.05
    assert fmt_effect(effect).startswith("+2.33 ± ") and "no clear difference (p " in fmt_effect(effect)


def test_each_dataset_has_its_own_baseline_and_edge_cases_say_so():
    rows = [row("base", "a", {0: 1.0, 1: 2.0}), row("x", "a", {0: 3.0, 1: 4.0}),
            row("base", "b", {0: 5.0}), row("x", "b", {0: 9.0}),
            row("base", "c", {0: 1.0, 1: 1.0}), row("x", "c", {0: 1.0, 1: 1.0}), row("y", "c", {})]
    found = {(e.dataset, e.method): e for e in paired_effects(rows, metrics=("H",))}
    assert set(found) == {("a", "x"), ("b", "x"), ("c", "x"), ("c", "y")}  # no baseline against itself
    assert found["a", "x"].verdict == "higher on every seed" and found["a", "x"].p is None
    assert found["b", "x"].verdict == "too few seeds" and found["b", "x"].mean == 4.0
    assert found["c", "x"].verdict == "identical"
    assert found["c", "y"].mean is None and fmt_effect(found["c", "y"]) == "-"


def test_markdown_section_lists_every_method_and_metric():
    rows = [row("base", "d", {0: 1.0, 1: 2.0, 2: 3.0}), row("x", "d", {0: 2.0, 1: 2.5, 2: 5.0})]
    text = markdown(paired_effects(rows, metrics=("H",)))
    assert "| method | dataset | vs | H |" in text and "| label-x | d | label-base | +1.17 ± " in text
    assert markdown([]) == ""
