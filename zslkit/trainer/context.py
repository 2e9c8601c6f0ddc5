"""What hooks see: the training context, a batch, a generator sub-step.

The context is a plain holder of the current phase's data (as device tensors),
sizes, configs and modules. Plugins read it; only the trainer writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import Tensor, nn

ROLES = ("generator", "critic", "frozen")


@dataclass
class Batch:
    """One mini-batch: real features, their classes, conditioning, noise, fakes.

    `c = ctx.cond_table[y]` (class semantics followed by every extra
    conditioning input) and `fake = G(c, z)`; both rows align with `x`.
    """

    x: Tensor
    y: Tensor
    c: Tensor
    z: Tensor
    fake: Tensor | None = None

    @property
    def size(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True)
class SubStep:
    """A named generator update with its own loss terms and trained slots."""

    name: str
    trains: tuple[str, ...]
    order: int = 0


@dataclass
class RegisteredModule:
    slot: str
    module: nn.Module
    role: str
    plugin: str
    lr: float | None = None


ModuleRegistrar = Callable[..., None]


@dataclass
class TrainContext:
    """The current phase as plugins see it (read-only for plugins).

    Attributes:
        phase: "validation" (model selection) or "final" (test numbers).
        task: the `ZSLTask` being trained on (NumPy arrays).
        device: where every tensor and module lives.
        train_x, train_y: seen-class training features (N, D) and global class
            ids (N,), on the device.
        semantics: (C, A) class semantics of every class, on the device.
        seen_classes, unseen_classes: global class ids (long tensors).
        cond_table: (C, cond_dim) generator conditioning of every class, set
            after `zslkit_condition`.
        modules: slot name -> module.
        configs: plugin name (and "trainer", "classifier", ...) -> config.
        step: the current iteration (0 before the loop).
    """

    phase: str
    task: Any
    device: torch.device
    train_x: Tensor
    train_y: Tensor
    semantics: Tensor
    seen_classes: Tensor
    unseen_classes: Tensor
    noise_dim: int
    configs: dict[str, Any]
    cond_dims: dict[str, int] = field(default_factory=dict)
    cond_table: Tensor | None = None
    modules: dict[str, nn.Module] = field(default_factory=dict)
    registered: dict[str, RegisteredModule] = field(default_factory=dict)
    step: int = 0
    reporter: Callable[..., None] | None = None
    plugin_states: dict = field(default_factory=dict)  # filled at the end of a phase

    @property
    def feature_dim(self) -> int:
        return int(self.train_x.shape[1])

    @property
    def attribute_dim(self) -> int:
        return int(self.semantics.shape[1])

    @property
    def n_classes(self) -> int:
        return int(self.semantics.shape[0])

    @property
    def cond_dim(self) -> int:
        return self.attribute_dim + sum(self.cond_dims.values())

    @property
    def class_names(self) -> list[str]:
        return list(self.task.class_names)

    @property
    def generator(self) -> nn.Module:
        return self.modules["generator"]

    @property
    def trainer(self) -> Any:
        return self.configs["trainer"]

    def sample_noise(self, n: int) -> Tensor:
        """Noise for the generator: N(0, I) of size (n, noise_dim) on the device."""
        return torch.randn(n, self.noise_dim, device=self.device)

    def seen_index(self) -> Tensor:
        """A (C,) map from global class id to 0..n_seen-1 (-1 for non-seen classes)."""
        index = torch.full((self.n_classes,), -1, dtype=torch.long, device=self.device)
        index[self.seen_classes] = torch.arange(len(self.seen_classes), device=self.device)
        return index

    def report(self, phase: str, step: int, total: int, terms: dict[str, float] | None = None) -> None:
        """Show progress of a plugin-owned loop (pre-training) in the run display."""
        if self.reporter is not None:
            self.reporter(phase, step, total, terms or {})
