"""Shared helpers for tests: small scenarios and paired comparisons over replications."""

from __future__ import annotations

import inspect

import mesa
import numpy as np

from sim.experiments.seeds import replication_seeds
from sim.model import GppsModel
from sim.run import run
from sim.scenario import build
from sim.stats import mean_interval

#: Small, fast settings for statistical tests (a resident agent stands for 10 persons).
SMALL = {"n_residents": 400, "population": 40_000, "steps": 48}


def scenario(data: dict | None = None, **overrides):
    """A scenario from an inline TOML-like dict (``{}`` = all defaults)."""
    return build(dict(data or {}), "<test>", overrides)


def model(data: dict | None = None, seed: int = 1, **overrides) -> GppsModel:
    return GppsModel(scenario=scenario(data), rng=seed, **overrides)


def paired(outcome, a: dict, b: dict, master: int, n: int = 20, extract=None):
    """Mean and 95% interval of (b − a) over ``n`` paired replications (same seeds)."""
    diffs = []
    for seed in replication_seeds(master, n):
        ra = run(seed=seed, **{**SMALL, **a})
        rb = run(seed=seed, **{**SMALL, **b})
        va = extract(ra) if extract else ra.summary[outcome]
        vb = extract(rb) if extract else rb.summary[outcome]
        diffs.append(vb - va)
    return mean_interval(diffs)


def winning_price_ratio(result) -> float:
    """Mean price / ceiling of contract awards in a run."""
    from sim.regimes.contract import Contract

    p = result.params
    estimate = p["staff_wage"] * (1 + p["overhead_rate"]) / p["units_per_post"]
    ceiling = estimate * (1 + p["ceiling_markup"])
    prices = [
        a["price"]
        for a in result.events["awards"]
        if a["regime"] == Contract.name and a["provider"]
    ]
    return float(np.mean(prices)) / ceiling if prices else float("nan")


def batch_run(model_cls, parameters: dict, seeds: list[int], **kwargs) -> list[dict]:
    """``mesa.batch_run`` with one run per seed and parameter combination. Mesa >= 3.4 takes the
    seeds as ``rng=`` (and replaces an ``rng`` parameter by its own); Mesa 3.3 only as a
    parameter."""
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        return mesa.batch_run(model_cls, parameters=parameters, rng=seeds, **kwargs)
    return mesa.batch_run(model_cls, parameters={**parameters, "rng": seeds}, **kwargs)


def forget_model(model) -> None:
    """Drop Mesa 3.3's class-level agent-id entry for ``model`` (Mesa >= 3.4 keeps none)."""
    ids = getattr(mesa.Agent, "_ids", None)
    if ids is not None:
        ids.pop(model, None)
