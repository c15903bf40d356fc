"""Vouchers: issue under a budget, take-up, accreditation, choice, switching, payment per
voucher; and the comparative statics of choice, over paired replications and master seeds."""

from __future__ import annotations

import numpy as np
import pytest

from sim.compare import arms
from sim.dashboard.i18n import regime_label
from sim.regimes import REGIMES
from sim.regimes.vouchers import PerVoucher, Vouchers
from sim.run import run
from sim.scenario import load
from tests.helpers import SMALL, model, paired

V = {"regime": "vouchers"}


def test_vouchers_are_a_regime_compared_and_labelled_in_both_languages():
    assert "vouchers" in REGIMES and "vouchers" in arms(load("baseline"))
    assert regime_label("vouchers", "en") == Vouchers.label
    assert regime_label("vouchers", "zh") == "服务券"


def _state(m):
    regime = m.market.regime("vouchers")
    return {lot.id: regime._lots[lot.id] for lot in m.lots if lot.id in regime._lots}


def test_the_budget_caps_the_vouchers_issued_and_holders_use_them_at_the_take_up_rate():
    # 2,000 resident agents: enough holders for the take-up rate to show
    world = {**SMALL, "n_residents": 2000}
    m = model(seed=2, **V, **world, voucher_take_up=0.5, budget_general_per_capita=6.0)
    m.step()
    issued = holders = 0
    for lot in m.lots:
        st = _state(m)[lot.id]
        entitled = np.count_nonzero(
            m.population.need[lot.residents, lot.line]
            * m.population.eligible[lot.residents, lot.line]
        )
        assert st.issued <= m.lots[lot.id].buyer.lot_budget(lot) / st.value + 1e-9
        assert st.issued <= entitled
        issued += st.issued
        holders += len(st.holders)
    assert issued < sum(
        np.count_nonzero(m.population.need[lot.residents, lot.line]) for lot in m.lots
    ), "a small budget leaves some entitled residents without a voucher"
    assert 0.35 < holders / issued < 0.65


def test_a_buyer_reviews_an_organization_once_per_accreditation_term():
    """One review accredits an organization for all of a buyer's lots it serves, until the
    term runs out: many lots (or re-opened lots) do not multiply the buyer's review cost."""
    m = model(seed=4, **V, **SMALL, contract_term_months=12)
    for _ in range(12):
        m.step()
    regime = m.market.regime("vouchers")
    reviews = {b.name: b.spent_by_activity.get("vouchers:accreditation", 0.0) for b in m.buyers}
    for b in m.buyers:
        accredited = {o for lot in m.lots if lot.buyer is b for o in _state(m)[lot.id].accredited}
        keys = [k for k in regime._accredited_until if k[0] == b.name]
        assert len(keys) >= len(accredited) > 0
        per_review = b.params["bid_review_staff_days"] * b.day_cost
        assert reviews[b.name] == pytest.approx(per_review * len(keys))
        lots = sum(1 for lot in m.lots if lot.buyer is b)
        assert len(keys) < lots * len(accredited) or lots == 1


def test_each_holder_is_served_by_the_provider_it_chose_and_paid_for_per_voucher():
    m = model(seed=3, **V, **SMALL)
    for _ in range(4):
        m.step()
    for lot in m.lots:
        st = _state(m)[lot.id]
        arrs = [a for a in lot.arrangements if a.regime.name == "vouchers"]
        members = np.concatenate([a.members for a in arrs]) if arrs else np.array([], int)
        assert len(members) == len(np.unique(members))  # no holder with two providers
        for a in arrs:
            chose = st.holders[st.choice == a.provider.provider_id]
            assert np.array_equal(np.sort(a.members), np.sort(chose))
            assert (m.population.provider[a.members, lot.line] == a.provider.provider_id).all()
            assert isinstance(a.payment, PerVoucher)
            due = a.payment.value * len(a.members) * min(a.delivered / a.units, 1.0)
            assert a.paid == pytest.approx(due * (1 - a.penalty))
            assert a.provider.skill >= m.params["voucher_accreditation_skill"]


def test_holders_switch_only_when_they_have_the_opportunity():
    never = run(seed=4, **V, **SMALL, voucher_switch_months=120)
    assert never.summary["switch_rate"] == 0
    often = run(seed=4, **V, **SMALL, voucher_switch_months=1)
    assert often.summary["switch_rate"] > 0
    assert 0 < often.summary["take_up_share"] <= 1


def test_other_regimes_leave_the_choice_outcomes_undefined():
    r = run(seed=4, regime="contract", **SMALL)
    assert np.isnan(r.summary["take_up_share"]) and np.isnan(r.summary["switch_rate"])
    assert r.events["choices"] == []


# -- comparative statics ----------------------------------------------------------------------
def chosen_skill(result) -> float:
    """Hours-weighted capability of the providers holders chose, over the final two years."""
    last = result.params["steps"] - 24
    rows = [c for c in result.events["choices"] if c["step"] > last]
    hours = np.array([c["hours"] for c in rows])
    return float((hours * np.array([c["skill"] for c in rows])).sum() / hours.sum())


MASTERS = [21, 22]
LONG = {**SMALL, "steps": 60}


@pytest.mark.parametrize("master", MASTERS)
def test_more_accredited_providers_move_volume_toward_better_providers(master):
    few = {**V, **LONG, "n_independent_orgs": 2}
    many = {**V, **LONG, "n_independent_orgs": 8}
    mean, lo, hi = paired(None, few, many, master, n=40, extract=chosen_skill)
    assert lo > 0, (mean, lo, hi)


@pytest.mark.parametrize("master", MASTERS)
def test_choice_by_rating_moves_volume_toward_better_providers(master):
    blind = {**V, **LONG, "voucher_choice_sensitivity": 0.0, "voucher_switch_months": 120}
    mean, lo, hi = paired(None, blind, {**V, **LONG}, master, extract=chosen_skill)
    assert lo > 0, (mean, lo, hi)
