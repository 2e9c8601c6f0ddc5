"""Progress and results on the terminal (rich), silent with --quiet or --json."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

SHOWN_TERMS = 4


def _fmt_terms(terms: dict) -> str:
    items = sorted(terms.items())[:SHOWN_TERMS]
    more = "" if len(terms) <= SHOWN_TERMS else f" +{len(terms) - SHOWN_TERMS}"
    return "  ".join(f"{k}={v:.3g}" for k, v in items) + more


class Display:
    """Shows phase, iteration and the latest loss terms while a run trains."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.console = Console(stderr=True)
        self.progress = None
        self.task = None

    def _start(self) -> None:
        if self.progress is None and not self.quiet:
            self.progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[terms]}"),
                console=self.console, transient=False)
            self.progress.start()

    def message(self, text: str) -> None:
        if not self.quiet:
            self.console.print(text)

    def phase_start(self, name: str, total: int) -> None:
        self._start()
        if self.progress is not None:
            self.task = self.progress.add_task(f"{name}", total=total, terms="")

    def report(self, phase: str, step: int, total: int, terms: dict) -> None:
        """Progress of a plugin-owned loop (pre-training)."""
        self._start()
        if self.progress is None:
            return
        key = f"_{phase}"
        if not hasattr(self, key):
            setattr(self, key, self.progress.add_task(phase, total=total, terms=""))
        self.progress.update(getattr(self, key), completed=step, terms=_fmt_terms(terms))

    def advance(self, step: int, terms: dict) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=step, terms=_fmt_terms(terms))

    def evaluation(self, record: dict) -> None:
        if self.progress is not None:
            parts = [f"{k}={record[k]:.2f}" for k in ("T1", "U", "S", "H") if record.get(k) is not None]
            self.progress.console.print(f"  eval @ {record['step']}: " + "  ".join(parts))

    def phase_end(self, name: str) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[self.task].total)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def results_table(metrics: dict) -> Table:
    """The small results table printed at the end of a run."""
    result = metrics["result"]
    label = " (TEST-SELECTED)" if result.get("test_selected") else ""
    table = Table(title=f"{metrics['dataset']} | {','.join(metrics['plugins'])} | seed {metrics['seed']} | "
                        f"selection: {result['selection']}{label} | classifier: {result['classifier']}")
    for column in ("T1", "U", "S", "H", "cs_H", "AUSUC"):
        table.add_column(column, justify="right")
    values = [result.get(k) for k in ("T1", "U", "S", "H", "cs_H")]
    row = [("-" if v is None else f"{v:.2f}") for v in values]
    row.append("-" if result.get("AUSUC") is None else f"{result['AUSUC']:.4f}")
    table.add_row(*row)
    return table


def print_results(metrics: dict) -> None:
    console = Console(file=sys.stdout)
    console.print(results_table(metrics))
    extra = metrics["result"].get("extra") or {}
    if extra:
        console.print("  " + "  ".join(f"{k}={v:.4g}" for k, v in sorted(extra.items())))
