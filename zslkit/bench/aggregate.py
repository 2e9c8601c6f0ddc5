"""Aggregation: mean ± std over seeds per method x dataset, beside the published figures.

The spread is the SAMPLE standard deviation over seeds (ddof=1, Bessel's
correction: the seeds are a sample of the runs one could make); with a single
seed there is no spread and none is shown. Every row states its protocol
(selection mode and final classifier; test-selected rows say so). For suites
with the SRN plugin the mean rectification scores are extra columns: Pearson r
between the class-similarity structure of the visual pivots and of s or R(s),
on the seen classes and, as a labelled diagnostic, on the unseen classes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from dataclasses import dataclass, field

from zslkit.bench.cells import Cell, protocol_label
from zslkit.bench.published import Published, delta, lookup

METRICS = ("T1", "U", "S", "H", "cs_H", "AUSUC")
RECT = {"srn/rect_seen_s": "rect seen s", "srn/rect_seen_rs": "rect seen R(s)",
        "srn/diag_unseen_s": "rect unseen s (diag)", "srn/diag_unseen_rs": "rect unseen R(s) (diag)"}
DIGITS = {"AUSUC": 4, **{k: 3 for k in RECT}}
STD_NOTE = "mean ± sample std over seeds (ddof=1)"


@dataclass
class Stat:
    """Mean and sample std of one metric over the seeds that reported it, and the published figure."""

    mean: float | None
    std: float | None
    n: int
    published: float | None = None

    @property
    def delta(self) -> float | None:
        return delta(self.mean, self.published)


def mean_std(values) -> Stat:
    """Mean and sample standard deviation (ddof=1) of the finite values; std None below two values."""
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return Stat(None, None, 0)
    std = statistics.stdev(finite) if len(finite) > 1 else None
    return Stat(statistics.fmean(finite), std, len(finite))


@dataclass
class Row:
    """One method on one dataset."""

    method: str
    label: str
    dataset: str
    plugins: list[str]
    selection: str
    classifier: str
    seeds: list[int]
    expected: int
    stats: dict[str, Stat] = field(default_factory=dict)
    rect: dict[str, Stat] = field(default_factory=dict)
    cite: str = ""
    per_seed: dict[str, dict[int, float]] = field(default_factory=dict)  # metric -> seed -> value (paired effects)

    @property
    def protocol(self) -> str:
        return protocol_label(self.selection, self.classifier)


def build_rows(cells: list[Cell], metrics: dict[str, dict]) -> list[Row]:
    """Rows in table order (dataset, then the suite's method order) from the finished cells' metrics."""
    groups: dict[tuple[str, str], list[Cell]] = {}
    for cell in cells:
        groups.setdefault((cell.dataset, cell.method.name), []).append(cell)
    order = list(dict.fromkeys(c.dataset for c in cells))
    keys = sorted(groups, key=lambda k: order.index(k[0]))
    return [_row(groups[k], metrics) for k in keys]


def _row(cells: list[Cell], metrics: dict[str, dict]) -> Row:
    first = cells[0]
    done = [(c, metrics[c.key]) for c in cells if c.key in metrics]
    results = [m.get("result", {}) for _, m in done]
    published = lookup(first.method.published, first.dataset)
    row = Row(first.method.name, first.method.label, first.dataset, list(first.plugins),
              _agreed(results, "selection", first.selection), _agreed(results, "classifier", first.classifier),
              [c.seed for c, _ in done], len(cells), cite=published.cite)
    for metric in METRICS:
        row.stats[metric] = _with_published(mean_std(r.get(metric) for r in results), published, metric)
        row.per_seed[metric] = {c.seed: float(m["result"][metric]) for c, m in done
                                if _finite(m.get("result", {}).get(metric))}
    if any(k in (r.get("extra") or {}) for r in results for k in RECT):
        row.rect = {k: mean_std((r.get("extra") or {}).get(k) for r in results) for k in RECT}
    return row


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _agreed(results: list[dict], key: str, default: str) -> str:
    """What the runs report (all cells of a row share one config, so one value)."""
    values = {str(r[key]) for r in results if r.get(key) is not None}
    return values.pop() if len(values) == 1 else default


def _with_published(stat: Stat, published: Published, metric: str) -> Stat:
    stat.published = published.get(metric)
    return stat


def mixed_datasets(rows: list[Row]) -> list[str]:
    """Datasets whose rows differ in protocol (possible only with allow_mixed: true)."""
    by_dataset: dict[str, set[str]] = {}
    for row in rows:
        by_dataset.setdefault(row.dataset, set()).add(row.protocol)
    return [d for d, protocols in by_dataset.items() if len(protocols) > 1]


# ----------------------------------------------------------------------------- formatting


def fmt_stat(stat: Stat | None, metric: str) -> str:
    """'45.21 ± 1.30', '45.21' for one seed, '-' for none."""
    if stat is None or stat.mean is None:
        return "-"
    digits = DIGITS.get(metric, 2)
    text = f"{stat.mean:.{digits}f}"
    return text if stat.std is None else f"{text} ± {stat.std:.{digits}f}"


def fmt_published(stat: Stat | None) -> str:
    """'paper 55.31, Δ -10.10' or '' where no published figure exists."""
    if stat is None or stat.published is None:
        return ""
    change = "" if stat.delta is None else f", Δ {stat.delta:+.2f}"
    return f"paper {stat.published:.2f}{change}"


def columns(rows: list[Row]) -> tuple[list[str], list[str]]:
    """The metric columns and the rectification columns (present when any row has them)."""
    rect = [k for k in RECT if any(k in r.rect for r in rows)]
    return list(METRICS), rect


def rows_seeds(row: Row) -> str:
    return f"{len(row.seeds)}/{row.expected}"


def markdown(rows: list[Row], title: str, notes: list[str]) -> str:
    """A Markdown table with the published figure and delta beside each number."""
    metrics, rect = columns(rows)
    head = ["method", "dataset", "protocol", "seeds", *metrics, *(RECT[k] for k in rect)]
    lines = [f"# {title}", "", *[f"- {n}" for n in notes], "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row.label, row.dataset, row.protocol, rows_seeds(row)]
        for m in metrics:
            pub = fmt_published(row.stats[m])
            cells.append(fmt_stat(row.stats[m], m) + (f" ({pub})" if pub else ""))
        cells += [fmt_stat(row.rect.get(k), k) for k in rect]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    cites = sorted({r.cite for r in rows if r.cite})
    if cites:
        lines += ["", "Published figures:", *[f"- {c}" for c in cites]]
    return "\n".join(lines) + "\n"


def to_csv(rows: list[Row]) -> str:
    """One line per row; each metric as mean, std, n, published, delta columns."""
    metrics, rect = columns(rows)
    head = ["method", "label", "dataset", "plugins", "selection", "test_selected", "classifier", "seeds", "n_expected"]
    for m in metrics:
        head += [f"{m}_mean", f"{m}_std", f"{m}_n", f"{m}_published", f"{m}_delta"]
    head += [f"{k}_{part}" for k in rect for part in ("mean", "std")]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(head)
    for row in rows:
        line = [row.method, row.label, row.dataset, ",".join(row.plugins), row.selection, row.selection == "test",
                row.classifier, " ".join(map(str, row.seeds)), row.expected]
        for m in metrics:
            s = row.stats[m]
            line += [_num(s.mean), _num(s.std), s.n, _num(s.published), _num(s.delta)]
        for k in rect:
            s = row.rect.get(k) or Stat(None, None, 0)
            line += [_num(s.mean), _num(s.std)]
        writer.writerow(line)
    return buffer.getvalue()


def _num(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def to_json(rows: list[Row], header: dict) -> str:
    """Everything the table shows, machine-readable."""
    data = {**header, "spread": STD_NOTE, "rows": [_row_json(r) for r in rows]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _row_json(row: Row) -> dict:
    stat = lambda s: {"mean": s.mean, "std": s.std, "n": s.n, "published": s.published, "delta": s.delta}  # noqa: E731
    return {"method": row.method, "label": row.label, "dataset": row.dataset, "plugins": row.plugins,
            "selection": row.selection, "test_selected": row.selection == "test", "classifier": row.classifier,
            "protocol": row.protocol, "seeds": row.seeds, "n_expected": row.expected,
            "metrics": {m: stat(s) for m, s in row.stats.items()},
            "rectification": {k: stat(s) for k, s in row.rect.items()}, "published_source": row.cite}


def rich_tables(rows: list[Row], title: str) -> list:
    """The terminal tables, each narrow enough for 80 columns: T1/U/S/H beside the published
    figures (protocol under each method), calibrated H and AUSUC, and with SRN the rectification scores."""
    metrics, rect = columns(rows)
    main = _rich_table(rows, title, metrics[:4], lambda row, m: _rich_cell(row.stats[m], m), protocol=True)
    if any(r.stats[m].published is not None for r in rows for m in metrics[:4]):
        main.caption = "p: the published figure of the method's paper; Δ: ours - published"
    tables = [main,
              _rich_table(rows, "calibrated stacking (cs_H) and AUSUC", metrics[4:],
                          lambda row, m: fmt_stat(row.stats[m], m).replace(" ± ", "\n± "))]
    if rect:
        table = _rich_table(rows, "rectification score", rect,
                            lambda row, k: fmt_stat(row.rect.get(k), k).replace(" ± ", "\n± "))
        table.caption = ("Pearson r between the class-similarity structures of the visual pivots and of s or R(s); "
                         "* = diagnostic on the unseen test classes, reported only, never used for any choice")
        tables.append(table)
    return tables


RICH_HEADERS = {"srn/rect_seen_s": "seen s", "srn/rect_seen_rs": "seen R(s)",
                "srn/diag_unseen_s": "unseen* s", "srn/diag_unseen_rs": "unseen* R(s)"}


def _rich_table(rows: list[Row], title: str, metric_cols: list[str], cell, protocol: bool = False):
    """One row per method (its protocol under its name), a bold dataset line above each dataset."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left", caption_justify="left")
    table.add_column("method / protocol" if protocol else "method", overflow="fold",
                     min_width=min(12, max((len(r.label) for r in rows), default=6)))
    if protocol:
        table.add_column("seeds", no_wrap=True)
    for metric in metric_cols:
        table.add_column(RICH_HEADERS.get(metric, metric), justify="right", no_wrap=True)
    lead = 2 if protocol else 1
    for i, row in enumerate(rows):
        if i == 0 or rows[i - 1].dataset != row.dataset:
            table.add_row(f"[bold]{escape(row.dataset)}[/bold]", *[""] * (len(metric_cols) + lead - 1))
        last = i + 1 == len(rows) or rows[i + 1].dataset != row.dataset
        front = [f"{escape(row.label)}\n[dim]{escape(row.protocol)}[/dim]", rows_seeds(row)] if protocol else [escape(row.label)]
        table.add_row(*front, *[cell(row, m) for m in metric_cols], end_section=last)
    return table


def _rich_cell(stat: Stat, metric: str) -> str:
    """Mean, '± std' under it, then the published figure ('p') and delta, dimmed."""
    text = fmt_stat(stat, metric).replace(" ± ", "\n± ")
    if stat.published is not None:
        text += f"\n[dim]p {stat.published:.2f}[/dim]"
        if stat.delta is not None:
            text += f"\n[dim]Δ {stat.delta:+.2f}[/dim]"
    return text
