"""A complete zslkit plugin in one file: pull synthesized features toward their class means.

Select it without packaging:

    zslkit run --plugins docs/examples/class_mean_pull.py:ClassMeanPull --dataset synthetic

The docs (docs/writing-plugins.md) walk through it line by line; the test
suite runs it (tests/trainer/test_local_plugin.py).
"""

from dataclasses import dataclass

import torch

from zslkit.plugin import Plugin, hookimpl
from zslkit.settings import opt


class ClassMeanPull(Plugin):
    """Pull each synthesized feature toward the real mean of its class (seen classes)."""

    name = "classmean"
    requires = ("generator",)

    @dataclass
    class Config:
        weight: float = opt(0.1, "weight of the squared distance to the class mean")

    def __init__(self, config=None):
        super().__init__(config)
        self.means = None

    @hookimpl
    def zslkit_fit_start(self, ctx):
        # Class means of the real seen-class training features, one row per class id.
        sums = torch.zeros(ctx.n_classes, ctx.feature_dim, device=ctx.device)
        sums.index_add_(0, ctx.train_y, ctx.train_x)
        counts = torch.bincount(ctx.train_y, minlength=ctx.n_classes).clamp(min=1)
        self.means = sums / counts.unsqueeze(1)

    @hookimpl
    def zslkit_generator_loss(self, batch, substep):
        if substep != "main":
            return None
        distance = (batch.fake - self.means[batch.y]).pow(2).sum(dim=1).mean()
        return {"classmean/pull": self.config.weight * distance}

    def state_dict(self):
        return {} if self.means is None else {"means": self.means}

    def load_state_dict(self, state):
        self.means = state.get("means")
