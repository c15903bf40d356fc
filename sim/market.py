"""The market: lots, providers and the arrangements between them, and what a regime may do.

Regimes act on the market only through ``Market.INTERFACE`` (a test holds them to it): they read
the month, the behaviour stream, the parameters, service lines, residents and active
organizations; they record events in ``log``; they ask the decision policy (``decide``), start,
re-staff and end arrangements, leave a lot without provider, let organizations enter, found
affiliates, charge bids and pay. The month's arrangement phases (``expire``, ``deliver``,
``monitor``, ``pay_providers``, ``enforce``) and organizations' entry and exit live here too.
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np

from .agents import SocialOrganization
from .agents.producer import DETECTION_TOLERANCE
from .arrangements import Arrangement
from .decisions import Pending
from .lazy import lazy
from .regimes import REGIMES

kernels = lazy("sim.kernels")  # numba and the compiled loops: loaded when first used


class Market:
    """Lots, providers (organizations and in-house units) and arrangements of one run."""

    #: What a regime may use.
    INTERFACE = frozenset(
        {
            "month",
            "rng",
            "params",
            "lines",
            "population",
            "log",
            "organizations",
            "regime",
            "decide",
            "arrange",
            "set_users",
            "end",
            "no_provider",
            "maybe_enter",
            "found_affiliate",
            "charge_bid",
            "pay",
        }
    )

    def __init__(self, model):
        self._model = model
        self.params = model.params
        self.lines = model.lines
        self.population = model.population
        self.ledger = model.ledger
        self.log = model.log
        self.rng = model.behaviour
        self.lots: list = []
        self.providers: list = []  # by provider id
        self.all_organizations: list[SocialOrganization] = []  # in creation order
        self.pending: Pending | None = None
        self._regimes: dict[str, object] = {}
        self._spans: dict[int, tuple] = {}  # arrangement id -> (arrangement, its span)

    # -- what a regime reads --------------------------------------------------------------------
    @property
    def month(self) -> int:
        """The month in progress, from 0."""
        return self._model.steps - 1

    def organizations(self) -> list[SocialOrganization]:
        """Active organizations, in creation order."""
        return [o for o in self.all_organizations if o.active]

    def regime(self, name: str):
        """The regime called ``name`` (one object per run)."""
        if name not in self._regimes:
            if name not in REGIMES:
                raise ValueError(f"unknown regime {name!r}; known: {', '.join(REGIMES)}")
            self._regimes[name] = REGIMES[name](self)
        return self._regimes[name]

    def decide(self, kind, buyer, lot, options):
        """Ask the model's decision policy; a generator that yields a ``Pending`` if a person
        decides."""
        choice = self._model.policy.choose(kind, buyer, lot, options)
        if choice is Pending.WAIT:
            self.pending = Pending(kind, buyer, lot, options)
            choice = yield self.pending
            self.pending = None
        if choice is not None and not 0 <= choice < len(options):
            raise ValueError(f"choice {choice} is not one of the {len(options)} options")
        return choice

    # -- arrangements ---------------------------------------------------------------------------
    def arrange(
        self,
        regime,
        buyer,
        lot,
        provider,
        term: int,
        payment,
        units: float,
        share=(0.0, 1.0),
        users: np.ndarray | None = None,
        promised_quality: float = 0.0,
    ) -> Arrangement:
        """Start an arrangement: ``provider`` serves the lot's residents in ``share`` (a slice of
        them), or the residents ``users``, for ``term`` months, paid by ``payment``."""
        month = self.month
        arr = Arrangement(
            id=self.log.new_id("arrangement"),
            regime=regime,
            buyer=buyer,
            lot=lot,
            provider=provider,
            start=month,
            end=month + term,
            payment=payment,
            units=units,
            share=share,
            members=users,
            promised_quality=promised_quality,
        )
        lot.arrangements.append(arr)
        provider.arrangements.append(arr)
        who = arr.users(self.population)
        self.population.reassign(who, lot.line, provider.provider_id, provider.reputation)
        return arr

    def set_users(self, arr, users: np.ndarray, units: float) -> None:
        """The residents ``users`` (indices) are now those ``arr`` serves, with ``units`` hours a
        month; residents who leave it have no provider on the line until another takes them."""
        line = arr.lot.line
        gone = np.setdiff1d(arr.users(self.population), users, assume_unique=True)
        if len(gone):
            self.population.unassign(gone, line)
        arr.members = np.asarray(users, dtype=np.int64)
        arr.units = units
        self._spans.pop(arr.id, None)
        self.population.reassign(
            arr.members, line, arr.provider.provider_id, arr.provider.reputation
        )

    def end(self, arr, reason: str) -> None:
        """End an arrangement. ``expired`` (its term is over) and ``unchosen`` (no resident chose
        the provider any more) end quietly; any other reason is recorded as an event."""
        lot = arr.lot
        lot.arrangements.remove(arr)
        arr.provider.arrangements.remove(arr)
        self._spans.pop(arr.id, None)
        lot.last_provider = arr.provider
        pop = self.population
        if not lot.arrangements:
            pop.unassign(lot.residents, lot.line)
        else:  # its residents have no provider on the line until another takes them
            users = arr.users(pop)
            still = users[pop.provider[users, lot.line] == arr.provider.provider_id]
            if len(still):
                pop.unassign(still, lot.line)
        if reason not in ("expired", "unchosen"):
            self.log.termination(arr, reason)

    def span(self, arr) -> tuple:
        """``population.span`` of an arrangement's users on its line (kept while it runs)."""
        hit = self._spans.get(arr.id)
        if hit is None or hit[0] is not arr:
            pop = self.population
            hit = self._spans[arr.id] = (arr, pop.span(arr.users(pop), arr.lot.line))
        return hit[1]

    def no_provider(self, lot, n_offers: int) -> None:
        """A lot found no provider: it is purchased again after a delay; someone may enter."""
        lot.retry_at = self.month + lot.buyer.params["retender_delay_months"]
        self.maybe_enter(lot, n_offers)

    def charge_bid(self, org) -> None:
        """An organization pays the staff time of a bid or application (as far as it can)."""
        cost = min(org.bid_cost(), max(org.cash, 0.0))
        self.ledger.transfer(org.account, "economy", cost, "bidding")
        org.month["costs"] += cost

    def pay(self, arr, amount: float) -> None:
        """The buyer pays the provider ``amount`` for ``arr``; revenue recorded by design share."""
        buyer = arr.buyer
        buyer.pay(arr.provider.account, amount, arr.regime.payment_kind)
        arr.provider.record_revenue(buyer.account, amount, arr.regime.design_share(buyer))

    # -- organizations: creation, entry, exit ---------------------------------------------------
    def add_provider(self, producer) -> None:
        producer.provider_id = len(self.providers)
        self.providers.append(producer)

    def new_organization(
        self,
        name,
        origin,
        lines,
        skill,
        mission,
        cost_factor,
        capacity_share,
        reserve_months,
        founded_by=None,
        ties=None,
        capital_from: str | None = None,
        communities: set[int] | None = None,
    ) -> SocialOrganization:
        """Create and register an organization working in ``communities`` (None: all).

        Its staff is ``capacity_share`` of the largest need among its lines there; its
        start-up cash comes from ``capital_from`` (an account) or, at the start of a run, is
        its opening balance."""
        p = self.params
        pop = self.population
        here = (
            np.ones(pop.n, dtype=bool)
            if communities is None
            else np.isin(pop.community, sorted(communities))
        )
        need = pop.need[here].sum(axis=0)
        line_need = max((need[j] for j in lines), default=0.0)
        staff = max(1.0, capacity_share * line_need / p["units_per_post"])
        post_cost = p["staff_wage"] * (1 + p["overhead_rate"])
        cash = reserve_months * staff * post_cost
        org = SocialOrganization(
            self._model,
            name,
            origin,
            lines,
            skill,
            mission,
            cost_factor,
            staff,
            0.0 if capital_from else cash,
            founded_by=founded_by,
            ties=ties,
            communities=communities,
        )
        self.ledger.register(org.account, org)
        self.all_organizations.append(org)
        if capital_from:
            self.ledger.transfer(capital_from, org.account, cash, "capital")
        self.add_provider(org)
        return org

    def draw_traits(self, rng) -> tuple[float, float, float]:
        """Skill, mission and cost factor of a new independent organization."""
        p = self.params
        skill = float(np.clip(rng.normal(p["skill"], p["skill_sd"]), 0.05, 1.0))
        mission = float(np.clip(rng.normal(p["mission"], p["mission_sd"]), 0.0, 1.0))
        cost = float(np.exp(rng.normal(0.0, p["cost_sd"])))
        return skill, mission, cost

    def found_affiliate(self, buyer, line: int) -> SocialOrganization:
        """The buyer founds a new affiliated organization, staffed and funded by itself."""
        p = buyer.params
        k = 1 + sum(1 for o in self.all_organizations if o.founded_by == buyer.name)
        org = self.new_organization(
            f"{buyer.name}_affiliate_{k}",
            "founded",
            set(buyer.lines),
            p["skill"],
            p["mission"],
            1.0,
            p["capacity_share"],
            0.0,
            founded_by=buyer.name,
        )
        self.log.entry(org, self.lines[line]["name"])
        return org

    def maybe_enter(self, lot, n_offers: int) -> None:
        """An independent organization may enter where an opportunity drew fewer than two
        offers, if the lot's regime lets independent organizations take part."""
        p = self.params
        if n_offers >= 2 or not lot.buyer.regime.independent_providers:
            return
        if self.rng.random() >= p["entry_rate"]:
            return
        skill, mission, cost = self.draw_traits(self.rng)
        k = self.log.new_id("entrant")
        org = self.new_organization(
            f"entrant_{k}",
            "grassroots",
            {lot.line},
            skill,
            mission,
            cost,
            p["capacity_share"],
            p["initial_reserve_months"],
            capital_from="donors",
            communities={lot.community},
        )
        self.log.entry(org, self.lines[lot.line]["name"])

    def exit(self, org) -> None:
        """An organization closes: staff leave, what cash is left is spent on liquidation."""
        org.active = False
        org.staff = 0.0
        self.log.exit(org)
        if org.cash > 0:
            self.ledger.transfer(org.account, "economy", org.cash, "liquidation")

    # -- the month's arrangement phases ---------------------------------------------------------
    def expire(self) -> None:
        """Arrangements at the end of their term end."""
        month = self.month
        for lot in self.lots:
            for arr in list(lot.arrangements):
                if month >= arr.end:
                    self.end(arr, "expired")

    def deliver(self) -> None:
        """Providers staff up, choose their shading and deliver; wages are paid."""
        pop = self.population
        pop.received[:] = 0.0
        pop.quality[:] = 0.0
        received, quality = pop.received.ravel(), pop.quality.ravel()  # views
        n_lines = pop.received.shape[1]
        month = self.month
        first = month == 0
        for lot in self.lots:
            if month >= lot.buyer.params["start_step"]:
                lot.year_need += lot.need
        span, transfer, rng, serve = self.span, self.ledger.transfer, self.rng, kernels.serve
        for prod in self.providers:
            if not prod.arrangements and not (prod.active and prod.core_posts):
                prod.month_wage_bill = 0.0
                continue
            covered = prod.covered()
            if not first:
                prod.lose_staff(rng)
            prod.plan_staff(covered, first_month=first)
            if not prod.arrangements:
                affordable = covered or prod.cash >= prod.core_posts * prod.post_cost
                prod.staff = prod.core_posts if affordable else 0.0
            wages = prod.produce()
            prod.month_wage_bill = wages
            transfer(prod.account, "economy", wages, "wages")
            prod.month["costs"] += wages
            for arr in prod.arrangements:
                lot = arr.lot
                line = lot.line
                users, need, total, _ = span(arr)
                delivered = arr.delivered
                lot.year_hours += min(delivered, total)
                if total > 0:
                    share = min(delivered / total, 1.0)
                    if isinstance(users, slice):  # consecutive residents, as a lot's are
                        serve(
                            received, quality, n_lines, line, users.start, need, share, arr.quality
                        )
                    else:
                        pop.received[users, line] = need * share
                        pop.quality[users, line] = arr.quality

    def close_year(self, year: int) -> None:
        """Each lot's year: a service gap when under half its need was served (counted over
        the months its buyer was providing)."""
        for lot in self.lots:
            if lot.year_need > 0 and lot.year_hours < 0.5 * lot.year_need:
                self.log.service_gap(year, lot, lot.year_hours / lot.year_need)
            lot.year_hours = lot.year_need = 0.0

    def monitor(self, buyers) -> None:
        """Inspections find measurable shading and under-delivery (which billing by the hour or
        voucher shows every month); evaluations act on complaints."""
        pop = self.population
        complaints = _Complaints(pop.complained, pop.complaint_pairs())
        rng = self.rng
        month = self.month
        span = self.span
        for buyer in buyers:
            arrangements = buyer.arrangements()
            p = buyer.params
            sensitivity = buyer.evaluation_sensitivity()  # ``arr.sensitivity()`` of its own
            by_regime: dict = {}
            for arr in arrangements:
                by_regime.setdefault(arr.regime, []).append(arr)
                failed = False
                inspected = rng.random() < arr.inspection_probability()
                if inspected:
                    buyer.governance("inspection", p["inspection_staff_days"])
                    if arr.shade_m > DETECTION_TOLERANCE:
                        failed = arr.caught = True
                        if arr.payment.withholdable:
                            arr.penalty = p["penalty_rate"]
                    soft = p["inspection_soft_share"]
                    if arr.shade_n > DETECTION_TOLERANCE and rng.random() < soft:
                        failed = True  # the inspector also sees some of the soft quality
                short = arr.delivered < (1.0 - p["delivery_tolerance"]) * arr.units
                mobilised = month > arr.start  # the first month is for mobilising
                if short and mobilised and (inspected or arr.payment.withholdable):
                    failed = True  # under-delivery is a breach the buyer sees
                users, _, _, n_users = span(arr)
                if n_users and arr.provider.origin != "in_house":
                    rate = complaints.count(users, arr.lot.line) / n_users
                    if rate > p["complaint_tolerance"] and rng.random() < sensitivity:
                        failed = True
                if failed and arr.regime.failures_count:
                    arr.strikes += 1
            for regime, arrs in by_regime.items():
                regime.monthly_governance(buyer, arrs)
            _evaluation_costs(buyer, arrangements)

    def pay_providers(self, buyers) -> None:
        """Buyers pay by each arrangement's rule, less penalties; covered losses topped up."""
        for buyer in buyers:
            arrangements = buyer.arrangements()  # paying ends none of them
            for arr in arrangements:
                amount = arr.payment.due(arr, arr.delivered)
                amount *= 1.0 - arr.penalty
                arr.paid = amount
                self.pay(arr, amount)
            covered = {a.provider: a for a in arrangements if a.covers_losses}
            for prod, arr in sorted(covered.items(), key=lambda t: t[0].provider_id):
                if prod.cash < 0:
                    amount = -prod.cash
                    buyer.pay(prod.account, amount, "deficit_cover")
                    prod.record_revenue(buyer.account, amount, arr.regime.design_share(buyer))

    def enforce(self) -> None:
        """Terminate arrangements with too many strikes; take lots back after repeated failures."""
        for lot in self.lots:
            for arr in list(lot.arrangements):
                if arr.strikes >= arr.buyer.params["strikes_to_terminate"]:
                    self.end(arr, "terminated")
                    lot.terminations += 1
                    lot.excluded.add(arr.provider)
                    if (
                        not lot.taken_back
                        and lot.terminations >= arr.buyer.params["terminations_to_take_back"]
                    ):
                        lot.taken_back = True
                        self.log.taken_back()


