"""The suite runner: expand, skip what is finished, run the rest, aggregate, write.

Each cell is an ordinary run folder (`zslkit run` output). A cell whose folder
holds `metrics.json` and a `config.yaml` whose resolved config hashes to the
cell's key is finished and skipped; a folder with a matching `config.yaml` but
no metrics (an interrupted run) is resumed from its last checkpoint; a folder
whose config does not match its key is reported and left alone. A failed cell
is reported with its one-line error and does not stop the others.

Outputs in `--out`: results.md, results.csv, results.json (atomic writes),
us_scatter.png and, for ablation suites, ablation_h.png.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from zslkit.bench import aggregate, effects
from zslkit.bench.cells import Cell, expand, key_of_saved
from zslkit.bench.suite import Suite
from zslkit.errors import ZslkitError
from zslkit.runstore import atomic_write_text

MAX_ERROR = 400


@dataclass(frozen=True)
class CellJob:
    """What a worker needs to run one cell (picklable, no open handles)."""

    key: str
    cell_id: str
    folder: str
    plugins: str
    dataset: str
    seed: int
    overrides: tuple[str, ...]
    device: str = "auto"
    data_root: str | None = None
    resume: bool = False
    threads: int | None = None


def error_line(exc: BaseException) -> str:
    """A failed run's error as one short line (user errors keep their message, others get their type)."""
    text = " ".join(str(exc).split())
    if not isinstance(exc, ZslkitError):
        text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= MAX_ERROR else text[:MAX_ERROR - 3] + "..."


def run_cell(job: CellJob) -> dict:
    """Run (or resume) one cell; the worker function of every executor. Never raises for a failed run."""
    started = time.perf_counter()
    try:
        if job.threads:
            from zslkit.bench.executors import limit_threads

            limit_threads(job.threads)
        from zslkit import runner
        from zslkit.display import Display

        folder = Path(job.folder)
        opts = runner.RunOptions(plugins="" if job.resume else job.plugins, dataset=job.dataset, seed=job.seed,
                                 device=job.device, out=None if job.resume else folder,
                                 overrides=() if job.resume else tuple(job.overrides), data_root=job.data_root,
                                 quiet=True, resume=folder if job.resume else None)
        runner.execute(opts, Display(quiet=True))
    except Exception as exc:
        return {"key": job.key, "status": "failed", "error": error_line(exc), "seconds": time.perf_counter() - started}
    return {"key": job.key, "status": "done", "error": None, "seconds": time.perf_counter() - started}


def cell_state(cell: Cell, out: Path) -> tuple[str, str | None]:
    """'new', 'partial' (resume), 'complete' (skip) or 'mismatch' (with the reason)."""
    folder = cell.folder(out)
    config = folder / "config.yaml"
    if not config.is_file():
        return "new", None
    try:
        found = key_of_saved(yaml.safe_load(config.read_text(encoding="utf-8")) or {})
    except (yaml.YAMLError, OSError, AttributeError, TypeError) as exc:
        return "mismatch", f"{config}: unreadable ({type(exc).__name__}); move the folder away to rerun the cell"
    if found != cell.key:
        return "mismatch", f"{folder} holds a run of another config (key {found}); move it away to rerun the cell"
    return ("complete" if (folder / "metrics.json").is_file() else "partial"), None


@dataclass
class BenchReport:
    """What a suite run did and wrote."""

    suite: Suite
    out: Path
    cells: list[Cell]
    outcomes: dict[str, dict]
    rows: list = field(default_factory=list)
    effects: list = field(default_factory=list)  # ablation suites: each row against the baseline, paired by seed
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes.values() if o["status"] == status)

    @property
    def failed(self) -> list[tuple[Cell, str]]:
        return [(c, self.outcomes[c.key]["error"]) for c in self.cells if self.outcomes[c.key]["status"] == "failed"]


def plan(cells: list[Cell], out: Path, device: str = "auto", data_root: str | None = None,
         threads: int | None = None) -> tuple[dict[str, dict], list[CellJob]]:
    """Outcomes already known (skipped, mismatched) and the jobs still to run."""
    outcomes, jobs = {}, []
    for cell in cells:
        state, reason = cell_state(cell, out)
        if state == "complete":
            outcomes[cell.key] = {"key": cell.key, "status": "skipped", "error": None, "seconds": 0.0}
        elif state == "mismatch":
            outcomes[cell.key] = {"key": cell.key, "status": "failed", "error": reason, "seconds": 0.0}
        else:
            jobs.append(CellJob(cell.key, cell.id, str(cell.folder(out)), cell.method.plugins, cell.dataset, cell.seed,
                                cell.overrides, device, data_root, state == "partial", threads))
    return outcomes, jobs


