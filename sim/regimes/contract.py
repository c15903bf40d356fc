"""Contract (合同外包): open tender, scored bids, per-hour payment, inspection and penalties."""

from __future__ import annotations

from collections import Counter

from ..payment import PerHour
from .base import Regime, register


@register
class Contract(Regime):
    name = "contract"
    label = "Contracting out (合同外包)"
    competitive = True

    @staticmethod
    def ceiling_price(p: dict) -> float:
        """Ceiling price under the parameters ``p``: the buyer's estimate of an efficient unit
        cost plus a markup (yuan per hour)."""
        estimate = p["staff_wage"] * (1 + p["overhead_rate"]) / p["units_per_post"]
        return estimate * (1 + p["ceiling_markup"])

    def ceiling(self, buyer) -> float:
        """The buyer's ceiling price (its own parameters)."""
        return self.ceiling_price(buyer.params)

    def procure(self, buyer, lots):
        market = self.market
        p = buyer.params
        term = p["contract_term_months"]
        ceiling = self.ceiling(buyer)
        tender = market.log.new_id("tender")
        n_bids = 0
        eligible_counts = []
        bidders = set()
        planned = {lot.id: min(lot.need, buyer.lot_budget(lot) / ceiling) for lot in lots}
        eligible = {lot.id: self.eligible(buyer, lot) for lot in lots}
        wanted = {}
        cap = p["max_lots_per_bidder"]
        won = Counter()  # lots won in this tender, by organization
        for org in sorted({o for es in eligible.values() for o in es}, key=lambda o: o.unique_id):
            mine = [(lot, planned[lot.id]) for lot in lots if org in eligible[lot.id]]
            wanted[org] = org.choose_lots(mine, market.rng, first_month=market.month == 0)
        for lot in lots:
            budget = buyer.lot_budget(lot)
            eligible_counts.append(len(eligible[lot.id]))
            bids = []
            n_eligible = len(eligible[lot.id])
            for org in eligible[lot.id]:
                if lot not in wanted[org]:
                    continue
                price = org.bid(lot, ceiling, planned[lot.id], term, n_eligible, p["fixed_price"])
                if price is not None:
                    bids.append((org, price))
                    bidders.add(org)
            for org, _ in bids:
                market.charge_bid(org)
            if cap:  # who has won its share of this tender withdraws (it paid for its bid)
                bids = [(org, price) for org, price in bids if won[org] < cap]
            n_bids += len(bids)
            options = self.score(buyer, bids, ceiling)
            choice = yield from market.decide("tender", buyer, lot, options)
            market.log.bids(tender, lot, options, choice)
            picked = options[choice] if choice is not None else None
            if picked is None:
                market.log.award(tender, buyer, lot, None, self, 0, 0, term, len(bids))
                market.no_provider(lot, len(bids))
                continue
            if picked["kind"] == "in_house":
                market.regime("in_house").arrange(buyer, lot, term)
                continue
            org, price = picked["org"], picked["price"]
            won[org] += 1
            units = min(lot.need, budget / price)
            market.arrange(
                self, buyer, lot, org, term, PerHour(price), units, promised_quality=org.skill
            )
            market.log.award(tender, buyer, lot, org, self, price, units, term, len(bids))
            market.maybe_enter(lot, len(bids))
        cost = buyer.governance(
            "contract:tendering",
            p["tender_staff_days"]
            + p["lot_staff_days"] * len(lots)
            + p["bid_review_staff_days"] * n_bids,
        )
        market.log.tender(tender, buyer, len(lots), eligible_counts, n_bids, cost)
        per_lot = n_bids / len(lots)
        for org in sorted(wanted, key=lambda o: o.unique_id):
            org.learn_rivals(per_lot)

    def score(self, buyer, bids, ceiling) -> list[dict]:
        """Score bids by price (lowest price = full marks), promised quality, reputation, ties."""
        p = buyer.params
        weights = [p["weight_price"], p["weight_quality"], p["weight_reputation"], p["weight_ties"]]
        total = sum(weights) or 1.0
        wp, wq, wr, wt = (w / total for w in weights)
        low = min((price for _, price in bids), default=ceiling)
        options = []
        for org, price in bids:
            tie = 1.0 if buyer.name in org.ties else 0.0
            s = wp * low / price + wq * org.skill + wr * org.reputation + wt * tie
            options.append(
                {
                    "kind": "bid",
                    "org": org,
                    "price": price,
                    "quality": org.skill,
                    "reputation": org.reputation,
                    "tie": tie,
                    "score": s,
                }
            )
        options.sort(key=lambda o: (-o["score"], o["org"].unique_id))
        options.append({"kind": "in_house", "org": None, "price": None, "score": None})
        return options
