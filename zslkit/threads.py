"""Torch's CPU threads for a run, and a warning when other work already holds the cores.

On a 2-core machine shared with another busy process, torch's OpenMP threads
spin-wait for each other and small-matrix GAN steps slow about tenfold
(measured: 20 synthetic iterations took 72 s with 2 threads, 7.4 s with 1,
same load; benchmarks/RESULTS.md). Results do not depend on the thread count
beyond float rounding, so `--threads` is a speed setting only.
"""

from __future__ import annotations

import os


def apply_threads(threads: int) -> int:
    """Use `threads` torch threads (0: torch's own choice, one per core); return the count in force."""
    import torch

    if threads < 0:
        from zslkit.errors import ZslkitError

        raise ZslkitError(f"--threads {threads}: expected 0 (torch's choice) or a positive count")
    if threads:
        torch.set_num_threads(threads)
    return torch.get_num_threads()


def contention_note(threads: int, load: float | None = None, cpus: int | None = None) -> str | None:
    """A one-line hint when the 1-minute load average says the cores are already busy, else None."""
    if threads <= 1:
        return None
    if load is None:
        try:
            load = os.getloadavg()[0]
        except OSError:  # not available on this platform
            return None
    cpus = cpus or os.cpu_count() or 1
    if load < cpus - 0.5:
        return None
    return (f"note: load average {load:.1f} on {cpus} CPUs before this run started; with {threads} torch threads "
            "competing for busy cores, training can slow several-fold (--threads 1 avoids it)")
