"""Each regime's mechanism in small hand-built models."""

from __future__ import annotations

import numpy as np
import pytest

from sim.decisions import HumanPolicy
from sim.model import GppsModel
from sim.payment import Instalment
from sim.regimes import REGIMES, Regime, register
from sim.regimes.administrative import AdministrativeDependence
from sim.regimes.contract import Contract
from tests.helpers import forget_model, model, scenario

ONE_BUYER = {
    "params": {
        "n_communities": 1,
        "n_service_lines": 1,
        "n_buyers": 1,
        "n_independent_orgs": 0,
        "founded_per_buyer": 0,
        "entry_rate": 0.0,
        "n_residents": 200,
        "population": 20_000,
    },
    "organizations": [
        {"name": "A", "origin": "grassroots", "skill": 0.9},
        {"name": "B", "origin": "grassroots", "skill": 0.6},
        {"name": "C", "origin": "external", "skill": 0.7},
    ],
}


def test_tender_with_known_bids_picks_known_winner():
    m = model(ONE_BUYER, regime="contract")
    buyer = m.buyers[0]
    a, b, c = m.organizations()
    a.reputation, b.reputation, c.reputation = 0.5, 0.9, 0.4
    bids = [(a, 100.0), (b, 80.0), (c, 90.0)]
    # by hand: 0.4 * 80/price + 0.3 * skill + 0.3 * reputation
    expected = {
        "A": 0.4 * 0.8 + 0.3 * 0.9 + 0.3 * 0.5,  # 0.74
        "B": 0.4 * 1.0 + 0.3 * 0.6 + 0.3 * 0.9,  # 0.85
        "C": 0.4 * 80 / 90 + 0.3 * 0.7 + 0.3 * 0.4,  # 0.686
    }
    options = m.regime_for("contract").score(buyer, bids, ceiling=120.0)
    got = {o["org"].name: o["score"] for o in options if o["kind"] == "bid"}
    assert got == pytest.approx(expected)
    assert options[0]["org"].name == "B"
    assert options[-1]["kind"] == "in_house"


def test_weight_on_ties_favours_the_tied_bidder():
    data = {
        **ONE_BUYER,
        "organizations": [
            {"name": "A", "origin": "grassroots", "skill": 0.8},
            {"name": "T", "origin": "grassroots", "skill": 0.8, "ties": ["buyer_1"]},
        ],
    }
    m = model(data, regime="contract", weight_ties=0.5)
    a, t = m.organizations()
    options = m.regime_for("contract").score(m.buyers[0], [(a, 90.0), (t, 95.0)], 120.0)
    assert options[0]["org"] is t


def test_full_tender_awards_the_best_scored_bid_and_records_it():
    m = model(ONE_BUYER, regime="contract")
    m.step()
    awards = [a for a in m.events["awards"] if a["regime"] == "contract"]
    bids = m.events["bids"]
    assert awards and bids
    best = max(bids, key=lambda b: b["score"])
    assert best["won"] and awards[0]["provider"] == best["organization"]
    assert sum(b["won"] for b in bids) == len(awards)


