"""A whole run: resolve plugins and config, load data, train the phases, report.

This is what `zslkit run` calls. With the default selection mode it trains a
validation phase (validation classes play unseen), chooses iterations and
calibration there, then retrains on train+val and evaluates on test at the
chosen iterations.
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

from zslkit import __version__
from zslkit.errors import ZslkitError
from zslkit.runstore import RunStore
from zslkit.trainer import selection

PHASE_SEED_OFFSET = {"validation": 1, "final": 2}


@dataclass
class RunOptions:
    plugins: str = ""
    dataset: str = "synthetic"
    seed: int = 0
    device: str = "auto"
    out: Path | None = None
    config_file: Path | None = None
    overrides: tuple[str, ...] = ()
    select: str | None = None
    data_root: str | None = None
    quiet: bool = False
    resume: Path | None = None
    threads: int = 0


@dataclass
class Prepared:
    """Everything resolved before training starts."""

    resolved: object
    configs: dict
    data: object
    store: RunStore
    device: object
    header: dict
    tasks: dict = field(default_factory=dict)


def pick_device(name: str):
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ZslkitError("--device cuda: no CUDA device is available here (use --device cpu or auto)")
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise ZslkitError(f"--device {name}: expected auto, cpu, cuda or cuda:N")
    return torch.device(name)


def default_out(dataset: str, seed: int) -> Path:
    return Path("runs") / f"{time.strftime('%Y%m%d-%H%M%S')}-{dataset}-seed{seed}"


def versions() -> dict:
    import numpy
    import torch

    return {"zslkit": __version__, "torch": torch.__version__, "numpy": numpy.__version__,
            "python": platform.python_version()}


def execute(opts: RunOptions, display) -> dict:
    """Run (or resume) to the end and return the metrics written to metrics.json."""
    from zslkit.perf_tuning import tune_allocator
    from zslkit.runsetup import prepare_run

    from zslkit.threads import apply_threads, contention_note

    allocator = tune_allocator()  # documented in zslkit/perf_tuning.py; ZSLKIT_NO_MALLOC_TUNING=1 opts out
    threads = apply_threads(opts.threads)
    prepared = prepare_run(opts)  # bad input fails first, as one line, before any note
    note = contention_note(threads)
    if note:
        display.message(note)
    prepared.header["allocator_tuning"] = allocator
    prepared.header["torch_threads"] = threads
    return train_and_report(prepared, display)


def train_and_report(prepared: Prepared, display) -> dict:
    from zslkit.trainer.phase import PhasePlan, run_phase

    configs, store = prepared.configs, prepared.store
    mode = configs["selection"].mode
    trainer = configs["trainer"]
    seed = prepared.header["seed"]
    timings, histories, choice = {}, {}, None
    last = store.load_checkpoint("last")
    finished_validation = store.load_checkpoint("validation")
    if mode == "validation":
        if finished_validation is None:
            plan = PhasePlan("validation", prepared.tasks["validation"], trainer.iterations,
                             _eval_steps(trainer), seed * 10 + PHASE_SEED_OFFSET["validation"])
            resume = last if last is not None and last["phase"] == "validation" else None
            started = time.perf_counter()
            result, _ = run_phase(plan, _plugin_set(prepared), configs, prepared.device, store, display, resume)
            timings["validation"] = time.perf_counter() - started
            finished_validation = {"history": result.history}
            store.save_phase("validation", finished_validation)
            last = None
        histories["validation"] = finished_validation["history"]
        choice = selection.choose_on_validation(histories["validation"])
        plan = PhasePlan("final", prepared.tasks["test"], max(choice["T1_step"], choice["H_step"]),
                         selection.final_eval_steps(choice), seed * 10 + PHASE_SEED_OFFSET["final"], choice["gamma"])
    else:
        steps = _eval_steps(trainer) if mode == "test" else {trainer.iterations}
        plan = PhasePlan("final", prepared.tasks["test"], trainer.iterations, steps,
                         seed * 10 + PHASE_SEED_OFFSET["final"])
    resume = last if last is not None and last["phase"] == "final" else None
    started = time.perf_counter()
    result, ctx = run_phase(plan, _plugin_set(prepared), configs, prepared.device, store, display, resume)
    timings["final"] = time.perf_counter() - started
    histories["final"] = result.history
    report = selection.report(result.history, mode, choice)
    metrics = {**prepared.header, "run_dir": str(store.root), "selection": mode, "test_selected": mode == "test",
               "classifier": configs["classifier"].kind, "result": report, "validation_choice": choice,
               "history": histories, "final_terms": result.last_terms, "versions": versions(),
               "timings_s": timings}
    from zslkit.predict import save_model

    save_model(store, ctx, plan, report, ctx.plugin_states)
    store.write_metrics(metrics)
    return metrics


def _eval_steps(trainer) -> set[int]:
    steps = set(range(trainer.eval_every, trainer.iterations + 1, trainer.eval_every))
    return steps | {trainer.iterations}


def _plugin_set(prepared: Prepared):
    from zslkit.manager import build_plugin_set

    return build_plugin_set(prepared.resolved, prepared.configs)
