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

_LEARNING_EXPONENT: dict[float, float] = {}  # learning rate -> np.log2(1 + rate)


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
        self.novices = 0.0  # posts hired in recent months, still learning the work
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
        per_post = p["units_per_post"]
        staff = self.staff
        ref = per_post * 12.0 * (1.0 if 1.0 > staff else staff)  # max(staff, 1.0)
        output = self.cum_output
        ratio = (ref if ref > output else output) / ref  # max(output, ref) / ref
        if ratio == 1.0:
            learn = ratio  # 1.0 ** exponent
        else:
            rate = p["learning_rate"]
            exponent = _LEARNING_EXPONENT.get(rate)
            if exponent is None:
                exponent = _LEARNING_EXPONENT[rate] = float(np.log2(1.0 + rate))
            learn = ratio**exponent
        return per_post * learn / (self.cost_factor * (1.0 + self.slack))

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

        Myopic rule, per unit of each part's quality effort (the part's weight in quality scales
        the saving, the sanction and the disutility alike, so a more measurable service is not
        shaded more): the month's payoff of shading ``s`` is ``g s − a s² / 2``, with ``g`` the
        saving (price pressure = unit cost / price) less the value a motivated producer puts on
        quality, and ``a`` the aversion to shading.

        - Measurable part: an inspection (chance ``d_m``) finds shading above the detection
          tolerance and costs the stake (the payment penalty where the payment rule can withhold,
          plus the next strike's share of termination where failures count, one over the strikes
          left, relative to the quality-cost share). The producer takes the unconstrained best
          ``g / a`` if its payoff less the expected sanction beats shading just up to the
          tolerance, and the latter otherwise.
        - Non-measurable part: complaints (noticed with the evaluation's sensitivity) and, in
          part (``inspection_soft_share``), inspections reveal it gradually, so the expected
          sanction grows with the shading: ``s = (g − d_n × strike stake) / a``.

        Only a producer that keeps what it saves shades: where losses are covered, nothing is
        gained. Returns ``(s_measurable, s_nonmeasurable)`` in [0, 1].
        """
        if arr.covers_losses:
            return 0.0, 0.0
        p = self.params
        price = max(arr.unit_price(), 1e-9)
        pressure = _clip(self.unit_cost() / price, 0.5, 2.0)
        buyer = arr.buyer.params
        left = max(buyer["strikes_to_terminate"] - arr.strikes, 1)
        strike = 1.0 / left if arr.regime.failures_count else 0.0  # the next strike's share
        penalty = buyer["penalty_rate"] if arr.payment.withholdable else 0.0
        qcs = max(p["quality_cost_share"], 1e-9)
        aversion = p["shading_aversion"]
        gain = pressure - self.motivation
        best = _clip(gain / aversion, 0.0, 1.0)
        inspected = arr.inspection_probability()
        if best > DETECTION_TOLERANCE:
            below = min(best, DETECTION_TOLERANCE)
            sanction = inspected * (penalty + strike) / qcs
            # payoff(x) = gain x − aversion x² / 2, at ``best`` and at ``below``
            if (gain * best - aversion * best * best / 2.0) - sanction <= (
                gain * below - aversion * below * below / 2.0
            ):
                best = below
        soft = buyer["inspection_soft_share"] * inspected
        d_n = min(arr.sensitivity() + soft, 1.0)
        s_n = _clip((gain - d_n * strike / qcs) / aversion, 0.0, 1.0)
        return best, s_n

    # -- production ---------------------------------------------------------------------------
    def plan_staff(self, covered: bool, first_month: bool = False) -> None:
        """Hire or shed staff toward what this month's arrangements need.

        Hiring is limited to ``max_staff_growth`` of its organizational capacity (the most staff
        it has run, at least its staff) plus one post a month, except in the first month of a
        run: the providers of the initial arrangements are already in operation.
        """
        p = self.params
        qcs = p["quality_cost_share"]
        need = 0.0
        choose = self.choose_shading
        for arr in self.arrangements:
            arr.shade_m, arr.shade_n = choose(arr)
            need += arr.units * (1.0 - qcs * arr.shading())
        target = need / self.productivity
        capacity = max(getattr(self, "peak_staff", 0.0), self.staff)
        ceiling = self.staff + p["max_staff_growth"] * capacity + 1.0
        staff = target if first_month else min(target, ceiling)
        if not covered:
            staff = min(staff, max(self.cash, 0.0) / self.post_cost)
        staff = max(staff, 0.0)
        self.novices *= 1.0 - 1.0 / p["training_months"]
        if not first_month:  # the providers of a run's first month are already trained
            self.novices = min(self.novices + max(staff - self.staff, 0.0), staff)
        self.staff = staff

    def lose_staff(self, rng) -> None:
        """Staff turnover: each post is vacated with chance ``staff_turnover`` this month (a
        binomial draw over whole posts); leavers take their share of the experience with them.
        Vacated posts are filled again, as novices, when staff are planned."""
        posts = int(self.staff)
        if posts <= 0:
            return
        leavers = int(rng.binomial(posts, self.params["staff_turnover"]))
        if leavers:
            self.cum_output *= 1.0 - leavers / self.staff
            self.staff -= leavers

    @property
    def trained_share(self) -> float:
        """Quality a post delivers relative to a trained one: novices deliver
        ``1 − novice_quality_gap`` of it."""
        if self.staff <= 0:
            return 1.0
        return 1.0 - self.params["novice_quality_gap"] * min(self.novices / self.staff, 1.0)

    def produce(self) -> float:
        """Deliver on every arrangement up to capacity; returns the wage bill (yuan).

        Capacity is in service hours: shading frees staff time, so the same staff deliver
        more (lower-quality) hours.
        """
        arrangements = self.arrangements
        qcs = self.params["quality_cost_share"]
        units = sum([a.units for a in arrangements])
        posts_needed = (
            sum([a.units * (1.0 - qcs * a.shading()) for a in arrangements]) / self.productivity
        )
        staff = self.staff
        fill = 1.0 if posts_needed <= staff else staff / posts_needed
        capacity = units * staff / posts_needed if posts_needed > 0 else 0.0
        skilled = self.skill * self.trained_share
        delivered = 0.0
        for arr in arrangements:
            arr.delivered = done = arr.units * fill
            arr.quality_m = skilled * (1.0 - arr.shade_m)
            arr.quality_n = skilled * (1.0 - arr.shade_n)
            delivered += done
        self.cum_output += delivered
        self.peak_staff = max(getattr(self, "peak_staff", 0.0), staff)
        month = self.month
        month["delivered"] = delivered
        month["capacity"] = capacity
        return staff * self.post_cost

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
        self.month = {"gov": {}, "private": 0.0, "outside": 0.0, "costs": 0.0, "designed": 0.0}

    def record_revenue(self, source: str, amount: float, designed_by_funder: float = 0.0):
        """Revenue from ``private`` donors, ``outside`` funders and clients, or a buyer
        (``buyer:<name>``), of which ``designed_by_funder`` is work whose content the funder set."""
        if source in ("private", "outside"):
            self.month[source] += amount
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
        this = month["gov"]
        if this:
            for k, v in this.items():
                gov[k] = gov.get(k, 0.0) + v
        return {
            "gov": gov,
            "private": past[3] + month["private"],
            "costs": past[4] + month["costs"],
            "designed": past[5] + month["designed"],
            "outside": past[6] + month["outside"],
            "months": past[0] + 1,
        }


def _sums(history) -> tuple:
    """``(months, last month, gov by source, private, costs, designed, outside)`` summed over
    history."""
    gov: dict[str, float] = {}
    private = costs = designed = outside = 0.0
    for m in history:  # plain additions: sum() of floats is compensated from Python 3.12 on
        this = m["gov"]
        if this:
            for k, v in this.items():
                gov[k] = gov.get(k, 0.0) + v
        private += m["private"]
        costs += m["costs"]
        designed += m["designed"]
        outside += m["outside"]
    return (len(history), history[-1] if history else None, gov, private, costs, designed, outside)