@pytest.mark.parametrize("cap", [0, 1, 2])
def test_a_bidder_wins_at_most_its_share_of_a_tender(cap):
    """Three communities, three bidders for each: with no limit the best-scored organization
    takes every lot it bid for; with a limit of k it wins k and withdraws from the rest, which go
    to the next best."""
    data = {
        **ONE_BUYER,
        "params": {**ONE_BUYER["params"], "n_communities": 3, "population": 60_000},
        "organizations": [{**o, "capacity_share": 1.0} for o in ONE_BUYER["organizations"]],
    }
    m = model(data, regime="contract", max_lots_per_bidder=cap, bid_capacity=10.0)
    m.step()
    awards = [a for a in m.events["awards"] if a["regime"] == "contract" and a["provider"]]
    bids = m.events["bids"]
    assert len(awards) == 3 and {b["lot"] for b in bids} == {0, 1, 2}
    wins = {}
    for a in awards:
        wins[a["provider"]] = wins.get(a["provider"], 0) + 1
    if cap:
        assert max(wins.values()) == cap and len(wins) == -(-3 // cap)
    else:
        assert len(wins) == 1, wins


def test_no_bid_when_cost_above_ceiling_or_bid_cost_above_expected_profit():
    m = model(ONE_BUYER, regime="contract")
    org = m.organizations()[0]
    cost = org.unit_cost()
    assert org.bid(None, cost * 0.99, 1000.0, 12, 3, False) is None
    assert org.bid(None, cost * 1.2, 1000.0, 12, 3, False) is not None
    org.params = {**org.params, "bid_staff_days": 1e6}
    assert org.bid(None, cost * 1.2, 1000.0, 12, 3, False) is None


def test_bid_price_falls_with_expected_rivals():
    m = model(ONE_BUYER, regime="contract")
    org = m.organizations()[0]
    ceiling = org.unit_cost() * 1.3
    prices = []
    for rivals in (0, 1, 3, 8):
        org.expected_rivals = rivals
        prices.append(org.bid(None, ceiling, 1e5, 12, 1, False))
    assert all(p1 > p2 for p1, p2 in zip(prices, prices[1:]))
    assert prices[0] == pytest.approx(ceiling)
    org.expected_rivals = 5
    assert org.bid(None, ceiling, 1e5, 12, 1, True) == pytest.approx(ceiling)  # fixed price


@pytest.mark.parametrize("capacity", [0.2, 0.6])
def test_shading_is_detected_at_the_configured_rate(capacity):
    """Inspections happen with probability monitoring_capacity and find shading above the
    tolerance every time, so the detection rate among shading arrangements ≈ capacity."""
    data = {**ONE_BUYER, "params": {**ONE_BUYER["params"], "n_communities": 8}}
    m = model(
        data,
        regime="contract",
        monitoring_capacity=capacity,
        mission=0.0,
        penalty_rate=0.0,
        strikes_to_terminate=100,
        shading_aversion=0.05,
        complaint_propensity=0.0,
        seed=4,
    )
    shading, caught = 0, 0
    for _ in range(60):
        m.step()
        for arr in m.buyers[0].arrangements():
            if arr.shade_m > 0.05:
                shading += 1
                caught += arr.caught
    assert shading > 300
    rate = caught / shading
    se = np.sqrt(capacity * (1 - capacity) / shading)
    assert abs(rate - capacity) < 4 * se


def test_a_grant_cuts_the_organizations_own_fundraising():
    """Same organization, same world: with a grant its fundraising effort and donations fall."""
    data = {**ONE_BUYER, "organizations": [{"name": "A", "origin": "grassroots"}]}
    efforts, gifts = {}, {}
    for regime in ("grant", "in_house"):
        m = model(data, regime=regime, grant_award_share=1.0, seed=2)
        for _ in range(24):
            m.step()
        org = m.organizations()[0]
        efforts[regime] = org.fundraising
        gifts[regime] = org.trailing()["private"]
    assert efforts["grant"] < 0.6 * efforts["in_house"]
    assert gifts["grant"] < gifts["in_house"]


def test_administrative_dependence_designates_the_affiliate_and_covers_its_losses():
    data = {
        **ONE_BUYER,
        "organizations": ONE_BUYER["organizations"]
        + [{"name": "Aff", "origin": "founded", "founded_by": "buyer_1"}],
    }
    m = model(data, regime="administrative_dependence")
    for _ in range(24):
        m.step()
        assert all(o.cash >= -1e-6 for o in m.organizations())
    providers = {a["provider"] for a in m.events["awards"]}
    assert providers == {"Aff"}
    aff = next(o for o in m.organizations() if o.name == "Aff")
    assert aff.slack > 0.1  # a soft budget lets slack grow
    assert m.ledger.flow(kind_prefix="deficit_cover") >= 0
    assert not m.events["bids"]


def test_administrative_dependence_founds_an_affiliate_when_there_is_none():
    m = model(ONE_BUYER, regime="administrative_dependence")
    m.step()
    founded = [o for o in m.organizations() if o.origin == "founded"]
    assert len(founded) == 1 and founded[0].founded_by == "buyer_1"
    assert "buyer_1" in founded[0].ties


def test_in_house_pays_no_organization():
    m = model(ONE_BUYER, regime="in_house")
    for _ in range(6):
        m.step()
        assert m.ledger.flow(src_prefix="buyer:", dst_prefix="org:") == 0
    assert m.buyers[0].in_house.arrangements


def test_negotiated_entrusts_the_most_reputed_independent_organization():
    m = model(ONE_BUYER, regime="negotiated")
    a, b, c = m.organizations()
    b.reputation = 0.95
    m.step()
    assert m.events["awards"][0]["provider"] == "B"
    assert not m.events["bids"]


def test_every_regime_pays_governance_costs():
    for name in REGIMES:
        m = model(ONE_BUYER, regime=name)
        for _ in range(3):
            m.step()
        assert sum(m.buyers[0].spent_by_activity.values()) > 0, name


def test_unknown_regime_is_a_clear_error():
    m = model(ONE_BUYER)
    with pytest.raises(ValueError, match="unknown regime 'auction'"):
        m.regime_for("auction")


def test_a_new_regime_is_added_without_touching_the_agents():
    @register
    class Lottery(Regime):
        """Draw the provider by lot and pay it a fixed budget."""

        name = "test_lottery"

        def procure(self, buyer, lots):
            for lot in lots:
                orgs = self.eligible(buyer, lot)
                org = orgs[int(self.market.rng.integers(len(orgs)))]
                price = org.unit_cost() * 1.05
                units = min(lot.need, buyer.lot_budget(lot) / price)
                self.market.arrange(self, buyer, lot, org, 12, Instalment(price * units), units)
            yield from ()

    try:
        m = GppsModel(scenario=scenario(ONE_BUYER), rng=1)
        m.buyers[0].set_regime("test_lottery")
        for _ in range(3):
            m.step()
        assert m.buyers[0].arrangements()[0].regime.name == "test_lottery"
        assert m.outcomes["hours_delivered"] > 0
    finally:
        REGIMES.pop("test_lottery")


def test_model_stops_at_a_pending_decision_and_goes_on_from_the_answer():
    m = GppsModel(scenario=scenario(ONE_BUYER), rng=1, regime="contract", policy=HumanPolicy())
    m.step()
    assert m.pending is not None and m.pending.kind == "tender"
    options = m.pending.options
    worst = max(i for i, o in enumerate(options) if o["kind"] == "bid")
    chosen = options[worst]["org"]
    m.resolve(worst)
    assert m.pending is None
    assert m.buyers[0].arrangements()[0].provider is chosen
    assert len(m.datacollector.model_vars["qa_hours"]) == 1
    # in-house is an option a person may take
    m2 = GppsModel(scenario=scenario(ONE_BUYER), rng=1, regime="contract", policy=HumanPolicy())
    m2.step()
    m2.resolve(len(m2.pending.options) - 1)
    assert m2.buyers[0].arrangements()[0].provider is m2.buyers[0].in_house


def test_repeated_failures_bring_the_service_back_in_house():
    # weak monitoring invites shading; each detection ends the contract
    m = model(
        ONE_BUYER,
        regime="contract",
        monitoring_capacity=0.12,
        mission=0.0,
        penalty_rate=0.0,
        strikes_to_terminate=1,
        terminations_to_take_back=2,
        shading_aversion=0.05,
    )
    for _ in range(60):
        m.step()
    lot = m.lots[0]
    assert lot.taken_back
    assert lot.arrangements[0].provider is m.buyers[0].in_house
    assert len(m.events["terminations"]) >= 2


def test_regime_schedule_switches_buyers_between_steps():
    data = {
        **ONE_BUYER,
        "params": {**ONE_BUYER["params"], "regime": "in_house", "steps": 12},
        "schedule": [{"step": 5, "regime": "contract"}],
    }
    m = model(data)
    regimes = []
    for _ in range(8):
        m.step()
        regimes.append(m.buyers[0].regime.name)
    assert regimes[:5] == ["in_house"] * 5 and regimes[5:] == ["contract"] * 3
    assert any(a["regime"] == "contract" and a["step"] == 6 for a in m.events["awards"])


def test_regimes_differ_only_in_rules():
    """No regime class carries a parameter that scales cost, quality or effort."""
    allowed = {
        "name",
        "label",
        "competitive",
        "covers_losses",
        "failures_count",
        "independent_providers",
    }
    for cls in REGIMES.values():
        attrs = {k for k, v in vars(cls).items() if not k.startswith("_") and not callable(v)}
        assert attrs <= allowed, (cls.name, attrs - allowed)
    assert AdministrativeDependence.covers_losses and not Contract.covers_losses


def test_stepping_past_a_pending_decision_is_refused():
    m = GppsModel(scenario=scenario(ONE_BUYER), rng=1, regime="contract", policy=HumanPolicy())
    m.step()
    with pytest.raises(RuntimeError, match="pending"):
        m.step()
    assert m.steps == 1
    m.resolve(0)
    m.step()
    assert m.steps == 2


def test_bidders_pay_for_their_bids():
    m = model(ONE_BUYER, regime="contract")
    m.step()
    n_bids = len(m.events["bids"])
    paid = m.ledger.flow(kind_prefix="bidding")
    org = m.organizations()[0]
    assert n_bids > 0 and paid == pytest.approx(n_bids * org.bid_cost())


def test_a_failed_tender_is_repeated_after_the_delay():
    data = {**ONE_BUYER, "organizations": [{"name": "A", "origin": "grassroots"}]}
    m = model(
        data, regime="contract", ceiling_markup=0.0, staff_wage=9000.0, retender_delay_months=3
    )
    for _ in range(8):
        m.step()
    steps = [t["step"] for t in m.events["tenders"]]
    assert steps[:3] == [1, 4, 7]  # nobody can bid under the ceiling: tried every 3 months
    assert all(t["bids"] == 0 for t in m.events["tenders"])


def test_internal_appraisal_is_charged_once():
    m = model(ONE_BUYER, regime="administrative_dependence", evaluation="internal")
    for _ in range(2):
        m.step()
    activities = m.buyers[0].spent_by_activity
    assert "evaluation:internal" in activities
    assert not any("appraisal" in k for k in activities)


def test_a_negotiated_entrustment_runs_its_term_then_is_negotiated_again():
    for term in (6, 24):
        m = GppsModel(
            rng=2,
            n_residents=1500,
            population=60_000,
            regime="negotiated",
            negotiated_term_months=term,
        )
        m.step()
        first = [a for b in m.buyers for a in b.arrangements() if a.regime.name == "negotiated"]
        assert first and all(a.end - a.start == term for a in first)
        for _ in range(term):
            m.step()
        again = [a for b in m.buyers for a in b.arrangements() if a.regime.name == "negotiated"]
        assert not set(map(id, first)) & set(map(id, again))  # every one has ended
        assert any(a.start == term for a in again)  # negotiated anew at the term
        forget_model(m)
