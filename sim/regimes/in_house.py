"""In-house production: the buyer's own unit provides the service (the baseline)."""

from __future__ import annotations

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
        self.model.arrange(
            self, buyer, lot, unit, term, "budget", units, promised_quality=unit.skill
        )
        self.model.record_award(None, buyer, lot, unit, self.name, full, units, term, 0)

    def pay(self, arr) -> None:
        """The buyer pays its unit's share of running costs."""
        unit = arr.provider
        total = sum(a.delivered for a in unit.arrangements) or 1.0
        arr.paid = unit.month_wage_bill * arr.delivered / total
        self.model.pay_provider(arr, arr.paid)

    def inspection_probability(self, arr) -> float:
        return 0.0

    def monthly_governance(self, buyer, arrangements) -> None:
        wages = buyer.in_house.month_wage_bill if arrangements else 0.0
        if wages:
            buyer.governance(
                "in_house:management", fee=buyer.params["in_house_management_share"] * wages
            )
