"""Targets of the perf benchmark, judged on ratios from one run, and the printed tables."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

GIB = 1 << 30

# (key, description, threshold, comparison) - every threshold is the issue's.
TARGETS = (
    ("clswgan_speedup", "f-CLSWGAN preset (batch 64) vs reference-style loop, iteration speed", 2.0, ">="),
    ("srgan_paper_cub_fraction", "SR-GAN iteration, paper scale (CUB sizes), model FLOP/s / fp32 peak", 0.85, ">="),
    ("srgan_paper_awa_fraction", "SR-GAN iteration, paper scale (AWA sizes), model FLOP/s / fp32 peak", 0.85, ">="),
    ("srgan_cpu_default_fraction", "SR-GAN iteration, shipped CPU default, model FLOP/s / fp32 peak", 0.60, ">="),
    ("bf16_speedup", "bf16 autocast vs fp32, SR-GAN iteration at paper scale (CUB)", 1.6, ">="),
    ("e2e_minutes", "full SR-GAN, shipped CPU default, CUB-sized data: end-to-end minutes", 15.0, "<="),
    ("classifier_eval_share", "final classifier + evaluation, share of that run's time", 0.15, "<="),
    ("peak_rss_gib", "peak resident memory of that run (GiB)", 1.5, "<="),
)


E2E_TARGETS = ("e2e_minutes", "classifier_eval_share", "peak_rss_gib")
SECTION_OF = {"clswgan_speedup": "clswgan", "bf16_speedup": "srgan", **dict.fromkeys(E2E_TARGETS, "e2e")}


def _get(record: dict, *keys):
    for key in keys:
        if not isinstance(record, dict) or key not in record:
            return None
        record = record[key]
    return record


def measured_values(record: dict) -> dict:
    """The number each target reads, or None where its section did not run."""
    srgan = record.get("srgan", {})
    bf16 = _get(srgan, "paper_cub_bf16", "best_s")
    fp32 = _get(srgan, "paper_cub", "best_s")
    e2e = record.get("e2e") if _get(record, "e2e", "mode") == "full" else None
    rss = _get(e2e, "peak_rss_bytes")
    wall = _get(e2e, "wall_s")
    return {
        "clswgan_speedup": _get(record, "clswgan", "speedup_shipped_vs_public"),
        "srgan_paper_cub_fraction": _get(srgan, "paper_cub", "fraction_of_fp32_peak"),
        "srgan_paper_awa_fraction": _get(srgan, "paper_awa", "fraction_of_fp32_peak"),
        "srgan_cpu_default_fraction": _get(srgan, "cpu_default", "fraction_of_fp32_peak"),
        "bf16_speedup": fp32 / bf16 if bf16 and fp32 else None,
        "e2e_minutes": wall / 60 if wall is not None else None,
        "classifier_eval_share": _get(e2e, "classifier_and_evaluation_share"),
        "peak_rss_gib": rss / GIB if rss is not None else None,
    }


def judge(record: dict) -> list[dict]:
    """One row per target: measured value, threshold, met (True/False, None when not measured)."""
    values = measured_values(record)
    rows = []
    for key, text, threshold, op in TARGETS:
        value = values[key]
        met = None if value is None else (value >= threshold if op == ">=" else value <= threshold)
        rows.append({"key": key, "target": text, "threshold": f"{op} {threshold:g}", "measured": value, "met": met})
    for row in rows:
        if record.get("quick"):
            row["met"], row["note"] = None, "--quick: toy sizes, not judged"
        elif row["key"] in E2E_TARGETS and row["measured"] is None and "e2e" in record:
            row["note"] = f"not judged: the e2e run was {record['e2e']['mode']} (use --e2e full)"
        elif row["measured"] is None and SECTION_OF.get(row["key"], "srgan") not in record.get("options", {}).get(
                "only", (SECTION_OF.get(row["key"], "srgan"),)):
            row["note"] = "not run (--only)"
    return rows


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _gflops(x) -> str:
    return "-" if x is None else f"{x / 1e9:,.1f}"


def print_report(record: dict, console: Console | None = None) -> None:
    console = console or Console()
    m = record.get("machine", {})
    console.print(f"{m.get('cpu')} ({m.get('logical_cpus')} logical CPUs, torch {m.get('torch')}, "
                  f"{m.get('torch_threads')} threads, device {m.get('device')}); load average at start "
                  f"{record.get('load_average_start')}, at end {record.get('load_average_end')}; malloc tuning "
                  f"{'on' if record.get('allocator', {}).get('applied') else 'off'}")
    console.print(_peak_table(record))
    console.print(_iteration_table(record))
    if "clswgan" in record:
        console.print(_clswgan_table(record["clswgan"]))
    if "e2e" in record:
        console.print(_e2e_table(record["e2e"], record.get("e2e_untuned")))
    if "bf16_quality" in record:
        q = record["bf16_quality"]
        console.print(f"bf16 quality (H over seeds {q['seeds']}): fp32 mean H {q['fp32']['mean_H']:.2f} "
                      f"(±{q['fp32']['stdev_H']:.2f}), bf16 mean H {q['bf16']['mean_H']:.2f} (±{q['bf16']['stdev_H']:.2f})")
    console.print(_targets_table(record["targets"]))
    for section, message in record.get("errors", {}).items():
        console.print(f"[red]section {section} failed: {message}[/red]")


def _peak_table(record: dict) -> Table:
    table = Table(title="matmul peak (GFLOP/s, best of repeats)")
    for col in ("when", "dtype", "by size", "peak", "vs fp32"):
        table.add_column(col)
    for when in ("start", "end"):
        for dtype, entry in (_get(record, "peak", when) or {}).items():
            if not entry.get("supported"):
                table.add_row(when, dtype, entry.get("reason", "not supported"), "-", "-")
                continue
            sizes = ", ".join(f"{n}: {_gflops(v)}" for n, v in entry["by_size"].items())
            table.add_row(when, dtype, sizes, _gflops(entry["peak"]), _fmt(entry.get("vs_fp32")))
    return table


def _iteration_table(record: dict) -> Table:
    table = Table(title="SR-GAN iteration (zslkit loop, in this process; scales in the JSON record)")
    for col in ("scale", "prec", "batch", "s/iter", "iter/s", "samples/s", "model GFLOP", "executed/model",
                "GFLOP/s", "of fp32 peak", "of local peak"):
        table.add_column(col)
    for key, r in record.get("srgan", {}).items():
        table.add_row(key, r["precision"], str(r["batch_size"]), _fmt(r["best_s"]), _fmt(r["iter_per_s"]),
                      f"{r['samples_per_s']:,.0f}", _gflops(r["model_flops"]), _fmt(r.get("executed_vs_model")),
                      _gflops(r["achieved_flops"]), _fmt(r.get("fraction_of_fp32_peak")),
                      _fmt(r.get("fraction_of_local_fp32_peak")))
    table.caption = ("of fp32 peak: against the higher of the start and end peaks (the yardstick the targets use); "
                     "of local peak: against a 4096 fp32 multiply timed right before and after these iterations")
    return table


def _clswgan_table(c: dict) -> Table:
    table = Table(title="f-CLSWGAN public sizes: zslkit clswgan preset vs reference-style loop (child processes)")
    for col in ("loop", "malloc tuning", "s/iter (best)", "median", "page faults/iter", "CPU s/iter"):
        table.add_column(col)
    for key in ("zslkit_tuned", "zslkit_untuned", "reference_tuned", "reference_untuned"):
        r = c[key]
        loop, tune = key.split("_")
        table.add_row(loop, "on" if tune == "tuned" else "off", _fmt(r["best_s"]), _fmt(r["median_s"]),
                      f"{r['faults_per_iter']:,.0f}", _fmt(r["cpu_s_per_iter"]))
    table.caption = (f"speed-up: shipped (zslkit, tuned) vs public (reference, untuned) "
                     f"{_fmt(c['speedup_shipped_vs_public'])}x; loop only: {_fmt(c['speedup_loop_only_tuned'])}x "
                     f"(both tuned), {_fmt(c['speedup_loop_only_untuned'])}x (both untuned); malloc tuning: "
                     f"zslkit {_fmt(c['malloc_speedup_zslkit'])}x, reference {_fmt(c['malloc_speedup_reference'])}x")
    return table


def _e2e_table(e: dict, untuned: dict | None) -> Table:
    table = Table(title=f"end-to-end zslkit run ({e['mode']}, child process): seconds by phase")
    columns = [("measured", e)]
    if "projection" in e:
        columns.append(("full run, projected (upper bound)", e["projection"]))
    if untuned:
        columns.append(("measured, malloc tuning off", untuned))
    table.add_column("phase")
    for title, _ in columns:
        table.add_column(title)
    for name in e["phases_s"]:
        table.add_row(name, *(f"{c['phases_s'][name]:.1f} s ({c['phases_s'][name] / c['wall_s']:.1%})"
                              for _, c in columns))
    table.add_row("total", *(f"{c['wall_s']:.1f} s" for _, c in columns))
    rss = f"peak RSS {e['peak_rss_bytes'] / GIB:.2f} GiB" + (
        f" ({untuned['peak_rss_bytes'] / GIB:.2f} GiB with tuning off)" if untuned else "")
    table.caption = (f"{rss}; dataset {e.get('dataset')}; iterations {e['calls'].get('train_iteration')}, "
                     f"evaluations {e['calls'].get('evaluate_phase')}; result {e.get('result')}")
    return table


def _targets_table(rows: list[dict]) -> Table:
    table = Table(title="targets (each a ratio or value measured in this run)")
    for col in ("target", "threshold", "measured", "verdict"):
        table.add_column(col)
    for row in rows:
        verdict = {True: "[green]met[/green]", False: "[red]not met[/red]"}.get(row["met"], row.get("note", "not measured"))
        table.add_row(row["target"], row["threshold"], _fmt(row["measured"]), verdict)
    return table
