"""`zslkit run`: train a plugin set on a dataset and report T1, U, S, H."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.option("--plugins", "plugins", default="", metavar="SPEC",
              help="Plugins on top of the SR-GAN baseline (resgen,acgan,pivot): names, presets (recon, clswgan, "
                   "gazsl), no:NAME, module:Class or path/file.py:Class. E.g. 'srn,recon' is the full SR-GAN.")
@click.option("--dataset", default="synthetic", show_default=True, help="Dataset name (see 'zslkit data list').")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of every random draw of the run.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Run folder to create (default: runs/<time>-<dataset>-seed<N>).")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="A YAML file of config sections (over the shipped per-dataset defaults).")
@click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE",
              help="Override one config value (checked against its type); repeatable.")
@click.option("--select", type=click.Choice(["validation", "test", "last"]), default=None,
              help="Model selection: on the validation split (default), on test (published practice; results "
                   "are labelled test-selected) or none (last evaluation).")
@click.option("--data-root", default=None, help="Data root (default: $ZSLKIT_DATA or the platform cache folder).")
@click.option("--resume", type=click.Path(path_type=Path), default=None, metavar="RUN_DIR",
              help="Continue an interrupted run from its last checkpoint.")
@click.option("--threads", default=0, show_default=True, type=int,
              help="Torch CPU threads (0: one per core). On cores shared with other busy work, 1 avoids OpenMP "
                   "spin-wait slowdowns; results do not depend on it beyond float rounding.")
@click.option("--quiet", is_flag=True, help="No progress display.")
@click.option("--json", "as_json", is_flag=True, help="Print metrics.json to stdout (implies --quiet).")
def run(plugins, dataset, seed, device, out, config_file, overrides, select, data_root, resume, threads, quiet,
        as_json):
    """Train a generative ZSL model and evaluate it (ZSL T1, GZSL U/S/H).

    The default selection trains on the validation split to choose the number
    of iterations and the calibration, then retrains on train+val and reports
    test numbers at those iterations; no test label is used for any choice.
    """
    from zslkit.display import Display, print_results
    from zslkit.runner import RunOptions, execute

    opts = RunOptions(plugins=plugins, dataset=dataset, seed=seed, device=device, out=out,
                      config_file=config_file, overrides=tuple(overrides), select=select,
                      data_root=data_root, quiet=quiet or as_json, resume=resume,
                      threads=threads)
    display = Display(quiet=opts.quiet)
    try:
        metrics = execute(opts, display)
    finally:
        display.close()
    if as_json:
        click.echo(json.dumps(metrics, indent=2))
    else:
        print_results(metrics)
        click.echo(f"run folder: {metrics.get('run_dir', '')}")
