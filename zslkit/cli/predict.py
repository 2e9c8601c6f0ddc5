"""`zslkit predict RUN_DIR FEATURES`: class names for new features."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.argument("features", type=click.Path(path_type=Path))
@click.option("--key", default=None, help="Array name inside a .npz/.mat file (default: the only one, or 'features').")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write one class name per line here.")
@click.option("--calibrated", is_flag=True, help="Apply the run's calibrated-stacking gamma (chosen on validation).")
def predict(run_dir, features, key, out, calibrated):
    """Classify raw features (N x D, or D x N as in res101.mat) with a finished run."""
    from zslkit.predict import load_run, read_features
    from zslkit.atomic import atomic_write_text

    run = load_run(run_dir)
    x = read_features(features, key)
    if x.ndim == 2 and x.shape[1] != run.feature_dim and x.shape[0] == run.feature_dim:
        x = x.T
    names = run.predict(x, calibrated=calibrated)
    if out is not None:
        atomic_write_text(out, "".join(f"{n}\n" for n in names))
        click.echo(f"wrote {len(names)} predictions to {out}", err=True)
    else:
        click.echo("\n".join(names))
