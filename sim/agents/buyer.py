"""Government buyers (购买主体) and their in-house production units."""

from __future__ import annotations

import mesa

from ..params import WORKING_DAYS_PER_MONTH
from .producer import Producer

FUNDING_SOURCES = ("general", "lottery", "earmarked")


class InHouseUnit(Producer):
    """A buyer producing the service itself, with public-sector staff.

    Its losses are covered: cost slack grows under that soft budget, but at the public unit's
    own pace and to its own ceiling (``public_slack_growth``, ``public_slack_max``): its staff
    are posts under an establishment quota (编制) that it cannot expand at will, as a
    post-funded affiliate asks for and gets more posts (ODD 7.9).
    """

    def __init__(self, buyer, params: dict):
        self.buyer = buyer
        self.name = f"{buyer.name} (in-house)"
        self.account = f"inhouse:{buyer.name}"
        self.origin = "in_house"
        self.skill = params["skill"]
        self.mission = 0.0
        self.init_production(params, params["public_wage"], 0.0, 0.0)

    def covered(self) -> bool:
        return True

    def adjust_slack(self, covered: bool = True) -> None:
        p = self.params
        self.slack += p["public_slack_growth"] * (p["public_slack_max"] - self.slack)


class GovernmentBuyer(mesa.Agent):
    """A department that is responsible for service lines and decides how to provide them."""

    def __init__(self, model, name: str, params: dict, lines: list[int], communities: list[int]):
        super().__init__(model)
        self.name = name
        self.account = f"buyer:{name}"
        self._governance_account = f"governance:{name}"
        self.params = params
        self.lines = lines
        self.communities = communities
        self.regime = model.market.regime(params["regime"])
        self.cash = 0.0
        self.lots: list = []
        self.in_house = InHouseUnit(self, params)
        self.spent_by_activity: dict[str, float] = {}

    def line_params(self, line: int) -> dict:
        return self.model.lines[line]

    @property
    def day_cost(self) -> float:
        """Cost of one day of the buyer's staff time (yuan)."""
        return self.params["public_wage"] / WORKING_DAYS_PER_MONTH

    def evaluation_sensitivity(self) -> float:
        kind = self.params["evaluation"]
        if kind == "none":
            return 0.0
        return self.params[f"{kind}_sensitivity"]

    def set_regime(self, name: str) -> None:
        """Switch purchase strategy. Arrangements made under the old one end now."""
        market = self.model.market
        new = market.regime(name)
        if new.name == self.regime.name:
            return
        self.regime = new
        for lot in self.lots:
            for arr in list(lot.arrangements):
                market.end(arr, "regime_switch")

    # -- money ----------------------------------------------------------------------------------
    def monthly_budget(self) -> dict[str, float]:
        """Appropriation per funding source for one month (yuan)."""
        persons = self.model.persons_in(self.communities)
        return {s: self.params[f"budget_{s}_per_capita"] * persons / 12.0 for s in FUNDING_SOURCES}

    def lot_budget(self, lot) -> float:
        """Monthly budget share of a lot, in proportion to its need."""
        total_need = sum(x.need for x in self.lots)
        budget = sum(self.monthly_budget().values())
        return budget * lot.need / total_need if total_need > 0 else 0.0

    def pay(self, dst: str, amount: float, kind: str) -> None:
        """Pay from the buyer's account; the treasury covers any overrun (recorded as such)."""
        if amount <= 0:
            return
        short = amount - self.cash
        if short > 1e-9:
            self.model.ledger.transfer("fund:general", self.account, short, "budget:overrun")
        self.model.ledger.transfer(self.account, dst, amount, kind)

    def governance(self, activity: str, staff_days: float = 0.0, fee: float = 0.0) -> float:
        """Spend staff time (and fees) on governance work; returns the yuan spent."""
        amount = staff_days * self.day_cost + fee
        self.pay(self._governance_account, amount, f"governance:{activity}")
        self.spent_by_activity[activity] = self.spent_by_activity.get(activity, 0.0) + amount
        return amount

    # -- a month's work -------------------------------------------------------------------------
    def procure(self):
        """Let the regime manage its running lots, then provide every open lot: by the regime,
        or in-house once a lot was taken back."""
        market = self.model.market
        month = market.month
        if month < self.params["start_step"]:
            return
        running = [lot for lot in self.lots if not lot.open and not lot.taken_back]
        if running:
            self.regime.manage(self, running)
        open_lots = [lot for lot in self.lots if lot.open and lot.retry_at <= month]
        back = [lot for lot in open_lots if lot.taken_back]
        if back:
            yield from market.regime("in_house").procure(self, back)
        rest = [lot for lot in open_lots if not lot.taken_back]
        if rest:
            yield from self.regime.procure(self, rest)

    def arrangements(self) -> list:
        return [a for lot in self.lots for a in lot.arrangements]
