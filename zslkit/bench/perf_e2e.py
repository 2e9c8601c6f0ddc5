"""An end-to-end `zslkit run`, timed by phase, with its peak resident memory.

The timing is added from outside: `phase_timers()` wraps the functions a
run calls at each phase boundary (module attributes looked up at call
time), so no trainer code carries benchmark hooks:

    pre-training      PluginSet.call("zslkit_pretrain")       (SRN's Eq. 2 training)
    GAN training      zslkit.trainer.loop.train_iteration
    synthesis         zslkit.trainer.evaluation.synthesize
    final classifier  zslkit.evaluation.predictor.fit_predictor + predictor_scores
    evaluation        evaluate_phase minus the two above (metrics, calibration, AUSUC, plugin metrics)
    checkpoints       RunStore.save_checkpoint
    setup             zslkit.runsetup.prepare_run (config, data generation, tasks)
    other             the rest of the wall time (module loads, step bookkeeping, model.pt, metrics)

Run it in a child process (`zslkit.bench.perf_child`) so the peak RSS is the run's own.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections import defaultdict

from zslkit.bench.perf_timing import minor_faults, peak_rss_bytes

PHASES = ("setup", "pre-training", "GAN training", "synthesis", "final classifier", "evaluation", "checkpoints", "other")


class PhaseClock:
    """Seconds and call counts per wrapped function."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.calls = defaultdict(int)
        self.info = {}

    def wrap(self, name: str, fn, when=None):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if when is not None and not when(*args, **kwargs):
                return fn(*args, **kwargs)
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
                self.calls[name] += 1
        return timed

    def record_data(self, fn):
        """Wrap the dataset loader to note the dataset's size."""
        @functools.wraps(fn)
        def loader(*args, **kwargs):
            data = fn(*args, **kwargs)
            self.info["dataset"] = {"samples": int(data.features.shape[0]), "feature_dim": int(data.features.shape[1]),
                                    "attributes": int(data.attributes.shape[1]), "classes": int(data.attributes.shape[0]),
                                    "unseen_classes": int(len(data.unseen_classes))}
            return data
        return loader

    def phases(self, wall: float) -> dict[str, float]:
        """Exclusive seconds per phase; they add up to `wall`."""
        s = self.seconds
        classifier = s["fit_predictor"] + s["predictor_scores"]
        out = {"setup": s["prepare_run"], "pre-training": s["pretrain"], "GAN training": s["train_iteration"],
               "synthesis": s["synthesize"], "final classifier": classifier,
               "evaluation": max(0.0, s["evaluate_phase"] - s["synthesize"] - classifier),
               "checkpoints": s["save_checkpoint"]}
        out["other"] = max(0.0, wall - sum(out.values()))
        return out


def _targets():
    """(module or class, attribute, clock name, condition) of every patched call site."""
    from zslkit import runsetup
    from zslkit.evaluation import predictor
    from zslkit.manager import PluginSet
    from zslkit.runstore import RunStore
    from zslkit.trainer import evaluation, loop, phase

    return [
        (runsetup, "prepare_run", "prepare_run", None),
        (PluginSet, "call", "pretrain", lambda self, hook, **kw: hook == "zslkit_pretrain"),
        (loop, "train_iteration", "train_iteration", None),
        (evaluation, "synthesize", "synthesize", None),
        (predictor, "fit_predictor", "fit_predictor", None),
        (predictor, "predictor_scores", "predictor_scores", None),
        (phase, "evaluate_phase", "evaluate_phase", None),
        (RunStore, "save_checkpoint", "save_checkpoint", None),
    ]


@contextlib.contextmanager
def phase_timers():
    """Patch the call sites above for the duration of the block; yields the PhaseClock."""
    clock = PhaseClock()
    saved = []
    try:
        from zslkit import runsetup

        for owner, attr, name, when in _targets():
            original = getattr(owner, attr)
            saved.append((owner, attr, original))
            setattr(owner, attr, clock.wrap(name, original, when))
        saved.append((runsetup, "_load_data", runsetup._load_data))
        runsetup._load_data = clock.record_data(runsetup._load_data)
        yield clock
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)


