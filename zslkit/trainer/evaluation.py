"""Evaluation inside a phase: synthesize features, train the final classifier, score.

Evaluation draws its random numbers from a generator seeded by (phase seed,
step) inside `torch.random.fork_rng`, so how often a run evaluates never
changes what it trains, and a resumed run evaluates identically.
"""

from __future__ import annotations

import torch

from zslkit.evaluation.evaluate import evaluate_generative, resolve_syn_per_class


@torch.no_grad()
def synthesize(ctx, classes: torch.Tensor, per_class: int, chunk: int = 8192) -> tuple[torch.Tensor, torch.Tensor]:
    """`per_class` generated features for each class id in `classes` (global ids)."""
    labels = classes.repeat_interleave(per_class)
    generator = ctx.generator
    was_training = generator.training
    generator.eval()
    parts = [generator(ctx.cond_table[labels[i:i + chunk]], ctx.sample_noise(len(labels[i:i + chunk]))).float()
             for i in range(0, len(labels), chunk)]
    generator.train(was_training)
    return torch.cat(parts), labels


def _devices(ctx) -> list:
    return [ctx.device] if ctx.device.type == "cuda" else []


def evaluate_phase(ctx, plugin_set, plan, configs) -> tuple[dict, dict]:
    """Synthesize, classify and score the current task; plugins may add metrics.

    Returns the record and the trained GZSL classifier's state (for `zslkit predict`).
    """
    classifier = configs["classifier"]
    task = plan.task
    with torch.random.fork_rng(devices=_devices(ctx)):
        torch.manual_seed(plan.seed * 100_003 + ctx.step)
        wanted = ctx.unseen_classes
        if classifier.seen_source == "synthetic":
            wanted = torch.cat([ctx.seen_classes, ctx.unseen_classes])
        syn_x, syn_y = synthesize(ctx, wanted, resolve_syn_per_class(classifier))
        keep = {}
        tensor = lambda a, dtype=torch.float32: torch.as_tensor(a, dtype=dtype, device=ctx.device)  # noqa: E731
        record = evaluate_generative(
            train_x=ctx.train_x, train_y=ctx.train_y, syn_x=syn_x, syn_y=syn_y,
            test_seen_x=tensor(task.test_seen_x), test_seen_y=tensor(task.test_seen_y, torch.long),
            test_unseen_x=tensor(task.test_unseen_x), test_unseen_y=tensor(task.test_unseen_y, torch.long),
            seen_classes=ctx.seen_classes, unseen_classes=ctx.unseen_classes,
            config=classifier, gamma=plan.gamma, keep=keep)
    record = {"step": ctx.step, **record}
    extra = {}
    for name, metrics in plugin_set.call("zslkit_extra_metrics", ctx=ctx, result=dict(record)):
        for key, value in metrics.items():
            if not key.startswith(f"{name}/"):
                from zslkit.errors import PluginError

                raise PluginError(f"plugin {name!r} hook zslkit_extra_metrics returned {key!r}; names must start with '{name}/'")
            extra[key] = float(value)
    record["extra"] = extra
    return record, keep.get("predictor")
