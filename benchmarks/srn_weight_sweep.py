"""Choose the SRN's structure-loss weight on the validation split (never on test data).

For each weight, R is pre-trained (Eq. 2) on the validation task's seen classes
and scored on the validation classes, whose pivots come from training
features. The test-task numbers are printed beside them as a labelled
diagnostic (they use unseen test features) and were not used for the choice.

    .venv/bin/python benchmarks/srn_weight_sweep.py --dataset synthetic --weights 1,3,10,30,100
"""

from __future__ import annotations

import argparse
import dataclasses

import torch

from zslkit.config import resolve_config
from zslkit.datasets.registry import load_dataset
from zslkit.datasets.tasks import make_task, minmax_scale
from zslkit.manager import build_plugin_set, config_sections, resolve_spec
from zslkit.trainer.phase import PhasePlan, make_context, prepare, seed_everything


def scores_for(task, configs, weight: float, seed: int) -> dict:
    configs = dict(configs)
    configs["srn"] = dataclasses.replace(configs["srn"], structure_weight=weight)
    resolved = resolve_spec("srn")
    plugin_set = build_plugin_set(resolved, configs)
    seed_everything(seed)
    ctx = make_context(PhasePlan("sweep", task, 0, set(), seed), configs, torch.device("cpu"))
    prepare(ctx, plugin_set, None)
    (_, metrics), = plugin_set.call("zslkit_extra_metrics", ctx=ctx, result={})
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="synthetic")
    parser.add_argument("--weights", default="1,3,10,30,100")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    resolved = resolve_spec("srn")
    sections, inactive = config_sections(resolved, args.dataset)
    configs = resolve_config(sections, args.dataset, None, [], inactive)
    data = load_dataset(args.dataset, None, configs.get(args.dataset))
    d = configs["data"]
    validation = minmax_scale(make_task(data, "validation", d.val_seen_fraction, d.split_seed))
    test = minmax_scale(make_task(data, "test", d.val_seen_fraction, d.split_seed))
    print(f"{args.dataset}, seed {args.seed}: Pearson r of class cosine structure vs visual pivots")
    print("weight | val: seen s -> R(s) | val classes s -> R(s) || test diagnostic: unseen s -> R(s)")
    for weight in (float(w) for w in args.weights.split(",")):
        v, t = scores_for(validation, configs, weight, args.seed), scores_for(test, configs, weight, args.seed)
        print(f"{weight:6g} | {v['srn/rect_seen_s']:.3f} -> {v['srn/rect_seen_rs']:.3f} | "
              f"{v['srn/diag_unseen_s']:.3f} -> {v['srn/diag_unseen_rs']:.3f} || "
              f"{t['srn/diag_unseen_s']:.3f} -> {t['srn/diag_unseen_rs']:.3f}")


if __name__ == "__main__":
    main()
