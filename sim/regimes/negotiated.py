"""Negotiated entrustment (委托): an independent organization the buyer trusts, no competition."""

from __future__ import annotations

from ..payment import Instalment
from .base import Regime, register


@register
class Negotiated(Regime):
    name = "negotiated"
    label = "Negotiated entrustment (非竞争性委托)"

    def procure(self, buyer, lots):
        market = self.market
        p = buyer.params
        for lot in lots:
            eligible = [o for o in self.eligible(buyer, lot) if o.independent]
            incumbent = lot.last_provider if lot.last_provider in eligible else None
            ranked = sorted(eligible, key=lambda o: (-o.reputation, o.unique_id))
            if incumbent is not None:
                ranked.remove(incumbent)
                ranked.insert(0, incumbent)
            options = [
                {
                    "kind": "partner",
                    "org": o,
                    "price": o.unit_cost() * (1 + p["negotiated_margin"]),
                    "quality": o.skill,
                    "reputation": o.reputation,
                    "tie": 1.0 if buyer.name in o.ties else 0.0,
                    "score": None,
                }
                for o in ranked
            ]
            options.append({"kind": "in_house", "org": None, "price": None, "score": None})
            choice = yield from market.decide("negotiation", buyer, lot, options)
            buyer.governance("negotiated:negotiation", p["lot_staff_days"])
            picked = options[choice] if choice is not None else None
            if picked is None:
                market.no_provider(lot, 0)
                continue
            if picked["kind"] == "in_house":
                market.regime("in_house").arrange(buyer, lot, 12)
                continue
            org, price = picked["org"], picked["price"]
            units = min(lot.need, buyer.lot_budget(lot) / price)
            term = p["negotiated_term_months"]
            market.arrange(
                self,
                buyer,
                lot,
                org,
                term,
                Instalment(price * units),
                units,
                promised_quality=org.skill,
            )
            market.log.award(None, buyer, lot, org, self, price, units, term, 1)
