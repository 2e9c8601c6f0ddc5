"""Every hook a zslkit plugin can implement, in the order the trainer calls them.

A plugin is an object (usually a `zslkit.plugin.Plugin` subclass) whose methods
are marked with `@hookimpl` and named after one of the specs below. An
implementation may accept any subset of a spec's arguments, by name.

How results combine: the trainer calls the implementations of every selected
plugin one by one in **sorted plugin-name order** (never pluggy's LIFO order),
so random-number use is reproducible, and it combines the results itself:
dicts of named loss terms are summed, dicts of metrics are merged. Every key a
plugin returns must start with its own name and a slash (`"pivot/l2"`), so a
term names its plugin in logs, checkpoints and errors. An exception raised in a
hook stops the run with a one-line error naming the plugin and the hook.

Types are only named here (see `zslkit.trainer.context` for `TrainContext`,
`Batch`, `SubStep` and `ModuleRegistrar`), so reading the specs imports nothing
heavy.

Call order in one training phase (a phase trains on one task, validation or
test; see `docs/writing-plugins.md`):

1. `zslkit_condition_dims`   declare extra conditioning inputs
2. `zslkit_build_modules`    put modules into slots, each with a role
3. `zslkit_pretrain`         optional pre-training with the plugin's own optimizer
4. `zslkit_condition`        compute the extra conditioning of every class
5. `zslkit_fit_start`        see the seen-class training data once
6. `zslkit_generator_substeps`  declare extra generator sub-steps
7. per iteration: n_critic x `zslkit_critic_loss`, then for each generator
   sub-step `zslkit_generator_loss`, then `zslkit_step_end`
8. after each evaluation: `zslkit_extra_metrics`
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover - names for readers and type checkers only
    from torch import Tensor

    from zslkit.trainer.context import Batch, ModuleRegistrar, SubStep, TrainContext

PROJECT = "zslkit"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def zslkit_condition_dims(ctx: TrainContext) -> dict[str, int] | None:
    """Declare extra conditioning inputs for the generator, and their sizes.

    Called once per phase, before any module is built. The generator is
    conditioned on the class semantics `s` (always first) followed by each
    declared input, in sorted plugin-name order, then by the plugin's keys in
    sorted order. `ctx.cond_dim` is the total afterwards.

    Args:
        ctx: the training context; `ctx.attribute_dim`, `ctx.feature_dim` and
            `ctx.n_classes` are set.

    Returns:
        `{"NAME/INPUT": dim}` for each extra input, or None. The SRN returns
        `{"srn/rectified": A}` so the generator sees `[s, R(s)]`.
    """


@hookspec
def zslkit_build_modules(ctx: TrainContext, register: ModuleRegistrar) -> None:
    """Build this plugin's modules and put each into a named slot.

    Called once per phase, after the conditioning sizes are known
    (`ctx.cond_dim`, `ctx.noise_dim`, `ctx.feature_dim`, `ctx.n_classes`).
    Build every module on the CPU and let the trainer move it to the device.

    Args:
        ctx: the training context.
        register: call `register(slot, module, role, lr=None)` once per module.
            `slot` is a name other plugins can look up in `ctx.modules`
            ("generator", "critic", "rectifier", "pre", "post", ...); a slot
            must be one the plugin declares in `provides`. `role` decides who
            steps its parameters: "generator" (stepped in generator sub-steps),
            "critic" (stepped in critic steps) or "frozen" (trained by the
            plugin itself in `zslkit_pretrain`, then frozen by the trainer).
            `lr` overrides the trainer's learning rate for this module.

    Returns:
        Nothing; modules are registered through `register`.
    """


@hookspec
def zslkit_pretrain(ctx: TrainContext) -> None:
    """Run an optional pre-training phase with the plugin's own optimizer.

    Called once per phase after all modules are built and before the GAN loop.
    The plugin owns this loop (the SRN pre-trains R here with Eq. 2). Use only
    `ctx.train_x`/`ctx.train_y` (seen-class training data of the current task)
    and the global torch RNG, and report progress with `ctx.report(...)`.
    When it returns, the trainer freezes every module registered with role
    "frozen" (`requires_grad=False`, `eval()`).

    Args:
        ctx: the training context.

    Returns:
        Nothing.
    """


@hookspec
def zslkit_condition(ctx: TrainContext, semantics: Tensor) -> dict[str, Tensor] | None:
    """Compute the extra conditioning inputs declared in `zslkit_condition_dims`.

    Called once per phase, after pre-training, with every class's semantics.
    The trainer concatenates `[semantics, *extras]` into `ctx.cond_table`
    (C x cond_dim), from which every batch's conditioning is gathered, so a
    frozen network's output is computed once rather than every step.

    Args:
        ctx: the training context.
        semantics: (C, A) class semantics of every class, on the device.

    Returns:
        `{"NAME/INPUT": Tensor of shape (C, dim)}` for each declared input, or
        None.
    """


@hookspec
def zslkit_fit_start(ctx: TrainContext) -> None:
    """See the seen-class training data once before the GAN loop starts.

    Called once per phase, after `ctx.cond_table` is ready. Compute statistics
    here (the visual pivots of Eq. 1 are class means of `ctx.train_x`) and keep
    them in the plugin's `state_dict()` so a resumed run has them.

    Args:
        ctx: the training context.

    Returns:
        Nothing.
    """


@hookspec
def zslkit_generator_substeps(ctx: TrainContext) -> list[SubStep] | None:
    """Declare named generator sub-steps beyond the main one.

    Called once per phase. Each iteration the trainer runs the "main" sub-step
    (all generator-role modules) and then every declared sub-step, ordered by
    `(order, name)`. A sub-step has its own loss terms (`zslkit_generator_loss`
    is called with its name) and trains only the slots it names; the
    gradients of other modules are dropped before the step. With
    `trainer.generator_updates: joint` the trainer instead sums the terms of
    all sub-steps into one update (the paper's Eq. 8).

    Args:
        ctx: the training context.

    Returns:
        A list of `SubStep(name, trains=(slot, ...), order=int)`, or None.
    """


@hookspec
def zslkit_critic_loss(ctx: TrainContext, batch: Batch) -> dict[str, Tensor] | None:
    """Return named critic loss terms for one critic step.

    Called n_critic times per iteration, each time with a fresh real batch.
    `batch.fake` is detached (the generator does not change during the critic
    steps). The trainer sums every plugin's terms, backpropagates once and
    steps the "critic" optimizer.

    Args:
        ctx: the training context.
        batch: real features `x`, class ids `y`, conditioning `c`, noise `z`
            and `fake = G(c, z)`.

    Returns:
        `{"NAME/TERM": scalar Tensor}` (already weighted), or None.
    """


@hookspec
def zslkit_generator_loss(ctx: TrainContext, batch: Batch, substep: str) -> dict[str, Tensor] | None:
    """Return named generator loss terms for one generator sub-step.

    Called once per sub-step per iteration ("main" first, then the declared
    sub-steps). `batch.fake = G(batch.c, batch.z)` carries gradients and is
    recomputed for every sub-step (the generator changed in between).

    Args:
        ctx: the training context.
        batch: as for `zslkit_critic_loss`, with a differentiable `fake`.
        substep: the name of the sub-step ("main" or one a plugin declared).
            Return terms only for sub-steps this plugin contributes to.

    Returns:
        `{"NAME/TERM": scalar Tensor}` (already weighted), or None.
    """


@hookspec
def zslkit_step_end(ctx: TrainContext, step: int, terms: dict[str, Tensor]) -> bool | None:
    """Observe the end of a training iteration.

    Called after every iteration with that iteration's detached loss terms
    (tensors: call `.item()` only when you need to, it forces a device sync).
    Useful for logging, schedules and early stopping.

    Args:
        ctx: the training context.
        step: the iteration just finished (1-based).
        terms: every named loss term of the iteration, detached, keyed
            "D:<term>" (the last critic step) and "G:<term>" (generator
            sub-steps), since a plugin may use one name on both sides.

    Returns:
        True to stop training after this iteration; None or False to go on.
    """


@hookspec
def zslkit_extra_metrics(ctx: TrainContext, result: dict) -> dict[str, float] | None:
    """Add metrics beside an evaluation's results.

    Called after every evaluation. The result dict (T1, U, S, H, ...) is a
    read-only copy: a plugin can add metrics but never change the protocol's
    numbers.

    Args:
        ctx: the training context (its `ctx.task` holds the evaluated split).
        result: a copy of the evaluation's metrics.

    Returns:
        `{"NAME/METRIC": float}`, or None.
    """
