"""A worker's memory stays flat over many Mesa runs (the Mesa 3.3.1 ``Agent._ids`` leak)."""

from __future__ import annotations

import gc

import mesa
import pytest

from sim.experiments.worker import Record, run_chunk

REF = "sim.experiments.testfunctions:mesa_toy"


def live_models() -> int:
    gc.collect()
    return sum(isinstance(o, mesa.Model) for o in gc.get_objects())


#: Mesa 3.3 counts agent ids in a class-level dict keyed by model (which keeps every model
#: alive); Mesa >= 3.4 counts them per model.
CLASS_IDS = isinstance(getattr(mesa.Agent, "_ids", None), dict)  # not a weak dict


def test_mesa_models_are_freed_after_each_run():
    before_ids, before_models = len(getattr(mesa.Agent, "_ids", ())), live_models()
    tasks = [(i, {"n": 20, "steps": 2}, i) for i in range(300)]
    results = run_chunk(REF, Record(), tasks)
    assert all(r["status"] == "ok" for r in results)
    assert len(getattr(mesa.Agent, "_ids", ())) == before_ids
    assert live_models() == before_models


@pytest.mark.skipif(not CLASS_IDS, reason="Mesa >= 3.4 has no class-level Agent._ids")
def test_models_alive_elsewhere_are_left_alone():
    mine = mesa.Model(rng=1)
    mesa.Agent(mine)
    run_chunk(REF, Record(), [(0, {"n": 5}, 0)])
    assert mine in mesa.Agent._ids
    mesa.Agent._ids.pop(mine, None)


@pytest.mark.skipif(not CLASS_IDS, reason="Mesa >= 3.4 has no class-level Agent._ids")
def test_without_the_fix_mesa_3_3_keeps_every_model():
    """The control: on Mesa 3.3 a finished model stays alive unless the worker drops it."""
    from sim.experiments.testfunctions import mesa_toy

    before = live_models()
    for seed in range(5):
        mesa_toy({"n": 3}, seed)
    leaked = live_models() - before
    for model in list(mesa.Agent._ids):
        mesa.Agent._ids.pop(model, None)
    assert leaked == 5
