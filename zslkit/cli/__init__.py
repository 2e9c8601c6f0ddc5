"""The `zslkit` command line.

Subcommands are imported only when invoked (a lazy click group), and none of
their modules imports torch at import time, so `zslkit --help`, `zslkit data
list` and `zslkit plugins list` stay fast.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from zslkit import __version__
from zslkit.errors import ZslkitError

# subcommand name -> "module:attribute" of its click command
SUBCOMMANDS = {
    "data": "zslkit.cli.data:data",
    "plugins": "zslkit.cli.plugins:plugins",
    "run": "zslkit.cli.run:run",
    "predict": "zslkit.cli.predict:predict",
    "bench": "zslkit.cli.bench:bench",
    "viz": "zslkit.cli.viz:viz",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx, name):
        if name in self.lazy:
            module, attr = self.lazy[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def format_commands(self, ctx, formatter):
        # Short help without importing every subcommand module.
        rows = [(name, SHORT_HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


SHORT_HELP = {
    "data": "List, inspect and download datasets.",
    "plugins": "List, show and resolve plugins.",
    "run": "Train a generative ZSL model and evaluate it.",
    "predict": "Classify new features with a finished run.",
    "bench": "Run a benchmark suite (methods x datasets x seeds).",
    "viz": "Draw figures from a finished run.",
}


@click.group(cls=LazyGroup, lazy=SUBCOMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="zslkit")
def cli():
    """zslkit: generative zero-shot learning as composable plugins.

    The default job is SR-GAN on the embedded synthetic benchmark:

        zslkit run --plugins srn,recon --dataset synthetic
    """


def main(argv=None) -> None:
    """Entry point: one-line errors and non-zero exits, never a traceback for user errors."""
    try:
        cli.main(args=argv, prog_name="zslkit", standalone_mode=False)
    except ZslkitError as exc:
        if os.environ.get("ZSLKIT_DEBUG"):
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("error: interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("error: interrupted (finished work is kept; resume with --resume RUN_DIR)", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug, not bad input: still one line, with a way to see more
        if os.environ.get("ZSLKIT_DEBUG"):
            raise
        click.echo(f"error: internal error {type(exc).__name__}: {exc} (rerun with ZSLKIT_DEBUG=1 for the traceback)",
                   err=True)
        sys.exit(1)
    sys.exit(0)
