"""Where cells run: one seam, three executors.

An executor takes a picklable top-level function and a list of jobs and yields
`(job, outcome)` as each finishes, in completion order. The function catches
its own errors (a failed cell is an outcome, not an exception), so an
executor only turns infrastructure failures (a worker that died) into failed
outcomes with `failure(job, message)`.

- `SerialExecutor`: one cell after another in this process.
- `ProcessExecutor(jobs)`: `jobs` worker processes (spawned, so no forked
  OpenMP state), each limited to `cpus // jobs` torch threads so that the
  cells share the machine instead of oversubscribing it.
- `DaskExecutor`: Dask distributed, for suites that outgrow one machine.

Why Dask distributed rather than Ray: it is pure Python and pip-installable
from PyPI (the `dask` extra: `pip install 'zslkit[dask]'`), it starts a
`LocalCluster` in-process in well under a second and works offline, and an
existing cluster is just a scheduler address (`--scheduler tcp://host:8786`).
Ray is a large binary wheel with its own runtime and object store, far more
than a list of independent runs needs. Dask is imported only when this
executor is chosen; without it the error says how to install it. Workers
write their run folders themselves, so `--out` must be on a filesystem every
worker sees (it always is for a LocalCluster).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from zslkit.errors import ZslkitError

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
EXECUTORS = ("serial", "process", "dask")


def cpu_count() -> int:
    """CPUs this process may use (the affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def threads_per_job(jobs: int, cpus: int | None = None) -> int:
    """Torch threads for each of `jobs` concurrent cells: the CPUs divided among them, at least 1."""
    return max(1, (cpus or cpu_count()) // max(1, jobs))


def limit_threads(threads: int) -> None:
    """Limit this (worker) process's math libraries and torch to `threads` threads."""
    for var in THREAD_VARS:
        os.environ[var] = str(threads)
    import torch

    torch.set_num_threads(threads)


def failure(job: Any, message: str) -> dict:
    """The outcome of a job whose worker broke before it could report."""
    return {"key": getattr(job, "key", ""), "status": "failed", "error": message, "seconds": 0.0}


class SerialExecutor:
    """Runs the jobs one after another in this process."""

    name = "serial"
    job_threads = None  # threads a job should set itself; None: leave them

    def run(self, fn: Callable, jobs: list) -> Iterator[tuple[Any, dict]]:
        for job in jobs:
            yield job, fn(job)

    def close(self) -> None:
        pass


class ProcessExecutor:
    """Runs the jobs in `jobs` spawned worker processes with the CPU threads divided among them."""

    name = "process"
    job_threads = None  # the worker initializer limits the threads

    def __init__(self, jobs: int, cpus: int | None = None):
        if jobs < 1:
            raise ZslkitError(f"--jobs {jobs}: expected a positive number of parallel cells")
        self.jobs = jobs
        self.threads = threads_per_job(jobs, cpus)

    def run(self, fn: Callable, jobs: list) -> Iterator[tuple[Any, dict]]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.jobs, mp_context=context, initializer=limit_threads,
                                 initargs=(self.threads,)) as pool:
            futures = {pool.submit(fn, job): job for job in jobs}
            try:
                for future in as_completed(futures):
                    yield futures[future], _result(future, futures[future])
            finally:  # interrupted: drop the cells not started yet (the running ones finish)
                pool.shutdown(cancel_futures=True)

    def close(self) -> None:
        pass


class DaskExecutor:
    """Runs the jobs on a Dask distributed cluster: an existing one, or a LocalCluster it starts.

    Args:
        jobs: workers of the LocalCluster it starts (one thread each).
        scheduler: address of an existing scheduler; None starts a LocalCluster.
        client: an existing `distributed.Client` (tests, notebooks); not closed here.
    """

    name = "dask"

    def __init__(self, jobs: int = 1, scheduler: str | None = None, client: Any = None):
        distributed = import_distributed()
        self._owned: list = []
        self.job_threads = None
        if client is None and scheduler is None:
            cluster = distributed.LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                                               dashboard_address=None)
            self._owned.append(cluster)
            self.job_threads = threads_per_job(jobs)
        if client is None:
            client = distributed.Client(scheduler or self._owned[0])
            self._owned.insert(0, client)
        self.client = client

    def run(self, fn: Callable, jobs: list) -> Iterator[tuple[Any, dict]]:
        from distributed import as_completed

        futures = {self.client.submit(fn, job, pure=False): job for job in jobs}
        try:
            for future in as_completed(futures):
                yield futures[future], _result(future, futures[future])
        finally:  # interrupted: cancel what has not finished
            self.client.cancel([f for f in futures if not f.done()])

    def close(self) -> None:
        for thing in self._owned:
            thing.close()
        self._owned = []


def import_distributed():
    """The `distributed` module, or a one-line error saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise ZslkitError("--executor dask needs Dask distributed, which is not installed "
                          "(pip install 'zslkit[dask]', or pip install 'dask[distributed]')") from None
    return distributed


def _result(future, job) -> dict:
    try:
        return future.result()
    except Exception as exc:  # the worker died or could not unpickle the job
        return failure(job, f"worker failed: {type(exc).__name__}: {exc}")


def make_executor(kind: str | None, jobs: int = 1, scheduler: str | None = None):
    """The executor `--executor KIND --jobs N [--scheduler ADDR]` asks for (default: serial, or process if N > 1)."""
    if jobs < 1:
        raise ZslkitError(f"--jobs {jobs}: expected a positive number of parallel cells")
    kind = kind or ("process" if jobs > 1 else "serial")
    if scheduler and kind != "dask":
        raise ZslkitError(f"--scheduler {scheduler}: only used with --executor dask")
    if kind == "serial":
        return SerialExecutor()
    if kind == "process":
        return ProcessExecutor(jobs)
    if kind == "dask":
        return DaskExecutor(jobs, scheduler)
    raise ZslkitError(f"--executor {kind}: expected one of {', '.join(EXECUTORS)}")