def _evaluation_costs(buyer, arrangements) -> None:
    """The buyer's evaluation of outside providers: internal appraisal or a third party."""
    kind = buyer.params["evaluation"]
    outside = [a for a in arrangements if a.provider.origin != "in_house"]
    if kind == "internal" and outside:
        posts = sum(a.units / max(a.provider.productivity, 1e-9) for a in outside)
        buyer.governance("evaluation:internal", buyer.params["appraisal_staff_days"] * posts / 12.0)
    elif kind == "third_party" and outside:
        value = sum(a.unit_price() * a.units for a in outside)
        buyer.governance(
            "evaluation:third_party", fee=buyer.params["third_party_cost_share"] * value
        )


class _Complaints:
    """Counts of complaints among some residents on a line: ``np.count_nonzero(
    complained[users, line])``, from the few complaints' positions when ``users`` is a slice
    (``where``: ``np.flatnonzero(complained)``, if known)."""

    def __init__(self, complained: np.ndarray, where: np.ndarray | None = None):
        self.complained = complained
        n_lines = complained.shape[1]
        if where is None:
            where = np.flatnonzero(complained)
        rows, lines = np.divmod(where, n_lines)
        self.rows = [rows[lines == j].tolist() if len(where) else [] for j in range(n_lines)]

    def count(self, users, line: int) -> int:
        if not isinstance(users, slice) or users.step not in (None, 1):
            return int(np.count_nonzero(self.complained[users, line]))
        rows = self.rows[line]
        return bisect_left(rows, users.stop) - bisect_left(rows, users.start)
