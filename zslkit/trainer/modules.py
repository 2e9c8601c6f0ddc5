"""Slots, roles and optimizers: the host owns every optimizer and steps it visibly.

Plugins put modules into named slots with a role; the trainer builds one Adam
per trainable role ("generator", "critic") over the modules of that role, and
freezes "frozen" modules after pre-training.
"""

from __future__ import annotations

import torch
from torch import nn

from zslkit.errors import PluginError
from zslkit.trainer.context import ROLES, RegisteredModule, TrainContext

TRAINABLE_ROLES = ("generator", "critic")


def build_modules(ctx: TrainContext, plugin_set) -> None:
    """Call `zslkit_build_modules` on every plugin and fill `ctx.modules`."""
    providers = {p.name: set(p.provides) for p in plugin_set.plugins}

    for name in plugin_set.names:
        def register(slot, module, role, lr=None, _plugin=name):
            _register(ctx, providers, _plugin, slot, module, role, lr)

        plugin_set.call_one(name, "zslkit_build_modules", ctx=ctx, register=register)
    if "generator" not in ctx.modules:
        raise PluginError("no plugin provides the 'generator' slot (select one, e.g. resgen or mlpgen)")


def _register(ctx, providers, plugin, slot, module, role, lr) -> None:
    if slot not in providers[plugin]:
        raise PluginError(f"plugin {plugin!r} registered slot {slot!r} but declares provides={sorted(providers[plugin])}")
    if role not in ROLES:
        raise PluginError(f"plugin {plugin!r} registered slot {slot!r} with role {role!r}; expected one of {ROLES}")
    if slot in ctx.modules:
        raise PluginError(f"slot {slot!r} registered twice (by {ctx.registered[slot].plugin!r} and {plugin!r})")
    if not isinstance(module, nn.Module):
        raise PluginError(f"plugin {plugin!r} registered a {type(module).__name__} in slot {slot!r}; expected a torch.nn.Module")
    module.to(ctx.device)
    ctx.modules[slot] = module
    ctx.registered[slot] = RegisteredModule(slot, module, role, plugin, lr)


def make_optimizers(ctx: TrainContext) -> dict[str, torch.optim.Optimizer]:
    """One Adam per trainable role, one parameter group per module (its own lr if given)."""
    trainer = ctx.trainer
    optimizers = {}
    for role in TRAINABLE_ROLES:
        groups = [
            {"params": list(reg.module.parameters()), "lr": reg.lr or trainer.lr}
            for slot, reg in sorted(ctx.registered.items())
            if reg.role == role and any(True for _ in reg.module.parameters())
        ]
        if groups:
            optimizers[role] = _adam(groups, trainer)
    return optimizers


ADAM_FLAGS = {"fused": {"fused": True}, "foreach": {"foreach": True}, "single": {"foreach": False}}


def _adam(groups: list[dict], trainer) -> torch.optim.Optimizer:
    """Adam as `trainer.adam` names it (checked in runsetup); fused falls back to foreach where torch refuses it."""
    kwargs = {"lr": trainer.lr, "betas": (trainer.beta1, trainer.beta2)}
    try:
        return torch.optim.Adam(groups, **kwargs, **ADAM_FLAGS[trainer.adam])
    except (RuntimeError, TypeError):  # torch or device without a fused CPU/GPU kernel
        if trainer.adam != "fused":
            raise
        return torch.optim.Adam(groups, **kwargs, foreach=True)


def freeze_frozen(ctx: TrainContext) -> None:
    """After pre-training: frozen modules stop learning and switch to eval mode."""
    for reg in ctx.registered.values():
        if reg.role == "frozen":
            reg.module.requires_grad_(False)
            reg.module.eval()


def slots_of_role(ctx: TrainContext, role: str) -> list[str]:
    return sorted(slot for slot, reg in ctx.registered.items() if reg.role == role)


def set_requires_grad(ctx: TrainContext, role: str, flag: bool) -> None:
    """Toggle gradients of a role's modules (the critic needs none in generator steps)."""
    for reg in ctx.registered.values():
        if reg.role == role:
            reg.module.requires_grad_(flag)


def drop_grads_outside(ctx: TrainContext, trains: tuple[str, ...]) -> None:
    """A sub-step trains only its slots: gradients that leaked elsewhere are dropped."""
    for slot, reg in ctx.registered.items():
        if reg.role == "generator" and slot not in trains:
            for param in reg.module.parameters():
                param.grad = None


def module_states(ctx: TrainContext) -> dict:
    return {slot: reg.module.state_dict() for slot, reg in sorted(ctx.registered.items())}


def load_module_states(ctx: TrainContext, states: dict) -> None:
    for slot, state in states.items():
        ctx.modules[slot].load_state_dict(state)
