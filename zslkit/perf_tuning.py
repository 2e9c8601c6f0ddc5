"""Process-level speed settings that are safe to apply at the start of a run.

`tune_allocator()` raises glibc malloc's thresholds so the large temporaries
of a training step (activations, gradients: megabytes each) are reused from
the heap instead of being mmap'ed, handed back to the kernel and page-faulted
in again on every step. By default glibc serves a block over its mmap
threshold (dynamic, at most 32 MiB) with a fresh mmap and unmaps it on free,
and trims the heap top above 128 KiB; a GAN step allocates and frees the
same large shapes thousands of times, so each step re-faults them page by
page. `benchmarks/perf` measures the effect (minor page faults and iteration
speed, with and without) and RESULTS.md records it.

Settings (glibc `mallopt`):
    M_MMAP_THRESHOLD  1 GiB   blocks below it come from the heap and are reused
    M_TRIM_THRESHOLD  1 GiB   freed memory at the heap top is kept up to this much
    M_TOP_PAD        64 MiB   heap growth in large steps (fewer brk calls)

The cost is memory kept for reuse: freed blocks stay in the process (they
are reused by the next step, which allocates the same shapes) instead of
going back to the kernel. Opt out with `ZSLKIT_NO_MALLOC_TUNING=1`. On other
C libraries (macOS, musl, Windows) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform

OPT_OUT_ENV = "ZSLKIT_NO_MALLOC_TUNING"

# mallopt parameter numbers from glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

SETTINGS = {
    "M_MMAP_THRESHOLD": (M_MMAP_THRESHOLD, 1 << 30),
    "M_TRIM_THRESHOLD": (M_TRIM_THRESHOLD, 1 << 30),
    "M_TOP_PAD": (M_TOP_PAD, 64 << 20),
}

_applied: dict | None = None


def tune_allocator() -> dict:
    """Apply the glibc malloc settings above once per process; report what happened.

    Returns a dict with "applied" (bool), "reason" (why not, or "glibc <version>")
    and "settings" (name -> value of what was set). Idempotent: later calls
    return the first call's report without calling mallopt again (the
    opt-out is read at the first call). Never raises: a platform without
    glibc, or a refused mallopt, is reported.
    """
    global _applied
    if _applied is not None:
        return dict(_applied)
    _applied = _tune()
    return dict(_applied)


def _tune() -> dict:
    if os.environ.get(OPT_OUT_ENV, "") not in ("", "0"):
        return {"applied": False, "reason": f"{OPT_OUT_ENV}=1", "settings": {}}
    libc = _glibc()
    if libc is None:
        return {"applied": False, "reason": f"not glibc ({platform.system()} {platform.libc_ver()[0] or 'unknown libc'})",
                "settings": {}}
    done = {}
    for name, (param, value) in SETTINGS.items():
        if libc.mallopt(ctypes.c_int(param), ctypes.c_int(value)) != 1:
            return {"applied": bool(done), "reason": f"mallopt({name}) was refused", "settings": done}
        done[name] = value
    return {"applied": True, "reason": f"glibc {platform.libc_ver()[1]}", "settings": done}


def _glibc():
    """The running glibc as a ctypes library, or None on any other C library."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
        return libc
    except (OSError, AttributeError):
        return None
