"""Small timing and resource helpers shared by the perf benchmark's parts."""

from __future__ import annotations

import resource
import statistics
import sys
import time


def sync(device) -> None:
    """Wait for queued device work (a no-op on the CPU)."""
    import torch

    if getattr(device, "type", str(device)).startswith("cuda"):
        torch.cuda.synchronize(device)


def pick_device(name: str):
    """auto -> cuda when available, else cpu; cuda without a GPU is an error."""
    from zslkit.runner import pick_device as run_device

    return run_device(name)


def time_calls(fn, device, warmup: int, repeats: int) -> dict:
    """Run fn() `warmup` times untimed, then `repeats` times timed; seconds per call."""
    for _ in range(warmup):
        fn()
    sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return {"best_s": min(times), "median_s": statistics.median(times), "times_s": times}


def minor_faults() -> int:
    """Minor page faults of this process so far (getrusage ru_minflt)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def peak_rss_bytes() -> int:
    """Peak resident set size of this process (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss if sys.platform == "darwin" else maxrss * 1024
