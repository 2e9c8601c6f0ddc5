"""Measure changes proposed for files the perf benchmark does not own, before anyone makes them.

    .venv/bin/python benchmarks/proposed_changes.py [paper_cub|paper_awa|cpu_default|clswgan ...] [--repeats N] [--threads N]

Each variant patches the shipped code in this process only, then times the
zslkit loop and counts the matrix-multiply FLOPs it executes against the
model FLOPs (zslkit.bench.perf_flops). It prints the best wall time per
iteration and the process CPU seconds per iteration; on a machine shared with
other work, `--threads 1` gives CPU times that contention barely moves.

  shipped    the code as it is
  gp-split   the critic plugins (acgan, wgancritic) score real+fake in one forward and the
             gradient-penalty interpolates in a second one, so the penalty's gradient and
             double backward run on B rows instead of 3B
  +fused     ... and Adam with fused=True (zslkit.trainer.modules.make_optimizers)
  +act       ... and the critic's LeakyReLU as `ScaledLeakyReLU` below: same values and
             gradients, but its backward is `grad * saved_scale`, so the penalty's double
             backward sends nothing back into the forward activations (nn.LeakyReLU's sends
             a zero gradient there, which autograd multiplies out: one wasted weight gradient)
"""

from __future__ import annotations

import argparse
import contextlib
import os

import torch
import torch.nn.functional as F
from torch import nn


class _ScaledLeakyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, slope):
        scale = (x > 0).to(x.dtype).mul_(1.0 - slope).add_(slope)
        ctx.save_for_backward(scale)
        return x * scale

    @staticmethod
    def backward(ctx, grad):
        (scale,) = ctx.saved_tensors
        return grad * scale, None


class ScaledLeakyReLU(nn.Module):
    """LeakyReLU whose gradient is a product with a saved 0/1-slope scale (no second-order path to x)."""

    def __init__(self, slope: float):
        super().__init__()
        self.slope = slope

    def forward(self, x):
        return _ScaledLeakyReLU.apply(x, self.slope)


def _acgan_split(self, ctx, batch):
    from zslkit.builtin.wgancritic import gradient_penalty, interpolate

    b, target, critic = batch.size, self._heads[batch.y], ctx.modules["critic"]
    x_hat = interpolate(batch.x, batch.fake)
    scores, logits = critic(torch.cat([batch.x, batch.fake.to(batch.x.dtype)]))
    hat_scores = critic.score(critic.trunk(x_hat)).squeeze(1)
    return {"acgan/fake": scores[b:].mean(), "acgan/real": -scores[:b].mean(),
            "acgan/gp": self.config.gp_lambda * gradient_penalty(hat_scores, x_hat),
            "acgan/cls": self.config.cls_weight * F.cross_entropy(logits.float(), target.repeat(2))}


def _wgan_split(self, ctx, batch):
    from zslkit.builtin.wgancritic import gradient_penalty, interpolate

    b, critic = batch.size, ctx.modules["critic"]
    x_hat = interpolate(batch.x, batch.fake)
    scores = critic(torch.cat([batch.x, batch.fake.to(batch.x.dtype)]), batch.c.repeat(2, 1))
    return {"wgancritic/fake": scores[b:].mean(), "wgancritic/real": -scores[:b].mean(),
            "wgancritic/gp": self.config.gp_lambda * gradient_penalty(critic(x_hat, batch.c), x_hat)}


@contextlib.contextmanager
def patched(variant: str):
    from zslkit.builtin.wgancritic import ConditionalCriticPlugin
    from zslkit.plugin import hookimpl
    from zslkit.trainer import modules
    from zslkit_plugins.acgan import AuxClassifierCriticPlugin

    saved = [(AuxClassifierCriticPlugin, "zslkit_critic_loss"), (ConditionalCriticPlugin, "zslkit_critic_loss"),
             (modules.torch.optim, "Adam")]
    saved = [(owner, name, getattr(owner, name)) for owner, name in saved]
    try:
        if variant != "shipped":
            AuxClassifierCriticPlugin.zslkit_critic_loss = hookimpl(_acgan_split)
            ConditionalCriticPlugin.zslkit_critic_loss = hookimpl(_wgan_split)
        if variant in ("+fused", "+act"):
            adam = saved[2][2]
            modules.torch.optim.Adam = lambda *a, **k: adam(*a, **k, fused=True)
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def use_scaled_activation(critic: nn.Module) -> None:
    for name, child in critic.named_children():
        if isinstance(child, nn.LeakyReLU):
            setattr(critic, name, ScaledLeakyReLU(child.negative_slope))
        else:
            use_scaled_activation(child)


def measure(key: str, variant: str, repeats: int) -> dict:
    from zslkit.bench import perf_flops, perf_gan, perf_scales
    from zslkit.bench.perf_timing import time_calls

    with patched(variant):
        session = perf_gan.build_session(perf_scales.FULL[key], torch.device("cpu"))
        if variant == "+act":
            use_scaled_activation(session.ctx.modules["critic"])
        executed = perf_flops.executed_matmul_flops(lambda: perf_gan.step(session))
        cpu = _cpu_seconds()
        timing = time_calls(lambda: perf_gan.step(session), session.ctx.device, warmup=0, repeats=repeats)
        cpu = (_cpu_seconds() - cpu) / repeats
    model = sum(perf_gan.model_flops(session).values())
    return {"executed_vs_model": executed / model, "best_s": timing["best_s"], "median_s": timing["median_s"],
            "cpu_s": cpu, "model_gflop_per_s": model / timing["best_s"] / 1e9}


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def measure_reference(repeats: int) -> dict:
    """The reference-style f-CLSWGAN loop at the same sizes (for the clswgan scale)."""
    from zslkit.bench import perf_child, perf_gan, perf_scales
    from zslkit.bench.perf_timing import time_calls

    scale = perf_scales.FULL["clswgan"]
    loop = perf_child._reference_loop(scale, perf_gan.synthetic_task(scale), "cpu")
    loop.train_iteration()
    cpu = _cpu_seconds()
    timing = time_calls(loop.train_iteration, torch.device("cpu"), warmup=0, repeats=repeats)
    return {"best_s": timing["best_s"], "median_s": timing["median_s"], "cpu_s": (_cpu_seconds() - cpu) / repeats}


def main() -> None:
    from zslkit.perf_tuning import tune_allocator

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scales", nargs="*", default=["clswgan", "cpu_default", "paper_cub"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's own choice)")
    args = parser.parse_args()
    tune_allocator()
    if args.threads:
        torch.set_num_threads(args.threads)
    for key in args.scales:
        if key == "clswgan":
            r = measure_reference(args.repeats)
            print(f"{key:12s} reference best {r['best_s']:.3f} s  median {r['median_s']:.3f} s  "
                  f"CPU {r['cpu_s']:.3f} s/iter", flush=True)
        for variant in ("shipped", "gp-split", "+fused", "+act"):
            r = measure(key, variant, args.repeats)
            print(f"{key:12s} {variant:9s} executed/model {r['executed_vs_model']:.2f}  best {r['best_s']:.3f} s  "
                  f"median {r['median_s']:.3f} s  CPU {r['cpu_s']:.3f} s/iter  model {r['model_gflop_per_s']:.1f} "
                  "GFLOP/s", flush=True)


if __name__ == "__main__":
    main()
