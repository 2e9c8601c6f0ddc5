"""Choose the SRN's pre-training hyper-parameters on validation splits (never on test data).

Only R is pre-trained (Eq. 2); no GAN is trained. Each grid point (any `srn`
option, e.g. structure_weight, iterations, hidden, lr) is scored by class-wise
cross-validation of the seen classes: the seen classes are split into folds of
n_val classes (the dataset's validation-class count), and each fold in turn
plays the unseen role in the validation protocol (its pivots come from
training features; R is trained on the other seen classes). On `synthetic`
this is repeated for several dataset seeds.

Choice criterion: the validation-class rectification score r(pivots, R(s)),
averaged over folds and dataset seeds (one fold of 5 classes has only 10 class
pairs, far too noisy alone), with the one-standard-error rule: the first grid
point, in grid order, whose mean is within one standard error of the best
mean. The default grid lists structure_weight from the paper's 1 upwards and
iterations from the cheapest, so the choice departs from Eq. 2 as printed
only as far as validation tells apart. (semantic_weight needs no axis of its
own: Adam is invariant to scaling the whole loss, so only the ratio counts.)

The test-task numbers (seen and unseen classes of the test protocol, unseen
pivots from *test* features) are printed right of "||" as a labelled
diagnostic; they play no part in the choice.

    .venv/bin/python benchmarks/srn_weight_sweep.py        # full grid: about 17 min on 2 busy cores
    .venv/bin/python benchmarks/srn_weight_sweep.py --grid structure_weight=10,100 iterations=2000 \
        --select-seeds 0 --test-seeds 0                     # a quick look
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import math
from multiprocessing import Pool

import numpy as np

DEFAULT_GRID = ("structure_weight=1,10,30,100,300,1000", "iterations=1000,2000,4000")


@dataclasses.dataclass(frozen=True)
class Cell:
    """One pre-training of R: a grid point on one task."""

    point: tuple  # (("structure_weight", "10"), ...)
    data_seed: int | None  # synthetic.seed; None: the dataset as configured
    fold: int | None  # class-CV fold of the validation protocol; None: the test protocol


def parse_grid(items) -> list[tuple]:
    """["structure_weight=1,10", "iterations=1000"] -> the cartesian product as ((key, value), ...) tuples."""
    axes = []
    for item in items:
        key, _, values = item.partition("=")
        if not values:
            raise SystemExit(f"--grid {item!r}: expected srn_option=value[,value...]")
        axes.append([(key.strip(), v.strip()) for v in values.split(",")])
    return [tuple(point) for point in itertools.product(*axes)]


def label(point: tuple) -> str:
    return " ".join(f"{k}={v}" for k, v in point)


@functools.lru_cache(maxsize=8)
def _setup(dataset: str, data_seed: int | None, point: tuple, data_options: tuple = ()):
    from zslkit.config import resolve_config
    from zslkit.datasets.registry import load_dataset
    from zslkit.resolution import config_sections, resolve_spec

    overrides = [f"srn.{k}={v}" for k, v in point] + [f"{dataset}.{item}" for item in data_options]
    if data_seed is not None:
        overrides.append(f"{dataset}.seed={data_seed}")
    sections, inactive = config_sections(resolve_spec("srn"), dataset)
    configs = resolve_config(sections, dataset, None, overrides, inactive)
    return configs, load_dataset(dataset, None, configs.get(dataset))


def class_folds(seen_classes: np.ndarray, n_val: int) -> list[np.ndarray]:
    """The seen classes in a fixed seeded order, cut into len // n_val folds of n_val classes."""
    order = np.random.default_rng(0).permutation(np.sort(seen_classes))
    return [np.sort(order[i * n_val:(i + 1) * n_val]) for i in range(len(order) // n_val)]


def make_cell_task(data, configs, fold: int | None):
    from zslkit.datasets.tasks import make_task, minmax_scale

    d = configs["data"]
    if fold is None:
        return minmax_scale(make_task(data, "test", d.val_seen_fraction, d.split_seed))
    val = class_folds(data.seen_classes, len(data.val_classes))[fold]
    data = dataclasses.replace(data, val_classes=val.astype(np.int64))
    return minmax_scale(make_task(data, "validation", d.val_seen_fraction, d.split_seed))


def score_cell(job: tuple) -> dict:
    """Pre-train R for one cell through the plugin's own hooks; return its rectification metrics."""
    import torch

    from zslkit.manager import build_plugin_set
    from zslkit.resolution import resolve_spec
    from zslkit.trainer.phase import PhasePlan, make_context, prepare, seed_everything

    dataset, cell, run_seed, data_options = job
    torch.set_num_threads(1)
    configs, data = _setup(dataset, cell.data_seed, cell.point, data_options)
    task = make_cell_task(data, configs, cell.fold)
    plugin_set = build_plugin_set(resolve_spec("srn"), dict(configs))
    seed_everything(run_seed)
    ctx = make_context(PhasePlan("sweep", task, 0, set(), run_seed), configs, torch.device("cpu"))
    prepare(ctx, plugin_set, None)
    (_, metrics), = plugin_set.call("zslkit_extra_metrics", ctx=ctx, result={})
    return metrics


def n_folds(dataset: str, data_seed: int | None, data_options: tuple) -> int:
    _, data = _setup(dataset, data_seed, (), data_options)
    return len(class_folds(data.seen_classes, len(data.val_classes)))


def mean_se(values) -> tuple[float, float]:
    """Mean and its standard error (NaN for a single value)."""
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v))) if len(v) > 1 else math.nan


