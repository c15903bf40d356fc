"""The purchase-regime strategy: the rules a buyer applies to its lots.

A regime declares what it is, and the market, the producers and the outcomes read only that:

- ``competitive``: providers compete for each award (bids per award, single-bid awards and the
  tendering cost are counted for it);
- ``independent_providers``: who may take part (independent organizations, who may also enter
  where an opportunity drew few offers; or only the buyer's own affiliates or unit);
- ``eligible`` and ``procure``: who may take part in a lot, and how the provider is selected;
- the payment rule each arrangement carries (``sim.payment``);
- ``inspection_probability``: monitoring;
- ``failures_count``: whether failures lead to strikes, penalties and termination;
- ``covers_losses``: whether the buyer covers the provider's losses (a soft budget);
- ``design_share``: the share of the work's content the funder sets (mission drift).

A regime acts on the market through ``Market.INTERFACE`` only. Nothing in a regime scales cost,
quality or effort: those follow from the producers' own rules under these conditions.
"""

from __future__ import annotations

REGIMES: dict[str, type[Regime]] = {}


def register(cls):
    """Class decorator: make a regime available by its ``name``."""
    REGIMES[cls.name] = cls
    return cls


class Regime:
    name = "base"
    label = ""
    competitive = False
    independent_providers = True
    covers_losses = False
    failures_count = True

    def __init__(self, market):
        self.market = market
        self.payment_kind = f"payment:{self.name}"  # the ledger's kind of its payments

    # -- who may take part ------------------------------------------------------------------
    def eligible(self, buyer, lot) -> list:
        """Active organizations capable of the lot's line and not excluded from it."""
        return [
            o
            for o in self.market.organizations()
            if lot.line in o.lines and o.works_in(lot.community) and o not in lot.excluded
        ]

    # -- selection ------------------------------------------------------------------------------
    def procure(self, buyer, lots):
        """Arrange provision of the open ``lots``; a generator that may yield decisions."""
        raise NotImplementedError
        yield  # pragma: no cover

    def manage(self, buyer, lots) -> None:
        """Each month, before any purchase: the regime's care of its running ``lots``."""

    # -- content --------------------------------------------------------------------------------
    def design_share(self, buyer) -> float:
        """Share of the work's content that the funder sets (the rest the provider designs)."""
        return 1.0

    # -- monitoring -----------------------------------------------------------------------------
    def inspection_probability(self, arr) -> float:
        """Chance per month that the buyer inspects this arrangement."""
        return arr.buyer.params["monitoring_capacity"]

    def monthly_governance(self, buyer, arrangements) -> None:
        """Contract management for every running arrangement."""
        if arrangements:
            days = buyer.params["management_staff_days"] * len(arrangements)
            buyer.governance(f"{self.name}:management", days)
