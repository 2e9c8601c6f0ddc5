"""--threads and the busy-cores note."""

import json

import pytest
import torch

from zslkit.cli import main
from zslkit.threads import contention_note


def test_note_only_when_the_cores_are_already_busy():
    assert contention_note(2, load=0.3, cpus=2) is None
    assert contention_note(1, load=5.0, cpus=2) is None  # one thread cannot spin-wait on itself
    note = contention_note(2, load=3.2, cpus=2)
    assert note.startswith("note: load average 3.2 on 2 CPUs") and "--threads 1" in note and "\n" not in note


@pytest.fixture
def keep_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_run_uses_and_records_the_thread_count(tmp_path, keep_threads, capsys):
    from tiny_settings import tiny_sets

    out = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--out", str(out), "--select", "last", "--quiet", "--threads", "1", *tiny_sets("")])
    assert exit_info.value.code == 0 and torch.get_num_threads() == 1
    assert json.loads((out / "metrics.json").read_text())["torch_threads"] == 1


def test_negative_thread_count_is_a_one_line_error(tmp_path, keep_threads, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--out", str(tmp_path / "run"), "--threads", "-2"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip() == "error: --threads -2: expected 0 (torch's choice) or a positive count"


def test_a_refused_run_prints_only_its_error_even_on_busy_cores(tmp_path, keep_threads, capsys, monkeypatch):
    import os

    monkeypatch.setattr(os, "getloadavg", lambda: (9.0, 9.0, 9.0))
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--out", str(tmp_path / "run"), "--threads", "2", "--dataset", "no_such_dataset"])
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2 and err.startswith("error: ") and "\n" not in err