def choose(points: list, criterion: dict) -> tuple:
    """The one-standard-error rule: the first grid point (grid order) whose mean criterion is within one SE of
    the best mean, SE taken over the best point's cells. List each axis from the value closest to the paper
    (structure_weight 1) or cheapest, so the choice departs from Eq. 2 as printed only as far as validation demands."""
    best = max(points, key=lambda p: criterion[p][0])
    floor = criterion[best][0] - criterion[best][1]
    return next(p for p in points if criterion[p][0] >= floor)


def run_cells(dataset: str, cells: list[Cell], run_seed: int, jobs: int, data_options: tuple) -> dict:
    jobs_list = [(dataset, cell, run_seed, data_options) for cell in cells]
    if jobs > 1:
        with Pool(jobs) as pool:
            results = pool.map(score_cell, jobs_list, chunksize=1)
    else:
        results = [score_cell(job) for job in jobs_list]
    return dict(zip(cells, results))


def print_header(args, configs, select_seeds, test_seeds, folds: int) -> None:
    fixed = {k: v for k, v in dataclasses.asdict(configs["srn"]).items() if k not in dict(parse_grid(args.grid)[0])}
    print(f"SRN pre-training sweep on {args.dataset} {' '.join(args.data_set)} (Eq. 2 only, no GAN); run seed {args.seed}; "
          f"other srn options as shipped: {' '.join(f'{k}={v}' for k, v in fixed.items())}")
    print(f"CHOICE CRITERION: validation-class score r(pivots, R(s)), mean over {folds} class folds x dataset seeds "
          f"{_seeds(select_seeds)} (class-wise CV of the seen classes: each fold's classes play unseen, their pivots")
    print("  from training features); chosen: the first grid point within one standard error of the best (one-SE rule)")
    print(f"Right of '||': test-protocol DIAGNOSTIC, mean over dataset seeds {_seeds(test_seeds)} (unseen pivots from "
          "test features); NOT used for the choice. (se): standard error of the mean")
    print(f"{'srn options':38}| val seen s -> R(s) | val classes s -> R(s) (se) [criterion] "
          "|| diag: test seen s -> R(s) | diag: test unseen s -> R(s) (se)")


def _seeds(seeds: list) -> str:
    return "as configured" if seeds == [None] else ",".join(map(str, seeds))


