"""Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC).

The population Monte Carlo sampler of Beaumont, Cornuet, Marin & Robert (2009, *Biometrika*
96(4)) with the adaptive tolerances of Del Moral, Doucet & Jasra (2012, *Statistics and
Computing* 22(5)): generation 0 draws ``particles`` parameter sets from the prior; each later
generation sets its tolerance to the ``alpha`` quantile of the previous generation's distances,
proposes by perturbing a particle drawn by weight with a Gaussian kernel of twice the weighted
covariance, keeps proposals whose simulation lies within the tolerance, and weights them by
prior over proposal density.

Everything is done in the unit cube of the free parameters (``Prior.to_unit``), where every
prior is uniform. One simulation per particle and case, with a seed derived from the master
seed, the generation, the batch and the position in it; proposals are drawn in fixed batches
in the calling process and accepted in their order. The posterior therefore depends only on
the inputs and the master seed, not on the number of workers or on Dask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..experiments.replicate import Task, replicate
from ..experiments.seeds import run_seed
from .targets import Calibration

SIMULATE = "sim.calibration.abc:simulate"


def simulate(seed: int, scenario: str, steps: int | None, overrides: dict, measures: list) -> list:
    """Worker side: one run of ``scenario`` with ``overrides``; the listed measures."""
    from ..run import run
    from . import measures as m

    result = run(scenario, seed=seed, steps=steps, **overrides)
    return [m.evaluate(name, result) for name in measures]


@dataclass(frozen=True)
class Settings:
    particles: int = 200
    budget: int = 4000  # simulations (runs of every case of a particle count once each)
    alpha: float = 0.5
    min_acceptance: float = 0.02
    max_generations: int = 12
    seed: int = 20_260_501


@dataclass
class Generation:
    """One population: unit-cube positions, weights, distances and simulated target values."""

    t: int
    epsilon: float
    unit: np.ndarray  # (n, d)
    weights: np.ndarray  # (n,), sum 1
    distances: np.ndarray  # (n,)
    simulated: np.ndarray  # (n, k)
    evaluations: int  # proposals simulated in this generation
    info: dict = field(default_factory=dict)

    @property
    def acceptance(self) -> float:
        return len(self.weights) / self.evaluations if self.evaluations else math.nan

    @property
    def ess(self) -> float:
        return float(1.0 / np.sum(self.weights**2))


class Sampler:
    """Simulates batches of unit-cube positions through the replication loop's executors."""

    def __init__(self, cal: Calibration, settings: Settings, pool, progress=None):
        self.cal = cal
        self.settings = settings
        self.pool = pool
        self.progress = progress
        self.priors = [cal.priors[n] for n in cal.free]
        from ..params import PARAMS

        self.ints = [n in PARAMS and PARAMS[n].kind == "int" for n in cal.free]

    def values(self, unit: np.ndarray) -> list[dict]:
        """Parameter values of unit-cube positions (integers rounded)."""
        out = []
        for row in np.atleast_2d(unit):
            v = {}
            for name, prior, is_int, u in zip(
                self.cal.free, self.priors, self.ints, row, strict=True
            ):
                x = float(prior.from_unit(u))
                v[name] = int(round(x)) if is_int else x
            out.append(v)
        return out

    def run(self, unit: np.ndarray, seeds: list[int]) -> np.ndarray:
        """Simulated target values, one row per position, a column per target of every case."""
        tasks = []
        for overrides, seed in zip(self.values(unit), seeds, strict=True):
            for case in self.cal.cases:
                tasks.append(
                    Task(
                        {
                            "scenario": case.scenario,
                            "steps": case.steps,
                            "overrides": overrides,
                            "measures": [t.measure for t in case.targets],
                        },
                        seed,
                    )
                )
        out = replicate(SIMULATE, tasks, pool=self.pool, progress=self.progress)
        rows = []
        per = len(self.cal.cases)
        for i in range(len(seeds)):
            rows.append([x for r in out[i * per : (i + 1) * per] for x in r])
        return np.asarray(rows, dtype=float).reshape(len(seeds), -1)


def scales(cal: Calibration, simulated: np.ndarray) -> np.ndarray:
    """Each target's distance unit: the median absolute deviation of its prior-predictive
    values (generation 0), or, where those do not vary, a tenth of the observed figure (one
    unit where that figure is 0)."""
    out = []
    for k, (_, target) in enumerate(cal.targets):
        x = simulated[:, k]
        x = x[np.isfinite(x)]
        mad = float(np.median(np.abs(x - np.median(x)))) if len(x) else 0.0
        if mad <= 0:
            ref = [v for v in (target.low, target.high) if math.isfinite(v)]
            mad = 0.1 * abs(ref[0]) if ref and ref[0] != 0 else 1.0
        out.append(mad)
    return np.asarray(out)


