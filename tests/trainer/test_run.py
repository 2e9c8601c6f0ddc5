"""End-to-end runs on a tiny synthetic task: metrics, determinism, run folder, predict."""

import json

import numpy as np
import pytest
import yaml

from zslkit.cli import main


def run_cli(args, capsys=None):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return exit_info.value.code


def test_default_run_prints_metrics_and_writes_the_run_folder(tmp_path, tiny_args, capsys):
    out = tmp_path / "run"
    code = run_cli(["run", "--dataset", "synthetic", "--out", str(out), "--quiet", *tiny_args("")])
    printed = capsys.readouterr().out
    assert code == 0
    for column in ("T1", "U", "S", "H"):
        assert column in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["plugins"] == ["acgan", "pivot", "resgen"]
    assert metrics["selection"] == "validation" and metrics["test_selected"] is False
    assert metrics["seed"] == 0 and metrics["dataset"] == "synthetic"
    assert set(metrics["history"]) == {"validation", "final"}
    result = metrics["result"]
    assert 0 <= result["T1"] <= 100 and 0 <= result["H"] <= 100
    assert result["H"] == pytest.approx(2 * result["U"] * result["S"] / (result["U"] + result["S"]))
    assert any(k.startswith("G:pivot/") for k in metrics["final_terms"])
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["config"]["trainer"]["iterations"] == 12
    assert (out / "model.pt").is_file() and (out / "checkpoints" / "last.pt").is_file()


def test_same_seed_same_metrics_and_other_seed_differs(tmp_path, tiny_args):
    results = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        out = tmp_path / name
        assert run_cli(["run", "--out", str(out), "--seed", str(seed), "--quiet", "--select", "last",
                        *tiny_args("")]) == 0
        results.append(json.loads((out / "metrics.json").read_text())["result"])
    assert results[0] == results[1]
    assert results[0] != results[2]


def test_test_selection_is_labelled(tmp_path, tiny_args, capsys):
    out = tmp_path / "run"
    assert run_cli(["run", "--out", str(out), "--select", "test", "--quiet", *tiny_args("")]) == 0
    assert "TEST-SELECTED" in capsys.readouterr().out
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_selected"] is True and metrics["result"]["test_selected"] is True


def test_predict_classifies_raw_features_like_the_api(tmp_path, tiny_args, capsys):
    import zslkit
    from zslkit.datasets.synthetic import load_synthetic
    from zslkit.datasets.registry import make_options

    out = tmp_path / "run"
    assert run_cli(["run", "--out", str(out), "--select", "last", "--quiet", *tiny_args("")]) == 0
    capsys.readouterr()
    sets = {s.split("=")[0].split(".", 1)[1]: s.split("=")[1] for s in tiny_args("")[1::2] if s.startswith("synthetic.")}
    data = load_synthetic.load(None, make_options("synthetic", sets))
    features = data.features[data.test_unseen[:10]]
    np.save(tmp_path / "x.npy", features)
    run = zslkit.load_run(out)
    names = run.predict(features)
    assert len(names) == 10 and set(names) <= set(data.class_names)
    assert run_cli(["predict", str(out), str(tmp_path / "x.npy")]) == 0
    assert capsys.readouterr().out.split() == names


def test_predict_rejects_features_of_the_wrong_width(tmp_path, tiny_args, capsys):
    out = tmp_path / "run"
    assert run_cli(["run", "--out", str(out), "--select", "last", "--quiet", *tiny_args("")]) == 0
    np.save(tmp_path / "x.npy", np.zeros((3, 5), np.float32))
    capsys.readouterr()
    assert run_cli(["predict", str(out), str(tmp_path / "x.npy")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: features have shape (3, 5)") and "\n" not in err


def test_out_folder_holding_a_run_is_refused(tmp_path, tiny_args, capsys):
    out = tmp_path / "run"
    assert run_cli(["run", "--out", str(out), "--select", "last", "--quiet", *tiny_args("")]) == 0
    capsys.readouterr()
    assert run_cli(["run", "--out", str(out), "--quiet", *tiny_args("")]) == 2
    assert "already holds a run" in capsys.readouterr().err


@pytest.mark.parametrize("setting, expected", [
    ("trainer.adam=fast", "error: trainer.adam='fast': expected 'fused', 'foreach' or 'single'"),
    ("trainer.precision=fp16", "error: trainer.precision='fp16': expected 'fp32' or 'bf16'"),
    ("trainer.generator_updates=both", "error: trainer.generator_updates='both': expected 'separate' or 'joint'"),
])
def test_bad_core_choices_are_one_line_errors(tmp_path, tiny_args, capsys, setting, expected):
    code = run_cli(["run", "--out", str(tmp_path / "run"), "--quiet", *tiny_args(""), "--set", setting])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err == expected
