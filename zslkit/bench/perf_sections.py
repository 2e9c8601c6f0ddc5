"""The measurements of `benchmarks/perf`, one function per section of its report.

Each takes the run's options (`PerfOptions`) and what earlier sections
measured, and returns a JSON-ready dict. Ratios that a target reads are
always of two numbers measured in this same run.
"""

from __future__ import annotations

import gc
import os
import platform
import tempfile
from dataclasses import dataclass
from pathlib import Path

from zslkit.bench import perf_scales
from zslkit.bench.perf_child import spawn
from zslkit.bench.perf_e2e import run_argv


@dataclass
class PerfOptions:
    quick: bool = False
    device: str = "auto"
    e2e: str = "short"  # short | full | skip (see zslkit.bench.perf_e2e)
    bf16_quality: bool = False
    out: Path | None = None
    threads: int = 0  # torch threads in this process and every child (0: torch's default)
    only: tuple = ("srgan", "clswgan", "e2e")  # the parts to run (the peak is always measured)

    @property
    def scales(self):
        return perf_scales.scales(self.quick)


def machine(device) -> dict:
    import torch

    info = {"platform": platform.platform(), "python": platform.python_version(), "torch": torch.__version__,
            "cpu": _cpu_model(), "logical_cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "device": str(device)}
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> list[float] | None:
    """1/5/15-minute load averages: other work on the machine skews every timing."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def peak(opts: PerfOptions, device) -> dict:
    from zslkit.bench.perf_peak import FULL_SIZES, QUICK_SIZES, measure_peak

    sizes = QUICK_SIZES if opts.quick else FULL_SIZES + ((8192,) if device.type == "cuda" else ())
    return measure_peak(device, sizes)


# Timed iterations per scale: at least MIN_REPEATS, and enough to fill about TIME_BUDGET_S, so a 0.15-s
# iteration is not judged on three samples (run-to-run spread was 20 % that way) while a 12-s one stays at 3.
MIN_REPEATS, MAX_REPEATS, TIME_BUDGET_S = 3, 40, 6.0


def _repeats(opts: PerfOptions, device, probe_s: float | None = None) -> int:
    """Timed iterations: fixed for --quick and devices, from a probe iteration's time on the CPU."""
    if opts.quick:
        return 2
    if device.type != "cpu" or probe_s is None:
        return MIN_REPEATS if device.type == "cpu" else 10
    return max(MIN_REPEATS, min(MAX_REPEATS, int(TIME_BUDGET_S / max(probe_s, 1e-6))))


def srgan_iteration(opts: PerfOptions, device, key: str, peak_fp32: float, precisions=("fp32",)) -> list[dict]:
    """Iteration speed and model-FLOP fraction of the fp32 peak at one scale, per precision.

    Several precisions are timed in turns (see `measure_interleaved`), so
    their speed ratio compares iterations run under the same conditions.
    """
    from zslkit.bench.perf_gan import build_session, measure_interleaved, step, synthetic_task
    from zslkit.bench.perf_timing import time_calls

    task = synthetic_task(opts.scales[key])
    sessions = [build_session(opts.scales[key], device, precision=p, task=task) for p in precisions]
    try:
        probe = None if opts.quick else time_calls(lambda: step(sessions[0]), device, warmup=0, repeats=1)["best_s"]
        before = _local_peak(opts, device)
        results = measure_interleaved(sessions, _repeats(opts, device, probe), peak_fp32)
        local = max(before, _local_peak(opts, device))
    finally:
        sessions.clear()  # free the models before the next scale builds its own
        gc.collect()
    for result in results:  # the same yardstick taken right around these iterations, for reference
        result["local_fp32_peak"] = local
        result["fraction_of_local_fp32_peak"] = result["achieved_flops"] / local
    return results


def _local_peak(opts: PerfOptions, device) -> float:
    import torch

    from zslkit.bench.perf_peak import matmul_rate

    return matmul_rate(1024 if opts.quick else 4096, torch.float32, device, repeats=2)


def clswgan_loops(opts: PerfOptions, device) -> dict:
    """zslkit's `clswgan` preset and the reference-style loop, each with and without malloc tuning.

    Every measurement runs in a fresh child process, since the allocator
    setting is process-wide; the four share the model, sizes and step counts.
    They run in interleaved rounds and each keeps its best round, so a burst
    of other work on the machine does not land on one configuration only.
    """
    from dataclasses import asdict

    scale = asdict(opts.scales["clswgan"])
    warmup, repeats, rounds = (1, 2, 1) if opts.quick else (2, 5, 2)
    runs = {}
    for _ in range(rounds):
        for loop in ("zslkit", "reference"):
            for tune in (True, False):
                spec = {"kind": "loop", "loop": loop, "tune": tune, "scale": scale, "warmup": warmup,
                        "repeats": repeats, "device": str(device), "threads": opts.threads}
                runs.setdefault(f"{loop}_{'tuned' if tune else 'untuned'}", []).append(spawn(spec))
    results = {key: {**min(found, key=lambda r: r["best_s"]), "rounds_best_s": [r["best_s"] for r in found]}
               for key, found in runs.items()}
    return {"scale": scale, **results, **_clswgan_ratios(results)}


def _clswgan_ratios(r: dict) -> dict:
    best = {k: v["best_s"] for k, v in r.items()}
    return {
        "speedup_shipped_vs_public": best["reference_untuned"] / best["zslkit_tuned"],
        "speedup_loop_only_tuned": best["reference_tuned"] / best["zslkit_tuned"],
        "speedup_loop_only_untuned": best["reference_untuned"] / best["zslkit_untuned"],
        "malloc_speedup_zslkit": best["zslkit_untuned"] / best["zslkit_tuned"],
        "malloc_speedup_reference": best["reference_untuned"] / best["reference_tuned"],
        "fault_reduction_zslkit": _ratio(r["zslkit_untuned"]["faults_per_iter"], r["zslkit_tuned"]["faults_per_iter"]),
        "fault_reduction_reference": _ratio(r["reference_untuned"]["faults_per_iter"],
                                            r["reference_tuned"]["faults_per_iter"]),
    }


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def bf16_quality(opts: PerfOptions, device, seeds=(0, 1, 2)) -> dict:
    """H of a small synthetic run (shipped synthetic defaults) over seeds, fp32 vs bf16 autocast."""
    import statistics

    out = {}
    for precision in ("fp32", "bf16"):
        hs = []
        for seed in seeds:
            with tempfile.TemporaryDirectory(prefix="zslkit-perf-q-") as tmp:
                run_dir = str(Path(tmp) / "run")
                sets = (*perf_scales.TINY_DATA, *perf_scales.TINY_RUN) if opts.quick else ()
                argv = run_argv(device, run_dir, seed, ("--select", "last"), (*sets, f"trainer.precision={precision}"))
                spec = {"kind": "e2e", "tune": True, "argv": argv, "run_dir": run_dir, "threads": opts.threads}
                hs.append(spawn(spec)["metrics"]["result"]["H"])
        out[precision] = {"H": hs, "mean_H": statistics.mean(hs), "stdev_H": statistics.stdev(hs) if len(hs) > 1 else 0.0}
    out["seeds"] = list(seeds)
    return out
