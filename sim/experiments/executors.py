"""The one seam between a sweep and the machines that run it: a ``concurrent.futures.Executor``.

``open_executor`` yields serial (``workers=1``), a forkserver process pool (the default, all
cores), or a Dask executor (``dask="local"`` for a LocalCluster, or a scheduler address).

On Dask, every worker is checked when the sweep connects and whenever a worker joins later:
gpps importable, the same gpps version as here, the model module importable. A worker that
fails the check, no worker at all for ``wait`` seconds (at the start, or after every worker is
lost), workers that keep dying, or a task that killed its workers (``KilledWorker``) end the
sweep with a ``ClusterError``: one line naming the worker and what is wrong (docs/cluster.md).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import (
    CancelledError,
    Executor,
    Future,
    InvalidStateError,
    ProcessPoolExecutor,
)
from contextlib import contextmanager
from dataclasses import dataclass

from sim.errors import InputError

#: Seconds a Dask sweep waits for a worker: for the first to join, and for one to come back
#: after every worker is lost (``gpps sweep --dask-wait``).
DASK_WAIT = 60.0


class ClusterError(InputError):
    """The Dask cluster cannot run the sweep: no worker, a worker that does not match, or
    workers that keep dying. ``str(exc)`` is the whole one-line message."""


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
def open_executor(
    workers: int | None = None,
    dask: str | None = None,
    *,
    model: str | None = None,
    wait: float = DASK_WAIT,
) -> Iterator[Pool]:
    """Start the executor once for the whole sweep, and shut it down after.

    ``model`` (``module:function``) is what Dask workers must be able to import; ``wait`` is
    how many seconds a Dask sweep waits for a worker (see ``DASK_WAIT``)."""
    if workers is not None and workers < 1:
        raise InputError(f"--workers = {workers}: must be an integer >= 1")
    if not wait > 0:
        raise InputError(f"--dask-wait = {wait:g}: must be a number of seconds > 0")
    if dask:
        with _dask(dask, workers, model, wait) as pool:
            yield pool
    elif workers == 1:
        yield Pool(SerialExecutor(), 1, "serial")
    else:
        n = workers or cpu_count()
        ctx = _context()
        _quiet_resource_tracker()
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
    ctx.set_forkserver_preload(["sim.run", "sim.kernels", "sim.experiments.worker"])
    return ctx


def _quiet_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with its leak warning off. When the sweep is
    killed (``kill -9``), the tracker, a process of its own, unlinks the pool's semaphores as it
    should, then warns on the terminal about "leaked semaphore objects": noise a user sees next
    to the resume. The tracker takes its warning filters from ``sys.warnoptions`` when it
    starts; the option is removed again at once, so nothing else sees it."""
    from multiprocessing import resource_tracker

    option = "ignore:resource_tracker:UserWarning"
    sys.warnoptions.append(option)
    try:
        resource_tracker.ensure_running()
    finally:
        sys.warnoptions.remove(option)


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
def _dask(address: str, workers: int | None, model: str | None, wait: float) -> Iterator[Pool]:
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
    executor = None
    try:
        try:
            client.wait_for_workers(1, timeout=wait)
        except TimeoutError:
            raise ClusterError(
                f"--dask = {address!r}: no worker joined the scheduler within {wait:g} s "
                "(--dask-wait sets this wait; docs/cluster.md)"
            ) from None
        executor = DaskExecutor(client, address, model, wait)
        n = executor.parallelism
        name = f"dask {'LocalCluster' if cluster else address} ({n} threads)"
        yield Pool(executor, n, name)
    finally:
        if executor is not None:
            executor.stop()
        client.close()
        if cluster is not None:
            cluster.close()


