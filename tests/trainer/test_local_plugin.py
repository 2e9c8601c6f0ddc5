"""A plugin written in a file of its own runs with --plugins path/file.py:Class."""

import json
import shutil
from pathlib import Path

import pytest

from zslkit.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "class_mean_pull.py"


def run_cli(args):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return exit_info.value.code


def test_docs_example_plugin_runs_and_its_term_is_logged_and_reported(tmp_path, tiny_args):
    plugin_file = tmp_path / "my_plugin.py"
    shutil.copy(EXAMPLE, plugin_file)
    out = tmp_path / "run"
    code = run_cli(["run", "--plugins", f"{plugin_file}:ClassMeanPull", "--out", str(out), "--quiet",
                    "--set", "classmean.weight=0.5", *tiny_args("")])
    assert code == 0
    log = [json.loads(line) for line in (out / "train.log").read_text().splitlines()]
    logged = [r["terms"] for r in log if "terms" in r]
    assert logged and all("G:classmean/pull" in terms for terms in logged)
    metrics = json.loads((out / "metrics.json").read_text())
    assert "classmean" in metrics["plugins"]
    assert metrics["final_terms"]["G:classmean/pull"] > 0


def test_docs_example_passes_check_plugin():
    import importlib.util

    from zslkit.testing import check_plugin

    spec = importlib.util.spec_from_file_location("class_mean_pull_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    report = check_plugin(module.ClassMeanPull)
    assert "G:classmean/pull" in report["terms"]


NAN_PLUGIN = '''
import torch
from zslkit.plugin import Plugin, hookimpl


class Boom(Plugin):
    """Returns a NaN generator term from step 5 on."""

    name = "boom"

    @hookimpl
    def zslkit_generator_loss(self, ctx, batch, substep):
        if substep != "main":
            return None
        value = batch.fake.sum() * 0
        return {"boom/nan": value + (float("nan") if ctx.step >= 5 else 0.0)}
'''


def test_nan_loss_stops_with_term_plugin_and_step_and_keeps_the_last_good_checkpoint(tmp_path, tiny_args, capsys):
    import torch

    plugin_file = tmp_path / "boom.py"
    plugin_file.write_text(NAN_PLUGIN)
    out = tmp_path / "run"
    code = run_cli(["run", "--plugins", f"{plugin_file}:Boom", "--out", str(out), "--quiet", "--select", "last",
                    *tiny_args("")])
    err = capsys.readouterr().err.strip()
    assert code == 3, err
    assert "\n" not in err and "'boom/nan'" in err and "'boom'" in err and "step 5" in err
    checkpoint = torch.load(out / "checkpoints" / "last.pt", weights_only=True)
    assert checkpoint["step"] == 3  # checkpoint_every=3: the one before the NaN


RAISING_PLUGIN = '''
from zslkit.plugin import Plugin, hookimpl


class Raiser(Plugin):
    """Raises inside a hook."""

    name = "raiser"

    @hookimpl
    def zslkit_fit_start(self, ctx):
        raise RuntimeError("kaput")
'''


def test_plugin_raising_in_a_hook_is_named(tmp_path, tiny_args, capsys):
    plugin_file = tmp_path / "raiser.py"
    plugin_file.write_text(RAISING_PLUGIN)
    code = run_cli(["run", "--plugins", f"{plugin_file}:Raiser", "--out", str(tmp_path / "r"), "--quiet",
                    *tiny_args("")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err
    assert "'raiser'" in err and "zslkit_fit_start" in err and "kaput" in err
