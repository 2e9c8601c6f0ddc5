"""Pictures of a suite (PNG, matplotlib from the `viz` extra).

- `plot_us`: U against S per method, one panel per dataset, with iso-H curves
  (H = 2US/(U+S), i.e. S = H*U/(2U - H) for U > H/2), error bars of one sample
  std over seeds, and the published point as a hollow marker where one exists.
- `plot_ablation`: H per method as bars grouped by dataset, error bars of one
  sample std, the published H as a black cross.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from zslkit.bench.aggregate import Row
from zslkit.errors import ZslkitError

ISO_H = (10, 20, 30, 40, 50, 60, 70, 80, 90)


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ZslkitError("PNG plots need matplotlib, which is not installed (pip install 'zslkit[viz]')") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def iso_h(h: float, u):
    """S on the iso-H curve at U (U > h/2)."""
    return h * u / (2 * u - h)


def plot_us(rows: list[Row], path: Path) -> Path:
    """U vs S per method with iso-H curves; one panel per dataset."""
    plt = _pyplot()
    datasets = list(dict.fromkeys(r.dataset for r in rows))
    methods = list(dict.fromkeys(r.label for r in rows))
    colors = {m: plt.get_cmap("tab10")(i % 10) for i, m in enumerate(methods)}
    fig, axes = plt.subplots(1, len(datasets), figsize=(max(5.5, 4.4 * len(datasets)), 5.4), squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        _iso_curves(ax)
        for row in (r for r in rows if r.dataset == dataset):
            _us_point(ax, row, colors[row.label])
        ax.set(title=dataset, xlabel="U (unseen accuracy, %)", ylabel="S (seen accuracy, %)", xlim=(0, 100), ylim=(0, 100))
    handles = {}
    for ax in axes[0]:
        handles.update(zip(*reversed(ax.get_legend_handles_labels())))
    rows_of_legend = (len(handles) + 1) // 2
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=2, fontsize=7, frameon=False)
    fig.suptitle("U vs S, mean ± std over seeds (hollow: published)", fontsize=10)
    bottom = min(0.5, 0.04 + 0.035 * rows_of_legend)
    return _save(fig, plt, path, rect=(0, bottom, 1, 0.95))


def _iso_curves(ax) -> None:
    import numpy as np

    for h in ISO_H:
        u = np.linspace(h / 2 + 0.05, 100, 200)
        s = iso_h(h, u)
        keep = s <= 100
        ax.plot(u[keep], s[keep], color="0.85", linewidth=0.8, zorder=0)
        ax.annotate(f"H={h}", (100, min(100, iso_h(h, 100.0))), fontsize=6, color="0.55", ha="right", va="bottom")


def _us_point(ax, row: Row, color) -> None:
    u, s = row.stats["U"], row.stats["S"]
    if u.mean is not None and s.mean is not None:
        ax.errorbar(u.mean, s.mean, xerr=u.std or 0, yerr=s.std or 0, fmt="o", color=color, capsize=3,
                    label=f"{row.label} ({row.protocol})")
    if u.published is not None and s.published is not None:
        ax.scatter([u.published], [s.published], facecolors="none", edgecolors=[color], s=60,
                   label=f"{row.label} (published)")


def plot_ablation(rows: list[Row], path: Path) -> Path:
    """H per method (bars, std error bars) grouped by dataset, published H as crosses."""
    plt = _pyplot()
    datasets = list(dict.fromkeys(r.dataset for r in rows))
    methods = list(dict.fromkeys(r.label for r in rows))
    width = 0.8 / max(1, len(methods))
    labelled = False
    fig, ax = plt.subplots(figsize=(max(5.5, 0.5 * len(datasets) * max(2, len(methods))), 5.0))
    for i, method in enumerate(methods):
        xs, hs, errs, pubs = [], [], [], []
        for j, dataset in enumerate(datasets):
            row = next((r for r in rows if r.dataset == dataset and r.label == method), None)
            if row is None or row.stats["H"].mean is None:
                continue
            xs.append(j + (i - (len(methods) - 1) / 2) * width)
            hs.append(row.stats["H"].mean)
            errs.append(row.stats["H"].std or 0.0)
            pubs.append(row.stats["H"].published)
        ax.bar(xs, hs, width, yerr=errs, capsize=3, label=method)
        marked = [(x, p) for x, p in zip(xs, pubs) if p is not None]
        if marked:
            ax.scatter(*zip(*marked), marker="x", color="black", zorder=3, label=None if labelled else "published H")
            labelled = True
    ax.set_xticks(range(len(datasets)), datasets)
    tops = [r.stats["H"].mean + (r.stats["H"].std or 0) for r in rows if r.stats["H"].mean is not None]
    tops += [r.stats["H"].published for r in rows if r.stats["H"].published is not None]
    ax.set_ylim(0, max(10.0, 1.15 * max(tops, default=0)))
    ax.set(ylabel="H (%)", title="Ablation: H per method (mean ± std over seeds)")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False)
    return _save(fig, plt, path)


def _save(fig, plt, path: Path, rect=None) -> Path:
    """Write the PNG atomically (temp file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.tight_layout(rect=rect or (0, 0, 1, 1))
        fig.savefig(tmp, dpi=120)
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        Path(tmp).unlink(missing_ok=True)
    return path
