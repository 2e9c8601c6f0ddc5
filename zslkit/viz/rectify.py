"""The paper's Fig. 3: seen classes' semantics s, rectified semantics R(s) and visual pivots, by 2-D MDS.

    zslkit viz rectify runs/demo            # -> runs/demo/rectify.png

Everything comes from the run's `model.pt`: `semantics` (C x A), the
generator's conditioning table `cond_table` ([s, extras...]; R(s) is the
"srn/rectified" block, located with `cond_names`/`cond_sizes`), and the srn
plugin's state (`pivots`, the class means of the scaled seen features, and
`seen`, their global class ids). The rectification scores of the title come
from `metrics.json` (`result.extra`).

Each panel is an independent classical MDS of cosine distances (see
`zslkit.viz.mds`). A class has the same colour in every panel: its hue is its
angle in the pivot panel, so classes that are neighbours in the visual space
share a hue; where s mixes the hues and R(s) sorts them again, rectification
did its job. matplotlib (the `viz` extra) is imported only here, with the
non-interactive Agg canvas, and never through pyplot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zslkit.errors import ZslkitError
from zslkit.viz.mds import Embedding, cosine_distances, layout, orient_like

RECTIFIED = "srn/rectified"
SCORE_KEYS = ("srn/rect_seen_s", "srn/rect_seen_rs")
DEFAULT_MAX_LABELS = 40
DPI = 150
PANELS = ("semantic features s", "rectified features R(s)", "visual pivots p (class means of seen features)")


@dataclass
class RectifyData:
    """The seen classes' arrays of one run, rows in the order of `names` (the srn plugin's `seen` order)."""

    run_dir: Path
    dataset: str
    names: list[str]
    semantics: np.ndarray  # (n_seen, A)
    rectified: np.ndarray  # (n_seen, A)
    pivots: np.ndarray  # (n_seen, D)
    scores: dict = field(default_factory=dict)  # SCORE_KEYS found in metrics.json


def require_matplotlib():
    """Import matplotlib or fail with the one-line install hint."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ZslkitError("zslkit viz needs matplotlib: pip install 'zslkit[viz]'") from exc
    return matplotlib


def load_rectify_data(run_dir) -> RectifyData:
    """Read s, R(s) and the visual pivots of the seen classes from a finished run folder."""
    from zslkit.predict import MODEL_FILE, load_run

    root = Path(run_dir)
    if not root.is_dir():
        raise ZslkitError(f"{root}: no such run folder (expected an output folder of 'zslkit run')")
    run = load_run(root)
    model = run.model
    if "semantics" not in model or "cond_table" not in model:
        raise ZslkitError(f"{root / MODEL_FILE}: no class semantics in it "
                          "(written by an older zslkit; rerun to draw figures)")
    state = (model.get("plugin_states") or {}).get("srn")
    if state is None or RECTIFIED not in list(model.get("cond_names", [])):
        raise ZslkitError(f"run {root} has no srn plugin: nothing rectified to draw (run with --plugins srn)")
    if state.get("pivots") is None or state.get("seen") is None:
        raise ZslkitError(f"run {root}: the srn plugin saved no visual pivots "
                          "(its pre-training never ran); nothing to draw")
    seen = np.asarray(state["seen"], dtype=np.int64)
    semantics = np.asarray(model["semantics"], dtype=np.float64)
    metrics = run.metrics or {}
    extra = (metrics.get("result") or {}).get("extra") or {}
    data = RectifyData(
        run_dir=root, dataset=str(metrics.get("dataset", root.name)),
        names=[str(model["class_names"][c]) for c in seen],
        semantics=semantics[seen], rectified=_rectified_block(model, semantics.shape[1])[seen],
        pivots=np.asarray(state["pivots"], dtype=np.float64),
        scores={k: float(extra[k]) for k in SCORE_KEYS if k in extra},
    )
    for what, values in (("s", data.semantics), ("R(s)", data.rectified), ("visual pivots", data.pivots)):
        if not np.isfinite(values).all():
            raise ZslkitError(f"{root / MODEL_FILE}: the seen classes' {what} hold NaN or inf values; nothing to draw")
    return data


