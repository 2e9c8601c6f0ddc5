"""A run killed with SIGKILL and resumed ends with the same metrics as an uninterrupted run."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tiny_settings import tiny_sets

ZSLKIT = [sys.executable, "-m", "zslkit"]
SLOW = ["--set", "trainer.iterations=30", "--set", "trainer.eval_every=10"]


def start(args, **kwargs):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(ZSLKIT + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, **kwargs)


def logged_steps(run_dir):
    path = run_dir / "train.log"
    if not path.exists():
        return []
    steps = []
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        steps.append((record["phase"], record["step"]))
    return steps


def kill_when(proc, run_dir, phase, step, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if (phase, step) in logged_steps(run_dir) or any(p == phase and s >= step for p, s in logged_steps(run_dir)):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return
        if proc.poll() is not None:
            pytest.fail(f"run ended before it could be killed: {proc.stderr.read().decode()[-500:]}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail("timed out waiting for the run to reach the kill point")


ARGS = ["run", "--quiet", "--seed", "5", *tiny_sets("srn,recon"), *SLOW, "--plugins", "srn,recon"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "run"
    done = subprocess.run(ZSLKIT + ARGS + ["--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out


# Validation phase: 30 iterations; the final phase retrains for the chosen count (>= 10).
@pytest.mark.parametrize("phase,step", [("validation", 12), ("final", 7)])
def test_sigkill_then_resume_equals_uninterrupted(tmp_path, reference, phase, step):
    args = ARGS
    killed = tmp_path / "killed"
    kill_when(start(args + ["--out", str(killed)]), killed, phase, step)
    assert not (killed / "metrics.json").exists()
    resumed = subprocess.run(ZSLKIT + ["run", "--quiet", "--resume", str(killed)], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr

    expected = json.loads((reference / "metrics.json").read_text())
    got = json.loads((killed / "metrics.json").read_text())
    assert got["result"] == expected["result"]
    assert got["history"] == expected["history"]


def test_resume_with_another_plugin_set_is_refused(tmp_path, capsys):
    from zslkit.cli import main

    out = tmp_path / "run"
    with pytest.raises(SystemExit) as first:
        main(["run", "--quiet", "--select", "last", "--out", str(out), *tiny_sets("srn"), "--plugins", "srn"])
    assert first.value.code == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as second:
        main(["run", "--resume", str(out), "--plugins", "recon"])
    err = capsys.readouterr().err.strip()
    assert second.value.code == 2 and "\n" not in err
    assert "acgan,pivot,resgen,srn" in err and "missing ['srn']" in err and "extra ['post', 'pre']" in err


def test_resume_of_a_folder_that_is_not_a_run(tmp_path, capsys):
    from zslkit.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--resume", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "not a zslkit run folder" in capsys.readouterr().err
