"""What every producer of a service shares: staff, cost, learning, slack, and shading.

A producer is a social organization or a buyer's in-house unit. The rules here are the same
for all of them; a regime only changes the conditions they face (price, monitoring, whether
losses are covered, who designs the work).
"""

from __future__ import annotations

from collections import deque

import numpy as np

#: Shading below this share is within normal variation and is not found by an inspection.
DETECTION_TOLERANCE = 0.05

_LEARNING_EXPONENT: dict[float, np.float64] = {}  # learning rate -> np.log2(1 + rate)


def _clip(x: float, lo: float, hi: float) -> float:
    """``float(np.clip(x, lo, hi))`` for one number, without numpy's overhead per call.

    The same comparisons as numpy's clip of a float: NaN stays NaN, and a value equal to a
    bound is kept (-0.0 clipped at 0.0 stays -0.0).
    """
    return float(lo if x < lo else hi if x > hi else x)


class Producer:
    """Production state and rules. Subclasses set ``wage``, ``skill``, ``cost_factor``."""

    provider_id: int = -1
    active: bool = True
    #: Posts kept while the producer has no arrangement (an organization's core team).
    core_posts: float = 0.0
    wage: float
    skill: float
    cost_factor: float = 1.0

    def init_production(self, params: dict, wage: float, staff: float, cash: float) -> None:
        self.params = params
        self.wage = wage
        self.staff = float(staff)
        self.cash = float(cash)
        self.slack = 0.0
        self.cum_output = 0.0
        self.reputation = 0.5
        self.mission = getattr(self, "mission", 0.0)
        self.drift = 0.0
        self.arrangements: list = []
        self.history: deque = deque(maxlen=12)
        self.month: dict = {}
        self.new_month()

    # -- cost ---------------------------------------------------------------------------------
    @property
    def post_cost(self) -> float:
        """Monthly cost of one post: wage plus operating overhead (yuan)."""
        return self.wage * (1.0 + self.params["overhead_rate"])

    @property
    def productivity(self) -> float:
        """Service hours per post-month: learning raises it, cost slack lowers it."""
        p = self.params
        ref = p["units_per_post"] * 12.0 * max(self.staff, 1.0)
        rate = p["learning_rate"]
        exponent = _LEARNING_EXPONENT.get(rate)
        if exponent is None:
            exponent = _LEARNING_EXPONENT[rate] = np.log2(1.0 + rate)
        learn = (max(self.cum_output, ref) / ref) ** exponent
        return p["units_per_post"] * learn / (self.cost_factor * (1.0 + self.slack))

    def unit_cost(self, shading: float = 0.0) -> float:
        """Cost of one service hour at the given average shading (yuan)."""
        return (
            self.post_cost / self.productivity * (1.0 - self.params["quality_cost_share"] * shading)
        )

    @property
    def motivation(self) -> float:
        """Mission motivation net of drift toward funders' priorities."""
        return self.mission * (1.0 - self.drift)

    # -- shading ------------------------------------------------------------------------------
    def choose_shading(self, arr) -> tuple[float, float]:
        """Shading of measurable and non-measurable quality effort on one arrangement.

        Myopic rule, in units of the quality-effort budget: for each part, the saving from
        shading it (its weight in quality, times price pressure = unit cost / price) less the
        value a motivated producer puts on that quality, less the expected loss if found out
        (chance of detection × (the payment penalty, where the contract pays per hour and the
        shading is measurable, + a strike's share of termination, where failures count),
        relative to the quality-cost share), divided by the aversion to shading. Only a
        producer that keeps what it saves shades: where losses are covered, nothing is gained.
        Returns ``(s_measurable, s_nonmeasurable)`` in [0, 1].
        """
        if arr.covers_losses:
            return 0.0, 0.0
        p = self.params
        mu = arr.measurability
        price = max(arr.unit_price(), 1e-9)
        pressure = _clip(self.unit_cost() / price, 0.5, 2.0)
        buyer = arr.buyer.params
        strike = 1.0 / buyer["strikes_to_terminate"] if arr.regime.failures_count else 0.0
        penalty = buyer["penalty_rate"] if arr.payment == "per_unit" else 0.0
        qcs = max(p["quality_cost_share"], 1e-9)
        out = []
        for weight, detect, stake in (
            (mu, arr.inspection_probability(), (penalty + strike) / qcs),
            (1 - mu, arr.sensitivity(), strike / qcs),
        ):
            gain = (pressure - self.motivation) * weight - detect * stake
            out.append(_clip(gain / p["shading_aversion"], 0.0, 1.0))
        return out[0], out[1]

    # -- production ---------------------------------------------------------------------------
    def plan_staff(self, covered: bool, first_month: bool = False) -> None:
        """Hire or shed staff toward what this month's arrangements need.

        Hiring is limited to ``max_staff_growth`` a month, except in the first month of a run:
        the providers of the initial arrangements are already in operation.
        """
        need = 0.0
        for arr in self.arrangements:
            arr.shade_m, arr.shade_n = self.choose_shading(arr)
            need += arr.units * (1.0 - self.params["quality_cost_share"] * arr.shading())
        target = need / self.productivity
        ceiling = self.staff * (1.0 + self.params["max_staff_growth"]) + 1.0
        staff = target if first_month else min(target, ceiling)
        if not covered:
            staff = min(staff, max(self.cash, 0.0) / self.post_cost)
        self.staff = max(staff, 0.0)

    def produce(self) -> float:
        """Deliver on every arrangement up to capacity; returns the wage bill (yuan).

        Capacity is in service hours: shading frees staff time, so the same staff deliver
        more (lower-quality) hours.
        """
        units = sum(a.units for a in self.arrangements)
        posts_needed = (
            sum(
                a.units * (1.0 - self.params["quality_cost_share"] * a.shading())
                for a in self.arrangements
            )
            / self.productivity
        )
        fill = 1.0 if posts_needed <= self.staff else self.staff / posts_needed
        capacity = units * self.staff / posts_needed if posts_needed > 0 else 0.0
        delivered = 0.0
        for arr in self.arrangements:
            arr.delivered = arr.units * fill
            arr.quality_m = self.skill * (1.0 - arr.shade_m)
            arr.quality_n = self.skill * (1.0 - arr.shade_n)
            delivered += arr.delivered
        self.cum_output += delivered
        self.peak_staff = max(getattr(self, "peak_staff", 0.0), self.staff)
        self.month["delivered"] = delivered
        self.month["capacity"] = capacity
        return self.staff * self.post_cost

    def adjust_slack(self, covered: bool) -> None:
        """Soft budgets let cost slack grow; hard budgets wear it down."""
        p = self.params
        if covered:
            self.slack += p["slack_growth"] * (p["slack_max"] - self.slack)
        else:
            self.slack -= p["slack_decay"] * self.slack

    # -- bookkeeping --------------------------------------------------------------------------
    def new_month(self) -> None:
        if self.month:
            self.history.append(self.month)
        self.month = {"gov": {}, "private": 0.0, "costs": 0.0, "designed": 0.0}

    def record_revenue(self, source: str, amount: float, designed_by_funder: float = 0.0):
        if source == "private":
            self.month["private"] += amount
        else:
            self.month["gov"][source] = self.month["gov"].get(source, 0.0) + amount
            self.month["designed"] += amount * designed_by_funder

    def trailing(self) -> dict:
        """Revenue and costs over the last twelve months (including this one).

        Sums run month by month, oldest first. The past months' part of each sum is kept
        until ``history`` changes (once a month), so a call adds only this month's figures:
        the same additions in the same order as summing all the months.
        """
        history = self.history
        past = self.__dict__.get("_past")
        if past is None or past[0] != len(history) or (history and past[1] is not history[-1]):
            past = self._past = _sums(history)
        month = self.month
        gov = dict(past[2])
        for k, v in month["gov"].items():
            gov[k] = gov.get(k, 0.0) + v
        return {
            "gov": gov,
            "private": past[3] + month["private"],
            "costs": past[4] + month["costs"],
            "designed": past[5] + month["designed"],
            "months": past[0] + 1,
        }


def _sums(history) -> tuple:
    """``(months, last month, gov by source, private, costs, designed)`` summed over history."""
    gov: dict[str, float] = {}
    private = costs = designed = 0.0
    for m in history:  # plain additions: sum() of floats is compensated from Python 3.12 on
        for k, v in m["gov"].items():
            gov[k] = gov.get(k, 0.0) + v
        private += m["private"]
        costs += m["costs"]
        designed += m["designed"]
    return (len(history), history[-1] if history else None, gov, private, costs, designed)
