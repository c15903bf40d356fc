"""The purchase-regime strategy: the rules a buyer applies to its lots.

A regime says who may take part (``eligible``), how a provider is selected (``procure``),
how it is paid (``pay``), how it is monitored (``inspection_probability``), what a failure
leads to (``failures_count``), whether losses are covered (``covers_losses``) and who sets
the content of the work (``funder_designs``). Nothing in a regime scales cost, quality or
effort: those follow from the producers' own rules under these conditions.
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
    covers_losses = False
    funder_designs = 1.0  # share of the work's content set by the funder (mission drift)
    failures_count = True  # whether failures lead to strikes, penalties and termination
    independent_providers = True  # whether independent organizations may take part

    def __init__(self, model):
        self.model = model

    # -- who may take part ------------------------------------------------------------------
    def eligible(self, buyer, lot) -> list:
        """Active organizations capable of the lot's line and not excluded from it."""
        return [
            o
            for o in self.model.organizations()
            if lot.line in o.lines and o.works_in(lot.community) and o not in lot.excluded
        ]

    # -- selection ------------------------------------------------------------------------------
    def procure(self, buyer, lots):
        """Arrange provision of the open ``lots``; a generator that may yield decisions."""
        raise NotImplementedError
        yield  # pragma: no cover

    # -- payment --------------------------------------------------------------------------------
    def pay(self, arr) -> None:
        """Pay the provider for this month's work (default: the agreed rule on the record)."""
        model = self.model
        if arr.payment == "per_unit":
            amount = arr.price * arr.delivered
        else:
            amount = arr.monthly
        amount *= 1.0 - arr.penalty
        arr.paid = amount
        model.pay_provider(arr, amount)

    # -- monitoring -----------------------------------------------------------------------------
    def inspection_probability(self, arr) -> float:
        """Chance per month that the buyer inspects this arrangement."""
        return arr.buyer.params["monitoring_capacity"]

    def monthly_governance(self, buyer, arrangements) -> None:
        """Contract management for every running arrangement."""
        if arrangements:
            days = buyer.params["management_staff_days"] * len(arrangements)
            buyer.governance(f"{self.name}:management", days)