def _rectified_block(model: dict, attribute_dim: int) -> np.ndarray:
    """The R(s) columns of cond_table: after the A columns of s and the extras listed before it."""
    names, sizes = list(model["cond_names"]), [int(v) for v in model["cond_sizes"]]
    i = names.index(RECTIFIED)
    start = attribute_dim + sum(sizes[:i])
    return np.asarray(model["cond_table"], dtype=np.float64)[:, start:start + sizes[i]]


def draw_rectify(run_dir, out_png=None, max_labels: int = DEFAULT_MAX_LABELS):
    """Draw Fig. 3 of a finished srn run and save it as a PNG (atomically).

    Args:
        run_dir: a run folder written by `zslkit run` with the srn plugin.
        out_png: where to write the PNG; default `RUN_DIR/rectify.png`.
        max_labels: at most this many classes get a name tag (all when there
            are no more classes than this): those that s crowds most relative
            to their visual pivots (see `crowded_first`). Every class is drawn.
    Returns:
        the matplotlib Figure (three axes: s, R(s), pivots).
    Raises:
        ZslkitError: matplotlib missing, no such folder, unfinished run, no srn plugin.
    """
    require_matplotlib()
    data = load_rectify_data(run_dir)
    out = Path(out_png) if out_png is not None else data.run_dir / "rectify.png"
    fig = build_figure(data, max_labels)
    save_png_atomic(fig, out)
    return fig


@dataclass(frozen=True)
class _Style:
    """Sizes that keep 8 or 645 classes readable."""

    figsize: tuple
    marker: float
    font: float


def _style(n: int) -> _Style:
    if n <= 20:
        return _Style((16, 5.8), 70, 8.5)
    if n <= 60:
        return _Style((19, 6.8), 45, 7)
    return _Style((25, 8.8), 18, 5.5)


def build_figure(data: RectifyData, max_labels: int = DEFAULT_MAX_LABELS):
    """The three-panel Figure (not yet saved) for `data`; see `draw_rectify`."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    pivots = layout(data.pivots)
    rectified = _oriented(layout(data.rectified), pivots)  # reflections only: chain s -> R(s) -> p
    semantics = _oriented(layout(data.semantics), rectified)
    style = _style(len(data.names))
    fig = Figure(figsize=style.figsize, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # the non-interactive Agg canvas, whatever the user's default backend
    colors = class_colors(pivots.coords)
    labelled = crowded_first(data, max_labels)
    tags = []
    for ax, title, emb in zip(fig.subplots(1, 3), PANELS, (semantics, rectified, pivots)):
        tags += _draw_panel(ax, emb, data.names, colors, labelled, title, style)
    fig.suptitle(_suptitle(data, len(labelled)), fontsize=11)
    spread_labels(fig, tags)
    return fig


def _oriented(emb: Embedding, reference: Embedding) -> Embedding:
    return Embedding(orient_like(emb.coords, reference.coords), emb.explained)


def class_colors(coords: np.ndarray) -> np.ndarray:
    """(n, 3) RGB per class: hue from the class's angle around the centre of the pivot layout."""
    from matplotlib.colors import hsv_to_rgb

    hue = (np.arctan2(coords[:, 1], coords[:, 0]) / (2 * np.pi)) % 1.0
    hsv = np.stack([hue, np.full_like(hue, 0.8), np.full_like(hue, 0.85)], axis=1)
    return hsv_to_rgb(hsv)


def crowded_first(data: RectifyData, max_labels: int) -> np.ndarray:
    """Indices of the classes to name: all if they fit, else the `max_labels` that s crowds most.

    Crowding of class i = (cosine distance to its nearest neighbour in s) /
    (the same in pivot space): small when the attributes put the class on top
    of another one that the visual features keep apart, the paper's wolf/cat/dog
    case, which is what the figure is for.
    """
    n = len(data.names)
    if max_labels >= n:
        return np.arange(n)
    if max_labels <= 0 or n < 2:
        return np.arange(0)
    nearest = []
    for x in (data.semantics, data.pivots):
        d = cosine_distances(x)
        np.fill_diagonal(d, np.inf)
        nearest.append(d.min(axis=1))
    crowding = nearest[0] / np.maximum(nearest[1], 1e-12)
    return np.sort(np.argsort(crowding, kind="stable")[:max_labels])


