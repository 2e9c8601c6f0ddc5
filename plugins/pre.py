"""The pre-reconstructor E (Eq. 6): real feature -> noise, so that G(s, R(s), E(v)) restores v.

E is an MLP D -> hidden -> noise_dim (LeakyReLU hidden layer, linear output:
the noise it stands in for is N(0, I), unbounded). In its own generator
sub-step "pre" (Algorithm 1, line 14) G and E are updated on

    L_E = weight * mean_{b,d} |G(c_b, E(v_b)) - v_b|        (term "pre/l1")

with c = [s, R(s)] (or s without the SRN) of the real batch. The L1 norm of
Eq. 6 is taken as a mean absolute error over the batch and the feature
dimensions, not a per-sample sum: the sum grows with D (52 to 2048 here) and
would swamp the O(1) WGAN terms, while the mean keeps one weight meaningful on
every dataset. See docs/srgan.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from zslkit.plugin import Plugin, hookimpl
from zslkit.settings import opt
from zslkit.trainer.context import Batch, SubStep, TrainContext


def build_mlp(in_dim: int, hidden: int, out_dim: int, slope: float) -> nn.Sequential:
    """Linear(in, hidden) -> LeakyReLU -> Linear(hidden, out): the reconstructors' shape."""
    return nn.Sequential(nn.Linear(in_dim, hidden), nn.LeakyReLU(slope), nn.Linear(hidden, out_dim))


class PreReconstructorPlugin(Plugin):
    """Pre-reconstructor E (Eq. 6): ||G(s, R(s), E(v)) - v||_1 trains G and E in sub-step "pre"."""

    name = "pre"
    provides = ("pre",)
    requires = ("generator",)

    @dataclass
    class Config:
        hidden: int = opt(4096, "hidden units of E")
        negative_slope: float = opt(0.2, "LeakyReLU slope of E's hidden layer")
        weight: float = opt(1.0, "weight of L_E (Eq. 8 sums it with weight 1); L_E is a mean absolute error")

    @hookimpl
    def zslkit_build_modules(self, ctx: TrainContext, register) -> None:
        cfg = self.config
        register("pre", build_mlp(ctx.feature_dim, cfg.hidden, ctx.noise_dim, cfg.negative_slope), "generator")

    @hookimpl
    def zslkit_generator_substeps(self, ctx: TrainContext) -> list:
        return [SubStep("pre", trains=("generator", "pre"), order=1)]

    @hookimpl
    def zslkit_generator_loss(self, ctx: TrainContext, batch: Batch, substep: str) -> dict | None:
        """Eq. 6 on the batch's real features."""
        if substep != "pre":
            return None
        restored = ctx.generator(batch.c, ctx.modules["pre"](batch.x))
        return {"pre/l1": self.config.weight * (restored.float() - batch.x.float()).abs().mean()}
