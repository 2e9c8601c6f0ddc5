"""Table 2 of the paper is nothing but plugin sets: each row resolves as intended and runs."""

import json

import pytest

from zslkit.cli import main
from zslkit.manager import resolve_spec

ROWS = {
    "baseline": ("", ["acgan", "pivot", "resgen"]),
    "+rec": ("recon", ["acgan", "pivot", "post", "pre", "resgen"]),
    "+SRN": ("srn", ["acgan", "pivot", "resgen", "srn"]),
    "+rec+SRN": ("srn,recon", ["acgan", "pivot", "post", "pre", "resgen", "srn"]),
}


@pytest.mark.parametrize("row", sorted(ROWS))
def test_row_resolves_and_runs(row, tmp_path, tiny_args):
    spec, expected = ROWS[row]
    assert resolve_spec(spec).names == expected
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--plugins", spec, "--out", str(out), "--quiet", "--select", "last", *tiny_args(spec)])
    assert exit_info.value.code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["plugins"] == expected
    terms = metrics["final_terms"]
    assert ("G:pre/l1" in terms and "G:post/l1" in terms) == ("pre" in expected)
    assert any(k.startswith("srn/") for k in metrics["result"]["extra"]) == ("srn" in expected)


def test_presets_for_the_compared_methods():
    assert resolve_spec("clswgan").names == ["clsreg", "mlpgen", "wgancritic"]
    assert resolve_spec("gazsl").names == ["acgan", "mlpgen", "pivot"]


@pytest.mark.parametrize("mode", ["separate", "joint"])
def test_generator_update_modes_train_the_reconstructors(mode, tmp_path, tiny_args):
    out = tmp_path / mode
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--plugins", "recon", "--out", str(out), "--quiet", "--select", "last",
              "--set", f"trainer.generator_updates={mode}", *tiny_args("recon")])
    assert exit_info.value.code == 0
    logged = [json.loads(line) for line in (out / "train.log").read_text().splitlines()]
    terms = [r["terms"] for r in logged if "terms" in r]
    assert all({"G:pre/l1", "G:post/l1", "G:acgan/adv"} <= set(t) for t in terms)


def test_joint_and_separate_updates_differ(tmp_path, tiny_args):
    results = {}
    for mode in ("separate", "joint"):
        out = tmp_path / mode
        with pytest.raises(SystemExit):
            main(["run", "--plugins", "recon", "--out", str(out), "--quiet", "--select", "last",
                  "--set", f"trainer.generator_updates={mode}", *tiny_args("recon")])
        results[mode] = json.loads((out / "metrics.json").read_text())["final_terms"]
    assert results["separate"] != results["joint"]
