"""Model FLOPs of a GAN training iteration, counted from Linear layer shapes.

The count is what an iteration *needs* (like "model FLOPs utilisation"), so
work an implementation does without need (a gradient of zeros, logits of
rows no loss reads) lowers its achieved fraction of the peak instead of
hiding in it. `executed_matmul_flops` measures what actually ran, for
comparison.

Counting rules, for a Linear(in, out) applied to B rows:
  R1 forward: 2·B·in·out.
  R2 backward: 2·B·in·out for the weight gradient when the layer trains in
     that step, plus 2·B·in·out for the input gradient when something below
     needs a gradient (a layer that trains, or an input that requires grad).
     A first layer fed by data that needs no gradient gets no input gradient.
  R3 gradient penalty (WGAN-GP) on B interpolated rows through the critic's
     score path: the first-order gradient w.r.t. the input is one
     input-gradient pass (2·B·in·out per layer); its backward (the double
     backward) costs, per layer, a weight gradient (2·B·in·out) plus, below
     the top layer, the gradient of the incoming gradient (2·B·in·out).
     Piecewise-linear activations have zero second derivative, so nothing
     flows back into the interpolates' forward activations: they get no
     weight gradient of their own.
  R4 not counted: biases, activations, losses, the pivot loss, Adam,
     sampling (O(B·width) each, well under 1 % at these sizes).
So a plain layer costs forward + 2× forward when it trains and passes a
gradient down (the usual "backward ≈ 2× forward").
"""

from __future__ import annotations

from dataclasses import dataclass, field

Layers = list[tuple[int, int]]


def linear_shapes(module) -> Layers:
    """(in_features, out_features) of every nn.Linear in `module`, in definition order."""
    from torch import nn

    return [(m.in_features, m.out_features) for m in module.modules() if isinstance(m, nn.Linear)]


def forward(layers: Layers, rows: int) -> int:
    """R1 for a chain of layers."""
    return sum(2 * rows * i * o for i, o in layers)


def backward(layers: Layers, rows: int, *, weights: bool = True, input_grad: bool = False) -> int:
    """R2 for a chain: weight gradients if it trains; input gradients down to where one is needed."""
    total = 0
    for k, (i, o) in enumerate(layers):
        unit = 2 * rows * i * o
        if weights:
            total += unit
        if input_grad or (weights and k > 0):
            total += unit
    return total


def gradient_penalty(layers: Layers, rows: int) -> int:
    """R3 for the critic's score path (input to score); the forward is counted separately."""
    first_order = sum(2 * rows * i * o for i, o in layers)
    double = sum(2 * rows * i * o * (1 if k == len(layers) - 1 else 2) for k, (i, o) in enumerate(layers))
    return first_order + double


@dataclass
class CriticShape:
    """A critic as a score path (input -> ... -> 1) plus side heads on its last hidden layer."""

    score_path: Layers
    heads: Layers = field(default_factory=list)

    @classmethod
    def of(cls, module) -> "CriticShape":
        """Split a critic's Linear layers at the first one with a single output (the score)."""
        layers = linear_shapes(module)
        cut = next(k for k, (_, o) in enumerate(layers) if o == 1) + 1
        return cls(layers[:cut], layers[cut:])


def critic_step(critic: CriticShape, b: int) -> int:
    """One critic update: D on real and fake (B each) trains, plus the penalty on B interpolates."""
    real_fake = 2 * b
    flops = forward(critic.score_path, 3 * b) + forward(critic.heads, real_fake)
    flops += backward(critic.score_path, real_fake) + backward(critic.heads, real_fake, input_grad=True)
    return flops + gradient_penalty(critic.score_path, b)


def critic_as_loss(critic: CriticShape, b: int) -> int:
    """The critic inside a generator loss: forward, input gradients only (it does not train)."""
    return (forward(critic.score_path, b) + forward(critic.heads, b)
            + backward(critic.score_path, b, weights=False, input_grad=True)
            + backward(critic.heads, b, weights=False, input_grad=True))


def iteration(gen: Layers, critic: CriticShape, b: int, n_critic: int,
              pre: Layers | None = None, post: Layers | None = None) -> dict[str, int]:
    """Model FLOPs of one iteration by part (the zslkit loop's schedule, Algorithm 1).

    Fakes for all critic steps come from one generator forward (no gradient);
    each generator sub-step recomputes G(c, z) since G changed in the one before.
    """
    parts = {"fake generation": forward(gen, n_critic * b), "critic steps": n_critic * critic_step(critic, b)}
    g_train = forward(gen, b) + backward(gen, b)
    parts["generator main"] = g_train + critic_as_loss(critic, b)
    if pre:  # G(c, E(x)): G's first layer also passes a gradient down to E
        parts["generator pre"] = (forward(pre, b) + backward(pre, b) + forward(gen, b)
                                  + backward(gen, b, input_grad=True))
    if post:  # F(G(c, z)): F passes a gradient down into G
        parts["generator post"] = g_train + forward(post, b) + backward(post, b, input_grad=True)
    return parts


def executed_matmul_flops(fn) -> int:
    """FLOPs of every matrix multiply that `fn()` actually runs (mm, addmm, bmm, baddbmm).

    Uses a torch dispatch mode, so it sees the backward and double-backward
    kernels that autograd launches, including multiplications by zeros.
    """
    from torch.utils._python_dispatch import TorchDispatchMode

    class _Count(TorchDispatchMode):
        total = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            name = func.__name__.split(".")[0]
            if name in ("mm", "bmm", "addmm", "baddbmm"):
                a, b = (args[0], args[1]) if name in ("mm", "bmm") else (args[1], args[2])
                batch = a.shape[0] if a.dim() == 3 else 1
                _Count.total += 2 * batch * a.shape[-2] * a.shape[-1] * b.shape[-1]
            return func(*args, **(kwargs or {}))

    with _Count():
        fn()
    return _Count.total