def _worker_probe():
    """The check each Dask worker runs. It is built here as a nested function so that cloudpickle
    sends it by value: it runs on a worker that cannot import gpps."""

    def probe(module: str | None) -> dict:
        import importlib
        import socket
        import sys

        out = {"host": socket.gethostname(), "python": sys.version.split()[0]}
        try:
            import sim

            out["gpps"] = getattr(sim, "__version__", None)
        except Exception as exc:
            out["gpps_error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
            return out
        if module:
            try:
                importlib.import_module(module)
            except Exception as exc:
                out["model_error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return out

    return probe


def worker_mismatch(worker: str, found: dict, version: str, model: str | None) -> str | None:
    """What is wrong with a worker, from its probe result, or ``None``."""
    where = f"Dask worker {worker} (host {found.get('host', '?')})"
    if "gpps_error" in found:
        return (
            f"{where} cannot import gpps ({found['gpps_error']}); install gpps {version} "
            "on every worker (docs/cluster.md)"
        )
    if found.get("gpps") != version:
        return (
            f"{where} has gpps {found.get('gpps')}, this process gpps {version}; install the "
            "same version on every worker (docs/cluster.md)"
        )
    if "model_error" in found:
        module = (model or "").partition(":")[0]
        return (
            f"{where} cannot import the model module {module!r} ({found['model_error']}); "
            "install it on every worker or put its folder on the workers' PYTHONPATH "
            "(docs/cluster.md)"
        )
    return None


class DaskExecutor(Executor):
    """Dask's executor, watched by a thread that checks every worker as it joins and ends the
    sweep (every pending future fails with ``ClusterError``) when the cluster cannot run it.
    ``parallelism`` is the cluster's number of threads, kept current by the watch."""

    def __init__(self, client, address: str, model: str | None, wait: float, every: float = 0.5):
        from sim import __version__

        self._client, self._address, self._wait, self._every = client, address, wait, every
        self._module = model.partition(":")[0] if model else None
        self._model, self._version = model, __version__
        self._inner = client.get_executor(pure=False)
        self._pending: set[Future] = set()
        self._lock = threading.Lock()
        self._error: ClusterError | None = None
        self._checked: set[str] = set()
        self._departures: deque[float] = deque()
        self._last_done = time.monotonic()
        self._stop = threading.Event()
        threads = client.nthreads()
        self.parallelism = max(1, sum(threads.values()))  # threads now; the watch updates it
        problem = self._check(set(threads))  # the workers there now, before any task
        if problem:
            raise ClusterError(problem)
        self._thread = threading.Thread(target=self._watch, name="dask-watch", daemon=True)
        self._thread.start()

    # -- the executor ---------------------------------------------------------------------
    def submit(self, fn, /, *args, **kwargs) -> Future:
        if self._error is not None:
            raise self._error
        outer: Future = Future()
        with self._lock:
            self._pending.add(outer)
        inner = self._inner.submit(fn, *args, **kwargs)
        inner.add_done_callback(lambda f: self._settle(outer, f))
        return outer

    def _settle(self, outer: Future, inner: Future) -> None:
        with self._lock:
            if inner.cancelled() and self._error is None and self._client.status != "running":
                # Dask cancels every task when its client gives up on a lost scheduler: leave
                # the future pending for the watch, which ends the sweep with what happened.
                # (Future.cancel() would not wake concurrent.futures.wait.)
                return
            self._pending.discard(outer)
        self._last_done = time.monotonic()
        try:
            if inner.cancelled():  # the watch's error, or lost (someone cancelled it)
                outer.set_exception(self._error or CancelledError("Dask cancelled the task"))
            elif inner.exception() is not None:
                outer.set_exception(self._translate(inner.exception()))
            else:
                outer.set_result(inner.result())
        except InvalidStateError:  # already failed by the watch
            pass

    def _translate(self, exc: BaseException) -> BaseException:
        from distributed import KilledWorker

        if isinstance(exc, KilledWorker):
            return ClusterError(
                f"--dask = {self._address!r}: a task killed every Dask worker that ran it "
                f"({str(exc).splitlines()[0]}); a run ends its worker's process (a crash in "
                "the model, or out of memory): see the worker logs"
            )
        return exc

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()

    # -- the watch ------------------------------------------------------------------------
    def _check(self, workers: set[str]) -> str | None:
        """Probe the workers not checked yet; the first mismatch, or ``None``."""
        new = sorted(workers - self._checked)
        if not new:
            return None
        found = self._client.run(
            _worker_probe(),
            self._module,
            workers=new,
            on_error="return",
            callback_timeout=max(120.0, self._wait),  # importing the model may take a while
        )
        for worker in new:
            result = found.get(worker)
            if isinstance(result, BaseException) or result is None:
                continue  # it left before answering: checked again if it comes back
            problem = worker_mismatch(worker, result, self._version, self._model)
            if problem:
                return problem
            self._checked.add(worker)
        return None

    def _fail(self, message: str) -> None:
        self._error = ClusterError(message)
        with self._lock:
            pending, self._pending = list(self._pending), set()
        for future in pending:
            try:
                future.set_exception(self._error)
            except InvalidStateError:
                pass

    def _watch(self) -> None:
        known: set[str] = set(self._checked)
        empty_since = unreachable_since = None
        while not self._stop.wait(self._every):
            now = time.monotonic()
            try:
                if self._client.status != "running":  # reconnecting, or closed after failing to
                    raise ConnectionError(f"the Dask client is {self._client.status}")
                threads = self._client.nthreads(callback_timeout=min(10.0, self._wait))
            except Exception as exc:  # the scheduler is gone, or the connection
                unreachable_since = unreachable_since or now
                if now - unreachable_since > self._wait:
                    return self._fail(
                        f"--dask = {self._address!r}: lost the scheduler for {self._wait:g} s "
                        f"({type(exc).__name__}: {exc})".splitlines()[0]
                    )
                continue
            unreachable_since = None
            workers = set(threads)
            self.parallelism = max(1, sum(threads.values()))
            for _ in known - workers:
                self._departures.append(now)
            known = workers
            while self._departures and now - self._departures[0] > self._wait:
                self._departures.popleft()
            if not workers:
                empty_since = empty_since or now
                if now - empty_since > self._wait:
                    return self._fail(
                        f"--dask = {self._address!r}: no Dask worker for {self._wait:g} s "
                        "(all workers lost; --dask-wait sets this wait)"
                    )
                continue
            empty_since = None
            if len(self._departures) >= 3 and now - self._last_done > self._wait:
                return self._fail(
                    f"--dask = {self._address!r}: Dask workers keep dying "
                    f"({len(self._departures)} lost in the last {self._wait:g} s, no task "
                    "finished): see the worker logs"
                )
            try:
                problem = self._check(workers)
            except Exception:  # a worker left while being checked: checked on the next round
                continue
            if problem:
                return self._fail(problem)
