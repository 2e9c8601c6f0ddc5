"""`zslkit viz ...`: figures from a finished run (matplotlib, torch and numpy are imported only when drawing)."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def viz():
    """Draw figures from a finished run (needs the viz extra: pip install 'zslkit[viz]')."""


@viz.command(short_help="Seen classes' s, R(s) and visual pivots by 2-D MDS (SR-GAN Fig. 3).")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="PNG to write (default: RUN_DIR/rectify.png).")
@click.option("--max-labels", type=click.IntRange(min=0), default=40, show_default=True,
              help="Name at most this many classes (those that s crowds most); every class is drawn.")
def rectify(run_dir, out, max_labels):
    """SR-GAN Fig. 3: seen classes' s, R(s) and visual pivots by 2-D MDS, side by side.

    RUN_DIR is a finished run made with the srn plugin, e.g.
    `zslkit run --plugins srn,recon --out runs/demo`.
    """
    from zslkit.viz.rectify import draw_rectify

    out = out if out is not None else Path(run_dir) / "rectify.png"
    draw_rectify(run_dir, out, max_labels=max_labels)
    click.echo(f"wrote {out}", err=True)
