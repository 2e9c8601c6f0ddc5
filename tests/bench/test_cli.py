"""`zslkit bench` command-line plumbing: `bench perf` dispatch, option errors, no torch for --help."""

from __future__ import annotations

import importlib.machinery
import subprocess
import sys
import types

import click
import pytest

from zslkit.cli import main

PERF = "zslkit.bench.perf"


def _fake_perf(monkeypatch, main_obj):
    module = types.ModuleType(PERF)
    module.__spec__ = importlib.machinery.ModuleSpec(PERF, None)
    module.main = main_obj
    monkeypatch.setitem(sys.modules, PERF, module)


def test_bench_perf_hands_every_argument_to_the_perf_module(monkeypatch):
    seen = []
    _fake_perf(monkeypatch, lambda argv: seen.append(argv))
    with pytest.raises(SystemExit) as info:
        main(["bench", "perf", "--iters", "3", "--unknown-to-bench", "x"])
    assert info.value.code == 0 and seen == [["--iters", "3", "--unknown-to-bench", "x"]]


def test_bench_perf_accepts_a_click_command(monkeypatch):
    seen = []

    @click.command()
    @click.option("--iters", type=int)
    def perf(iters):
        seen.append(iters)

    _fake_perf(monkeypatch, perf)
    with pytest.raises(SystemExit) as info:
        main(["bench", "perf", "--iters", "7"])
    assert info.value.code == 0 and seen == [7]


def test_bench_perf_without_the_module_is_a_one_line_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, PERF, None)  # as if the module were not installed
    with pytest.raises(SystemExit) as info:
        main(["bench", "perf"])
    assert info.value.code == 2
    assert capsys.readouterr().err.strip() == (f"error: zslkit bench perf: the performance benchmark ({PERF}) "
                                               "is not part of this installation")


@pytest.mark.parametrize("args, expected", [
    (["--seeds", "0"], "error: --seeds 0: expected a positive number of seeds"),
    (["--jobs", "0"], "error: --jobs 0: expected a positive number of parallel cells"),
    (["--datasets", ","], "error: --datasets ',': expected comma-separated dataset names"),
])
def test_bad_options_are_one_line_errors(args, expected, capsys):
    with pytest.raises(SystemExit) as info:
        main(["bench", "table2", *args])
    assert info.value.code == 2 and capsys.readouterr().err.strip() == expected


def test_bench_help_does_not_import_torch():
    code = ("import sys; from zslkit.cli import main\n"
            "try:\n    main(['bench', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('torch' in sys.modules, 'distributed' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False False"
