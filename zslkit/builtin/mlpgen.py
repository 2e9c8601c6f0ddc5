"""f-CLSWGAN's generator: a one-hidden-layer MLP on [c, z] with a ReLU output.

Xian et al., "Feature Generating Networks for Zero-Shot Learning" (CVPR 2018),
public code `MLP_G`: Linear(A + nz -> 4096) -> LeakyReLU(0.2) -> Linear(4096 ->
D) -> ReLU, weights N(0, 0.02), biases 0. The ReLU output matches non-negative
(pooled ResNet, or MinMax-scaled) features. f-CLSWGAN feeds [z, s]; the order
of the concatenation makes no difference to the model, and here it is [c, z]
like every zslkit generator, where c = [s, extras...].
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from zslkit.plugin import Plugin, hookimpl
from zslkit.settings import opt
from zslkit.trainer.context import TrainContext


class MLPGenerator(nn.Module):
    """G(c, z) = ReLU(W2 LeakyReLU(W1 [c, z]))."""

    def __init__(self, in_dim: int, hidden: int, out_dim: int, slope: float):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.LeakyReLU(slope), nn.Linear(hidden, out_dim), nn.ReLU())
        for layer in (self.net[0], self.net[2]):
            nn.init.normal_(layer.weight, 0.0, 0.02)
            nn.init.zeros_(layer.bias)

    def forward(self, c: Tensor, z: Tensor) -> Tensor:
        return self.net(torch.cat([c, z], dim=1))


class MLPGeneratorPlugin(Plugin):
    """f-CLSWGAN's MLP generator G(c, z): one hidden layer, ReLU output."""

    name = "mlpgen"
    provides = ("generator",)

    @dataclass
    class Config:
        hidden: int = opt(4096, "hidden units (f-CLSWGAN ngh: 4096)")
        negative_slope: float = opt(0.2, "LeakyReLU slope (f-CLSWGAN: 0.2)")

    @hookimpl
    def zslkit_build_modules(self, ctx: TrainContext, register) -> None:
        cfg = self.config
        net = MLPGenerator(ctx.cond_dim + ctx.noise_dim, cfg.hidden, ctx.feature_dim, cfg.negative_slope)
        register("generator", net, "generator")
