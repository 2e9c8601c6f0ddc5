"""PenaltyLeakyReLU: LeakyReLU's values and first/second derivatives, without the zero second-order path."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from zslkit.builtin.wgancritic import gradient_penalty
from zslkit.layers import PenaltyLeakyReLU


def test_values_and_input_gradient_equal_leaky_relu():
    x = torch.tensor([-2.0, -0.5, 0.0, 0.3, 4.0], requires_grad=True)
    y = PenaltyLeakyReLU(0.2)(x)
    assert y.tolist() == pytest.approx([-0.4, -0.1, 0.0, 0.3, 4.0])
    y.backward(torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert x.grad.tolist() == pytest.approx([0.2, 0.4, 0.6, 4.0, 5.0])


def critic(activation: nn.Module) -> nn.Sequential:
    torch.manual_seed(3)
    return nn.Sequential(nn.Linear(6, 16), activation, nn.Linear(16, 1))


def test_gradient_penalty_trains_the_critic_exactly_like_nn_leaky_relu():
    x_hat = torch.rand(9, 6).requires_grad_(True)
    grads = []
    for activation in (nn.LeakyReLU(0.2), PenaltyLeakyReLU(0.2)):
        net = critic(activation)
        penalty = gradient_penalty(net(x_hat).squeeze(1), x_hat)
        params = list(net.parameters())
        found = torch.autograd.grad(penalty, params, allow_unused=True)  # the top bias cannot move a gradient
        grads.append((penalty.item(), [torch.zeros_like(p) if g is None else g for p, g in zip(params, found)]))
    (p_ref, g_ref), (p_new, g_new) = grads
    assert p_new == pytest.approx(p_ref, rel=1e-6)
    for ref, new in zip(g_ref, g_new):
        assert torch.allclose(ref, new, atol=1e-7, rtol=1e-5)
    assert any(float(g.abs().sum()) > 0 for g in g_new)  # the penalty does reach both layers


def test_bf16_input_keeps_its_dtype():
    assert PenaltyLeakyReLU(0.2)(torch.randn(4, 3).bfloat16()).dtype == torch.bfloat16
