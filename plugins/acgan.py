"""SR-GAN's critic with an auxiliary classifier (Eq. 3 and Eq. 5), after GAZSL.

One trunk on the feature x (Linear D -> hidden, LeakyReLU) feeds two heads: a
real/fake score D(x) (Linear hidden -> 1) and class logits over the task's
seen classes (Linear hidden -> n_seen). It is unconditional: the class enters
only through the classification loss, as in GAZSL's `_netD`.

Critic loss (Eq. 5), as signed named terms that sum to L_D:
    acgan/fake  E[D(G(s, R(s), z))]
    acgan/real  -E[D(v)]
    acgan/gp    lambda E[(||grad D(v_hat)||_2 - 1)^2]
    acgan/cls   cls_weight * 1/2 (L_cls(G(...)) + L_cls(v))
Generator terms (Eq. 3, main sub-step): acgan/adv = -E[D(G(...))] and
acgan/cls = cls_weight * L_cls(G(...)). L_cls is the mean cross-entropy over
the batch; the fakes carry the labels of the real batch they were made for.

GAZSL's code differs in small ways, and this follows the SR-GAN paper: its
critic weights each classification loss by 1 (not 1/2), and its generator
adds 1/2 (L_cls(G) + L_cls(v)). Its trunk uses ReLU; here LeakyReLU
(configurable; `PenaltyLeakyReLU`, which keeps the penalty's double
backward lean). Weights start Xavier-normal with zero biases, as in GAZSL.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from zslkit.builtin.wgancritic import gradient_penalty, interpolate
from zslkit.layers import PenaltyLeakyReLU
from zslkit.plugin import Plugin, hookimpl
from zslkit.settings import opt
from zslkit.trainer.context import Batch, TrainContext


class AuxClassifierCritic(nn.Module):
    """x -> (score (B,), class logits (B, n_seen)) through one shared trunk."""

    def __init__(self, feature_dim: int, hidden: int, n_seen: int, slope: float):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(feature_dim, hidden), PenaltyLeakyReLU(slope))
        self.score = nn.Linear(hidden, 1)
        self.classes = nn.Linear(hidden, n_seen)
        for layer in (self.trunk[0], self.score, self.classes):
            nn.init.xavier_normal_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        h = self.trunk(x)
        return self.score(h).squeeze(1), self.classes(h)

    def score_only(self, x: Tensor) -> Tensor:
        """D(x) without the class head: the gradient penalty needs only the score path."""
        return self.score(self.trunk(x)).squeeze(1)


class AuxClassifierCriticPlugin(Plugin):
    """SR-GAN/GAZSL critic: WGAN-GP score head plus a seen-class classifier head (Eq. 5)."""

    name = "acgan"
    provides = ("critic",)

    @dataclass
    class Config:
        hidden: int = opt(4096, "hidden units of the shared trunk (GAZSL: 4096)")
        negative_slope: float = opt(0.2, "LeakyReLU slope of the trunk")
        gp_lambda: float = opt(10.0, "gradient-penalty coefficient lambda of Eq. 5 (GAZSL, WGAN-GP: 10)")
        cls_weight: float = opt(1.0, "weight of the auxiliary classification loss L_cls in Eq. 3 and Eq. 5 (paper: 1)")

    def __init__(self, config=None):
        super().__init__(config)
        self._heads = None  # (C,) global class id -> class-head index, set per phase

    @hookimpl
    def zslkit_build_modules(self, ctx: TrainContext, register) -> None:
        cfg = self.config
        critic = AuxClassifierCritic(ctx.feature_dim, cfg.hidden, len(ctx.seen_classes), cfg.negative_slope)
        register("critic", critic, "critic")
        self._heads = ctx.seen_index()

    @hookimpl
    def zslkit_critic_loss(self, ctx: TrainContext, batch: Batch) -> dict:
        """Eq. 5: D over [v, G(...)] in one forward; the penalty's interpolates in a second.

        A separate forward keeps the penalty's input gradient and double
        backward on B rows instead of on every row of a joint forward.
        """
        b, target, critic = batch.size, self._heads[batch.y], ctx.modules["critic"]
        x_hat = interpolate(batch.x, batch.fake)
        scores, logits = critic(torch.cat([batch.x, batch.fake.to(batch.x.dtype)]))
        # Real and fake halves have equal size, so one mean over both is 1/2 (L_cls(G) + L_cls(v)).
        cls = F.cross_entropy(logits.float(), target.repeat(2))
        return {
            "acgan/fake": scores[b:].mean(),
            "acgan/real": -scores[:b].mean(),
            "acgan/gp": self.config.gp_lambda * gradient_penalty(critic.score_only(x_hat), x_hat),
            "acgan/cls": self.config.cls_weight * cls,
        }

    @hookimpl
    def zslkit_generator_loss(self, ctx: TrainContext, batch: Batch, substep: str) -> dict | None:
        """Eq. 3's first two terms: -E[D(G(...))] + L_cls(G(...))."""
        if substep != "main":
            return None
        scores, logits = ctx.modules["critic"](batch.fake)
        cls = F.cross_entropy(logits.float(), self._heads[batch.y])
        return {"acgan/adv": -scores.mean(), "acgan/cls": self.config.cls_weight * cls}
