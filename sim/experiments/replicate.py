"""The one replication loop: tasks ``(params, seed)`` → an executor → results in task order.

``gpps compare``, ``gpps validate``, the dashboard's comparison and the sweep engine all run
their runs through ``execute`` on an executor from ``open_executor``, so ``--workers`` and
``--dask`` mean the same everywhere and the results do not depend on them: every task carries
its own seed (``seeds.replication_seeds``).
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextlib import nullcontext
from dataclasses import dataclass

from .executors import ClusterError, Pool, open_executor
from .worker import resolve


@dataclass(frozen=True)
class Task:
    """One run: the keyword parameters its function takes, and its seed."""

    params: dict
    seed: int


def execute(
    pool: Pool, chunks: Iterator[list], submit: Callable[[list], Future]
) -> Iterator[tuple[list, object, BaseException | None]]:
    """Yield ``(chunk, result, error)`` as chunks finish, keeping a bounded number in flight.

    ``submit(chunk)`` hands one chunk to ``pool.executor``; ``error`` is the exception a chunk
    ended with (its result is then ``None``). A failure to submit (e.g. a broken process pool)
    is yielded for that chunk and every chunk not yet submitted. A ``ClusterError`` (a cluster
    that cannot go on) is raised, not yielded.
    """
    inflight: dict[Future, list] = {}
    broken: BaseException | None = None

    def fill() -> None:
        nonlocal broken
        while broken is None and len(inflight) < window(pool):
            chunk = next(chunks, None)
            if chunk is None:
                return
            try:
                inflight[submit(chunk)] = chunk
            except ClusterError:
                raise
            except Exception as exc:
                broken = exc
                inflight[_failed(exc)] = chunk

    fill()
    while inflight:
        finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
        for future in finished:
            chunk = inflight.pop(future)
            exc = future.exception()
            if isinstance(exc, ClusterError):
                raise exc
            yield chunk, (None if exc else future.result()), exc
        fill()
    if broken is not None:
        for chunk in chunks:
            yield chunk, None, broken


def window(pool: Pool) -> int:
    """Chunks kept in flight: twice what the executor runs at once, plus one. A Dask cluster's
    size is read again each time, since workers may join after the work started."""
    return 2 * max(pool.parallelism, getattr(pool.executor, "parallelism", 0)) + 1


def _failed(exc: BaseException) -> Future:
    future: Future = Future()
    future.set_exception(exc)
    return future


def chunked(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def chunk_size(n: int, parallelism: int) -> int:
    """Runs per task sent to a worker: about 16 tasks per worker, at most 64 runs each."""
    return max(1, min(64, math.ceil(n / (16 * parallelism))))


def call_chunk(ref: str, tasks: list[Task]) -> list:
    """Worker side: ``fn(seed=..., **params)`` for each task of a chunk, in order."""
    fn = resolve(ref)
    return [fn(seed=t.seed, **t.params) for t in tasks]


def replicate(
    ref: str,
    tasks: Sequence[Task],
    *,
    workers: int | None = 1,
    dask: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    pool: Pool | None = None,
) -> list | None:
    """Run every task with the function ``ref`` (``module:function``); results in task order.

    A run that raises stops the loop with its exception. ``progress(done, total)`` is called
    as runs finish; ``cancelled()`` is asked between chunks, and a ``True`` returns ``None``.
    ``pool``: an executor already open (``open_executor``), kept open after; else one is
    opened for these tasks from ``workers`` and ``dask``.
    """
    results: list = [None] * len(tasks)
    done = 0
    with nullcontext(pool) if pool is not None else open_executor(workers, dask) as pool:
        size = 1 if pool.parallelism == 1 else chunk_size(len(tasks), pool.parallelism)
        chunks = chunked(range(len(tasks)), size)

        def submit(chunk: list[int]) -> Future:
            return pool.executor.submit(call_chunk, ref, [tasks[i] for i in chunk])

        for chunk, result, exc in execute(pool, chunks, submit):
            if exc is not None:
                raise exc
            for i, r in zip(chunk, result, strict=True):
                results[i] = r
            done += len(chunk)
            if progress is not None:
                progress(done, len(tasks))
            if cancelled is not None and cancelled():
                return None
    return results


def console_progress(label: str) -> Callable[[int, int], None]:
    """A progress callback writing ``label: i/n runs, elapsed, eta`` to stderr (about ten
    lines in all, or one line kept up to date on a terminal)."""
    start = time.perf_counter()
    tty = sys.stderr.isatty()
    state = {"shown": 0}

    def show(done: int, total: int) -> None:
        step = max(1, total // 10)
        if not tty and done < total and done // step == state["shown"] // step:
            return
        state["shown"] = done
        elapsed = time.perf_counter() - start
        eta = elapsed / done * (total - done)
        line = f"{label}: {done}/{total} runs, {elapsed:.0f}s elapsed, eta {eta:.0f}s"
        if tty:
            end = "\n" if done == total else ""
            print(f"\r{line} ", end=end, file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    return show