def distances(cal: Calibration, simulated: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Root mean square of each target's miss (0 inside an observed range) over its scale; a
    run without a value for some target is infinitely far."""
    miss = np.empty_like(simulated)
    for k, (_, target) in enumerate(cal.targets):
        x = simulated[:, k]
        miss[:, k] = np.maximum(np.maximum(target.low - x, x - target.high), 0.0) / scale[k]
    d = np.sqrt(np.mean(miss**2, axis=1))
    return np.where(np.isfinite(d), d, np.inf)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    return float(x[order][min(np.searchsorted(cum, q * cum[-1]), len(x) - 1)])


def kernel_cov(gen: Generation) -> np.ndarray:
    """Twice the weighted covariance of a population (Beaumont et al. 2009), kept positive."""
    d = gen.unit.shape[1]
    cov = np.atleast_2d(np.cov(gen.unit.T, aweights=gen.weights, ddof=0)) * 2.0
    return cov + np.eye(d) * 1e-8


def batch_rng(seed: int, t: int, b: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, t, b)))


def first_generation(sampler: Sampler, settings: Settings) -> tuple[Generation, np.ndarray]:
    n, d = settings.particles, len(sampler.cal.free)
    unit = batch_rng(settings.seed, 0, 0).random((n, d))
    seeds = [run_seed(settings.seed, 0, 0, i) for i in range(n)]
    sim = sampler.run(unit, seeds)
    scale = scales(sampler.cal, sim)
    dist = distances(sampler.cal, sim, scale)
    gen = Generation(0, math.inf, unit, np.full(n, 1.0 / n), dist, sim, n)
    return gen, scale


def next_generation(
    sampler: Sampler, prev: Generation, scale: np.ndarray, settings: Settings, left: int
) -> Generation | None:
    """The next population, or None when the budget ``left`` runs out before it is full."""
    n, t = settings.particles, prev.t + 1
    eps = weighted_quantile(prev.distances, prev.weights, settings.alpha)
    cov = kernel_cov(prev)
    chol = np.linalg.cholesky(cov)
    inv = np.linalg.inv(cov)
    kept_u, kept_d, kept_x = [], [], []
    evaluations = 0
    b = 0
    while len(kept_u) < n:
        size = min(n, left - evaluations)
        if size <= 0:
            return None
        rng = batch_rng(settings.seed, t, b)
        props = []
        while len(props) < size:
            j = rng.choice(len(prev.weights), p=prev.weights)
            z = prev.unit[j] + chol @ rng.standard_normal(cov.shape[0])
            if np.all((z >= 0) & (z <= 1)):  # zero prior density outside the cube
                props.append(z)
        unit = np.asarray(props)
        sim = sampler.run(unit, [run_seed(settings.seed, t, b, i) for i in range(size)])
        dist = distances(sampler.cal, sim, scale)
        evaluations += size
        for i in np.flatnonzero(dist <= eps):
            if len(kept_u) < n:
                kept_u.append(unit[i])
                kept_d.append(dist[i])
                kept_x.append(sim[i])
        b += 1
        if evaluations >= n and len(kept_u) / evaluations < settings.min_acceptance:
            break
    unit = np.asarray(kept_u).reshape(-1, prev.unit.shape[1])
    if len(unit) == 0:
        return Generation(t, eps, unit, np.zeros(0), np.zeros(0), np.zeros((0, 0)), evaluations)
    diff = unit[:, None, :] - prev.unit[None, :, :]
    dens = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", diff, inv, diff)) @ prev.weights
    w = 1.0 / dens
    return Generation(
        t, eps, unit, w / w.sum(), np.asarray(kept_d), np.asarray(kept_x), evaluations
    )


def smc(sampler, settings: Settings, start: Generation | None = None, scale=None, used: int = 0):
    """Yield ``(generation, scale)`` as each population completes, from ``start`` (a resumed
    population and its scales) or from the prior; ``used`` runs are already spent. Returns
    (as the generator's value) why it stopped."""
    gen = start
    while True:
        if gen is None:
            gen, scale = first_generation(sampler, settings)
        else:
            if gen.t + 1 >= settings.max_generations:
                return f"{settings.max_generations} generations"
            nxt = next_generation(sampler, gen, scale, settings, settings.budget - used)
            if nxt is None:
                return "the run budget is spent"
            if len(nxt.weights) < settings.particles:
                return f"acceptance fell under {settings.min_acceptance:.0%}"
            gen = nxt
        used += gen.evaluations
        yield gen, scale
