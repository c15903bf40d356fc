"""Regimes act on the market through its documented interface only; a regime defined outside
the package, with a payment rule of its own, gets the market outcomes of a competitive regime."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from sim.market import Market
from sim.model import GppsModel
from sim.payment import PaymentRule
from sim.regimes import REGIMES, Regime, register
from sim.run import run
from tests.helpers import forget_model

SMALL = {"n_residents": 400, "population": 40_000, "steps": 24}


class Guard:
    """The market as a regime may see it: any name outside ``Market.INTERFACE`` raises."""

    def __init__(self, market: Market):
        object.__setattr__(self, "_market", market)

    def __getattr__(self, name: str):
        if name not in Market.INTERFACE:
            raise AttributeError(f"a regime used Market.{name}, outside Market.INTERFACE")
        return getattr(self._market, name)

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"a regime set Market.{name}")


def guarded(model: GppsModel) -> GppsModel:
    """Every regime of ``model`` (all of them made now) sees the market through a ``Guard``."""
    for name in REGIMES:
        model.market.regime(name).market = Guard(model.market)
    return model


def test_the_guard_refuses_what_the_interface_leaves_out():
    guard = Guard(GppsModel(rng=1, **SMALL).market)
    assert guard.organizations()
    for name in ("ledger", "providers", "lots", "_model", "deliver", "new_organization"):
        with pytest.raises(AttributeError, match="outside Market.INTERFACE"):
            getattr(guard, name)


def test_every_interface_name_is_on_the_market():
    market = GppsModel(rng=1, **SMALL).market
    for name in Market.INTERFACE:
        assert hasattr(market, name), name


@pytest.mark.parametrize("name", sorted(REGIMES))
def test_each_regime_runs_24_months_through_the_market_interface_only(name):
    m = guarded(GppsModel(rng=3, regime=name, **SMALL))
    for _ in range(24):
        m.step()
    assert not m.running
    assert sum(m.datacollector.model_vars["hours_delivered"]) > 0
    assert any(a.regime.name == name for lot in m.lots for a in lot.arrangements) or any(
        row["regime"] == name for row in m.events["awards"] + m.events["terminations"]
    )


# -- a competitive regime with a payment rule of its own ---------------------------------------
@dataclass(frozen=True)
class ByResults(PaymentRule):
    """A monthly sum paid in proportion to the committed hours delivered (at most all of it)."""

    monthly: float
    withholdable = True

    def due(self, arr, hours: float) -> float:
        return self.monthly * min(hours / arr.units, 1.0) if arr.units > 0 else 0.0


class LowestPrice(Regime):
    """Sealed bids at cost plus 10%; the lowest price under the ceiling wins; paid by results."""

    name = "test_lowest_price"
    label = "Lowest price (test)"
    competitive = True

    def procure(self, buyer, lots):
        market = self.market
        p = buyer.params
        ceiling = 2.0 * p["staff_wage"] * (1 + p["overhead_rate"]) / p["units_per_post"]
        tender = market.log.new_id("tender")
        n_bids, eligible_counts = 0, []
        for lot in lots:
            eligible = self.eligible(buyer, lot)
            eligible_counts.append(len(eligible))
            bids = [(o, 1.1 * o.unit_cost()) for o in eligible if 1.1 * o.unit_cost() < ceiling]
            for org, _ in bids:
                market.charge_bid(org)
            n_bids += len(bids)
            if not bids:
                market.log.award(tender, buyer, lot, None, self, 0.0, 0.0, 12, 0)
                market.no_provider(lot, 0)
                continue
            org, price = min(bids, key=lambda b: (b[1], b[0].unique_id))
            units = min(lot.need, buyer.lot_budget(lot) / price)
            market.arrange(
                self,
                buyer,
                lot,
                org,
                12,
                ByResults(price * units),
                units,
                promised_quality=org.skill,
            )
            market.log.award(tender, buyer, lot, org, self, price, units, 12, len(bids))
        cost = buyer.governance(f"{self.name}:tendering", 2.0 + 0.5 * n_bids)
        market.log.tender(tender, buyer, len(lots), eligible_counts, n_bids, cost)
        yield from ()


@pytest.fixture
def lowest_price():
    register(LowestPrice)
    yield LowestPrice
    REGIMES.pop(LowestPrice.name)


def test_a_competitive_regime_from_outside_gets_bids_single_bids_and_tendering_cost(
    lowest_price,
):
    r = run(seed=4, regime=lowest_price.name, **SMALL)
    s = r.summary
    awards = [a for a in r.events["awards"] if a["provider"]]
    assert awards and {a["regime"] for a in awards} == {lowest_price.name}
    bids = sum(a["bids"] for a in awards)
    assert s["bids_per_award"] == pytest.approx(bids / len(awards))
    assert s["single_bid_share"] == pytest.approx(sum(a["bids"] == 1 for a in awards) / len(awards))
    tenders = r.events["tenders"]
    value = sum(a["value"] for a in awards)
    assert s["tendering_cost_share"] == pytest.approx(sum(t["cost"] for t in tenders) / value)
    assert 0 < s["tendering_cost_share"] < 1 and not math.isnan(s["bids_per_award"])


def test_its_payment_rule_pays_by_results_and_penalties_withhold_it(lowest_price):
    m = guarded(GppsModel(rng=4, regime=lowest_price.name, **SMALL))
    m.step()
    arr = next(a for lot in m.lots for a in lot.arrangements)
    assert isinstance(arr.payment, ByResults)
    expected = arr.payment.monthly * min(arr.delivered / arr.units, 1.0) * (1 - arr.penalty)
    assert arr.paid == pytest.approx(expected)
    assert arr.unit_price() == pytest.approx(arr.payment.monthly / arr.units)


@pytest.mark.parametrize("name", ["grant", "vouchers", "contract"])
def test_a_residents_provider_is_the_provider_of_the_arrangement_serving_it(name):
    """When one of a lot's arrangements ends (a grant terminated, a voucher provider's
    accreditation over) while others go on, its residents have no provider on the line until
    another takes them: no resident keeps the id of a provider that no longer serves it (its
    opinions would go on counting for that provider's reputation)."""
    import numpy as np

    m = GppsModel(rng=3, regime=name, n_residents=2000, population=100_000, strikes_to_terminate=1)
    pop = m.population
    ended_among_others = 0
    for _ in range(60):
        lots_before = {lot.id: list(lot.arrangements) for lot in m.market.lots}
        m.step()
        serving = np.full(pop.provider.shape, -1)
        for lot in m.market.lots:
            for a in lot.arrangements:
                serving[a.users(pop), lot.line] = a.provider.provider_id
            gone = [a for a in lots_before[lot.id] if a not in lot.arrangements]
            ended_among_others += bool(gone) and any(
                a in lot.arrangements for a in lots_before[lot.id]
            )
        assert np.array_equal(np.where(pop.provider >= 0, pop.provider, -1), serving)
    if name != "contract":  # one arrangement a lot: none ends among others
        assert ended_among_others > 0
    forget_model(m)