def short_name(name: str) -> str:
    """'002.Laysan_Albatross' -> 'Laysan_Albatross', 'killer+whale' -> 'killer whale' (shorter tags)."""
    return re.sub(r"^\d+\.", "", name).replace("+", " ")


def _draw_panel(ax, emb: Embedding, names, colors, labelled, title: str, style: _Style) -> list:
    """Scatter one layout and tag the labelled classes; returns the name tags (for `spread_labels`)."""
    from matplotlib import patheffects

    xy = emb.coords
    ax.scatter(xy[:, 0], xy[:, 1], c=colors, s=style.marker, edgecolors="0.25", linewidths=0.4, zorder=2)
    mid = (xy[:, 0].min() + xy[:, 0].max()) / 2
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    leader = {"arrowstyle": "-", "color": "0.55", "lw": 0.5, "shrinkA": 0, "shrinkB": 3}
    tags = []
    for i in labelled:
        right = xy[i, 0] <= mid  # name on the side facing the panel's centre, so it stays inside
        tag = ax.annotate(short_name(names[i]), xy[i], xytext=(5 if right else -5, 0), textcoords="offset points",
                          ha="left" if right else "right", va="center", fontsize=style.font, color="0.1",
                          path_effects=halo, arrowprops=leader, zorder=3)
        tag.set_in_layout(False)
        tags.append(tag)
    ax.set_title(title, fontsize=12)
    ax.set_xlabel(f"2-D MDS of cosine distances keeps {emb.explained:.0%} of their structure",
                  fontsize=8.5, color="0.35")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal", adjustable="datalim")
    ax.margins(0.06)
    return tags


def spread_labels(fig, tags, max_steps: int = 13) -> int:
    """Nudge name tags up or down (0, +h, -h, +2h, ...) until none overlaps a tag placed before it.

    Greedy and deterministic: crowded classes, the figure's point, would
    otherwise print their names on top of each other. A moved tag keeps a thin
    leader line to its point; a tag with no free place within `max_steps`
    nudges is hidden (its dot stays). Returns how many tags were hidden.
    """
    from matplotlib.text import Text

    fig.canvas.draw()  # runs the layout, so the extents below are final
    renderer = fig.canvas.get_renderer()
    to_points = 72.0 / fig.dpi
    placed, hidden = [], 0
    for tag in tags:
        box = Text.get_window_extent(tag, renderer).padded(1.0)  # the name only, not its leader line
        for step in range(max_steps):
            shift = (step + 1) // 2 * (1 if step % 2 else -1) * box.height * 0.55
            if not any(box.translated(0, shift).overlaps(other) for other in placed):
                x, y = tag.xyann
                tag.xyann = (x, y + shift * to_points)
                placed.append(box.translated(0, shift))
                break
        else:
            tag.set_visible(False)
            hidden += 1
    return hidden


def _suptitle(data: RectifyData, n_labelled: int) -> str:
    n = len(data.names)
    lines = [f"{data.dataset}: the {n} seen classes (SR-GAN Fig. 3)"]
    if len(data.scores) == len(SCORE_KEYS):
        s, rs = (data.scores[k] for k in SCORE_KEYS)
        lines.append(f"agreement with the visual pivots' class structure (Pearson r of cosine similarities): "
                     f"s {s:.3f}  \u2192  R(s) {rs:.3f}")
    if n_labelled < n:
        lines.append(f"names shown for the {n_labelled} classes that s crowds most relative to the visual pivots "
                     "(where a panel has room for them)")
    return "\n".join(lines)


def save_png_atomic(fig, path) -> Path:
    """Save `fig` as PNG via a temporary file in the same folder and os.replace (never a half-written PNG)."""
    from zslkit.atomic import atomic_open

    path = Path(path)
    if path.parent.exists() and not path.parent.is_dir():
        raise ZslkitError(f"{path}: cannot write the figure there ({path.parent} is a file, not a folder)")
    try:
        with atomic_open(path, "wb") as handle:
            fig.savefig(handle, format="png", dpi=DPI)
    except OSError as exc:
        raise ZslkitError(f"{path}: cannot write the figure there ({exc.strerror or exc})") from exc
    return path
