"""Child processes of the perf benchmark: one fresh interpreter per measurement that needs one.

    python -m zslkit.bench.perf_child SPEC.json RESULT.json

A child is needed where a setting is process-wide and must differ between
two measurements (glibc malloc tuning: with and without), and where a
measurement is of the process itself (an end-to-end run's peak RSS). The
spec is a JSON object: {"kind": "loop" | "e2e", "tune": bool, ...}; the
result is written atomically as JSON. `run_spec` runs a spec in the current
process (the smoke test uses that).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zslkit.perf_tuning import OPT_OUT_ENV, tune_allocator

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_FILE = REPO_ROOT / "benchmarks" / "reference_clswgan.py"


def reference_module():
    """benchmarks/reference_clswgan.py, imported by path (it is not part of the package)."""
    import importlib.util

    if not REFERENCE_FILE.is_file():
        raise FileNotFoundError(f"{REFERENCE_FILE} is missing (the reference loop lives in the source tree)")
    spec = importlib.util.spec_from_file_location("zslkit_reference_clswgan", REFERENCE_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def _reference_loop(scale, task, device):
    """The public-style f-CLSWGAN loop with the sizes and clsreg settings zslkit's config gives the same scale.

    Its pre-trained classifier is trained here, outside the timed iterations (as zslkit's is in
    `build_session`).
    """
    from zslkit.bench.perf_gan import resolve_configs

    _, configs = resolve_configs(scale)
    trainer = configs["trainer"]
    if configs["wgancritic"].hidden != configs["mlpgen"].hidden:
        raise ValueError("the reference loop uses one hidden size for G and D (as f-CLSWGAN's ngh = ndh)")
    if "clsreg" not in configs:
        raise ValueError(f"the reference loop applies f-CLSWGAN's classification loss (Eq. 4); the zslkit spec "
                         f"{scale.spec!r} must select clsreg too, or the two loops train different models")
    cls = configs["clsreg"]
    ref = reference_module()
    return ref.ReferenceCLSWGAN(task, hidden=configs["mlpgen"].hidden, nz=trainer.noise_dim,
                                batch_size=trainer.batch_size, critic_iter=trainer.n_critic, lr=trainer.lr,
                                betas=(trainer.beta1, trainer.beta2), lambda1=configs["wgancritic"].gp_lambda,
                                cls_weight=cls.weight, cls_epochs=cls.epochs, cls_lr=cls.lr, cls_beta1=cls.beta1,
                                cls_batch_size=cls.batch_size, device=device)


def loop_child(spec: dict) -> dict:
    """Time the zslkit loop or the reference loop at a scale: seconds, page faults, CPU time per iteration."""
    from zslkit.bench import perf_gan
    from zslkit.bench.perf_timing import minor_faults, peak_rss_bytes, pick_device, time_calls

    device = pick_device(spec.get("device", "cpu"))
    scale = perf_gan.Scale(**{**spec["scale"], "overrides": tuple(spec["scale"]["overrides"])})
    task = perf_gan.synthetic_task(scale)
    if spec["loop"] == "zslkit":
        session = perf_gan.build_session(scale, device, task=task)
        fn = lambda: perf_gan.step(session)  # noqa: E731
    else:
        fn = _reference_loop(scale, task, device).train_iteration
    for _ in range(spec.get("warmup", 1)):
        fn()
    faults, cpu = minor_faults(), _cpu_seconds()
    timing = time_calls(fn, device, warmup=0, repeats=spec["repeats"])
    n = spec["repeats"]
    return {**timing, "loop": spec["loop"], "faults_per_iter": (minor_faults() - faults) / n,
            "cpu_s_per_iter": (_cpu_seconds() - cpu) / n, "peak_rss_bytes": peak_rss_bytes()}


def e2e_child(spec: dict) -> dict:
    from zslkit.bench.perf_e2e import timed_run

    return timed_run(spec["argv"], spec["run_dir"])


def run_spec(spec: dict) -> dict:
    """Apply (or refuse) the allocator tuning first, then run the measurement."""
    allocator = tune_allocator() if spec.get("tune") else {"applied": False, "reason": "off for this measurement"}
    if spec.get("threads"):
        import torch

        torch.set_num_threads(spec["threads"])
    result = (loop_child if spec["kind"] == "loop" else e2e_child)(spec)
    return {**result, "allocator": allocator}


def child_env(tune: bool) -> dict:
    """The parent's environment without glibc malloc variables; opted out unless `tune`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != OPT_OUT_ENV}
    if not tune:
        env[OPT_OUT_ENV] = "1"
    return env


def spawn(spec: dict, timeout: float | None = None) -> dict:
    """Run a spec in a fresh interpreter; its result, plus the child's own wall time."""
    with tempfile.TemporaryDirectory(prefix="zslkit-perf-") as tmp:
        spec_path, result_path = Path(tmp) / "spec.json", Path(tmp) / "result.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "zslkit.bench.perf_child", str(spec_path), str(result_path)],
                              env=child_env(bool(spec.get("tune"))), capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - start
        if proc.returncode != 0 or not result_path.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"perf child ({spec['kind']}) failed with exit code {proc.returncode}: {tail[0]}")
        return {**json.loads(result_path.read_text(encoding="utf-8")), "process_wall_s": wall}


def main(argv: list[str] | None = None) -> int:
    from zslkit.runstore import atomic_write_text

    spec_path, result_path = (argv if argv is not None else sys.argv[1:])[:2]
    result = run_spec(json.loads(Path(spec_path).read_text(encoding="utf-8")))
    atomic_write_text(Path(result_path), json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
