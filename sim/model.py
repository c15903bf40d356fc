"""The gpps Mesa model. ``step`` reads like ODD element 3 (process overview)."""

from __future__ import annotations

from bisect import bisect_left

import mesa
import numpy as np

from . import kernels, metrics
from .agents import GovernmentBuyer, Resident, SocialOrganization
from .agents.buyer import FUNDING_SOURCES
from .agents.producer import DETECTION_TOLERANCE
from .arrangements import Arrangement, Lot
from .decisions import AutomaticPolicy, Pending
from .ledger import Ledger
from .population import Population
from .regimes import REGIMES
from .rng import fresh_seed, stream
from .scenario import SCHEDULABLE, Scenario, load


class GppsModel(mesa.Model):
    """Buyers purchase public services from social organizations for residents.

    Build it from keyword arguments alone: ``GppsModel()`` runs the default scenario;
    ``GppsModel(scenario="thin_market", rng=7, monitoring_capacity=0.6)`` overrides
    parameters by name (see ``sim.params``). ``rng`` is the run seed (an int).
    """

    def __init__(
        self,
        scenario: str | Scenario | None = None,
        rng: int | None = None,
        policy=None,
        keep_transfers: bool = False,
        **overrides,
    ):
        seed = fresh_seed() if rng is None else int(rng)
        super().__init__(rng=seed)
        self._mesa_step = self.step  # Mesa's wrapper: counts the step, then calls ``step``
        self.step = self._step_unless_pending
        if isinstance(scenario, Scenario):
            self.scenario = scenario.with_overrides(overrides)
        else:
            self.scenario = load(scenario, overrides)
        self.seed = seed
        self.params = self.scenario.params
        self.lines = self.scenario.lines
        self.behaviour = stream(seed, "behaviour")
        self.policy = policy or AutomaticPolicy()
        self.ledger = Ledger(keep_transfers=keep_transfers)
        self.events: dict[str, list[dict]] = {
            k: []
            for k in (
                "tenders",
                "bids",
                "awards",
                "terminations",
                "grants",
                "accounts",
                "entries",
                "exits",
            )
        }
        self._ids: dict[str, int] = {}
        self._regimes: dict[str, object] = {}
        self._spans: dict[int, tuple] = {}  # arrangement id -> (arrangement, its span)
        self._persons: dict[tuple, float] = {}  # communities -> persons living there
        self.providers: list = []
        self._all_organizations: list[SocialOrganization] = []  # in creation order
        self.pending: Pending | None = None
        self._phases = None
        self.month_stats: dict = {}

        self.population = Population(self.params, self.lines, seed)
        self.residents = [Resident(self, i) for i in range(self.population.n)]
        self._build_buyers()
        self._build_organizations()
        self._build_lots()
        self.outcomes: dict[str, float] = {}
        self.datacollector = metrics.OutcomeCollector()
        self.running = True

    # -- construction ---------------------------------------------------------------------------
    def _build_buyers(self) -> None:
        self.buyers: list[GovernmentBuyer] = []
        names = [ln["name"] for ln in self.lines]
        for spec in self.scenario.buyers:
            params = {**self.params, **{k: v for k, v in spec.items()}}
            lines = [names.index(n) for n in spec["service_lines"]]
            buyer = GovernmentBuyer(self, spec["name"], params, lines, spec["communities"])
            self.ledger.register(buyer.account, buyer)
            self.ledger.register(buyer.in_house.account, buyer.in_house)
            self.add_provider(buyer.in_house)
            self.buyers.append(buyer)

    def _build_organizations(self) -> None:
        """Initial organizations come from the ``organizations`` stream (common to regimes)."""
        p = self.params
        rng = stream(self.seed, "organizations")
        names = [ln["name"] for ln in self.lines]
        line_need = self.population.need.sum(axis=0)
        for spec in self.scenario.organizations:
            lines = {names.index(n) for n in spec["service_lines"]}
            self.new_organization(
                spec["name"],
                spec["origin"],
                lines,
                spec["skill"],
                spec["mission"],
                1.0,
                spec["capacity_share"],
                spec["initial_reserve_months"],
                founded_by=spec["founded_by"],
                ties=set(spec["ties"]),
                communities=spec["communities"],
            )
        named_founders = {o["founded_by"] for o in self.scenario.organizations}
        for buyer in self.buyers:
            if buyer.name in named_founders:
                continue
            for k in range(p["founded_per_buyer"]):
                skill, mission, cost = self._draw_traits(rng)
                share = (
                    p["capacity_share"]
                    * max(line_need[buyer.lines].sum(), 1e-9)
                    / max(line_need.max(), 1e-9)
                )
                self.new_organization(
                    f"{buyer.name}_affiliate_{k + 1}",
                    "founded",
                    set(buyer.lines),
                    skill,
                    mission,
                    cost,
                    share,
                    p["initial_reserve_months"],
                    founded_by=buyer.name,
                )
        n_lines = len(self.lines)
        n_comm = p["n_communities"]
        for k in range(p["n_independent_orgs"]):
            skill, mission, cost = self._draw_traits(rng)
            origin = "external" if rng.random() < p["external_share"] else "grassroots"
            covers = rng.random(n_lines) < p["line_coverage"]
            covers[rng.integers(n_lines)] = True
            where = rng.random(n_comm) < p["community_coverage"]
            where[rng.integers(n_comm)] = True
            tied = rng.random() < p["tied_share"]
            buyer = self.buyers[int(rng.integers(len(self.buyers)))].name
            self.new_organization(
                f"org_{k + 1}",
                origin,
                set(np.flatnonzero(covers).tolist()),
                skill,
                mission,
                cost,
                p["capacity_share"],
                p["initial_reserve_months"],
                ties={buyer} if tied else None,
                communities=None if where.all() else set(np.flatnonzero(where).tolist()),
            )

    def _draw_traits(self, rng) -> tuple[float, float, float]:
        p = self.params
        skill = float(np.clip(rng.normal(p["skill"], p["skill_sd"]), 0.05, 1.0))
        mission = float(np.clip(rng.normal(p["mission"], p["mission_sd"]), 0.0, 1.0))
        cost = float(np.exp(rng.normal(0.0, p["cost_sd"])))
        return skill, mission, cost

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
            self,
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
        self._all_organizations.append(org)
        if capital_from:
            self.ledger.transfer(capital_from, org.account, cash, "capital")
        self.add_provider(org)
        return org

    def add_provider(self, producer) -> None:
        producer.provider_id = len(self.providers)
        self.providers.append(producer)

    def _build_lots(self) -> None:
        self.lots: list[Lot] = []
        comm = self.population.community
        for buyer in self.buyers:
            for line in buyer.lines:
                for c in buyer.communities:
                    residents = np.flatnonzero(comm == c)
                    need = self.population.need[residents, line]
                    elig = self.population.eligible[residents, line]
                    lot = Lot(
                        len(self.lots), buyer, line, c, residents, need=float((need * elig).sum())
                    )
                    buyer.lots.append(lot)
                    self.lots.append(lot)

    # -- lookups ------------------------------------------------------------------------------
    def regime_for(self, name: str):
        if name not in self._regimes:
            if name not in REGIMES:
                raise ValueError(f"unknown regime {name!r}; known: {', '.join(REGIMES)}")
            self._regimes[name] = REGIMES[name](self)
        return self._regimes[name]

    def organizations(self) -> list[SocialOrganization]:
        """Active organizations, in creation order."""
        return [o for o in self._all_organizations if o.active]

    def persons_in(self, communities) -> float:
        """Persons living in ``communities`` (residents are fixed: counted once)."""
        key = tuple(communities)
        persons = self._persons.get(key)
        if persons is None:
            counts = self.population.community_size
            persons = self._persons[key] = float(counts[list(key)].sum()) * self.population.persons
        return persons

    def _span(self, arr) -> tuple:
        """``population.span`` of an arrangement's users on its line (kept while it runs)."""
        hit = self._spans.get(arr.id)
        if hit is None or hit[0] is not arr:
            pop = self.population
            hit = self._spans[arr.id] = (arr, pop.span(arr.users(pop), arr.lot.line))
        return hit[1]

    def new_event_id(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    # -- decisions ----------------------------------------------------------------------------
    def decide(self, kind, buyer, lot, options):
        """Ask the decision policy; a generator that yields a ``Pending`` if a person decides."""
        choice = self.policy.choose(kind, buyer, lot, options)
        if choice is Pending.WAIT:
            self.pending = Pending(kind, buyer, lot, options)
            choice = yield self.pending
            self.pending = None
        if choice is not None and not 0 <= choice < len(options):
            raise ValueError(f"choice {choice} is not one of the {len(options)} options")
        return choice

    # -- the month ---------------------------------------------------------------------------
    def _step_unless_pending(self) -> None:
        """``model.step()``: refused, uncounted, while a decision is pending. The check comes
        before Mesa's wrapper, since Mesa >= 3.4 runs each step as a scheduled event and a step
        that raises there ends the schedule (later calls would then do nothing)."""
        if self.pending is not None:
            raise RuntimeError("a decision is pending: answer it with resolve() first")
        self._mesa_step()

    def step(self) -> None:
        """One month. Stops early, with ``self.pending`` set, when a person must decide."""
        self._phases = self._month()
        self._advance(None)

    def resolve(self, choice: int | None) -> None:
        """Answer the pending decision (an option index, or ``None`` for no award); go on."""
        if self.pending is None:
            raise RuntimeError("no decision is pending")
        self._advance(choice)

    def _advance(self, value) -> None:
        try:
            self._phases.send(value)
        except StopIteration:
            self._phases = None

    def _month(self):
        """The schedule of one month (ODD element 3)."""
        self.start_month()
        self.apply_schedule()
        self.fund_buyers()
        self.expire_arrangements()
        for buyer in self.buyers:
            yield from buyer.procure()
        self.deliver()
        self.residents_experience()
        self.monitor()
        self.pay_providers()
        self.enforce()
        self.organizations_act()
        self.close_month()

    # -- phases -----------------------------------------------------------------------------
    def start_month(self) -> None:
        self.ledger.begin_step(self.steps)
        self.month_stats = {
            "entries": 0,
            "exits": 0,
            "taken_back": 0,
            "awards": 0,
            "reawards": 0,
            "incumbent_lots": 0,
            "bids": 0,
            "contract_awards": 0,
            "single_bid": 0,
            "tenders": 0,
            "eligible": 0,
            "lots_tendered": 0,
            "awarded_value": 0.0,
            "terminations": 0,
        }
        for prod in self.providers:
            prod.new_month()
            for arr in prod.arrangements:
                arr.penalty = 0.0
                arr.caught = False

    def apply_schedule(self) -> None:
        """Changes the scenario schedules for this month: regimes, rules, ties."""
        for item in self.scenario.schedule:
            if item["step"] != self.steps - 1:
                continue
            for key, value in item["params"].items():
                if key in SCHEDULABLE:
                    self.params[key] = value
            for buyer in self.buyers:
                if item["buyer"] not in ("*", buyer.name):
                    continue
                buyer.params.update(
                    {k: v for k, v in item["params"].items() if k not in SCHEDULABLE}
                )
                if item["cut_ties"]:
                    for org in self.organizations():
                        org.ties.discard(buyer.name)
                if item["regime"]:
                    buyer.set_regime(item["regime"])

    def fund_buyers(self) -> None:
        """Monthly appropriations by funding source; what is not spent lapses at month end."""
        for buyer in self.buyers:
            for src, amount in buyer.monthly_budget().items():
                self.ledger.transfer(f"fund:{src}", buyer.account, amount, f"appropriation:{src}")

    def expire_arrangements(self) -> None:
        for lot in self.lots:
            for arr in list(lot.arrangements):
                if self.steps - 1 >= arr.end:
                    self.end_arrangement(arr, "expired")

    def deliver(self) -> None:
        """Providers staff up, choose their shading and deliver; wages are paid."""
        pop = self.population
        pop.received[:] = 0.0
        pop.quality[:] = 0.0
        received, quality = pop.received.ravel(), pop.quality.ravel()  # views
        n_lines = pop.received.shape[1]
        for prod in self.providers:
            if not prod.arrangements and not (prod.active and prod.core_posts):
                prod.month_wage_bill = 0.0
                continue
            covered = prod.covered()
            prod.plan_staff(covered, first_month=self.steps == 1)
            if not prod.arrangements:
                affordable = covered or prod.cash >= prod.core_posts * prod.post_cost
                prod.staff = prod.core_posts if affordable else 0.0
            wages = prod.produce()
            prod.month_wage_bill = wages
            self.ledger.transfer(prod.account, "economy", wages, "wages")
            prod.month["costs"] += wages
            for arr in prod.arrangements:
                line = arr.lot.line
                users, need, total, _ = self._span(arr)
                if total > 0:
                    share = min(arr.delivered / total, 1.0)
                    if isinstance(users, slice):  # consecutive residents, as a lot's are
                        kernels.serve(
                            received, quality, n_lines, line, users.start, need, share, arr.quality
                        )
                    else:
                        pop.received[users, line] = need * share
                        pop.quality[users, line] = arr.quality

    def residents_experience(self) -> None:
        """Residents judge, complain and talk (vectorised, synchronous)."""
        self.population.experience(self.params, self.behaviour)
        self.population.talk(self.params["word_of_mouth"])

    def monitor(self) -> None:
        """Inspections find measurable shortfalls; evaluations act on complaints."""
        complaints = _Complaints(self.population.complained)
        for buyer in self.buyers:
            arrangements = buyer.arrangements()
            by_regime: dict = {}
            for arr in arrangements:
                by_regime.setdefault(arr.regime, []).append(arr)
                failed = False
                if self.behaviour.random() < arr.inspection_probability():
                    buyer.governance("inspection", buyer.params["inspection_staff_days"])
                    if arr.shade_m > DETECTION_TOLERANCE:
                        failed = arr.caught = True
                        if arr.payment == "per_unit":
                            arr.penalty = buyer.params["penalty_rate"]
                line = arr.lot.line
                users, _, _, n_users = self._span(arr)
                if n_users and arr.provider.origin != "in_house":
                    rate = complaints.count(users, line) / n_users
                    if (
                        rate > buyer.params["complaint_tolerance"]
                        and self.behaviour.random() < arr.sensitivity()
                    ):
                        failed = True
                if failed and arr.regime.failures_count:
                    arr.strikes += 1
            for regime, arrs in by_regime.items():
                regime.monthly_governance(buyer, arrs)
            self._evaluation_costs(buyer, arrangements)

    def _evaluation_costs(self, buyer, arrangements) -> None:
        kind = buyer.params["evaluation"]
        outside = [a for a in arrangements if a.provider.origin != "in_house"]
        if kind == "internal" and outside:
            posts = sum(a.units / max(a.provider.productivity, 1e-9) for a in outside)
            buyer.governance(
                "evaluation:internal", buyer.params["appraisal_staff_days"] * posts / 12.0
            )
        elif kind == "third_party" and outside:
            value = sum(a.unit_price() * a.units for a in outside)
            buyer.governance(
                "evaluation:third_party", fee=buyer.params["third_party_cost_share"] * value
            )

    def pay_providers(self) -> None:
        """Buyers pay by each arrangement's rule; covered losses are topped up."""
        for buyer in self.buyers:
            for arr in buyer.arrangements():
                arr.regime.pay(arr)
            covered = {a.provider: a for a in buyer.arrangements() if a.covers_losses}
            for prod, arr in sorted(covered.items(), key=lambda t: t[0].provider_id):
                if prod.cash < 0:
                    amount = -prod.cash
                    buyer.pay(prod.account, amount, "deficit_cover")
                    prod.record_revenue(f"buyer:{buyer.name}", amount, arr.regime.funder_designs)

    def pay_provider(self, arr, amount: float) -> None:
        buyer = arr.buyer
        buyer.pay(arr.provider.account, amount, f"payment:{arr.regime.name}")
        arr.provider.record_revenue(f"buyer:{buyer.name}", amount, arr.regime.funder_designs)

    def enforce(self) -> None:
        """Terminate arrangements with too many strikes; take lots back after repeated failures."""
        for lot in self.lots:
            for arr in list(lot.arrangements):
                if arr.strikes >= arr.buyer.params["strikes_to_terminate"]:
                    self.end_arrangement(arr, "terminated")
                    lot.terminations += 1
                    lot.excluded.add(arr.provider)
                    self.month_stats["terminations"] += 1
                    if (
                        not lot.taken_back
                        and lot.terminations >= arr.buyer.params["terminations_to_take_back"]
                    ):
                        lot.taken_back = True
                        self.month_stats["taken_back"] += 1

    def organizations_act(self) -> None:
        """Fundraise, learn, drift, update reputations; exits; buyers' unspent money lapses."""
        pop = self.population
        p = self.params
        orgs = self.organizations()
        effort = np.zeros(len(self.providers))
        for org in orgs:
            org.fundraising = org.fundraising_effort()
            effort[org.provider_id] = org.fundraising
        # residents give to the providers they know, by opinion and by how hard they are
        # asked: pool * share / lines * opinion * effort[provider], summed per provider
        pool = p["donor_pool_per_capita"] * pop.persons
        total, count = pop.opinion_of(len(self.providers))
        from_residents = total * effort
        from_residents *= pool * p["donation_share_residents"] / len(self.lines)
        local = pool * pop.n * (1 - p["donation_share_residents"])
        for org in orgs:
            amount = from_residents[
                org.provider_id
            ] + local * org.fundraising * org.reputation / max(len(orgs), 1)
            if amount > 0:
                self.ledger.transfer("donors", org.account, amount, "donation")
                org.record_revenue("private", amount)
                cost = amount * p["fundraising_cost_ratio"]
                self.ledger.transfer(org.account, "economy", cost, "fundraising")
                org.month["costs"] += cost
        # reputations follow residents' opinions of the providers serving them (``total`` and
        # ``count`` above: donations change neither opinions nor providers)
        for prod in self.providers:
            n = count[prod.provider_id]
            if n:
                prod.reputation += p["reputation_speed"] * (
                    total[prod.provider_id] / n - prod.reputation
                )
        for org in orgs:
            t = org.trailing()
            surplus = org.cash - p["reserve_cap_months"] * t["costs"] / max(t["months"], 1)
            if surplus > 0 and org.arrangements:
                self.ledger.transfer(org.account, "economy", surplus, "own_programmes")
                org.month["costs"] += surplus
            org.drift_mission(t)  # the surplus spent changed costs, not revenue
            covered = org.covered()
            org.adjust_slack(covered)
            if org.arrangements or covered or org.cash >= org.post_cost:
                org.months_broke = 0
            else:
                org.months_broke += 1
                if org.months_broke > p["exit_grace_months"]:
                    self.exit_organization(org)
        for buyer in self.buyers:
            self._lapse(buyer)

    def _lapse(self, buyer) -> None:
        """Unspent appropriations return to their sources, pro rata."""
        if buyer.cash <= 0:
            return
        budget = buyer.monthly_budget()
        total = sum(budget.values())
        left = buyer.cash
        for src in FUNDING_SOURCES:
            share = budget[src] / total if total > 0 else (1.0 if src == "general" else 0.0)
            self.ledger.transfer(buyer.account, f"fund:{src}", left * share, "lapse")

    def close_month(self) -> None:
        """Check the accounts, keep annual accounts, collect outcomes."""
        allow = {b.in_house.account for b in self.buyers}
        self.ledger.check(allow_negative=allow)
        if self.steps % 12 == 0:
            self.annual_accounts()
        self.outcomes = metrics.step_outcomes(self)
        self.datacollector.collect(self)
        if self.steps >= self.params["steps"]:
            self.running = False

    # -- arrangements -------------------------------------------------------------------------
    def arrange(
        self,
        regime,
        buyer,
        lot,
        provider,
        term,
        payment,
        units,
        price=0.0,
        monthly=0.0,
        posts=0.0,
        share=(0.0, 1.0),
        promised_quality=0.0,
    ) -> Arrangement:
        """Start an arrangement; residents of the lot's slice now have ``provider``."""
        arr = Arrangement(
            id=self.new_event_id("arrangement"),
            regime=regime,
            buyer=buyer,
            lot=lot,
            provider=provider,
            start=self.steps - 1,
            end=self.steps - 1 + term,
            payment=payment,
            units=units,
            price=price,
            monthly=monthly,
            posts=posts,
            share=share,
            promised_quality=promised_quality,
        )
        lot.arrangements.append(arr)
        provider.arrangements.append(arr)
        users = arr.users(self.population)
        self.population.reassign(users, lot.line, provider.provider_id, provider.reputation)
        return arr

    def end_arrangement(self, arr, reason: str) -> None:
        lot = arr.lot
        lot.arrangements.remove(arr)
        arr.provider.arrangements.remove(arr)
        self._spans.pop(arr.id, None)
        lot.last_provider = arr.provider
        if not lot.arrangements:
            self.population.unassign(lot.residents, lot.line)
        if reason != "expired":
            self.events["terminations"].append(
                {
                    "step": self.steps,
                    "buyer": arr.buyer.name,
                    "lot": lot.id,
                    "provider": arr.provider.name,
                    "regime": arr.regime.name,
                    "reason": reason,
                    "strikes": arr.strikes,
                }
            )

    def found_affiliate(self, buyer, line: int) -> SocialOrganization:
        """The buyer founds a new affiliated organization, staffed and funded by itself."""
        p = buyer.params
        k = 1 + sum(1 for o in self._all_organizations if o.founded_by == buyer.name)
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
        self.month_stats["entries"] += 1
        self.events["entries"].append(
            {
                "step": self.steps,
                "organization": org.name,
                "origin": "founded",
                "line": self.lines[line]["name"],
            }
        )
        return org

    def no_provider(self, lot, n_offers: int) -> None:
        """A lot found no provider: it is purchased again after a delay; someone may enter."""
        lot.retry_at = self.steps - 1 + lot.buyer.params["retender_delay_months"]
        self.maybe_enter(lot, n_offers)

    def charge_bid(self, org) -> None:
        """An organization pays the staff time of a bid or application (as far as it can)."""
        cost = min(org.bid_cost(), max(org.cash, 0.0))
        self.ledger.transfer(org.account, "economy", cost, "bidding")
        org.month["costs"] += cost

    def maybe_enter(self, lot, n_bids: int) -> None:
        """An independent organization may enter where an opportunity drew fewer than two bids."""
        p = self.params
        regime = lot.buyer.regime
        if n_bids >= 2 or not regime.independent_providers:
            return
        if self.behaviour.random() >= p["entry_rate"]:
            return
        skill, mission, cost = self._draw_traits(self.behaviour)
        k = self.new_event_id("entrant")
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
        self.month_stats["entries"] += 1
        self.events["entries"].append(
            {
                "step": self.steps,
                "organization": org.name,
                "origin": org.origin,
                "line": self.lines[lot.line]["name"],
            }
        )

    def exit_organization(self, org) -> None:
        org.active = False
        org.staff = 0.0
        self.month_stats["exits"] += 1
        self.events["exits"].append(
            {"step": self.steps, "organization": org.name, "origin": org.origin, "cash": org.cash}
        )
        if org.cash > 0:
            self.ledger.transfer(org.account, "economy", org.cash, "liquidation")

    # -- event records ----------------------------------------------------------------------
    def record_tender(self, tender, buyer, lots, eligible_counts, n_bids, cost) -> None:
        s = self.month_stats
        s["tenders"] += 1
        s["lots_tendered"] += lots
        s["eligible"] += sum(eligible_counts)
        s["bids"] += n_bids
        self.events["tenders"].append(
            {
                "step": self.steps,
                "tender": tender,
                "buyer": buyer.name,
                "lots": lots,
                "eligible_mean": sum(eligible_counts) / max(lots, 1),
                "bids": n_bids,
                "cost": cost,
            }
        )

    def record_bids(self, tender, lot, options, choice) -> None:
        for i, o in enumerate(options):
            if o["kind"] != "bid":
                continue
            self.events["bids"].append(
                {
                    "step": self.steps,
                    "tender": tender,
                    "lot": lot.id,
                    "organization": o["org"].name,
                    "price": o["price"],
                    "quality": o["quality"],
                    "reputation": o["reputation"],
                    "tie": o["tie"],
                    "score": o["score"],
                    "won": i == choice,
                }
            )

    def record_award(
        self, tender, buyer, lot, provider, regime, price, units, term, n_bids
    ) -> None:
        s = self.month_stats
        incumbent = lot.last_provider
        if provider is not None:
            s["awards"] += 1
            if incumbent is not None:
                s["incumbent_lots"] += 1
                s["reawards"] += provider is incumbent
            if regime == "contract":
                s["contract_awards"] += 1
                s["single_bid"] += n_bids == 1
                s["awarded_value"] += price * units * term
        self.events["awards"].append(
            {
                "step": self.steps,
                "tender": tender,
                "buyer": buyer.name,
                "lot": lot.id,
                "line": self.lines[lot.line]["name"],
                "community": lot.community,
                "provider": provider.name if provider is not None else "",
                "regime": regime,
                "price": price,
                "units": units,
                "term": term,
                "value": price * units * term,
                "bids": n_bids,
                "incumbent": provider is not None and provider is incumbent,
            }
        )

    def record_grant(self, buyer, lot, org, amount, applications) -> None:
        s = self.month_stats
        s["awards"] += 1
        if lot.last_provider is not None:
            s["incumbent_lots"] += 1
            s["reawards"] += org is lot.last_provider
        self.events["grants"].append(
            {
                "step": self.steps,
                "buyer": buyer.name,
                "lot": lot.id,
                "organization": org.name,
                "amount": amount,
                "applications": applications,
            }
        )

    def annual_accounts(self) -> None:
        year = self.steps // 12
        for org in self._all_organizations:
            if not org.active and org.cash <= 0 and not org.history:
                continue
            t = org.trailing()
            gov = sum(t["gov"].values())
            revenue = gov + t["private"]
            self.events["accounts"].append(
                {
                    "year": year,
                    "organization": org.name,
                    "origin": org.origin,
                    "active": org.active,
                    "revenue_government": gov,
                    "revenue_private": t["private"],
                    "costs": t["costs"],
                    "surplus": revenue - t["costs"],
                    "cash": org.cash,
                    "staff": org.staff,
                    "government_share": gov / revenue if revenue > 0 else 0.0,
                    "reputation": org.reputation,
                    "mission_drift": org.drift,
                    "slack": org.slack,
                }
            )


class _Complaints:
    """Counts of complaints among some residents on a line: ``np.count_nonzero(
    complained[users, line])``, from the few complaints' positions when ``users`` is a slice."""

    def __init__(self, complained: np.ndarray):
        self.complained = complained
        n_lines = complained.shape[1]
        where = np.flatnonzero(complained)
        rows, lines = np.divmod(where, n_lines)
        self.rows = [rows[lines == j].tolist() if len(where) else [] for j in range(n_lines)]

    def count(self, users, line: int) -> int:
        if not isinstance(users, slice) or users.step not in (None, 1):
            return int(np.count_nonzero(self.complained[users, line]))
        rows = self.rows[line]
        return bisect_left(rows, users.stop) - bisect_left(rows, users.start)
