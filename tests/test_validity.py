"""What an analyst reads is what the model does: mechanisms in small worlds, and their
comparative statics over paired replications and several master seeds."""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiments.seeds import replication_seeds
from sim.run import run
from tests.helpers import SMALL, model, paired

C = {"regime": "contract"}
H = {"regime": "in_house"}
MASTERS = [31, 32]


# -- independence over providers ----------------------------------------------------------------
def test_administrative_dependences_providers_read_about_one_on_government_share():
    r = run(seed=1, regime="administrative_dependence", **SMALL)
    assert r.summary["provider_gov_share_mean"] > 0.97
    assert r.summary["provider_gov_share_weighted"] > 0.97
    assert r.summary["idle_orgs"] >= 1  # the independents, apart


def test_in_house_has_no_providers_and_its_outlay_holds_no_donations():
    r = run(seed=1, **H, **SMALL)
    assert np.isnan(r.summary["provider_gov_share_mean"])
    assert r.summary["outlay_private_providers"] == 0
    assert r.summary["outlay_service"] == pytest.approx(r.summary["outlay_government"])


# -- the in-house comparator ---------------------------------------------------------------------
def test_in_house_cost_and_quality_vary_across_seeds():
    runs = [run(seed=s, **H, **SMALL) for s in replication_seeds(3, 6)]
    for name in ("cost_per_qa_hour", "quality_mean"):
        values = [r.summary[name] for r in runs]
        assert np.std(values) > 0, name


def test_an_in_house_unit_grows_its_own_slack_while_it_produces():
    m = model(seed=2, **H, **SMALL)
    for _ in range(24):
        m.step()
    unit = m.buyers[0].in_house
    p = m.params
    expected = p["public_slack_max"] * (1 - (1 - p["public_slack_growth"]) ** 24)
    assert unit.slack == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("master", MASTERS)
def test_more_staff_turnover_makes_in_house_dearer_and_worse(master):
    low, high = {**H, "staff_turnover": 0.0}, {**H, "staff_turnover": 0.05}
    mean, lo, hi = paired("cost_per_qa_hour", low, high, master)
    assert lo > 0, (mean, lo, hi)
    mean, lo, hi = paired("quality_mean", low, high, master)
    assert hi < 0, (mean, lo, hi)


# -- enforcement ---------------------------------------------------------------------------------
def test_under_delivery_is_a_breach_the_invoice_shows():
    m = model(seed=4, **C, **SMALL, monitoring_capacity=0.0, evaluation="none")
    m.step()
    arr = next(a for lot in m.lots for a in lot.arrangements)
    prod = arr.provider
    m.step()
    before = arr.strikes
    prod.cash = 0.0  # it cannot pay its staff: it delivers nothing next month
    m.ledger._opening[prod.account] = 0.0  # (the books agree: this is a test's hand)
    m.ledger.register(prod.account, prod)
    m.step()
    assert arr.delivered < 0.9 * arr.units
    assert arr.strikes == before + 1


def test_a_provider_bids_only_for_what_its_cash_can_staff():
    m = model(seed=5, **C, **SMALL)
    m.step()
    org = next(o for o in m.organizations() if o.independent)
    lots = [(lot, lot.need) for lot in m.lots]
    org.cash = 2.5 * org.post_cost  # two and a half posts of wages
    chosen = org.choose_lots(lots, np.random.default_rng(1))
    committed = sum(a.units for a in org.arrangements) / org.productivity
    new = sum(need for lot, need in lots if lot in chosen) / org.productivity
    assert new <= max(2.5 - committed, 0.0) + 1e-9
    assert org.choose_lots(lots, np.random.default_rng(1), first_month=True)  # staff only


def test_a_lot_that_serves_under_half_its_need_for_a_year_is_a_service_gap():
    world = {**SMALL, "steps": 24, "n_independent_orgs": 0, "founded_per_buyer": 0}
    r = run(seed=6, **C, **world)
    gaps = r.events["service_gaps"]
    assert gaps and all(g["need_met"] < 0.5 for g in gaps)
    assert r.summary["service_gap_lot_years"] == len(gaps)


@pytest.mark.parametrize("master", MASTERS)
def test_more_monitoring_means_fewer_terminations_and_better_soft_quality(master):
    weak, strong = {**C, "monitoring_capacity": 0.05}, {**C, "monitoring_capacity": 0.9}
    mean, lo, hi = paired("terminations", weak, strong, master)
    assert hi < 0, (mean, lo, hi)
    mean, lo, hi = paired("quality_nonmeasurable", weak, strong, master)
    assert lo > 0, (mean, lo, hi)


@pytest.mark.parametrize("master", MASTERS)
def test_enforcement_fires_at_the_defaults(master):
    runs = [run(seed=s, **C, **{**SMALL, "steps": 120}) for s in replication_seeds(master, 10)]
    assert sum(r.summary["terminations"] for r in runs) > 0
    assert any(r.events["terminations"] for r in runs)


# -- an open world -------------------------------------------------------------------------------
def test_outside_revenue_reaches_independents_and_affiliates_only_once_ties_are_cut():
    m = model(seed=7, regime="administrative_dependence", **SMALL)
    m.step()
    affiliate = next(o for o in m.organizations() if o.origin == "founded")
    independent = next(o for o in m.organizations() if o.independent)
    assert affiliate.month["outside"] == 0 and independent.month["outside"] > 0
    affiliate.ties.discard(affiliate.founded_by)
    m.step()
    assert affiliate.month["outside"] > 0


@pytest.mark.parametrize("master", MASTERS)
def test_more_outside_revenue_keeps_more_organizations_in_the_market(master):
    """Where little local giving supports them (a tenth of the default donor pool), losers
    with no outside revenue run out of cash and exit."""
    world = {**C, "donor_pool_per_capita": 0.3}
    closed, open_ = {**world, "outside_core_cover": 0.0}, {**world, "outside_core_cover": 1.0}
    mean, lo, hi = paired("exits", closed, open_, master, extract=None)
    assert hi < 0, (mean, lo, hi)
