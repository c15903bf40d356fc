"""``sim.batch.batch_run`` counts, seeds and summarises as documented; ``mesa.batch_run`` on the
model does what the documentation says of it."""

from __future__ import annotations

import inspect

import mesa
import pytest

from sim import metrics
from sim.batch import batch_run
from sim.model import GppsModel
from sim.run import run
from tests.helpers import batch_run as mesa_batch_run

SMALL = {"n_residents": 200, "regime": ["contract", "grant"]}


def test_max_steps_is_the_number_of_months_and_rows_are_labelled_by_month():
    rows = batch_run(SMALL, rng=[1], max_steps=3, data_collection_period=1)
    assert [(r["regime"], r["Step"]) for r in rows] == [
        (regime, month) for regime in ("contract", "grant") for month in (1, 2, 3)
    ]
    series = run(seed=1, steps=3, regime="grant", n_residents=200).series
    for row in rows[3:]:
        want = [series[k][row["Step"] - 1] for k in metrics.SERIES]
        assert [row[k] for k in metrics.SERIES] == pytest.approx(want, nan_ok=True, rel=0, abs=0)


def test_the_same_seeds_give_the_same_rows_and_other_seeds_other_rows():
    a = batch_run(SMALL, rng=[1, 2], max_steps=2)
    assert a == batch_run(SMALL, rng=[1, 2], max_steps=2)
    assert [r["rng"] for r in a] == [1, 1, 2, 2] and [r["RunId"] for r in a] == [0, 1, 2, 3]
    assert a[0]["qa_hours_per_10k_yuan"] != a[2]["qa_hours_per_10k_yuan"]
    with pytest.raises(ValueError, match="at least one seed"):
        batch_run(SMALL, rng=[])


def test_summary_rows_hold_what_gpps_run_reports():
    rows = batch_run({"n_residents": 200}, rng=[4], max_steps=14, summary=True)
    assert len(rows) == 1 and rows[0]["Step"] == 14
    want = run(seed=4, steps=14, n_residents=200).summary
    assert {k: rows[0][k] for k in want} == pytest.approx(want, nan_ok=True)
    last = batch_run({"n_residents": 200}, rng=[4], max_steps=14)[0]
    assert last["qa_hours_per_10k_yuan"] != rows[0]["qa_hours_per_10k_yuan"]  # a month's value


def test_mesa_batch_run_runs_one_month_more_than_max_steps_on_mesa_3_3():
    """As the documentation says: Mesa 3.3's loop runs max_steps + 1 months unless the model's
    ``steps`` stops it; Mesa >= 3.4 runs max_steps."""
    months = []
    real = GppsModel.close_month

    def counting(self):
        real(self)
        months.append(self.steps)

    GppsModel.close_month = counting
    try:
        mesa_batch_run(GppsModel, {"n_residents": 200}, [1], max_steps=3, display_progress=False)
        plain = len(months)
        months.clear()
        mesa_batch_run(
            GppsModel, {"n_residents": 200, "steps": 3}, [1], max_steps=3, display_progress=False
        )
    finally:
        GppsModel.close_month = real
    newer = "rng" in inspect.signature(mesa.batch_run).parameters  # Mesa >= 3.4
    assert plain == (3 if newer else 4)
    assert len(months) == 3
