"""The visual-pivot loss L_VP (Eq. 4), after GAZSL's visual pivot regularisation.

For each seen class i present in the generator's batch: the Euclidean distance
(L2 norm, not squared) between its real pivot p_i (Eq. 1, the mean of its
real training features) and the mean of the features synthesized for it in
the batch, averaged over the classes present, times `weight`.

Eq. 4 averages over all |Cs| seen classes with N_i fakes each; a batch of
real labels holds only some classes, so the average runs over those present
(with 1024-sample batches and <= 200 seen classes nearly all are). GAZSL's
code (`Euclidean_loss`, CENT_LAMBDA) sums over the classes present and
divides by all |Cs|; the two agree when every class is present.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from zslkit.plugin import Plugin, hookimpl
from zslkit.settings import opt
from zslkit.trainer.context import Batch, TrainContext
from zslkit_plugins.srn import class_means, row_index


def pivot_loss(fake: Tensor, rows: Tensor, pivots: Tensor) -> Tensor:
    """Eq. 4 on a batch: mean over present classes of ||p_i - mean(fakes of i)||_2.

    fake: (B, D) synthesized features; rows: (B,) each fake's row in `pivots`;
    pivots: (K, D). Vectorised with index_add_ and no host synchronisation.
    """
    fake = fake.float()
    k = pivots.shape[0]
    sums = fake.new_zeros(k, fake.shape[1]).index_add_(0, rows, fake)
    counts = fake.new_zeros(k).index_add_(0, rows, torch.ones_like(fake[:, 0]))
    present = (counts > 0).to(fake.dtype)
    means = sums / counts.clamp(min=1).unsqueeze(1)
    dist = (means - pivots).norm(2, dim=1)
    return (dist * present).sum() / present.sum().clamp(min=1)


class VisualPivotPlugin(Plugin):
    """Visual-pivot loss (Eq. 4): class means of fakes pulled towards real class means."""

    name = "pivot"
    requires = ("generator",)

    @dataclass
    class Config:
        weight: float = opt(1.0, "weight of L_VP in the generator loss (Eq. 3 prints 1; GAZSL's CENT_LAMBDA is 5 on xlsa17 attributes)")

    def __init__(self, config=None):
        super().__init__(config)
        self.pivots = None  # (n_seen, D) real class means
        self.seen = None  # (n_seen,) global class ids of the pivot rows
        self._rows = None  # (C,) global class id -> pivot row, rebuilt per phase

    @hookimpl
    def zslkit_fit_start(self, ctx: TrainContext) -> None:
        self.seen = ctx.seen_classes.clone()
        self.pivots = class_means(ctx.train_x, ctx.train_y, self.seen)
        self._rows = None

    @hookimpl
    def zslkit_generator_loss(self, ctx: TrainContext, batch: Batch, substep: str) -> dict | None:
        if substep != "main":
            return None
        if self._rows is None:  # first step of a phase, or after load_state_dict
            self._rows, self.pivots = row_index(self.seen, ctx.n_classes, ctx.device), self.pivots.to(ctx.device)
        return {"pivot/l2": self.config.weight * pivot_loss(batch.fake, self._rows[batch.y], self.pivots)}

    def state_dict(self) -> dict:
        return {} if self.pivots is None else {"pivots": self.pivots, "seen": self.seen}

    def load_state_dict(self, state: dict) -> None:
        self.pivots, self.seen, self._rows = state.get("pivots"), state.get("seen"), None
