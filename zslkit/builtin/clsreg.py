"""f-CLSWGAN's classification regulariser: a frozen seen-class softmax classifier's cross-entropy on the fakes.

Xian et al., "Feature Generating Networks for Zero-Shot Learning" (CVPR 2018), Eq. 4: the generator also
minimises beta * E[-log P(y | G(z, a_y); theta)], where P is a softmax classifier over the seen classes whose
parameters theta are trained on real seen features beforehand and then held fixed.

What follows the authors' public code (`clswgan.py`, `classifier.py`), as facts, not copied code:
* the classifier is linear, Linear(D -> n_seen) followed by a log-softmax (`LINEAR_LOGSOFTMAX`), weights
  N(0, 0.02) and zero biases (`weights_init`); its loss is the mean negative log-likelihood over the batch,
  i.e. the cross-entropy of the logits;
* it is trained on the real seen training features, labels mapped to 0..n_seen-1, before the GAN, with its
  own Adam (lr 0.001, betas (0.5, 0.999)) on mini-batches of 100 taken in order from a stream of random
  permutations (an epoch is ceil(N / 100) steps), for 50 epochs, with no model selection; then frozen;
* in every generator step the term is added to the WGAN loss weighted by `cls_weight` (0.01 in the run
  scripts for CUB, AWA1 and SUN; 0.1 for FLO), the fakes carrying the labels of the batch that made them.

The classifier sits in the slot "seen_classifier" with role "frozen": the trainer freezes it after
`zslkit_pretrain`, keeps it out of every optimizer, and checkpoints and restores it with the other modules.
It is rebuilt and re-trained in each phase, on that phase's seen classes (validation and final differ).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from zslkit.plugin import Plugin, hookimpl
from zslkit.settings import opt
from zslkit.trainer.context import Batch, TrainContext

SLOT = "seen_classifier"


def build_classifier(feature_dim: int, n_seen: int) -> nn.Linear:
    """The softmax classifier's logits: Linear(D -> n_seen), weights N(0, 0.02), biases 0."""
    layer = nn.Linear(feature_dim, n_seen)
    nn.init.normal_(layer.weight, 0.0, 0.02)
    nn.init.zeros_(layer.bias)
    return layer


def permutation_batches(n: int, size: int, steps: int, device) -> list[Tensor]:
    """`steps` index batches of `size`, taken in order from a stream of random permutations of range(n).

    A batch that crosses the end of one permutation continues into the next, so every sample is seen once
    per pass and every batch is full. Uses the global torch RNG.
    """
    batches, buffer = [], torch.empty(0, dtype=torch.long, device=device)
    for _ in range(steps):
        while buffer.numel() < size:
            buffer = torch.cat([buffer, torch.randperm(n, device=device)])
        batches.append(buffer[:size])
        buffer = buffer[size:]
    return batches


def train_classifier(net: nn.Module, x: Tensor, target: Tensor, *, epochs: int, lr: float, beta1: float,
                     batch_size: int, report=None) -> dict:
    """Fit `net` to (x, target) with Adam(lr, (beta1, 0.999)) for `epochs` passes; its final loss and accuracy."""
    optimizer = torch.optim.Adam(net.parameters(), lr=lr, betas=(beta1, 0.999))
    per_epoch = math.ceil(x.shape[0] / batch_size)
    batches = permutation_batches(x.shape[0], batch_size, epochs * per_epoch, x.device)
    net.train()
    for epoch in range(epochs):
        for idx in batches[epoch * per_epoch:(epoch + 1) * per_epoch]:
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(x[idx]), target[idx])
            loss.backward()
            optimizer.step()
        if report is not None and ((epoch + 1) % 10 == 0 or epoch + 1 == epochs):
            report(epoch + 1, epochs, {"ce": float(loss.detach())})
    optimizer.zero_grad(set_to_none=True)  # the frozen module keeps no gradient
    with torch.no_grad():
        logits = net(x)
        return {"loss": float(F.cross_entropy(logits, target)),
                "accuracy": float((logits.argmax(dim=1) == target).float().mean())}


class ClassificationRegulariserPlugin(Plugin):
    """f-CLSWGAN's Eq. 4: cross-entropy of a frozen, pre-trained seen-class softmax classifier on the fakes."""

    name = "clsreg"
    provides = ("seen_classifier",)
    requires = ("generator",)

    @dataclass
    class Config:
        weight: float = opt(0.01, "beta of Eq. 4: weight of the classification loss (f-CLSWGAN cls_weight: "
                                  "0.01 for CUB, AWA1, SUN; 0.1 for FLO)")
        epochs: int = opt(50, "pre-training epochs of the softmax classifier (f-CLSWGAN: 50)")
        lr: float = opt(1e-3, "Adam learning rate of the classifier's pre-training (f-CLSWGAN: 0.001)")
        beta1: float = opt(0.5, "Adam beta1 of the classifier's pre-training (f-CLSWGAN: 0.5; beta2 0.999)")
        batch_size: int = opt(100, "mini-batch size of the classifier's pre-training (f-CLSWGAN: 100)")

    def __init__(self, config=None):
        super().__init__(config)
        self._index = None  # (C,) global class id -> classifier output, set per phase
        self.fit = {}  # the classifier's loss and accuracy on the real seen training features

    @hookimpl
    def zslkit_build_modules(self, ctx: TrainContext, register) -> None:
        register(SLOT, build_classifier(ctx.feature_dim, len(ctx.seen_classes)), "frozen")
        self._index = ctx.seen_index()

    @hookimpl
    def zslkit_pretrain(self, ctx: TrainContext) -> None:
        """Train theta on the task's real seen features (labels mapped to seen indices); the trainer then freezes it."""
        cfg = self.config
        report = lambda step, total, terms: ctx.report("clsreg pretrain", step, total, terms)  # noqa: E731
        self.fit = train_classifier(ctx.modules[SLOT], ctx.train_x, self._index[ctx.train_y], epochs=cfg.epochs,
                                    lr=cfg.lr, beta1=cfg.beta1, batch_size=cfg.batch_size, report=report)

    @hookimpl
    def zslkit_generator_loss(self, ctx: TrainContext, batch: Batch, substep: str) -> dict | None:
        """beta * mean cross-entropy of the frozen classifier on G(c, z), the targets being the batch's classes."""
        if substep != "main":
            return None
        logits = ctx.modules[SLOT](batch.fake)
        return {"clsreg/ce": self.config.weight * F.cross_entropy(logits.float(), self._index[batch.y])}

    def state_dict(self) -> dict:
        return {"fit": dict(self.fit)}

    def load_state_dict(self, state: dict) -> None:
        self.fit = dict(state.get("fit", {}))
