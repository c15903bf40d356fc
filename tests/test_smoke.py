"""The model builds from defaults, runs, and keeps its books."""

from sim.model import GppsModel
from sim.run import run


def test_model_builds_with_every_default_and_runs():
    model = GppsModel(rng=3)
    for _ in range(13):
        model.step()
    assert model.steps == 13
    assert len(model.datacollector.model_vars["qa_hours_per_10k_yuan"]) == 13


def test_run_returns_summary_for_every_regime():
    for regime in ("contract", "grant", "administrative_dependence", "in_house", "negotiated"):
        result = run(seed=5, steps=24, regime=regime)
        assert result.summary["qa_hours_per_10k_yuan"] > 0
        assert 0 < result.summary["need_met_share"] <= 1
