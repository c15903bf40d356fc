"""One measurement each: the reference B, a gpps run, a bare Mesa agent, memory, the network.

Every function builds what it measures, times it with ``time.perf_counter`` and drops the model
afterwards (Mesa 3.3.1 keeps every model alive through ``mesa.Agent._ids`` otherwise).
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from contextlib import contextmanager

import mesa

#: Mesa's own "large" benchmark configuration of the Boltzmann wealth model
#: (``benchmarks/configurations.py`` in the Mesa repository).
BOLTZMANN_LARGE = {"n": 10_000, "width": 100, "height": 100}
BOLTZMANN_STEPS = 10

#: Each resident stands for this many persons (``population = PERSONS × n_residents``), as in
#: the baseline (100,000 persons, 2,000 resident agents).
PERSONS = 50


def _forget(model) -> None:
    mesa.Agent._ids.pop(model, None)


def boltzmann(seed: int, steps: int = BOLTZMANN_STEPS, **params) -> dict:
    """The reference B: Mesa's Boltzmann wealth model (``mesa.examples``), agent-steps/s."""
    from mesa.examples import BoltzmannWealth

    params = {**BOLTZMANN_LARGE, **params}
    gc.collect()
    start = time.perf_counter()
    model = BoltzmannWealth(seed=seed, **params)
    built = time.perf_counter()
    for _ in range(steps):
        model.step()
    done = time.perf_counter()
    _forget(model)
    return {
        "setup_s": built - start,
        "run_s": done - built,
        "agent_steps_per_s": params["n"] * steps / (done - built),
    }


@contextmanager
def _timed_construction(timings: dict, warmup: int = 0):
    """Time ``GppsModel(...)`` inside ``sim.run.run`` and ``build_network`` inside it.

    With ``warmup``, also note when the model has finished its first ``warmup`` steps
    (``timings["warm_at"]``, from the same clock).
    """
    import sim.population
    import sim.run

    model_cls, build_network = sim.run.GppsModel, sim.population.build_network

    def timed_model(*args, **kwargs):
        start = time.perf_counter()
        model = model_cls(*args, **kwargs)
        timings["setup_s"] = time.perf_counter() - start
        if warmup:
            step = model.step

            def counted_step():
                step()
                if model.steps == warmup:
                    timings["warm_at"] = time.perf_counter()

            model.step = counted_step
        return model

    def timed_network(*args, **kwargs):
        start = time.perf_counter()
        net = build_network(*args, **kwargs)
        timings["network_s"] = time.perf_counter() - start
        return net

    sim.run.GppsModel, sim.population.build_network = timed_model, timed_network
    try:
        yield
    finally:
        sim.run.GppsModel, sim.population.build_network = model_cls, build_network


def gpps(n: int, steps: int, seed: int, scenario: str = "baseline", warmup: int = 0) -> dict:
    """A gpps run as ``gpps run`` does it (``sim.run.run``: DataCollector, series, summary).

    ``run_s`` is the whole run after the model is built: the steps, the per-step data
    collection and the per-run summary. With ``warmup``, the run is ``warmup + steps`` months
    long and ``run_s`` starts after the first ``warmup`` of them (they are not timed: the
    first month, which tenders every lot and builds the residents' cached structure, costs
    several ordinary months, and weighs six times as much in a 20-month run as in 120).
    """
    from sim.run import run

    timings: dict = {}
    gc.collect()
    with _timed_construction(timings, warmup):
        start = time.perf_counter()
        result = run(
            scenario, seed=seed, steps=warmup + steps, n_residents=n, population=PERSONS * n
        )
        end = time.perf_counter()
    run_s = end - timings["warm_at"] if warmup else end - start - timings["setup_s"]
    return {
        **timings,
        "run_s": run_s,
        "step_s": run_s / steps,
        "resident_steps_per_s": n * steps / run_s,
        "setup_per_resident_s": (timings["setup_s"] - timings["network_s"]) / n,
        "check": result.summary["satisfaction_mean"],
    }


def bare_agent(n: int, seed: int = 0) -> dict:
    """Seconds to create one bare ``mesa.Agent`` (the mean over ``n`` in one fresh model)."""
    gc.collect()
    model = mesa.Model(rng=seed)
    start = time.perf_counter()
    for _ in range(n):
        mesa.Agent(model)
    seconds = time.perf_counter() - start
    _forget(model)
    return {"agent_s": seconds / n}


def memory(n: int, seed: int = 0, steps: int = 3, more_steps: int = 10) -> dict:
    """tracemalloc: bytes per resident of building the model and running ``steps`` steps.

    Also the peak during that, and the growth per resident per step over ``more_steps``
    further steps (zero if nothing is kept per resident per step).
    """
    import sim.kernels
    from sim.model import GppsModel

    sim.kernels.talk  # noqa: B018 (numba and the kernels loaded before counting: not per resident)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        model = GppsModel(rng=seed, n_residents=n, population=PERSONS * n)
        for _ in range(steps):
            model.step()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        for _ in range(more_steps):
            model.step()
        gc.collect()
        later = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    _forget(model)
    del model
    return {
        "bytes_per_resident": (current - before) / n,
        "peak_bytes_per_resident": (peak - before) / n,
        "growth_bytes_per_resident_step": (later - current) / n / more_steps,
    }


def network(n: int, seed: int = 0) -> dict:
    """The social network alone: seconds, ties, and Python containers made while building it.

    Python container objects (tuples, lists, ...) trigger a generation-0 collection every 700
    allocations net of frees; a network built with one object per tie would trigger about
    ties / 700 of them.
    """
    import numpy as np

    from sim.model import GppsModel
    from sim.population import build_network
    from sim.rng import stream

    model = GppsModel(rng=seed, n_residents=1000, population=PERSONS * 1000)
    p = model.params
    _forget(model)
    k = p["n_communities"]
    sizes = np.random.default_rng(seed).multinomial(n, np.full(k, 1.0 / k))
    community = np.repeat(np.arange(k, dtype=np.int32), sizes)
    gc.collect()
    collections = _collections()
    start = time.perf_counter()
    net = build_network(
        community, p["network_degree"], p["network_cross_share"], stream(seed, "network")
    )
    seconds = time.perf_counter() - start
    made = _collections() - collections
    return {"network_s": seconds, "ties": net.n_edges, "gc_collections": made}


def _collections() -> int:
    return sum(g["collections"] for g in gc.get_stats())
