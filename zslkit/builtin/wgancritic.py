"""f-CLSWGAN's conditional WGAN-GP critic D(x, c), and the gradient penalty both critics share.

Xian et al., "Feature Generating Networks for Zero-Shot Learning" (CVPR 2018),
public code `MLP_CRITIC`: Linear(D + A -> 4096) -> LeakyReLU(0.2) -> Linear(4096
-> 1), weights N(0, 0.02), biases 0, gradient penalty lambda = 10 on
interpolates of the features only (the condition is held fixed).

Not included: f-CLSWGAN's extra generator term (Eq. 4), the cross-entropy of a
classifier pre-trained on real seen features applied to the fakes
(`cls_weight`); that is the `clsreg` plugin (`zslkit.builtin.clsreg`), which the
`clswgan` preset selects beside this one. This plugin is the adversarial part only.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from zslkit.layers import PenaltyLeakyReLU
from zslkit.plugin import Plugin, hookimpl
from zslkit.settings import opt
from zslkit.trainer.context import Batch, TrainContext


def interpolate(x: Tensor, fake: Tensor) -> Tensor:
    """x_hat = a x + (1 - a) fake with a ~ U(0, 1) per sample, as a leaf that requires grad."""
    alpha = torch.rand(x.shape[0], 1, device=x.device, dtype=x.dtype)
    return (alpha * x + (1 - alpha) * fake.to(x.dtype)).detach().requires_grad_(True)


def gradient_penalty(scores_hat: Tensor, x_hat: Tensor) -> Tensor:
    """WGAN-GP (Gulrajani et al. 2017): mean over samples of (||grad_x_hat D(x_hat)||_2 - 1)^2.

    `scores_hat` are the critic's scores of `x_hat`, shape (B,) or (B, 1); each
    row depends on its own row of `x_hat` only, so the gradient of their sum
    is every sample's own gradient. The graph is kept (create_graph) so the
    penalty trains the critic.
    """
    (grad,) = torch.autograd.grad(scores_hat.sum(), x_hat, create_graph=True)
    return ((grad.float().norm(2, dim=1) - 1) ** 2).mean()


class ConditionalCritic(nn.Module):
    """D(x, c): one hidden layer on [x, c], a scalar score per row."""

    def __init__(self, feature_dim: int, cond_dim: int, hidden: int, slope: float):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(feature_dim + cond_dim, hidden), PenaltyLeakyReLU(slope), nn.Linear(hidden, 1))
        for layer in (self.net[0], self.net[2]):
            nn.init.normal_(layer.weight, 0.0, 0.02)
            nn.init.zeros_(layer.bias)

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        return self.net(torch.cat([x, c], dim=1)).squeeze(1)


class ConditionalCriticPlugin(Plugin):
    """f-CLSWGAN's conditional WGAN-GP critic D(x, c) (no auxiliary classifier)."""

    name = "wgancritic"
    provides = ("critic",)

    @dataclass
    class Config:
        hidden: int = opt(4096, "hidden units of the critic (f-CLSWGAN ndh: 4096)")
        negative_slope: float = opt(0.2, "LeakyReLU slope (f-CLSWGAN: 0.2)")
        gp_lambda: float = opt(10.0, "gradient-penalty coefficient lambda (f-CLSWGAN, WGAN-GP: 10)")

    @hookimpl
    def zslkit_build_modules(self, ctx: TrainContext, register) -> None:
        cfg = self.config
        register("critic", ConditionalCritic(ctx.feature_dim, ctx.cond_dim, cfg.hidden, cfg.negative_slope), "critic")

    @hookimpl
    def zslkit_critic_loss(self, ctx: TrainContext, batch: Batch) -> dict:
        """E[D(G(c), c)] - E[D(x, c)] + lambda GP: one forward over [x, fake], one over the interpolates.

        The penalty gets its own forward so that its input gradient and double
        backward run over B rows, not over every row of a joint forward.
        """
        b, critic = batch.size, ctx.modules["critic"]
        x_hat = interpolate(batch.x, batch.fake)
        scores = critic(torch.cat([batch.x, batch.fake.to(batch.x.dtype)]), batch.c.repeat(2, 1))
        return {
            "wgancritic/fake": scores[b:].mean(),
            "wgancritic/real": -scores[:b].mean(),
            "wgancritic/gp": self.config.gp_lambda * gradient_penalty(critic(x_hat, batch.c), x_hat),
        }

    @hookimpl
    def zslkit_generator_loss(self, ctx: TrainContext, batch: Batch, substep: str) -> dict | None:
        """-E[D(G(c, z), c)] in the main sub-step."""
        if substep != "main":
            return None
        return {"wgancritic/adv": -ctx.modules["critic"](batch.fake, batch.c).mean()}
