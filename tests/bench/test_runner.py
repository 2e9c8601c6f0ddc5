"""A real tiny suite end to end: cells run, outputs written, reruns skip, failures are contained."""

from __future__ import annotations

import json

import pytest

from zslkit.bench.cells import expand
from zslkit.bench.executors import SerialExecutor
from zslkit.bench.runner import cell_state, run_suite
from zslkit.bench.suite import load_suite
from zslkit.cli import main

from bench_support import FAST, write_suite

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def finished_suite(tmp_path_factory):
    """The two-method x one-dataset x two-seed ablation suite, run once: (suite, out folder, report)."""
    folder = tmp_path_factory.mktemp("bench")
    methods = [{"name": "baseline", "label": "SR-GAN:baseline", "plugins": "",
                "published": {"table": "srgan_table2", "row": "SR-GAN:baseline"}},
               {"name": "srn", "label": "SR-GAN:baseline+SRN", "plugins": "srn"}]
    suite = load_suite(write_suite(folder, methods, name="ablation", ablation=True))
    out = folder / "out"
    return suite, out, run_suite(suite, out, SerialExecutor())


def test_suite_runs_every_cell_into_its_keyed_run_folder(finished_suite):
    suite, out, report = finished_suite
    assert (report.count("done"), report.count("failed")) == (4, 0)
    for cell in report.cells:
        folder = cell.folder(out)
        assert folder.parent == out / cell.method.name / "synthetic" and folder.name.startswith(f"seed{cell.seed}-")
        metrics = json.loads((folder / "metrics.json").read_text())
        assert metrics["seed"] == cell.seed and metrics["plugins"] == list(cell.plugins)
        assert cell_state(cell, out) == ("complete", None)


def test_outputs_are_written_with_protocol_and_rectification_columns(finished_suite):
    suite, out, report = finished_suite
    names = {p.name for p in report.files}
    assert names == {"results.md", "results.csv", "results.json", "us_scatter.png", "ablation_h.png"}
    for name in ("us_scatter.png", "ablation_h.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC
    text = (out / "results.md").read_text()
    assert "| SR-GAN:baseline | synthetic | validation, softmax | 2/2 |" in text
    assert "rect seen R(s)" in text and "sample std over seeds (ddof=1)" in text
    data = json.loads((out / "results.json").read_text())
    baseline, srn = data["rows"]
    assert baseline["metrics"]["H"]["published"] is None  # the paper has no synthetic numbers
    assert srn["rectification"]["srn/rect_seen_rs"]["n"] == 2 and baseline["rectification"] == {}
    runs = [json.loads((c.folder(out) / "metrics.json").read_text())["result"]["H"] for c in report.cells[:2]]
    assert baseline["metrics"]["H"]["mean"] == pytest.approx(sum(runs) / 2)
    assert "srn/rect_seen_rs_mean" in (out / "results.csv").read_text().splitlines()[0]


def test_ablation_outputs_pair_each_row_with_the_baseline_by_seed(finished_suite):
    suite, out, report = finished_suite
    assert "## Effect of each row against the baseline" in (out / "results.md").read_text()
    effects = {e["metric"]: e for e in json.loads((out / "results.json").read_text())["effects"]}
    assert set(effects) == {"T1", "U", "S", "H", "cs_H"} and effects["H"]["baseline"] == "SR-GAN:baseline"
    h = {c.method.name: {} for c in report.cells}
    for cell in report.cells:
        h[cell.method.name][cell.seed] = json.loads((cell.folder(out) / "metrics.json").read_text())["result"]["H"]
    diffs = [h["srn"][s] - h["baseline"][s] for s in sorted(h["baseline"])]
    assert effects["H"]["n"] == 2 and effects["H"]["mean"] == pytest.approx(sum(diffs) / 2)


def test_rerun_skips_finished_cells_without_running_anything(finished_suite, monkeypatch):
    suite, out, _ = finished_suite

    def no_run(*args, **kwargs):
        raise AssertionError("a finished cell was run again")

    monkeypatch.setattr("zslkit.runner.execute", no_run)
    before = (out / "results.json").read_text()
    report = run_suite(suite, out, SerialExecutor())
    assert (report.count("skipped"), report.count("done"), report.count("failed")) == (4, 0, 0)
    assert json.loads((out / "results.json").read_text())["rows"] == json.loads(before)["rows"]


def test_cli_prints_the_table_and_skips_finished_cells(finished_suite, monkeypatch, capsys):
    suite, out, _ = finished_suite
    monkeypatch.setattr("zslkit.runner.execute", lambda *a, **k: pytest.fail("a finished cell was run again"))
    with pytest.raises(SystemExit) as info:
        main(["bench", str(suite.path), "--out", str(out), "--quiet"])
    assert info.value.code == 0
    printed = capsys.readouterr().out
    assert "SR-GAN:baseline+SRN" in printed and "validation, softmax" in printed and "seen R(s)" in printed
    assert "ran 0, skipped 4 finished, failed 0" in printed


def test_a_folder_holding_another_config_is_reported_not_overwritten(finished_suite, tmp_path):
    suite, out, report = finished_suite
    cell = report.cells[0]
    moved = tmp_path / "out" / cell.folder(out).relative_to(out)
    moved.parent.mkdir(parents=True)
    other = report.cells[1].folder(out)  # seed 1's run, placed under seed 0's key
    moved.mkdir()
    (moved / "config.yaml").write_text((other / "config.yaml").read_text())
    state, reason = cell_state(cell, tmp_path / "out")
    assert state == "mismatch" and "holds a run of another config" in reason


def test_an_interrupted_cell_is_resumed_in_its_folder(tmp_path, monkeypatch):
    from zslkit import runner as run_module

    path = write_suite(tmp_path, [{"name": "base", "plugins": ""}], name="resume", seeds=1, set=FAST)
    suite = load_suite(path)
    first = run_suite(suite, tmp_path / "out", SerialExecutor())
    folder = first.cells[0].folder(tmp_path / "out")
    (folder / "metrics.json").unlink()  # as if killed before the end
    calls = []
    real = run_module.execute
    monkeypatch.setattr(run_module, "execute", lambda opts, display: calls.append(opts.resume) or real(opts, display))
    again = run_suite(suite, tmp_path / "out", SerialExecutor())
    assert again.count("done") == 1 and calls == [folder] and (folder / "metrics.json").is_file()


def test_a_failing_cell_is_reported_and_the_others_finish(tmp_path, capsys):
    methods = [{"name": "broken", "plugins": "", "set": ["data.normalize=bogus"]}, {"name": "ok", "plugins": ""}]
    path = write_suite(tmp_path, methods, name="failing", seeds=1, set=FAST)
    with pytest.raises(SystemExit) as info:
        main(["bench", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    assert info.value.code == 2
    captured = capsys.readouterr()
    error = captured.err.strip().splitlines()[-1]
    assert error.startswith("error: 1 of 2 cells failed (first: broken/synthetic/seed0: data.normalize='bogus'")
    assert "FAILED broken/synthetic/seed0: data.normalize='bogus': expected 'minmax' or 'none'" in captured.err
    assert "ran 1, skipped 0 finished, failed 1" in captured.out
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert data["failed"][0]["cell"] == "broken/synthetic/seed0" and "data.normalize" in data["failed"][0]["error"]
    ok = next(r for r in data["rows"] if r["method"] == "ok")
    assert ok["seeds"] == [0] and ok["protocol"] == "last, softmax"
    broken = expand(load_suite(path))[0]
    assert cell_state(broken, tmp_path / "out")[0] == "partial"  # rerun retries (resumes) it, never skips it
