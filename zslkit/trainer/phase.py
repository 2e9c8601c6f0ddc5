"""One training phase: build, pre-train, fit, loop, evaluate, checkpoint.

A phase trains fresh modules on one task (validation or test) for a planned
number of iterations and evaluates at planned steps. It checkpoints after
pre-training and every `checkpoint_every` iterations; `resume` continues from
such a checkpoint and ends with the same numbers as an uninterrupted phase.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from zslkit.checkpoint import capture_rng, restore_rng
from zslkit.trainer import loop, modules as slots
from zslkit.trainer.context import TrainContext
from zslkit.trainer.evaluation import evaluate_phase


@dataclass
class PhasePlan:
    """What a phase trains on, for how long, and when it evaluates.

    `gamma` is the calibrated-stacking penalty to apply (chosen on validation);
    None lets each evaluation choose its own on the data it sees.
    """

    name: str
    task: object
    iterations: int
    eval_steps: set[int]
    seed: int
    gamma: float | None = None


@dataclass
class PhaseResult:
    history: list[dict] = field(default_factory=list)
    stopped_early: bool = False
    last_terms: dict = field(default_factory=dict)


def make_context(plan: PhasePlan, configs: dict, device: torch.device, reporter=None) -> TrainContext:
    task = plan.task
    as_tensor = lambda a, dtype: torch.as_tensor(np.ascontiguousarray(a), dtype=dtype, device=device)  # noqa: E731
    return TrainContext(
        phase=plan.name, task=task, device=device,
        train_x=as_tensor(task.train_x, torch.float32), train_y=as_tensor(task.train_y, torch.long),
        semantics=as_tensor(task.attributes, torch.float32),
        seen_classes=as_tensor(task.seen_classes, torch.long),
        unseen_classes=as_tensor(task.unseen_classes, torch.long),
        noise_dim=configs["trainer"].noise_dim, configs=configs, reporter=reporter)


def seed_everything(seed: int) -> None:
    import random

    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


def prepare(ctx: TrainContext, plugin_set, checkpoint: dict | None) -> loop.LoopState:
    """Steps 1-6 of the hook order; with a checkpoint, restore instead of pre-training."""
    for _, dims in plugin_set.call("zslkit_condition_dims", ctx=ctx):
        ctx.cond_dims.update(dict(sorted(dims.items())))
    slots.build_modules(ctx, plugin_set)
    if checkpoint is None:
        plugin_set.call("zslkit_pretrain", ctx=ctx)
    else:
        slots.load_module_states(ctx, checkpoint["modules"])
    slots.freeze_frozen(ctx)
    extras = {}
    with torch.no_grad():
        for _, produced in plugin_set.call("zslkit_condition", ctx=ctx, semantics=ctx.semantics):
            extras.update(produced)
    ctx.cond_table = torch.cat([ctx.semantics, *[extras[k].float() for k in ctx.cond_dims]], dim=1)
    plugin_set.call("zslkit_fit_start", ctx=ctx)
    substeps = [s for _, declared in plugin_set.call("zslkit_generator_substeps", ctx=ctx) for s in declared]
    state = loop.LoopState(optimizers=slots.make_optimizers(ctx), substeps=sorted(substeps, key=lambda s: (s.order, s.name)))
    if checkpoint is not None:
        plugin_set.load_states(checkpoint["plugins"])
        for role, opt_state in checkpoint["optimizers"].items():
            state.optimizers[role].load_state_dict(opt_state)
    return state


def snapshot(ctx: TrainContext, plugin_set, state: loop.LoopState, result: PhaseResult, plan: PhasePlan) -> dict:
    """Everything needed to continue this phase exactly where it is."""
    return {
        "phase": plan.name, "step": ctx.step, "iterations": plan.iterations,
        "modules": slots.module_states(ctx),
        "optimizers": {role: opt.state_dict() for role, opt in state.optimizers.items()},
        "plugins": plugin_set.states(), "rng": capture_rng(),
        "history": list(result.history), "stopped_early": result.stopped_early,
        "last_terms": dict(result.last_terms),
    }


def run_phase(plan: PhasePlan, plugin_set, configs: dict, device, store, display, checkpoint=None):
    """Train and evaluate one phase; returns (PhaseResult, ctx) with the trained modules."""
    trainer = configs["trainer"]
    seed_everything(plan.seed)
    ctx = make_context(plan, configs, device, reporter=display.report)
    display.phase_start(plan.name, plan.iterations)
    state = prepare(ctx, plugin_set, checkpoint)
    result = PhaseResult()
    if checkpoint is None:
        store.save_checkpoint(snapshot(ctx, plugin_set, state, result, plan))
    else:
        ctx.step = checkpoint["step"]
        result.history = list(checkpoint["history"])
        result.stopped_early = checkpoint["stopped_early"]
        result.last_terms = dict(checkpoint["last_terms"])
        restore_rng(checkpoint["rng"])
    for module in ctx.modules.values():
        module.train(module not in _frozen(ctx))
    while ctx.step < plan.iterations and not result.stopped_early:
        ctx.step += 1
        terms = loop.train_iteration(ctx, plugin_set, state)
        loop.track_finite(state, terms, ctx.step)
        detached = {k: v.detach() for k, v in terms.items()}
        stops = [bool(r) for _, r in plugin_set.call("zslkit_step_end", ctx=ctx, step=ctx.step, terms=detached)]
        result.stopped_early = any(stops)
        last = ctx.step == plan.iterations or result.stopped_early
        if ctx.step % trainer.log_every == 0 or last:
            loop.raise_if_diverged(state)
            result.last_terms = {k: float(v) for k, v in detached.items()}
            store.log({"phase": plan.name, "step": ctx.step, "terms": result.last_terms})
            display.advance(ctx.step, result.last_terms)
        if ctx.step in plan.eval_steps or (last and plan.eval_steps):
            loop.raise_if_diverged(state)
            record, predictor = evaluate_phase(ctx, plugin_set, plan, configs)
            if predictor is not None and plan.name == "final":
                store.save_predictor(ctx.step, predictor)
            result.history.append(record)
            store.log({"phase": plan.name, "step": ctx.step, "eval": record})
            display.evaluation(record)
        if ctx.step % trainer.checkpoint_every == 0 or last:
            loop.raise_if_diverged(state)
            store.save_checkpoint(snapshot(ctx, plugin_set, state, result, plan))
    display.phase_end(plan.name)
    ctx.plugin_states = plugin_set.states()
    return result, ctx


def _frozen(ctx: TrainContext) -> list:
    return [reg.module for reg in ctx.registered.values() if reg.role == "frozen"]
