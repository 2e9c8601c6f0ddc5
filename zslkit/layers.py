"""Layers shared by critics: a LeakyReLU that keeps the gradient penalty's double backward lean.

WGAN-GP differentiates the critic's input gradient once more. `nn.LeakyReLU`'s
backward is recorded as a function of its input, so that second pass also
sends an (always zero: the slope is piecewise constant) gradient back into the
forward activations, and autograd spends a full weight-gradient matmul
multiplying it out. `PenaltyLeakyReLU` saves the per-element slope instead and
backpropagates `grad * slope`: the same values and the same first and second
derivatives, without the zero path.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class _SlopeScaled(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor, negative_slope: float) -> Tensor:
        slope = torch.where(x > 0, 1.0, negative_slope).to(x.dtype)
        ctx.save_for_backward(slope)
        return x * slope

    @staticmethod
    def backward(ctx, grad: Tensor):
        (slope,) = ctx.saved_tensors
        return grad * slope, None


class PenaltyLeakyReLU(nn.Module):
    """LeakyReLU(x) = x if x > 0 else slope * x, with a backward that is linear in the incoming gradient only."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return _SlopeScaled.apply(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"
