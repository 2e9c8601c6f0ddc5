"""`zslkit bench`: run a benchmark suite (methods x datasets x seeds) and tabulate it.

`zslkit bench perf [ARGS]` is the performance benchmark instead, handed over
whole to `zslkit.bench.perf:main`.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import click

from zslkit.errors import ZslkitError

PERF = "perf"
PERF_MODULE = "zslkit.bench.perf"


class BenchCommand(click.Command):
    """`bench SUITE ...`, except that `bench perf ...` passes every argument on to the perf benchmark."""

    def parse_args(self, ctx, args):
        if args and args[0] == PERF:
            ctx.meta["zslkit.bench.perf_args"] = list(args[1:])
            return []
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        if "zslkit.bench.perf_args" in ctx.meta:
            return run_perf(ctx.meta["zslkit.bench.perf_args"])
        return super().invoke(ctx)


def run_perf(argv: list[str]):
    """Dispatch to `zslkit.bench.perf:main` (a click command, or a function taking argv)."""
    try:
        found = importlib.util.find_spec(PERF_MODULE) is not None
    except ImportError:
        found = False
    if not found:
        raise ZslkitError(f"zslkit bench perf: the performance benchmark ({PERF_MODULE}) is not part of this installation")
    main = getattr(importlib.import_module(PERF_MODULE), "main", None)
    if main is None:
        raise ZslkitError(f"zslkit bench perf: {PERF_MODULE} has no main()")
    if isinstance(main, click.Command):
        return main.main(args=argv, prog_name="zslkit bench perf", standalone_mode=False)
    result = main(argv)
    if isinstance(result, int) and result:
        raise SystemExit(result)
    return result


@click.command(cls=BenchCommand)
@click.argument("suite")
@click.option("--datasets", default=None, metavar="A,B", help="Run on these datasets instead of the suite's.")
@click.option("--seeds", type=int, default=None, metavar="N", help="Run seeds 0..N-1 instead of the suite's seeds.")
@click.option("--jobs", type=int, default=1, show_default=True,
              help="Cells run at once; each gets cpus/N torch threads (process executor unless --executor says otherwise).")
@click.option("--executor", type=click.Choice(["serial", "process", "dask"]), default=None,
              help="serial (default for --jobs 1), process (default for --jobs > 1) or dask (needs the dask extra).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="dask: address of an existing scheduler (tcp://host:8786); default: a LocalCluster of --jobs workers.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Suite folder (default: runs/bench/<suite name>); rerunning with the same folder skips finished cells.")
@click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE",
              help="Override a config value in every cell (after the suite's own overrides; skipped for methods "
                   "without that plugin's section); repeatable.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N for every cell.")
@click.option("--data-root", default=None, help="Data root (default: $ZSLKIT_DATA or the platform cache folder).")
@click.option("--quiet", is_flag=True, help="No progress display (failures and the table are still printed).")
def bench(suite, datasets, seeds, jobs, executor, scheduler, out, overrides, device, data_root, quiet):
    """Run benchmark suite SUITE and print its table (mean ± std over seeds, beside published numbers).

    SUITE is a YAML file or the name of a shipped suite in benchmarks/ (table1,
    table2). Every cell is an ordinary run folder keyed by a hash of its
    resolved config, under OUT/<method>/<dataset>/seed<N>-<key>: rerunning
    skips finished cells and resumes interrupted ones, and a failed cell is
    reported without stopping the others. Writes results.md, results.csv,
    results.json and PNG figures into OUT. `zslkit bench perf ...` runs the
    performance benchmark instead.
    """
    from rich.console import Console

    from zslkit.bench.executors import make_executor
    from zslkit.bench.runner import run_suite
    from zslkit.bench.suite import load_suite

    chosen = load_suite(suite).with_cli(_split(datasets), seeds, tuple(overrides))
    out = out or Path("runs") / "bench" / chosen.name
    engine = make_executor(executor, jobs, scheduler)
    try:
        report = run_suite(chosen, out, engine, device, data_root, Console(stderr=True), quiet)
    finally:
        engine.close()
    _print_report(report)
    if report.failed:
        cell, error = report.failed[0]
        raise ZslkitError(f"{len(report.failed)} of {len(report.cells)} cells failed (first: {cell.id}: {error}); "
                          f"the table holds the others")


def _print_report(report) -> None:
    """The tables and notes on stdout, warnings on stderr, then what ran and what was written."""
    from rich.console import Console

    from zslkit.bench import effects
    from zslkit.bench.aggregate import rich_tables
    from zslkit.bench.runner import table_notes, title

    console = Console()
    for table in rich_tables(report.rows, title(report.suite)):
        console.print(table)
    if report.effects:
        console.print(effects.rich_table(report.effects))
    for note in table_notes(report):
        console.print(f"  {note}", markup=False, highlight=False, soft_wrap=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"ran {report.count('done')}, skipped {report.count('skipped')} finished, failed {report.count('failed')}; "
               f"wrote {', '.join(str(p) for p in report.files)}")


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise ZslkitError(f"--datasets {text!r}: expected comma-separated dataset names")
    return names
