"""Models with known answers, to test and demonstrate the sweep engine.

Each is a ``(params, seed) -> outcomes`` callable a spec can name, e.g.
``model = "sim.experiments.testfunctions:ishigami"``.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np


def ishigami(params: dict, seed: int) -> dict[str, float]:
    """Ishigami-Homma on ``x1..x3`` in [-pi, pi]: first-order Sobol indices 0.314, 0.442, 0."""
    x1, x2, x3 = (params[k] for k in ("x1", "x2", "x3"))
    a, b = params.get("a", 7.0), params.get("b", 0.1)
    return {"y": math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)}


def linear(params: dict, seed: int) -> dict[str, float]:
    """``y = sum(k * x_k)`` over keys ``x1, x2, ...``, plus ``noise`` times a seeded draw."""
    rng = np.random.default_rng(seed)
    y = sum(int(k[1:]) * v for k, v in params.items() if k.startswith("x") and k[1:].isdigit())
    return {"y": y + params.get("noise", 0.0) * rng.standard_normal(), "draw": rng.random()}


def regimes(params: dict, seed: int) -> dict[str, float]:
    """Regime 'contract' beats 'administrative_dependence' on ``quality`` exactly when x > 0.6."""
    rng = np.random.default_rng(seed)
    edge = params["x"] - 0.6 if params["regime"] == "contract" else 0.0
    return {"quality": 1.0 + edge + 0.01 * rng.standard_normal(), "cost": params["y"]}


def flaky(params: dict, seed: int) -> dict[str, float]:
    """Raises ``ValueError`` when ``x > fail_above``; else ``y = x`` and a seeded draw."""
    if params["x"] > params.get("fail_above", 0.5):
        raise ValueError(f"x = {params['x']:.3f} is too large")
    return {"y": params["x"], "draw": float(np.random.default_rng(seed).random())}


def crash(params: dict, seed: int) -> dict[str, float]:
    """Ends its whole process when ``x == crash_at`` (a worker dying, not a run raising)."""
    if params["x"] == params.get("crash_at"):
        os._exit(3)
    return {"y": params["x"]}


def slow(params: dict, seed: int) -> dict[str, float]:
    """Sleeps ``sleep`` seconds, then returns a seeded draw."""
    time.sleep(params.get("sleep", 0.05))
    return {"draw": float(np.random.default_rng(seed).random()), "x": params.get("x", 0.0)}


def walk(params: dict, seed: int) -> tuple[dict[str, float], dict[str, list[float]]]:
    """A seeded random walk of ``steps`` steps: finals and the series ``position``."""
    rng = np.random.default_rng(seed)
    path = np.cumsum(rng.normal(params.get("drift", 0.0), 1.0, params.get("steps", 10)))
    return {"final": float(path[-1])}, {"position": path.tolist()}


def mesa_toy(params: dict, seed: int) -> dict[str, float]:
    """A Mesa model with ``n`` agents run a few steps (for the Mesa 3.3.1 leak)."""
    import mesa

    class Walker(mesa.Agent):
        def step(self) -> None:
            self.wealth += self.model.rng.random()

    model = mesa.Model(rng=seed)
    for _ in range(params.get("n", 50)):
        Walker(model).wealth = 0.0
    for _ in range(params.get("steps", 3)):
        model.agents.shuffle_do("step")
    return {"wealth": float(sum(a.wealth for a in model.agents))}
