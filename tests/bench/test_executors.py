"""The executor seam: serial, process (threads divided) and Dask distributed on a local cluster."""

from __future__ import annotations

import json
import os
import sys

import pytest

from zslkit.bench.executors import (DaskExecutor, ProcessExecutor, SerialExecutor, import_distributed, make_executor,
                                    threads_per_job)
from zslkit.bench.runner import run_suite
from zslkit.bench.suite import load_suite
from zslkit.errors import ZslkitError

from bench_support import FAST, write_suite


def probe(_job) -> dict:
    """What a worker sees: its thread limits (runs in the worker process)."""
    import torch

    return {"status": "done", "omp": os.environ.get("OMP_NUM_THREADS"), "torch": torch.get_num_threads(),
            "pid": os.getpid()}


@pytest.fixture(scope="module")
def fast_suite(tmp_path_factory):
    """A two-cell suite (one method x synthetic x two seeds) of the cheapest cells, and its serial results."""
    folder = tmp_path_factory.mktemp("exec")
    suite = load_suite(write_suite(folder, [{"name": "base", "plugins": ""}], name="fast", set=FAST))
    report = run_suite(suite, folder / "serial", SerialExecutor())
    assert report.count("done") == 2
    return suite, {c.seed: _result(c, folder / "serial") for c in report.cells}


def _result(cell, out) -> dict:
    return json.loads((cell.folder(out) / "metrics.json").read_text())["result"]


def test_threads_are_divided_among_jobs():
    assert threads_per_job(2, cpus=16) == 8
    assert threads_per_job(3, cpus=16) == 5
    assert threads_per_job(4, cpus=2) == 1


def test_make_executor_defaults_and_errors():
    assert make_executor(None, 1).name == "serial" and make_executor(None, 3).name == "process"
    with pytest.raises(ZslkitError, match=r"--jobs 0: expected a positive number"):
        make_executor(None, 0)
    with pytest.raises(ZslkitError, match=r"--scheduler tcp://x:1: only used with --executor dask"):
        make_executor("serial", 1, "tcp://x:1")


def test_process_workers_get_their_share_of_threads():
    executor = ProcessExecutor(2, cpus=4)
    outcomes = [outcome for _, outcome in executor.run(probe, [0, 1, 2])]
    assert {(o["omp"], o["torch"]) for o in outcomes} == {("2", 2)}
    assert os.getpid() not in {o["pid"] for o in outcomes}


def test_process_executor_runs_a_suite_in_separate_processes(fast_suite, tmp_path):
    suite, serial = fast_suite
    report = run_suite(suite, tmp_path / "out", ProcessExecutor(2))
    assert (report.count("done"), report.count("failed")) == (2, 0)
    for cell in report.cells:
        assert _result(cell, tmp_path / "out")["selection"] == "last"


def test_dask_local_cluster_runs_a_two_cell_suite(fast_suite, tmp_path):
    distributed = pytest.importorskip("distributed", reason="Dask distributed not installed (pip install 'zslkit[dask]')")
    suite, serial = fast_suite
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        executor = DaskExecutor(client=client)
        report = run_suite(suite, tmp_path / "out", executor)
        executor.close()  # leaves the test's client and cluster alone
        assert client.status == "running"
    assert (report.count("done"), report.count("failed")) == (2, 0)
    for cell in report.cells:  # same cells, same configs: the same numbers as the serial run
        result = _result(cell, tmp_path / "out")
        assert (result["T1"], result["H"], result["AUSUC"]) == tuple(serial[cell.seed][k] for k in ("T1", "H", "AUSUC"))


def test_missing_dask_is_a_one_line_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ZslkitError, match=r"^--executor dask needs Dask distributed, which is not installed \(pip install 'zslkit\[dask\]'"):
        import_distributed()


def test_missing_matplotlib_is_a_one_line_error(monkeypatch):
    from zslkit.bench import plots

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ZslkitError, match=r"^PNG plots need matplotlib, which is not installed \(pip install 'zslkit\[viz\]'\)$"):
        plots.plot_us([], "x.png")