def timed_run(argv: list[str], run_dir: str) -> dict:
    """Run `zslkit <argv>` (which writes `run_dir`) in this process, timed by phase.

    Returns wall and per-phase seconds, call counts, the process's peak RSS,
    its minor page faults during the run and the run's metrics.json.
    """
    import json
    from pathlib import Path

    from zslkit.cli import cli

    faults = minor_faults()
    with phase_timers() as clock:
        start = time.perf_counter()
        cli.main(args=list(argv), prog_name="zslkit", standalone_mode=False)
        wall = time.perf_counter() - start
    metrics = json.loads((Path(run_dir) / "metrics.json").read_text(encoding="utf-8"))
    return {"argv": list(argv), "wall_s": wall, "phases_s": clock.phases(wall),
            "calls": {k: clock.calls[k] for k in ("train_iteration", "evaluate_phase", "pretrain")},
            "peak_rss_bytes": peak_rss_bytes(), "minor_faults": minor_faults() - faults, "metrics": metrics,
            **clock.info}


# ----------------------------------------------------------------------------- the parent's side

SHORT_ITERATIONS = 100
SHORT_EVAL_EVERY = 50


def run_argv(device, run_dir: str, seed: int = 0, options: tuple = (), sets: tuple = ()) -> list[str]:
    """`zslkit run` arguments for the full SR-GAN on the synthetic dataset with the shipped CPU defaults."""
    from zslkit.bench.perf_scales import SRGAN

    argv = ["run", "--plugins", SRGAN, "--dataset", "synthetic", "--seed", str(seed), "--quiet",
            "--device", str(device), "--out", run_dir, *options]
    for item in sets:
        argv += ["--set", item]
    return argv


def mode_sets(opts) -> tuple[str, ...]:
    """--set items of the e2e run: CUB-sized data, shortened in "short" mode, toy in --quick."""
    from zslkit.bench import perf_scales

    if opts.quick:
        return (*perf_scales.TINY_DATA, *perf_scales.TINY_RUN)
    short = (f"trainer.iterations={SHORT_ITERATIONS}", f"trainer.eval_every={SHORT_EVAL_EVERY}")
    return (*perf_scales.CUB_SIZED_DATA, *(short if opts.e2e == "short" else ()))


def shipped_schedule() -> dict:
    """Iterations and evaluations per phase that synthetic.yaml gives a full run."""
    from zslkit.bench.perf_gan import Scale, resolve_configs
    from zslkit.bench.perf_scales import SRGAN

    trainer = resolve_configs(Scale("shipped", SRGAN, "synthetic", 1, 1, 1), extra=())[1]["trainer"]
    return {"iterations": trainer.iterations, "eval_every": trainer.eval_every,
            "validation_evaluations": len(set(range(trainer.eval_every, trainer.iterations + 1, trainer.eval_every))
                                          | {trainer.iterations})}


def project_full(short: dict, schedule: dict) -> dict:
    """Upper-bound estimate of a full run from a short one (the final phase assumed to train every iteration).

    GAN training scales with the iteration count, synthesis/classifier/evaluation
    with the evaluation count; the rest (setup, pre-training, checkpoints) is kept.
    """
    p = short["phases_s"]
    iters = 2 * schedule["iterations"] / max(short["calls"]["train_iteration"], 1)
    evals = (schedule["validation_evaluations"] + 2) / max(short["calls"]["evaluate_phase"], 1)
    projected = dict(p)
    projected["GAN training"] = p["GAN training"] * iters
    for name in ("synthesis", "final classifier", "evaluation"):
        projected[name] = p[name] * evals
    total = sum(projected.values())
    share = (projected["final classifier"] + projected["evaluation"]) / total
    return {"phases_s": projected, "wall_s": total, "classifier_and_evaluation_share": share,
            "iteration_factor": iters, "evaluation_factor": evals}


def measure(opts, device, tune: bool = True) -> dict:
    """One end-to-end run in a child process, plus (short mode) an upper-bound projection of the full run."""
    import tempfile
    from pathlib import Path

    from zslkit.bench.perf_child import spawn

    with tempfile.TemporaryDirectory(prefix="zslkit-perf-run-") as tmp:
        run_dir = str(Path(tmp) / "run")
        spec = {"kind": "e2e", "tune": tune, "argv": run_argv(device, run_dir, sets=mode_sets(opts)), "run_dir": run_dir,
                "threads": opts.threads}
        result = spawn(spec)
    metrics = result.pop("metrics")
    phases = result["phases_s"]
    result["mode"] = "quick" if opts.quick else opts.e2e
    result["result"] = {k: metrics["result"].get(k) for k in ("T1", "U", "S", "H")}
    result["classifier_and_evaluation_share"] = (phases["final classifier"] + phases["evaluation"]) / result["wall_s"]
    if result["mode"] == "short":
        result["projection"] = project_full(result, shipped_schedule())
    return result
