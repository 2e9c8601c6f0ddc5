"""Build a plugin set and a training context at a given scale, and time the zslkit loop on it.

A `Scale` names the data sizes (a synthetic dataset shaped like CUB or AWA),
the plugin spec, and the dataset whose *shipped defaults* give the model
sizes (`zslkit/defaults/<name>.yaml`, read through the normal config
layers), plus `--set`-style overrides. The loop is driven exactly as
`zslkit.trainer.phase.run_phase` drives it per step (train_iteration,
track_finite, zslkit_step_end), without evaluation and checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zslkit.bench import perf_flops as flops
from zslkit.bench.perf_timing import time_calls


@dataclass(frozen=True)
class Scale:
    """What one iteration benchmark trains: data sizes, plugins, shipped defaults, overrides."""

    name: str
    spec: str
    defaults: str
    n_seen: int
    n_unseen: int
    n_attributes: int
    feature_dim: int = 2048
    samples_per_class: int = 59
    overrides: tuple[str, ...] = ()


# Pre-training is not timed here; a few R steps (one classifier epoch) give valid frozen modules of the right shape.
ITERATION_OVERRIDES = ("srn.iterations=5", "clsreg.epochs=1", "trainer.generator_updates=separate")


@dataclass
class Session:
    scale: Scale
    ctx: object
    plugin_set: object
    state: object
    configs: dict
    notes: list = field(default_factory=list)


def synthetic_task(scale: Scale, seed: int = 0):
    """A MinMax-scaled test task of the synthetic generator at the scale's sizes."""
    from zslkit.datasets.synthetic import Options, generate
    from zslkit.datasets.tasks import make_task, minmax_scale

    options = Options(n_seen=scale.n_seen, n_unseen=scale.n_unseen, n_val=max(1, scale.n_seen // 3),
                      n_attributes=scale.n_attributes, feature_dim=scale.feature_dim,
                      samples_per_class=scale.samples_per_class, seed=seed)
    return minmax_scale(make_task(generate(options), "test"))


def resolve_configs(scale: Scale, precision: str = "fp32", extra: tuple[str, ...] = ()):
    """(resolved spec, configs) from the shipped defaults of `scale.defaults` plus overrides."""
    from zslkit.config import resolve_config
    from zslkit.resolution import config_sections, resolve_spec

    resolved = resolve_spec(scale.spec)
    sections, inactive = config_sections(resolved, scale.defaults)
    overrides = [*ITERATION_OVERRIDES, *scale.overrides, f"trainer.precision={precision}", *extra]
    overrides = [o for o in overrides if o.split(".")[0] in sections]
    return resolved, resolve_config(sections, scale.defaults, None, overrides, inactive)


def build_session(scale: Scale, device, precision: str = "fp32", seed: int = 0, task=None) -> Session:
    """Modules built and pre-trained, optimizers made: ready for `train_iteration`."""
    from zslkit.manager import build_plugin_set
    from zslkit.trainer.phase import PhasePlan, make_context, prepare, seed_everything

    resolved, configs = resolve_configs(scale, precision)
    plugin_set = build_plugin_set(resolved, configs)
    task = task if task is not None else synthetic_task(scale, seed)
    seed_everything(seed)
    plan = PhasePlan("final", task, iterations=1 << 30, eval_steps=set(), seed=seed)
    ctx = make_context(plan, configs, device)
    state = prepare(ctx, plugin_set, None)
    frozen = {id(r.module) for r in ctx.registered.values() if r.role == "frozen"}
    for module in ctx.modules.values():
        module.train(id(module) not in frozen)
    return Session(scale, ctx, plugin_set, state, configs)


def step(session: Session) -> None:
    """One iteration as `run_phase` runs it, minus logging, evaluation and checkpoints."""
    from zslkit.trainer import loop

    ctx, plugin_set, state = session.ctx, session.plugin_set, session.state
    ctx.step += 1
    terms = loop.train_iteration(ctx, plugin_set, state)
    loop.track_finite(state, terms, ctx.step)
    plugin_set.call("zslkit_step_end", ctx=ctx, step=ctx.step, terms={k: v.detach() for k, v in terms.items()})


def model_flops(session: Session) -> dict[str, int]:
    """Model FLOPs of one iteration of this session, by part (see `zslkit.bench.perf_flops`)."""
    ctx, trainer = session.ctx, session.ctx.trainer
    shapes = {slot: flops.linear_shapes(m) for slot, m in ctx.modules.items()}
    return flops.iteration(shapes["generator"], flops.CriticShape.of(ctx.modules["critic"]), trainer.batch_size,
                           trainer.n_critic, pre=shapes.get("pre"), post=shapes.get("post"))


def measure(session: Session, repeats: int, peak_fp32: float | None, count_executed: bool = True) -> dict:
    """Time `repeats` iterations after one warm-up (counted for executed FLOPs when asked)."""
    return measure_interleaved([session], repeats, peak_fp32, count_executed)[0]


def measure_interleaved(sessions: list[Session], repeats: int, peak_fp32: float | None,
                        count_executed: bool = True) -> list[dict]:
    """Like `measure` for several sessions, timed in turns (A, B, A, B, ...).

    Their ratio (bf16 vs fp32, say) then compares iterations that ran under
    the same conditions, even when other work comes and goes on the machine.
    """
    from zslkit.trainer import loop

    executed = []
    for session in sessions:
        warm = lambda: step(session)  # noqa: E731
        executed.append(flops.executed_matmul_flops(warm) if count_executed else warm())
    times = [[] for _ in sessions]
    for _ in range(repeats):
        for session, spent in zip(sessions, times):
            spent.append(time_calls(lambda: step(session), session.ctx.device, warmup=0, repeats=1)["best_s"])
    for session in sessions:
        loop.raise_if_diverged(session.state)
    return [_summary(s, t, e if count_executed else None, peak_fp32) for s, t, e in zip(sessions, times, executed)]


def _summary(session: Session, times: list[float], executed: int | None, peak_fp32: float | None) -> dict:
    import statistics

    ctx = session.ctx
    parts = model_flops(session)
    total, best, b = sum(parts.values()), min(times), ctx.trainer.batch_size
    result = {
        "scale": session.scale.name, "spec": session.scale.spec, "defaults": session.scale.defaults,
        "batch_size": b, "n_critic": ctx.trainer.n_critic, "precision": ctx.trainer.precision,
        "sizes": {slot: flops.linear_shapes(m) for slot, m in sorted(ctx.modules.items())},
        "iterations_timed": len(times), "best_s": best, "median_s": statistics.median(times), "times_s": times,
        "iter_per_s": 1.0 / best, "samples_per_s": b / best,
        "model_flops": total, "model_flops_by_part": parts, "achieved_flops": total / best,
    }
    if executed is not None:
        result["executed_matmul_flops"] = executed
        result["executed_vs_model"] = executed / total
    if peak_fp32:
        result["fraction_of_fp32_peak"] = result["achieved_flops"] / peak_fp32
    return result
