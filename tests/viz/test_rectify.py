"""`zslkit viz rectify`: Fig. 3 from a tiny srn run, its data, and its one-line errors."""

import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tiny_settings import tiny_sets
from zslkit.cli import main

pytest.importorskip("matplotlib", reason="zslkit viz needs the viz extra (matplotlib)")

NO_SRN = "has no srn plugin: nothing rectified to draw (run with --plugins srn)"


def run_cli(args) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return exit_info.value.code


def tiny_run(folder: Path, plugins: str) -> Path:
    spec = ["--plugins", plugins] if plugins else []
    assert run_cli(["run", *spec, "--out", str(folder), "--quiet", "--select", "last", *tiny_sets(plugins)]) == 0
    return folder


@pytest.fixture(scope="module")
def srn_run(tmp_path_factory) -> Path:
    return tiny_run(tmp_path_factory.mktemp("viz") / "srn", "srn,recon")


def suptitle(fig) -> str:
    return fig._suptitle.get_text()  # Figure.get_suptitle() only exists from matplotlib 3.8


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_cli_writes_the_png_atomically(srn_run, tmp_path, capsys):
    out = tmp_path / "figs" / "fig3.png"
    assert run_cli(["viz", "rectify", str(srn_run), "--out", str(out)]) == 0
    width, height = png_size(out)
    assert width > height > 100 and out.stat().st_size > 10_000
    assert f"wrote {out}" in capsys.readouterr().err
    assert sorted(p.name for p in out.parent.iterdir()) == ["fig3.png"]  # no temporary file left behind


def test_default_output_is_in_the_run_folder(srn_run):
    assert run_cli(["viz", "rectify", str(srn_run)]) == 0
    png_size(srn_run / "rectify.png")


def test_figure_has_three_labelled_panels_and_the_scores(srn_run, tmp_path):
    from zslkit.viz.rectify import PANELS, draw_rectify

    fig = draw_rectify(srn_run, tmp_path / "f.png")
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == list(PANELS)
    extra = json.loads((srn_run / "metrics.json").read_text())["result"]["extra"]
    title = suptitle(fig)
    assert title.startswith("synthetic: the 8 seen classes")
    assert f"s {extra['srn/rect_seen_s']:.3f}" in title and f"R(s) {extra['srn/rect_seen_rs']:.3f}" in title
    for ax in fig.axes:
        assert len(ax.collections[0].get_offsets()) == 8  # the 8 seen classes of the tiny task
        assert sorted(t.get_text() for t in ax.texts) == sorted(fig_names(srn_run))


def fig_names(run_dir):
    from zslkit.viz.rectify import load_rectify_data

    return load_rectify_data(run_dir).names


def test_data_are_the_seen_classes_s_rs_and_pivots(srn_run):
    """R(s) sliced from cond_table must reproduce the run's own rectification score."""
    from zslkit.checkpoint import load_checkpoint
    from zslkit.viz.rectify import load_rectify_data
    from zslkit_plugins.srn import rectification_score

    data = load_rectify_data(srn_run)
    model = load_checkpoint(srn_run / "model.pt")
    seen = model["plugin_states"]["srn"]["seen"].numpy()
    assert sorted(seen.tolist()) == sorted(model["classes"][: model["n_seen"]].tolist())
    assert data.names == [model["class_names"][c] for c in seen]
    np.testing.assert_array_equal(data.semantics, model["semantics"].numpy()[seen])
    assert data.rectified.shape == (8, 16) and data.pivots.shape == (8, 32)
    assert ((data.rectified > 0) & (data.rectified < 1)).all()  # R ends in a sigmoid
    import torch

    extra = json.loads((srn_run / "metrics.json").read_text())["result"]["extra"]
    as_tensor = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
    assert rectification_score(as_tensor(data.pivots), as_tensor(data.rectified)) == pytest.approx(
        extra["srn/rect_seen_rs"], abs=1e-4)
    assert rectification_score(as_tensor(data.pivots), as_tensor(data.semantics)) == pytest.approx(
        extra["srn/rect_seen_s"], abs=1e-4)
    assert data.scores == {k: extra[k] for k in ("srn/rect_seen_s", "srn/rect_seen_rs")}


def test_drawing_is_deterministic_and_max_labels_names_the_crowded(srn_run, tmp_path):
    from zslkit.viz.rectify import crowded_first, draw_rectify, load_rectify_data

    figs = [draw_rectify(srn_run, tmp_path / f"{i}.png", max_labels=3) for i in range(2)]
    for a, b in zip(*(f.axes for f in figs)):
        np.testing.assert_array_equal(a.collections[0].get_offsets(), b.collections[0].get_offsets())
    data = load_rectify_data(srn_run)
    chosen = {data.names[i] for i in crowded_first(data, 3)}
    assert all({t.get_text() for t in ax.texts} == chosen for ax in figs[0].axes)
    assert "names shown for the 3 classes" in suptitle(figs[0])


def test_crowded_first_ranks_classes_that_s_merges_but_vision_separates(tmp_path):
    from zslkit.viz.rectify import RectifyData, crowded_first

    rng = np.random.default_rng(0)
    semantics = rng.random((6, 4))
    semantics[4] = semantics[1] + 1e-3  # classes 1 and 4: near-identical attributes
    pivots = np.eye(6) + 0.1  # visually, every class is equally far apart
    data = RectifyData(tmp_path, "t", [f"c{i}" for i in range(6)], semantics, semantics, pivots)
    assert crowded_first(data, 2).tolist() == [1, 4]
    assert crowded_first(data, 6).tolist() == list(range(6)) and crowded_first(data, 0).size == 0


def test_name_tags_never_overlap(tmp_path):
    """Forty classes piled into two tight clumps: the spread tags must not overlap (or be hidden)."""
    from matplotlib.text import Text

    from zslkit.viz.rectify import RectifyData, build_figure

    rng = np.random.default_rng(1)
    centres = rng.random((2, 6))
    semantics = centres[np.arange(40) % 2] + rng.normal(scale=1e-3, size=(40, 6))
    data = RectifyData(tmp_path, "t", [f"class_{i:03d}" for i in range(40)], semantics, semantics, rng.random((40, 9)))
    fig = build_figure(data, max_labels=40)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        boxes = [Text.get_window_extent(t, renderer) for t in ax.texts if t.get_visible()]
        assert len(boxes) >= 10
        assert not any(boxes[i].overlaps(boxes[j]) for i in range(len(boxes)) for j in range(i))


def test_run_without_srn_is_a_one_line_error(tmp_path, capsys):
    run = tiny_run(tmp_path / "plain", "")
    capsys.readouterr()
    assert run_cli(["viz", "rectify", str(run)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: run {run} {NO_SRN}\n"
    assert not (run / "rectify.png").exists()


@pytest.mark.parametrize("make, expected", [
    (lambda p: p / "missing", "no such run folder"),
    (lambda p: p, "no model.pt (not a finished zslkit run"),
])
def test_missing_or_unfinished_run_folder_is_a_one_line_error(tmp_path, capsys, make, expected):
    target = make(tmp_path)
    assert run_cli(["viz", "rectify", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {target}") and expected in err and err.count("\n") == 1


def test_missing_matplotlib_is_a_one_line_error(srn_run, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    assert run_cli(["viz", "rectify", str(srn_run), "--out", str(srn_run / "never.png")]) == 2
    assert capsys.readouterr().err == "error: zslkit viz needs matplotlib: pip install 'zslkit[viz]'\n"


def test_cli_module_imports_neither_torch_nor_matplotlib():
    code = "import sys, zslkit.cli.viz; print(sorted({'torch', 'matplotlib'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
