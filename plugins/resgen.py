"""SR-GAN's generator G(s, R(s), z) (Sec. 2.3): a four-layer MLP with a residual connection.

The paper fixes four layers, LeakyReLU on the first three, Tanh on the output
and "a residual connection", but not where the connection goes. Here:

    x  = [c, z]              c = [s, R(s)] with the SRN, c = s without it
    h1 = act(L1 x)           in  -> hidden
    h2 = act(L2 h1)          hidden -> hidden
    h3 = act(L3 h2 + h1)     hidden -> hidden, skip from h1
    G  = tanh(L4 h3)         hidden -> D

Why there: an identity skip needs equal widths at both ends. The input ([c, z])
and the output (D, squashed by Tanh) differ from the hidden width, so the only
parameter-free place is around the two hidden-to-hidden layers, in the
post-activation form of ResNet (add, then activate). It lets G start close to
a two-layer MLP (GAZSL's and f-CLSWGAN's generators) and grow depth as needed.

Weights start as in GAZSL's code (Xavier-normal, zero biases).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from zslkit.plugin import Plugin, hookimpl
from zslkit.settings import opt
from zslkit.trainer.context import TrainContext


class ResidualGenerator(nn.Module):
    """G(c, z): four linear layers, a skip from layer 1 to layer 3, Tanh output."""

    def __init__(self, in_dim: int, hidden: int, out_dim: int, slope: float):
        super().__init__()
        self.l1, self.l2 = nn.Linear(in_dim, hidden), nn.Linear(hidden, hidden)
        self.l3, self.l4 = nn.Linear(hidden, hidden), nn.Linear(hidden, out_dim)
        self.act = nn.LeakyReLU(slope)
        for layer in (self.l1, self.l2, self.l3, self.l4):
            nn.init.xavier_normal_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, c: Tensor, z: Tensor) -> Tensor:
        h1 = self.act(self.l1(torch.cat([c, z], dim=1)))
        h2 = self.act(self.l2(h1))
        h3 = self.act(self.l3(h2) + h1)
        return torch.tanh(self.l4(h3))


class ResidualGeneratorPlugin(Plugin):
    """SR-GAN's residual MLP generator G(s, R(s), z) with a Tanh output (Sec. 2.3)."""

    name = "resgen"
    provides = ("generator",)

    @dataclass
    class Config:
        hidden: int = opt(4096, "hidden units of the three hidden layers (GAZSL's generator width: 4096)")
        negative_slope: float = opt(0.2, "LeakyReLU slope of the first three layers")

    @hookimpl
    def zslkit_build_modules(self, ctx: TrainContext, register) -> None:
        cfg = self.config
        net = ResidualGenerator(ctx.cond_dim + ctx.noise_dim, cfg.hidden, ctx.feature_dim, cfg.negative_slope)
        register("generator", net, "generator")
