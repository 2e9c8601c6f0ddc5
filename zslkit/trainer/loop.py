"""The GAN training loop: explicit host code, one screen per concern.

Per iteration: n_critic critic steps (fakes for all of them generated in one
no-grad pass, since the generator does not change during the critic steps),
then the generator's "main" sub-step and each declared sub-step, every one
summing the named loss terms of all plugins and stepping its own optimizer.
Nothing in the inner loop waits for the device except every `log_every`
iterations. Each backward pass computes gradients only for the parameters its
optimizer steps (`inputs=`), so autograd skips gradients nobody reads (the
critic's input gradient into the gradient-penalty interpolates, for one).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import torch

from zslkit.errors import DivergenceError
from zslkit.trainer import modules as slots
from zslkit.trainer.context import Batch, SubStep, TrainContext

MAIN = SubStep("main", trains=(), order=0)


@dataclass
class LoopState:
    """What the loop carries between iterations (and into checkpoints)."""

    optimizers: dict
    substeps: list[SubStep]
    first_bad: dict = field(default_factory=dict)  # term -> device tensor: first non-finite step or -1
    last_terms: dict = field(default_factory=dict)


def autocast(ctx: TrainContext):
    if ctx.trainer.precision == "bf16":
        return torch.autocast(device_type=ctx.device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def sample_batches(ctx: TrainContext, count: int, size: int) -> list[Batch]:
    """`count` independent real batches (indices drawn on the device, no host copies)."""
    idx = torch.randint(ctx.train_x.shape[0], (count * size,), device=ctx.device)
    x, y = ctx.train_x[idx], ctx.train_y[idx]
    c, z = ctx.cond_table[y], ctx.sample_noise(count * size)
    return [Batch(x[i * size:(i + 1) * size], y[i * size:(i + 1) * size],
                  c[i * size:(i + 1) * size], z[i * size:(i + 1) * size]) for i in range(count)]


def critic_steps(ctx: TrainContext, plugin_set, state: LoopState) -> dict:
    trainer = ctx.trainer
    batches = sample_batches(ctx, trainer.n_critic, trainer.batch_size)
    with torch.no_grad(), autocast(ctx):
        fakes = ctx.generator(torch.cat([b.c for b in batches]), torch.cat([b.z for b in batches]))
    fakes = fakes.float()
    optimizer = state.optimizers["critic"]
    params = _trained_params(ctx, "critic")
    terms = {}
    for i, batch in enumerate(batches):
        batch.fake = fakes[i * batch.size:(i + 1) * batch.size]
        optimizer.zero_grad(set_to_none=True)
        with autocast(ctx):
            terms = plugin_set.collect_terms("zslkit_critic_loss", ctx=ctx, batch=batch)
        _backward(terms, "critic", params)
        optimizer.step()
    return terms


def generator_steps(ctx: TrainContext, plugin_set, state: LoopState) -> dict:
    batch = sample_batches(ctx, 1, ctx.trainer.batch_size)[0]
    slots.set_requires_grad(ctx, "critic", False)
    try:
        if ctx.trainer.generator_updates == "joint":
            return _joint_update(ctx, plugin_set, state, batch)
        terms = {}
        for substep in [MAIN, *state.substeps]:
            terms.update(_substep_update(ctx, plugin_set, state, batch, substep))
        return terms
    finally:
        slots.set_requires_grad(ctx, "critic", True)


def _substep_update(ctx, plugin_set, state, batch: Batch, substep: SubStep) -> dict:
    optimizer = state.optimizers["generator"]
    optimizer.zero_grad(set_to_none=True)
    with autocast(ctx):
        batch.fake = ctx.generator(batch.c, batch.z)
        terms = plugin_set.collect_terms("zslkit_generator_loss", ctx=ctx, batch=batch, substep=substep.name)
    if not terms:
        return {}
    _backward(terms, f"generator sub-step {substep.name!r}", _trained_params(ctx, "generator", substep.trains))
    if substep.trains:
        slots.drop_grads_outside(ctx, substep.trains)
    optimizer.step()
    return terms


def _joint_update(ctx, plugin_set, state, batch: Batch) -> dict:
    """Eq. 8: every sub-step's terms summed into one generator update."""
    optimizer = state.optimizers["generator"]
    optimizer.zero_grad(set_to_none=True)
    terms = {}
    with autocast(ctx):
        batch.fake = ctx.generator(batch.c, batch.z)
        for substep in [MAIN, *state.substeps]:
            terms.update(plugin_set.collect_terms("zslkit_generator_loss", ctx=ctx, batch=batch, substep=substep.name))
    _backward(terms, "generator (joint)", _trained_params(ctx, "generator"))
    optimizer.step()
    return terms


def _trained_params(ctx: TrainContext, role: str, trains: tuple[str, ...] = ()) -> list:
    """The parameters a step of `role` updates (only the `trains` slots when given)."""
    return [p for slot, reg in sorted(ctx.registered.items())
            if reg.role == role and (not trains or slot in trains)
            for p in reg.module.parameters() if p.requires_grad]


def _backward(terms: dict, where: str, params: list) -> None:
    if not terms:
        raise DivergenceError(f"no plugin returned a loss term for the {where} step (is a critic plugin selected?)")
    torch.autograd.backward(torch.stack([t.float() for t in terms.values()]).sum(), inputs=params or None)


def track_finite(state: LoopState, terms: dict, step: int) -> None:
    """Remember, on the device, the first step at which each term was not finite."""
    for name, value in terms.items():
        first = state.first_bad.get(name)
        if first is None:
            first = state.first_bad[name] = torch.full((), -1, dtype=torch.long, device=value.device)
        bad = ~torch.isfinite(value.detach())
        first.copy_(torch.where(bad & (first < 0), torch.full_like(first, step), first))


def raise_if_diverged(state: LoopState) -> None:
    """Host sync: stop with the term, plugin and step of the first NaN/inf."""
    bad = {name: int(step) for name, step in state.first_bad.items() if int(step) >= 0}
    if bad:
        name, step = min(bad.items(), key=lambda item: (item[1], item[0]))
        side, term = name.split(":", 1) if ":" in name else ("", name)
        where = {"D": "critic ", "G": "generator "}.get(side, "")
        raise DivergenceError(
            f"{where}loss term {term!r} of plugin {term.split('/', 1)[0]!r} became NaN or inf at step {step}; "
            "the last good checkpoint is kept (lower the learning rate or the term's weight)")


def train_iteration(ctx: TrainContext, plugin_set, state: LoopState) -> dict:
    """One Algorithm-1 iteration; returns its named terms as "D:<term>" (last critic
    step) and "G:<term>" (generator sub-steps), since a plugin may use one name on both sides."""
    terms = {f"D:{k}": v for k, v in critic_steps(ctx, plugin_set, state).items()}
    terms.update({f"G:{k}": v for k, v in generator_steps(ctx, plugin_set, state).items()})
    return terms
