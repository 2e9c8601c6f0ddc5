"""The yardstick: this machine's matrix-multiply peak, measured in the same run.

Large square multiplies (2048-4096 by default), best of a few repeats per
size, best over the sizes. bf16 is measured the same way where the device
runs it at all; whether it is *faster* is what the measurement says (a CPU
without native bf16 converts and can be slower than fp32).
"""

from __future__ import annotations

import time

from zslkit.bench.perf_timing import sync

FULL_SIZES = (2048, 3072, 4096)
QUICK_SIZES = (512, 1024)


def matmul_rate(n: int, dtype, device, repeats: int = 3) -> float:
    """Best FLOP/s of an n x n by n x n multiply over `repeats` timed runs (after a warm-up)."""
    import torch

    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    out = torch.empty(n, n, device=device, dtype=dtype)
    torch.mm(a, b, out=out)
    sync(device)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b, out=out)
        sync(device)
        best = min(best, time.perf_counter() - start)
    return 2.0 * n ** 3 / best


def measure_peak(device, sizes=FULL_SIZES, repeats: int = 3) -> dict:
    """{"fp32": {...}, "bf16": {...}}: FLOP/s per size and the best, plus bf16's speed vs fp32."""
    import torch

    result = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        try:
            rates = {str(n): matmul_rate(n, dtype, device, repeats) for n in sizes}
        except RuntimeError as exc:  # a device without bf16 matmul kernels
            result[name] = {"supported": False, "reason": f"{type(exc).__name__}: {exc}".splitlines()[0]}
            continue
        result[name] = {"supported": True, "by_size": rates, "peak": max(rates.values())}
    if result["bf16"].get("supported"):
        ratio = result["bf16"]["peak"] / result["fp32"]["peak"]
        result["bf16"]["vs_fp32"] = ratio
        result["bf16"]["faster"] = ratio > 1.0
    return result
