"""A run as a pure function of (scenario, parameters, seed), and its results."""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa

from . import __version__, metrics
from .model import GppsModel


@dataclass
class RunResult:
    """What one run produced: per-step series, per-run summary, event tables, metadata."""

    seed: int
    scenario: str
    regime: str
    params: dict
    series: dict[str, list[float]]
    summary: dict[str, float]
    events: dict[str, list[dict]] = field(default_factory=dict)
    version: str = __version__


def run(
    scenario=None,
    seed: int = 0,
    steps: int | None = None,
    regime: str | None = None,
    label: str | None = None,
    **overrides,
) -> RunResult:
    """Build a model, run it for ``steps`` months (the scenario's own by default), return results.

    ``regime`` sets every buyer to that regime for the whole run (the schedule is ignored).
    """
    if regime is not None:
        overrides["regime"] = regime
    if steps is not None:
        overrides["steps"] = steps
    model = GppsModel(scenario=scenario, rng=seed, **overrides)
    try:
        for _ in range(model.params["steps"]):
            model.step()
        data = model.datacollector.model_vars
        series = {name: list(map(float, data[name])) for name in metrics.SERIES}
        return RunResult(
            seed=seed,
            scenario=model.scenario.name,
            regime=label or regime or "as_written",
            params=dict(model.params),
            series=series,
            summary=metrics.summarise(series),
            events=model.events,
        )
    finally:
        # Mesa 3.3 counts agent ids in a class-level dict keyed by model, which keeps every model
        # alive; Mesa >= 3.4 counts them per model and has no such dict.
        ids = getattr(mesa.Agent, "_ids", None)
        if ids is not None:
            ids.pop(model, None)


def run_summary(seed: int, **params) -> dict[str, float]:
    """``run(seed=seed, **params).summary``: what a check over many runs keeps of each."""
    return run(seed=seed, **params).summary


def sweep_entry(params: dict, seed: int) -> dict[str, float]:
    """Entry point for sweeps: ``params`` holds ``scenario``, ``steps`` and overrides."""
    p = dict(params)
    scenario = p.pop("scenario", None)
    return run(scenario, seed=seed, **p).summary


def sweep_entry_series(params: dict, seed: int):
    """Like ``sweep_entry`` but also returns the per-step series of every outcome."""
    p = dict(params)
    scenario = p.pop("scenario", None)
    result = run(scenario, seed=seed, **p)
    return result.summary, {k: result.series[k] for k in metrics.SERIES}
