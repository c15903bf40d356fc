"""Sweep throughput: the same runs on 1 and 2 workers, against a pure-CPU control.

The sweep goes through the real engine (``sim.experiments.runner.run_sweep``: spec, design,
executor, Parquet store). The control is one CPU-bound function on a pool of 1 and of 2
processes started beforehand, so it measures what the machine's cores give right now (the
second core here is shared). Parallel efficiency = sweep speed-up ÷ control speed-up.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

SPEC = """
scenario = "baseline"
steps = {steps}
seed = 11
replications = {runs}
model = "benchmarks.sweep:entry"
[factors]
n_residents = {n}
population = {population}
[record]
final = ["qa_hours_per_10k_yuan", "worker_pid"]
"""


def entry(params: dict, seed: int) -> dict:
    """The gpps sweep entry point, plus the id of the process that ran it."""
    from sim.run import sweep_entry

    return {**sweep_entry(params, seed), "worker_pid": float(os.getpid())}


def burn(iterations: int) -> int:
    """Pure CPU work in Python: no memory traffic to speak of, no I/O."""
    total = 0
    for i in range(iterations):
        total += i * i % 7
    return total


def _spec(folder: Path, runs: int, n: int, steps: int):
    from sim.experiments.spec import load

    path = folder / "bench_sweep.toml"
    path.write_text(
        textwrap.dedent(SPEC.format(steps=steps, runs=runs, n=n, population=50 * n)), "utf-8"
    )
    return load(path)


def sweep_once(workers: int, runs: int, n: int, steps: int) -> dict:
    """Seconds for the whole sweep (pool start included) and the worker processes used."""
    from sim.experiments.runner import run_sweep
    from sim.experiments.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        spec = _spec(Path(tmp), runs, n, steps)
        start = time.perf_counter()
        summary = run_sweep(spec, Path(tmp) / "out", workers=workers, progress=False)
        seconds = time.perf_counter() - start
        table = Store(Path(tmp) / "out").read("runs")
    pids = set(table["worker_pid"].dropna().astype(int)) if "worker_pid" in table else set()
    return {
        "seconds": seconds,
        "runs": summary.ran,
        "failed": summary.failed,
        "processes": len(pids - {os.getpid()}) if workers > 1 else 0,
    }


def control_once(pool: ProcessPoolExecutor, tasks: int, iterations: int) -> float:
    start = time.perf_counter()
    list(pool.map(burn, [iterations] * tasks))
    return time.perf_counter() - start


def throughput(
    rounds: int = 3,
    runs: int = 40,
    n: int = 2000,
    steps: int = 120,
    control_tasks: int = 4,
    control_iterations: int = 6_000_000,
) -> dict:
    """Interleave control(1), sweep(1), control(2), sweep(2), ``rounds`` times, after a warm-up.

    The warm-up starts the control's pools and runs one small 2-worker sweep: the sweep
    engine's process server imports the model once per process (its cost is returned as
    ``cold_sweep``, that sweep's seconds), and each timed sweep then starts its own pool.
    """
    ctx = multiprocessing.get_context("spawn")
    samples = []
    with (
        ProcessPoolExecutor(1, mp_context=ctx) as one,
        ProcessPoolExecutor(2, mp_context=ctx) as two,
    ):
        list(one.map(burn, [1000])), list(two.map(burn, [1000] * 2))  # start the workers
        cold = sweep_once(2, 4, n, 12)
        for _ in range(rounds):
            c1 = control_once(one, control_tasks, control_iterations)
            s1 = sweep_once(1, runs, n, steps)
            c2 = control_once(two, control_tasks, control_iterations)
            s2 = sweep_once(2, runs, n, steps)
            samples.append(
                {
                    "control_1_s": c1,
                    "control_2_s": c2,
                    "sweep_1_s": s1["seconds"],
                    "sweep_2_s": s2["seconds"],
                    "control_speedup": c1 / c2,
                    "sweep_speedup": s1["seconds"] / s2["seconds"],
                    "efficiency": (s1["seconds"] / s2["seconds"]) / (c1 / c2),
                    "runs_per_s_1": s1["runs"] / s1["seconds"],
                    "runs_per_s_2": s2["runs"] / s2["seconds"],
                    "failed": s1["failed"] + s2["failed"],
                    "worker_processes_2": s2["processes"],
                }
            )
    return {
        "config": {"runs": runs, "n_residents": n, "steps": steps},
        "cold_sweep": {"runs": 4, "steps": 12, "workers": 2, "seconds": cold["seconds"]},
        "samples": samples,
    }
