"""The one seam between a sweep and the machines that run it: a ``concurrent.futures.Executor``.

``open_executor`` yields serial (``workers=1``), a forkserver process pool (the default, all
cores), or a Dask executor (``dask="local"`` for a LocalCluster, or a scheduler address).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from sim.errors import InputError


class SerialExecutor(Executor):
    """Runs each call at submit time, in this process."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future
            future.set_exception(exc)
        return future


@dataclass(frozen=True)
class Pool:
    """An executor, how many runs it can do at once, and a name for the manifest."""

    executor: Executor
    parallelism: int
    name: str


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@contextmanager
def open_executor(workers: int | None = None, dask: str | None = None) -> Iterator[Pool]:
    """Start the executor once for the whole sweep, and shut it down after."""
    if workers is not None and workers < 1:
        raise InputError(f"--workers = {workers}: must be an integer >= 1")
    if dask:
        with _dask(dask, workers) as pool:
            yield pool
    elif workers == 1:
        yield Pool(SerialExecutor(), 1, "serial")
    else:
        n = workers or cpu_count()
        ctx = _context()
        executor = ProcessPoolExecutor(
            max_workers=n, mp_context=ctx, initializer=_exit_with_parent, initargs=(os.getpid(),)
        )
        try:
            yield Pool(executor, n, f"process pool ({n} workers)")
        finally:
            executor.shutdown(wait=True, cancel_futures=True)


def _context():
    """Workers forked from a server that has imported the model once (``forkserver``, where the
    platform has it): starting a worker then costs a fork, not a fresh interpreter importing
    Mesa, numpy, scipy and pandas. Elsewhere, ``spawn``."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.run", "sim.experiments.worker"])
    return ctx


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exit_with_parent(parent: int, interval: float = 0.5) -> None:
    """Pool initializer: end this worker once the sweep's process is gone (e.g. after
    ``kill -9``). A forkserver worker's parent is the server, so the sweep's pid is watched."""

    def watch() -> None:
        while _alive(parent) and os.getppid() != 1:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


@contextmanager
def _dask(address: str, workers: int | None) -> Iterator[Pool]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(f"--dask = {address!r}: needs the 'distributed' package") from None
    cluster = None
    if address == "local":
        n = workers or cpu_count()
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        try:
            client = Client(address, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                f"--dask = {address!r}: cannot reach a scheduler ({exc}); "
                "allowed: 'local' or tcp://HOST:PORT"
            ) from None
    try:
        n = max(1, sum(client.nthreads().values()))
        name = f"dask {'LocalCluster' if cluster else address} ({n} threads)"
        yield Pool(client.get_executor(pure=False), n, name)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