def print_rows(points, results, val_cells, test_cells) -> tuple:
    """One row per grid point; returns the chosen point."""
    def mean(rows, key):
        return mean_se([r[key] for r in rows])

    val = {p: [results[c] for c in val_cells if c.point == p] for p in points}
    criterion = {p: mean(val[p], "srn/diag_unseen_rs") for p in points}
    chosen, best = choose(points, criterion), max(points, key=lambda p: criterion[p][0])
    for p in points:
        test = [results[c] for c in test_cells if c.point == p]
        mark = " <- chosen" if p == chosen else ""
        mark += " (best mean)" if p == best else ""
        print(f"{label(p):38}| {mean(val[p], 'srn/rect_seen_s')[0]:.3f} -> {mean(val[p], 'srn/rect_seen_rs')[0]:.3f}"
              f"     | {mean(val[p], 'srn/diag_unseen_s')[0]:.3f} -> {criterion[p][0]:.3f} ({criterion[p][1]:.3f})"
              f"{'':16}|| {mean(test, 'srn/rect_seen_s')[0]:.3f} -> {mean(test, 'srn/rect_seen_rs')[0]:.3f}"
              f"             | {mean(test, 'srn/diag_unseen_s')[0]:.3f} -> {mean(test, 'srn/diag_unseen_rs')[0]:.3f}"
              f" ({mean(test, 'srn/diag_unseen_rs')[1]:.3f}){mark}")
    return chosen


def print_chosen(point, results, test_cells) -> None:
    print(f"\nchosen: {label(point)}")
    print("test-protocol DIAGNOSTIC of the chosen options, per dataset seed (NOT used for the choice):")
    print("dataset seed | test seen s -> R(s) | test unseen s -> R(s)")
    for cell in (c for c in test_cells if c.point == point):
        m = results[cell]
        print(f"{'-' if cell.data_seed is None else cell.data_seed:>12} | {m['srn/rect_seen_s']:.3f} -> "
              f"{m['srn/rect_seen_rs']:.3f}      | {m['srn/diag_unseen_s']:.3f} -> {m['srn/diag_unseen_rs']:.3f}")


def seeds_arg(text: str, dataset: str) -> list:
    if dataset != "synthetic":
        return [None]  # a file dataset has no generator seed
    return [int(s) for s in text.split(",") if s.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="synthetic")
    parser.add_argument("--grid", nargs="+", default=list(DEFAULT_GRID), help="srn_option=v1,v2 ... (cartesian)")
    parser.add_argument("--select-seeds", default="0,1,2", help="synthetic.seed values for the criterion")
    parser.add_argument("--test-seeds", default="0,1,2,3,4", help="synthetic.seed values for the diagnostic")
    parser.add_argument("--seed", type=int, default=0, help="run seed (R's initialisation)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (one torch thread each)")
    parser.add_argument("--data-set", action="append", default=[], metavar="KEY=VALUE",
                        help="a dataset option for every cell (e.g. hidden_weight=2.0); repeatable")
    args = parser.parse_args()
    points = parse_grid(args.grid)
    select_seeds, test_seeds = seeds_arg(args.select_seeds, args.dataset), seeds_arg(args.test_seeds, args.dataset)
    data_options = tuple(args.data_set)
    folds = {s: n_folds(args.dataset, s, data_options) for s in select_seeds}
    val_cells = [Cell(p, s, f) for p in points for s in select_seeds for f in range(folds[s])]
    test_cells = [Cell(p, s, None) for p in points for s in test_seeds]
    print_header(args, _setup(args.dataset, select_seeds[0], (), data_options)[0], select_seeds, test_seeds,
                 max(folds.values()))
    results = run_cells(args.dataset, val_cells + test_cells, args.seed, args.jobs, data_options)
    print_chosen(print_rows(points, results, val_cells, test_cells), results, test_cells)


if __name__ == "__main__":
    main()
