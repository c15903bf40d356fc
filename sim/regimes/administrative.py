"""Administrative dependence (依赖关系非竞争性购买): designated affiliates funded per post."""

from __future__ import annotations

from ..payment import PerPost
from .base import Regime, register


@register
class AdministrativeDependence(Regime):
    name = "administrative_dependence"
    label = "Administrative dependence (依赖关系非竞争性购买)"
    covers_losses = True
    failures_count = False  # renewed without question
    independent_providers = False

    def eligible(self, buyer, lot) -> list:
        """Only organizations the buyer founded (its affiliates) may provide."""
        return [
            o
            for o in self.market.organizations()
            if o.founded_by == buyer.name and lot.line in o.lines and o.works_in(lot.community)
        ]

    def procure(self, buyer, lots):
        market = self.market
        p = buyer.params
        for lot in lots:
            affiliates = self.eligible(buyer, lot)
            org = affiliates[0] if affiliates else market.found_affiliate(buyer, lot.line)
            budget = buyer.lot_budget(lot)
            posts = min(lot.need / org.productivity, budget / p["post_rate"])
            market.arrange(
                self,
                buyer,
                lot,
                org,
                12,
                PerPost(p["post_rate"], posts),
                posts * org.productivity,
                promised_quality=org.skill,
            )
            market.log.award(None, buyer, lot, org, self, p["post_rate"], posts, 12, 0)
        yield from ()

    def inspection_probability(self, arr) -> float:
        """Internal appraisal once a year."""
        return 1.0 / 12.0
