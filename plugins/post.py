"""The post-reconstructor F (Eq. 7): synthesized feature -> [s, R(s), z].

F is an MLP D -> hidden -> cond_dim + noise_dim (LeakyReLU hidden layer,
linear output). In its own generator sub-step "post" (Algorithm 1, line 15)
G and F are updated on

    L_F = weight * mean_{b,k} |F(G(c_b, z_b)) - [c_b, z_b]|_k    (term "post/l1")

where c = [s, R(s)] is the whole conditioning (just s without the SRN), so F
recovers the class semantics, the rectified semantics and the noise. As for
Eq. 6, the L1 norm is a mean absolute error (see `zslkit_plugins.pre`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from zslkit.plugin import Plugin, hookimpl
from zslkit.settings import opt
from zslkit.trainer.context import Batch, SubStep, TrainContext
from zslkit_plugins.pre import build_mlp


class PostReconstructorPlugin(Plugin):
    """Post-reconstructor F (Eq. 7): ||F(G(s, R(s), z)) - [s, R(s), z]||_1 trains G and F in sub-step "post"."""

    name = "post"
    provides = ("post",)
    requires = ("generator",)

    @dataclass
    class Config:
        hidden: int = opt(4096, "hidden units of F")
        negative_slope: float = opt(0.2, "LeakyReLU slope of F's hidden layer")
        weight: float = opt(1.0, "weight of L_F (Eq. 8 sums it with weight 1); L_F is a mean absolute error")

    @hookimpl
    def zslkit_build_modules(self, ctx: TrainContext, register) -> None:
        cfg = self.config
        net = build_mlp(ctx.feature_dim, cfg.hidden, ctx.cond_dim + ctx.noise_dim, cfg.negative_slope)
        register("post", net, "generator")

    @hookimpl
    def zslkit_generator_substeps(self, ctx: TrainContext) -> list:
        return [SubStep("post", trains=("generator", "post"), order=2)]

    @hookimpl
    def zslkit_generator_loss(self, ctx: TrainContext, batch: Batch, substep: str) -> dict | None:
        """Eq. 7 on this sub-step's fakes G(c, z)."""
        if substep != "post":
            return None
        target = torch.cat([batch.c, batch.z], dim=1).float()
        return {"post/l1": self.config.weight * (ctx.modules["post"](batch.fake).float() - target).abs().mean()}
