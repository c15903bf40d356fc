"""Every shipped scenario loads, validates and runs."""

from __future__ import annotations

import pytest

from sim.run import run
from sim.scenario import describe_all, load, shipped


@pytest.mark.parametrize("name", sorted(shipped()))
def test_every_shipped_scenario_loads_and_runs(name):
    s = load(name)
    assert s.description, f"{name} needs a description"
    result = run(s, seed=1, steps=12, n_residents=min(s.params["n_residents"], 500))
    assert result.summary["need_met_share"] > 0


def test_baseline_restates_no_default():
    data = load("baseline").raw
    assert not data.get("params") and not data.get("buyers") and not data.get("organizations")


def test_scenarios_have_one_line_descriptions():
    names = dict(describe_all())
    assert "baseline" in names and names["baseline"]
