"""Designs: which parameter sets to run.

A design is the sampled points (one row per ``sample_id``, factors given as ranges) crossed
with every combination of the swept lists (``combo_id``) and the replications. Factorial has
one point and sweeps lists only; Latin hypercube, Sobol (Saltelli) and Morris sample the ranges
with SALib in the unit cube, then map each column through its factor's distribution.

Run ids are ``((sample_id * n_combos) + combo_id) * replications + replication``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .seeds import design_seed, run_seed
from .spec import Spec


@dataclass(frozen=True)
class Run:
    """One run: its ids, its seed and the parameters passed to the model."""

    run_id: int
    sample_id: int
    combo_id: int
    replication: int
    seed: int
    params: dict


@dataclass(frozen=True)
class Design:
    """Sampled points in unit space and their values, and the swept combinations."""

    spec: Spec
    unit: np.ndarray  # (n_samples, n_sampled) in [0, 1]
    combos: tuple[dict, ...]

    @property
    def n_samples(self) -> int:
        return len(self.unit)

    @property
    def n_runs(self) -> int:
        return self.n_samples * len(self.combos) * self.spec.replications

    def point(self, sample_id: int) -> dict:
        """Values of the sampled factors at one point."""
        row = self.unit[sample_id]
        return {f.name: f.from_unit(float(u)) for f, u in zip(self.spec.sampled, row, strict=True)}

    def base(self) -> dict:
        """What every run gets: the base scenario, steps and held factors."""
        spec = self.spec
        out = {}
        if spec.scenario is not None:
            out["scenario"] = spec.scenario
        if spec.steps is not None:
            out["steps"] = spec.steps
        out.update({f.name: f.values[0] for f in spec.held})
        return out

    def run(self, run_id: int) -> Run:
        spec, reps, n_combos = self.spec, self.spec.replications, len(self.combos)
        rest, replication = divmod(run_id, reps)
        sample_id, combo_id = divmod(rest, n_combos)
        params = {**self.base(), **self.combos[combo_id], **self.point(sample_id)}
        key = (sample_id, replication) if spec.common_random_numbers else (run_id,)
        seed = run_seed(spec.seed, *key)
        return Run(run_id, sample_id, combo_id, replication, seed, params)

    def runs(self, skip: set[int] | frozenset = frozenset()) -> Iterator[Run]:
        """Every run not in ``skip``, in run-id order, built lazily."""
        return (self.run(i) for i in range(self.n_runs) if i not in skip)


def problem(spec: Spec) -> dict:
    """The SALib problem for the sampled factors, in unit space."""
    names = [f.name for f in spec.sampled]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def build(spec: Spec) -> Design:
    """The design a spec asks for."""
    swept = spec.swept
    combos = tuple(
        dict(zip([f.name for f in swept], values, strict=True))
        for values in itertools.product(*(f.values for f in swept))
    )
    return Design(spec, _sample(spec), combos)


def _sample(spec: Spec) -> np.ndarray:
    if spec.design == "factorial":
        return np.zeros((1, 0))
    prob, n, seed = problem(spec), spec.samples, design_seed(spec.seed)
    if spec.design == "latin":
        from SALib.sample import latin

        return latin.sample(prob, n, seed=seed)
    if spec.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(prob, n, calc_second_order=spec.second_order, seed=seed)
    from SALib.sample import morris

    return morris.sample(prob, n, num_levels=spec.levels, seed=seed)
