"""In-house production: the buyer's own unit provides the service (the baseline)."""

from __future__ import annotations

from ..payment import OwnCosts
from .base import Regime, register


@register
class InHouse(Regime):
    name = "in_house"
    label = "In-house production (政府自行提供)"
    covers_losses = True
    failures_count = False
    independent_providers = False

    def procure(self, buyer, lots):
        for lot in lots:
            self.arrange(buyer, lot, 12)
        yield from ()

    def arrange(self, buyer, lot, term: int) -> None:
        """The buyer's unit takes the lot for ``term`` months, sized to the lot's budget."""
        unit = buyer.in_house
        full = unit.unit_cost() * (1.0 + buyer.params["in_house_management_share"])
        units = min(lot.need, buyer.lot_budget(lot) / full)
        market = self.market
        market.arrange(self, buyer, lot, unit, term, OwnCosts(), units, promised_quality=unit.skill)
        market.log.award(None, buyer, lot, unit, self, full, units, term, 0)

    def inspection_probability(self, arr) -> float:
        return 0.0

    def monthly_governance(self, buyer, arrangements) -> None:
        wages = buyer.in_house.month_wage_bill if arrangements else 0.0
        if wages:
            buyer.governance(
                "in_house:management", fee=buyer.params["in_house_management_share"] * wages
            )
