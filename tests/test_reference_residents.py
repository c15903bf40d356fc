"""The fast (vectorised, cached) resident update agrees with a plain per-resident reference.

``benchmarks/reference.py`` implements ``Population.experience`` and ``Population.talk`` from
their docstrings with a Python loop over residents and lines; it never calls the fast path.
On the same inputs and the same uniform draws the two must agree to rounding; over 20 seeds
at 1,000 residents, with the reference drawing its own random numbers, whole runs must give
the same distributions of outcomes.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import reference
from sim.population import Population
from tests.helpers import model, scenario

STATE = ("line_satisfaction", "satisfaction", "expectation", "opinion", "complained")


def _population(seed: int, n: int = 1000, **params) -> Population:
    """A population in a random state: some lines without provider, partial service."""
    s = scenario({}, n_residents=n, population=5 * n, **params)
    pop = Population(s.params, s.lines, seed=seed)
    rng = np.random.default_rng(seed)
    shape = pop.need.shape
    pop.set_provider(slice(None), rng.integers(-1, 4, size=shape))
    pop.set_provider(slice(0, n // 10), 2)  # a block sharing one provider on every line
    pop.received[:] = pop.need * rng.uniform(0, 1.3, size=shape)
    pop.quality[:] = np.where(pop.provider >= 0, rng.uniform(0, 1, size=shape), 0.0)
    pop.opinion[:] = rng.uniform(0, 1, size=shape)
    pop.expectation[:] = rng.uniform(0.3, 0.9, size=n)
    return pop, s.params


def _copy(pop: Population) -> Population:
    import copy

    return copy.deepcopy(pop)


def _assert_same(fast: Population, ref: Population) -> None:
    for name in STATE:
        a, b = getattr(fast, name), getattr(ref, name)
        assert a.shape == b.shape, name
        if a.dtype == bool:
            assert np.array_equal(a, b), name
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("lines", [1, 2, 3, 9])
def test_experience_matches_the_per_resident_reference(seed, lines):
    pop, params = _population(seed, n_service_lines=lines)
    ref = _copy(pop)
    pop.experience(params, np.random.default_rng(seed))
    reference.experience(ref, params, np.random.default_rng(seed))
    _assert_same(pop, ref)
    assert pop.complained.any() and np.isnan(pop.satisfaction).any()


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("lines", [1, 2, 3])
def test_talk_matches_the_per_resident_reference(seed, lines):
    pop, params = _population(seed, n_service_lines=lines)
    ref = _copy(pop)
    pop.talk(0.3)
    reference.talk(ref, 0.3)
    np.testing.assert_allclose(pop.opinion, ref.opinion, rtol=1e-12, atol=1e-12)
    for p in (pop, ref):  # nobody shares a provider on line 0 any more
        p.set_provider((slice(None), 0), np.arange(pop.n))
    before = pop.opinion.copy()
    pop.talk(0.3)
    reference.talk(ref, 0.3)
    np.testing.assert_allclose(pop.opinion, ref.opinion, rtol=1e-12, atol=1e-12)
    assert np.array_equal(pop.opinion[:, 0], before[:, 0])


def test_a_changed_provider_is_seen_by_the_fast_path():
    """The fast path caches what follows from ``provider``: a change must show, and a write
    that would go around ``set_provider`` is refused."""
    pop, params = _population(4)
    ref = _copy(pop)
    with pytest.raises(ValueError, match="read-only"):
        pop.provider[0, 0] = 3
    for step in range(3):
        for p in (pop, ref):
            p.set_provider(slice(step * 100, step * 100 + 300), -1 if step == 1 else step)
        pop.experience(params, np.random.default_rng(step))
        reference.experience(ref, params, np.random.default_rng(step))
        pop.talk(0.3)
        reference.talk(ref, 0.3)
        _assert_same(pop, ref)


# -- whole runs: the same distributions --------------------------------------------------------
SEEDS = range(101, 121)  # 20 seeds
STEPS = 24
#: Complaints common enough to matter (the defaults make them rare), so the draws count.
LIVELY = {"complaint_threshold": 0.6, "complaint_propensity": 0.5}


def _run(seed: int, use_reference: bool) -> dict[str, float]:
    m = model({}, seed=seed, regime="contract", n_residents=1000, population=5000, **LIVELY)
    pop = m.population
    if use_reference:
        own = np.random.default_rng(seed + 10_000)  # its own draws: compare distributions
        pop.experience = lambda params, rng: reference.experience(pop, params, own)
        pop.talk = lambda weight: reference.talk(pop, weight)
    complaints, opinions = [], []
    for _ in range(STEPS):
        m.step()
        served = (pop.need > 0) & (pop.provider >= 0)
        complaints.append(pop.complained[served].mean())
        opinions.append(pop.opinion[served].mean())
    out = m.outcomes
    return {
        "satisfaction_mean": out["satisfaction_mean"],
        "quality_mean": out["quality_mean"],
        "expectation_mean": float(pop.expectation.mean()),
        "opinion_mean": float(np.mean(opinions)),
        "complaint_rate": float(np.mean(complaints)),
    }


def test_whole_runs_give_the_same_distributions_over_20_seeds():
    """Means over 20 seeds agree within 3 standard errors of the difference (+ 0.002)."""
    fast = [_run(s, False) for s in SEEDS]
    ref = [_run(s, True) for s in SEEDS]
    for name in fast[0]:
        a = np.array([r[name] for r in fast])
        b = np.array([r[name] for r in ref])
        se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        assert abs(a.mean() - b.mean()) <= 3 * se + 0.002, (name, a.mean(), b.mean(), se)
        assert abs(a.std() - b.std()) <= 0.5 * max(a.std(), b.std()) + 0.002, name
