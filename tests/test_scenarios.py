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


def test_a_run_override_of_a_scheduled_parameter_holds_for_the_whole_run():
    """reform_path's schedule raises entry_rate to 0.1 at month 36; an override of 0 wins."""
    from sim.model import GppsModel
    from sim.run import run

    plain = load("reform_path")
    assert any("entry_rate" in e["params"] for e in plain.schedule)
    held = load("reform_path", {"entry_rate": 0.0, "steps": 48})
    assert not any("entry_rate" in e["params"] for e in held.schedule)
    assert any(e["regime"] == "contract" for e in held.schedule)  # the rest of the entry stays
    m = GppsModel(scenario=held, rng=3)
    for _ in range(48):
        m.step()
    assert m.params["entry_rate"] == 0.0
    assert m.buyers[0].params["evaluation"] == "third_party"
    a = run("reform_path", seed=3, steps=60)
    b = run("reform_path", seed=3, steps=60, entry_rate=0.0)
    assert a.params["entry_rate"] == 0.1 and b.params["entry_rate"] == 0.0
    assert b.summary["entries"] == 0 and not b.events["entries"]
