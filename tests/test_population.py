"""Residents: the network, word of mouth, judgement, and scale."""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiments.seeds import replication_seeds
from sim.population import Population, build_network
from sim.run import run
from sim.stats import mean_interval
from tests.helpers import model, scenario


def test_network_is_symmetric_simple_and_mostly_within_communities():
    rng = np.random.default_rng(0)
    community = np.repeat(np.arange(5), 400)
    net = build_network(community, degree=8.0, cross_share=0.1, rng=rng)
    pairs = set(zip(net.src.tolist(), net.dst.tolist()))
    assert all((b, a) in pairs for a, b in pairs)
    assert not np.any(net.src == net.dst)
    assert len(pairs) == len(net.src)  # no duplicate ties
    assert net.degree().mean() == pytest.approx(8.0, rel=0.1)
    cross = np.mean(community[net.src] != community[net.dst])
    assert cross == pytest.approx(0.1 * 0.8, abs=0.03)  # a random tie crosses 4 times in 5
    g = net.to_networkx()
    assert g.number_of_edges() == net.n_edges


def test_word_of_mouth_moves_opinions_toward_neighbours_with_the_same_provider():
    s = scenario(
        {
            "params": {
                "n_residents": 300,
                "population": 3000,
                "n_communities": 1,
                "n_service_lines": 1,
            }
        }
    )
    pop = Population(s.params, s.lines, seed=1)
    pop.set_provider((slice(None), 0), 0)
    pop.opinion[:, 0] = 0.5
    pop.opinion[:150, 0] = 0.1
    spread = pop.opinion[:, 0].std()
    pop.talk(0.3)
    assert pop.opinion[:, 0].std() < spread
    assert pop.opinion[:, 0].mean() == pytest.approx(0.3, abs=0.03)
    before = pop.opinion.copy()
    # nobody shares a provider: nothing to talk about
    pop.set_provider((slice(None), 0), np.arange(300))
    pop.talk(0.3)
    assert np.array_equal(before, pop.opinion)


def _reputation_drop(degree: float, seed: int) -> float:
    """Fall in reputation of a provider that shades heavily (weak monitoring, no mission)."""
    data = {
        "params": {
            "n_communities": 1,
            "n_service_lines": 1,
            "n_buyers": 1,
            "n_independent_orgs": 0,
            "founded_per_buyer": 0,
            "entry_rate": 0.0,
            "n_residents": 600,
            "population": 6000,
            "need_prevalence": 0.2,
        },
        "organizations": [{"name": "S", "origin": "grassroots", "mission": 0.0}],
    }
    m = model(
        data,
        seed=seed,
        regime="contract",
        network_degree=degree,
        monitoring_capacity=0.0,
        evaluation="none",
        shading_aversion=0.05,
        expectation_initial=0.75,
    )
    org = m.organizations()[0]
    start = org.reputation
    for _ in range(12):
        m.step()
    return start - org.reputation


def test_without_network_ties_a_shading_providers_reputation_falls_more_slowly():
    diffs = [_reputation_drop(8.0, s) - _reputation_drop(0.0, s) for s in replication_seeds(3, 8)]
    mean, lo, hi = mean_interval(diffs)
    assert lo > 0, (mean, lo, hi)


def test_migrants_are_not_served_where_they_are_not_eligible():
    data = {
        "service_lines": [{"name": "youth_work", "migrants_eligible": False}],
        "params": {"n_buyers": 1},
    }
    m = model(data, regime="in_house", budget_general_per_capita=5000.0)
    for _ in range(3):
        m.step()
    pop = m.population
    migrants_with_need = pop.migrant & (pop.need[:, 0] > 0)
    assert migrants_with_need.any()
    assert pop.received[migrants_with_need, 0].sum() == 0
    assert m.outcomes["satisfaction_local_migrant_gap"] > 0.1


def test_outcomes_per_person_do_not_depend_on_persons_per_resident():
    """Population fixed, resolution changed: per-person outcomes agree within noise."""
    names = ["outlay_service", "need_met_share", "qa_hours_per_10k_yuan", "quality_mean"]
    pairs = [
        (
            run(seed=s, steps=36, regime="contract", n_residents=500).summary,
            run(seed=s, steps=36, regime="contract", n_residents=4000).summary,
        )
        for s in replication_seeds(5, 20)
    ]
    for name in names:
        diffs = [fine[name] / coarse[name] - 1 for coarse, fine in pairs]
        mean, lo, hi = mean_interval(diffs)
        assert abs(mean) < 0.03 and lo < 0.02 and hi > -0.02, (name, mean, lo, hi)
