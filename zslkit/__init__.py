"""zslkit: generative zero-shot learning as small, composable plugins.

Kept import-light on purpose: `zslkit --help` and `zslkit plugins list` must not
pull in torch, so nothing here imports it.
"""

__version__ = "0.1.0"


def load_run(run_dir):
    """Load a finished run folder for prediction (see `zslkit.predict.LoadedRun`)."""
    from zslkit.predict import load_run as _load_run

    return _load_run(run_dir)


__all__ = ["__version__", "load_run"]
