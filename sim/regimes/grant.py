"""Grants (项目资助): a pool, applications, noisy review, many smaller awards, light reporting."""

from __future__ import annotations

import math

from ..payment import Instalment
from .base import Regime, register


@register
class Grant(Regime):
    name = "grant"
    label = "Project grants (项目资助)"

    def procure(self, buyer, lots):
        market = self.market
        p = buyer.params
        term = p["contract_term_months"]
        rng = market.rng
        for lot in lots:
            pool = buyer.lot_budget(lot)  # per month
            award = p["grant_award_share"] * pool
            n_awards = max(1, math.floor(1.0 / p["grant_award_share"] + 1e-9))
            eligible = self.eligible(buyer, lot)
            p_win = min(1.0, n_awards / max(len(eligible), 1))
            applicants = [o for o in eligible if o.apply_grant(award * term, p_win)]
            for org in applicants:
                market.charge_bid(org)
            buyer.governance("grant:review", p["bid_review_staff_days"] * len(applicants))
            noise = rng.normal(0.0, p["grant_review_noise"], size=len(applicants))
            ranked = sorted(
                zip(applicants, noise),
                key=lambda t: (-(t[0].skill + t[0].reputation + t[1]), t[0].unique_id),
            )
            winners = [o for o, _ in ranked[:n_awards]]
            units = [award / o.unit_cost() for o in winners]
            total_units = sum(units)
            scale = min(1.0, lot.need / total_units) if total_units > 0 else 0.0
            lo = 0.0
            for org, u in zip(winners, units):
                share = u / total_units
                market.arrange(
                    self,
                    buyer,
                    lot,
                    org,
                    term,
                    Instalment(award * scale),
                    u * scale,
                    share=(lo, lo + share),
                    promised_quality=org.skill,
                )
                lo += share
                market.log.grant(buyer, lot, org, award * scale * term, len(applicants))
            if winners:
                market.maybe_enter(lot, len(applicants))
            else:
                market.no_provider(lot, 0)
        yield from ()

    def design_share(self, buyer) -> float:
        """The organization designs the project; the funder chooses among projects."""
        return buyer.params["grant_funder_design_share"]

    def inspection_probability(self, arr) -> float:
        """Light reporting: one check of the project report per term."""
        return 1.0 / max(arr.end - arr.start, 1)
