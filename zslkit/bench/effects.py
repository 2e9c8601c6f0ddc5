"""What each ablation row does relative to the baseline row, paired over seeds, with an honest verdict.

A mean ± std table leaves the reader to judge whether +SRN "raised H" by 2
points with a spread of 6. For ablation suites (`ablation: true`) the first
method is the baseline; every other method on the same dataset is compared
with it seed by seed (the same run seed trains both rows, so the differences
are paired), and a two-sided paired t-test on the per-seed differences gives
the verdict: "higher" or "lower" where p < ALPHA, otherwise "no clear
difference". With three seeds only large, consistent effects clear that bar;
the verdict says what the seeds show, not what is true.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

ALPHA = 0.05
METRICS = ("T1", "U", "S", "H", "cs_H")
NOTE = (f"Δ vs the suite's first method on the same dataset, paired by seed: mean ± sample std of the per-seed "
        f"differences; verdict from a two-sided paired t-test at p < {ALPHA} (too few seeds: fewer than 2 shared)")


@dataclass
class Effect:
    """One metric of one method against the baseline on one dataset."""

    dataset: str
    method: str
    label: str
    baseline: str
    metric: str
    n: int
    mean: float | None
    std: float | None
    p: float | None
    verdict: str


def paired_effects(rows, metrics=METRICS) -> list[Effect]:
    """Every non-baseline row against its dataset's first row, per metric, over the seeds both finished."""
    effects, baselines = [], {}
    for row in rows:
        if row.dataset not in baselines:
            baselines[row.dataset] = row
            continue
        base = baselines[row.dataset]
        for metric in metrics:
            ours, theirs = row.per_seed.get(metric, {}), base.per_seed.get(metric, {})
            seeds = sorted(set(ours) & set(theirs))
            effects.append(_effect(row, base, metric, [ours[s] - theirs[s] for s in seeds]))
    return effects


def _effect(row, base, metric: str, diffs: list[float]) -> Effect:
    def make(mean, std, p, verdict):
        return Effect(row.dataset, row.method, row.label, base.label, metric, len(diffs), mean, std, p, verdict)

    if len(diffs) < 2:
        return make(diffs[0] if diffs else None, None, None, "too few seeds")
    mean, std = statistics.fmean(diffs), statistics.stdev(diffs)
    if std == 0.0:  # every seed moved by the same amount: no spread to test against
        return make(mean, std, None, "identical" if mean == 0 else ("higher" if mean > 0 else "lower") + " on every seed")
    p = paired_t_p_value(mean, std, len(diffs))
    verdict = ("higher" if mean > 0 else "lower") if p < ALPHA else "no clear difference"
    return make(mean, std, p, verdict)


def paired_t_p_value(mean: float, std: float, n: int) -> float:
    """Two-sided p of the paired t statistic mean / (std / sqrt(n)) with n - 1 degrees of freedom."""
    from scipy.stats import t as student_t

    statistic = mean / (std / math.sqrt(n))
    return float(2.0 * student_t.sf(abs(statistic), n - 1))


def fmt_effect(effect: Effect) -> str:
    """'+9.89 ± 2.10 higher (p 0.02)', '+2.34 ± 5.12 no clear difference (p 0.51)', or '-' for nothing."""
    if effect.mean is None:
        return "-"
    return f"{_delta(effect)} {effect.verdict}" + ("" if effect.p is None else f" (p {effect.p:.2f})")


def markdown(effects: list[Effect]) -> str:
    """A section for results.md: one line per method and dataset, one column per metric."""
    if not effects:
        return ""
    metrics = list(dict.fromkeys(e.metric for e in effects))
    lines = ["", "## Effect of each row against the baseline", "", f"- {NOTE}", "",
             "| method | dataset | vs | " + " | ".join(metrics) + " |", "|" + "---|" * (len(metrics) + 3)]
    for (dataset, method), group in _grouped(effects).items():
        first = group[0]
        cells = [first.label, dataset, first.baseline, *(fmt_effect(e) for e in group)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def to_json(effects: list[Effect]) -> list[dict]:
    return [dict(vars(e)) for e in effects]


def rich_table(effects: list[Effect]):
    """The terminal version: Δ ± std on one line, the verdict under it."""
    from rich.markup import escape
    from rich.table import Table

    metrics = list(dict.fromkeys(e.metric for e in effects))
    table = Table(title="effect against the baseline (paired by seed)", title_justify="left",
                  caption=NOTE + "; unclear = no clear difference", caption_justify="left")
    table.add_column("method / dataset", overflow="fold")
    for metric in metrics:
        table.add_column(metric, justify="right")
    for (dataset, _), group in _grouped(effects).items():
        cells = [_rich_cell(e) for e in group]
        table.add_row(f"{escape(group[0].label)}\n[dim]{escape(dataset)}[/dim]", *cells, end_section=True)
    return table


def _delta(effect: Effect) -> str:
    """'+9.90 ± 2.73' (no '±' without a spread)."""
    return f"{effect.mean:+.2f}" + ("" if effect.std is None else f" ± {effect.std:.2f}")


def _rich_cell(effect: Effect) -> str:
    """Three short lines: Δ ± std, the verdict, p."""
    if effect.mean is None:
        return "-"
    lines = [_delta(effect), "unclear" if effect.verdict == "no clear difference" else effect.verdict]
    return "\n".join(lines + ([] if effect.p is None else [f"[dim]p {effect.p:.2f}[/dim]"]))


def _grouped(effects: list[Effect]) -> dict[tuple[str, str], list[Effect]]:
    groups: dict[tuple[str, str], list[Effect]] = {}
    for effect in effects:
        groups.setdefault((effect.dataset, effect.method), []).append(effect)
    return groups