def run_suite(suite: Suite, out: Path, executor, device: str = "auto", data_root: str | None = None,
              console=None, quiet: bool = False) -> BenchReport:
    """Run every unfinished cell of `suite` on `executor`, then aggregate and write the outputs."""
    out = Path(out)
    cells = expand(suite)
    outcomes, jobs = plan(cells, out, device, data_root, getattr(executor, "job_threads", None))
    report = BenchReport(suite, out, cells, outcomes)
    _say(console, f"suite {suite.name}: {len(cells)} cells, {len(cells) - len(jobs)} finished or blocked, "
                  f"{len(jobs)} to run ({executor.name})")
    _run_jobs(executor, jobs, outcomes, console, quiet)
    report.rows = aggregate.build_rows(cells, _read_metrics(cells, out, outcomes))
    report.effects = effects.paired_effects(report.rows) if suite.ablation else []
    write_outputs(report)
    return report


def _say(console, text: str) -> None:
    if console is not None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)


def _run_jobs(executor, jobs: list[CellJob], outcomes: dict, console, quiet: bool) -> None:
    if not jobs:
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("[bold]cells"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.description}"), console=console, disable=quiet or console is None)
    with progress:
        task = progress.add_task("", total=len(jobs))
        for job, outcome in executor.run(run_cell, jobs):
            outcomes[job.key] = outcome
            line = (f"done   {job.cell_id} ({outcome['seconds']:.1f} s)" if outcome["status"] == "done"
                    else f"FAILED {job.cell_id}: {outcome['error']}")
            progress.update(task, advance=1, description=job.cell_id)
            if not quiet or outcome["status"] != "done":
                _say(progress.console if console is not None else None, line)


def _read_metrics(cells: list[Cell], out: Path, outcomes: dict) -> dict[str, dict]:
    """metrics.json of every finished cell; an unreadable one turns its cell into a failure."""
    found = {}
    for cell in cells:
        if outcomes[cell.key]["status"] not in ("done", "skipped"):
            continue
        path = cell.folder(out) / "metrics.json"
        try:
            found[cell.key] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            outcomes[cell.key] = {**outcomes[cell.key], "status": "failed", "error": f"{path}: unreadable ({type(exc).__name__})"}
    return found


def write_outputs(report: BenchReport) -> None:
    """Markdown, CSV and JSON tables (atomic), then the PNGs (a missing matplotlib is a warning)."""
    out, rows, suite = report.out, report.rows, report.suite
    notes = table_notes(report)
    header = {"suite": suite.name, "suite_file": str(suite.path), "datasets": list(suite.datasets),
              "seeds": list(suite.seeds), "overrides": list(suite.overrides), "allow_mixed": suite.allow_mixed,
              "notes": notes, "failed": [{"cell": c.id, "key": c.key, "error": e} for c, e in report.failed]}
    found = report.effects
    if found:
        header["effects_note"], header["effects"] = effects.NOTE, effects.to_json(found)
    texts = {"results.md": aggregate.markdown(rows, title(suite), notes) + effects.markdown(found),
             "results.csv": aggregate.to_csv(rows), "results.json": aggregate.to_json(rows, header)}
    for name, text in texts.items():
        atomic_write_text(out / name, text)
        report.files.append(out / name)
    _write_plots(report)


def _write_plots(report: BenchReport) -> None:
    from zslkit.bench import plots

    plotted = [r for r in report.rows if r.stats["H"].mean is not None]
    if not plotted:
        report.warnings.append("no finished cells: no plots")
        return
    try:
        report.files.append(plots.plot_us(plotted, report.out / "us_scatter.png"))
        if report.suite.ablation:
            report.files.append(plots.plot_ablation(plotted, report.out / "ablation_h.png"))
    except ZslkitError as exc:
        report.warnings.append(f"plots skipped: {exc}")


def title(suite: Suite) -> str:
    return f"zslkit bench {suite.name}" + (f": {suite.description}" if suite.description else "")


def table_notes(report: BenchReport) -> list[str]:
    """The protocol and statistics notes printed above every table."""
    notes = [f"{aggregate.STD_NOTE}; 'seeds' = finished/expected; published figures and Δ = ours - published "
             "where the method's paper reports one"]
    mixed = aggregate.mixed_datasets(report.rows)
    if mixed:
        notes.append(f"MIXED PROTOCOLS (allow_mixed: true) on {', '.join(mixed)}: compare rows only with their protocol label")
    if any(r.selection == "test" for r in report.rows):
        notes.append("test-selected rows chose iterations on the test split (published practice); they are not "
                     "comparable to validation-selected rows")
    if report.failed:
        notes.append(f"{len(report.failed)} cell(s) failed and are missing from the means: "
                     + "; ".join(f"{c.id}: {e}" for c, e in report.failed))
    return notes
