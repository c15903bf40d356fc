"""Social organizations (社会组织): providers that bid, apply, fundraise, learn, enter and exit."""

from __future__ import annotations

import mesa

from ..params import WORKING_DAYS_PER_MONTH
from .producer import Producer, _clip


class SocialOrganization(Producer, mesa.Agent):
    """An organization. ``origin`` is ``founded`` (by a buyer), ``grassroots`` or ``external``."""

    core_posts = 1.0

    def __init__(
        self,
        model,
        name: str,
        origin: str,
        lines: set[int],
        skill: float,
        mission: float,
        cost_factor: float,
        staff: float,
        cash: float,
        founded_by: str | None = None,
        ties: set[str] | None = None,
        communities: set[int] | None = None,
    ):
        super().__init__(model)
        self.account = f"org:{self.unique_id}"
        self.name = name
        self.origin = origin
        self.lines = set(lines)
        self.communities = None if communities is None else set(communities)
        self.skill = skill
        self.mission = mission
        self.cost_factor = cost_factor
        self.founded_by = founded_by
        self.ties = set(ties or ())
        if founded_by:
            self.ties.add(founded_by)
        self.active = True
        self.months_broke = 0
        self.fundraising = 0.0
        self.expected_rivals: float | None = None
        self.init_production(model.params, model.params["staff_wage"], staff, cash)
        self.peak_staff = self.staff

    def works_in(self, community: int) -> bool:
        return self.communities is None or community in self.communities

    @property
    def independent(self) -> bool:
        return self.origin != "founded"

    @property
    def reaches_outside(self) -> bool:
        """Whether it can raise money beyond the simulated buyers: an affiliate still tied to its
        founder cannot (it works as the founder's executive arm); any other organization can."""
        return self.founded_by is None or self.founded_by not in self.ties

    def outside_revenue(self) -> float:
        """This month's revenue from funders and clients outside the simulated buyers (yuan):
        ``outside_core_cover`` of its core team's cost, times its reputation relative to 0.5
        (at most twice), if it can reach them."""
        if not self.reaches_outside or not self.active:
            return 0.0
        cover = self.params["outside_core_cover"] * self.core_posts * self.post_cost
        return cover * min(2.0 * self.reputation, 2.0)

    def covered(self) -> bool:
        """Whether any current arrangement covers this organization's losses."""
        for a in self.arrangements:
            if a.regime.covers_losses:  # ``a.covers_losses``
                return True
        return False

    # -- tendering ------------------------------------------------------------------------------
    def bid(self, lot, ceiling: float, units: float, term: int, n_eligible: int, fixed: bool):
        """Return a bid price for ``lot`` or ``None``: bid only if expected profit covers the bid.

        Price follows the symmetric first-price auction with costs up to the ceiling,
        ``c + (ceiling − c) / (rivals + 1)``, with rivals as this organization expects them.
        """
        cost = self.unit_cost()
        if cost >= ceiling:
            return None
        rivals = self.expected_rivals if self.expected_rivals is not None else n_eligible - 1
        rivals = max(rivals, 0.0)
        price = ceiling if fixed else cost + (ceiling - cost) / (rivals + 1.0)
        p_win = 1.0 / (rivals + 1.0)
        bid_cost = self.bid_cost()
        if p_win * (price - cost) * units * term <= bid_cost:
            return None
        return price

    def choose_lots(self, candidates: list[tuple], rng, first_month: bool = False) -> set:
        """Lots of a tender it could staff and finance: taken in random order while its
        commitments (posts) stay within ``bid_capacity`` times its organizational capacity (the
        most staff it has run) and within the wages its cash can advance (a month's wage bill is
        paid before the buyer pays). In a run's first month providers are already in operation:
        only the first limit holds."""
        limit = self.params["bid_capacity"] * max(self.peak_staff, 1.0)
        if not first_month:
            limit = min(limit, max(self.cash, 0.0) / self.post_cost)
        committed = sum(a.units for a in self.arrangements) / self.productivity
        chosen = set()
        for k in rng.permutation(len(candidates)):
            lot, units = candidates[k]
            posts = units / self.productivity
            if committed + posts <= limit:
                chosen.add(lot)
                committed += posts
        return chosen

    def bid_cost(self) -> float:
        """Staff time spent on one bid or application (yuan)."""
        return self.params["bid_staff_days"] * self.wage / WORKING_DAYS_PER_MONTH

    def learn_rivals(self, bids_per_lot: float) -> None:
        """Update the expected number of rivals from a tender it saw."""
        seen = max(bids_per_lot - 1.0, 0.0)
        if self.expected_rivals is None:
            self.expected_rivals = seen
        else:
            self.expected_rivals += 0.3 * (seen - self.expected_rivals)

    def apply_grant(self, award: float, p_win: float) -> bool:
        """Apply when the chance-weighted value of the project to its mission exceeds the cost."""
        bid_cost = self.bid_cost()
        return p_win * award * max(self.motivation, 0.05) > bid_cost

    # -- monthly actions -------------------------------------------------------------------------
    def fundraising_effort(self) -> float:
        """One rule for every origin: effort falls as public money covers more of the costs."""
        t = self.trailing()
        gov = sum(t["gov"].values())
        coverage = min(gov / t["costs"], 1.0) if t["costs"] > 1e-9 else 0.0
        return self.params["fundraising_effort"] * (1.0 - self.params["crowd_out"] * coverage)

    def drift_mission(self, trailing: dict | None = None) -> None:
        """Funder-designed work pulls the organization toward its funders' priorities.

        ``trailing`` is ``self.trailing()`` if the caller has it (its revenue parts, at least).
        """
        t = self.trailing() if trailing is None else trailing
        revenue = sum(t["gov"].values()) + t["private"] + t["outside"]
        pulled = t["designed"] / revenue if revenue > 0 else 0.0
        self.drift += self.params["mission_drift_rate"] * (pulled - self.drift)

    def survival_months(self, trailing: dict | None = None) -> float:
        """Months its reserves last if government money stops (capped at 120).

        ``trailing`` is ``self.trailing()`` if the caller has it already.
        """
        t = self.trailing() if trailing is None else trailing
        burn = (t["costs"] - t["private"] - t["outside"]) / max(t["months"], 1)
        if burn <= 0:
            return 120.0
        return _clip(self.cash / burn, 0.0, 120.0)
