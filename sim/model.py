"""The gpps Mesa model. ``step`` reads like ODD element 3 (process overview)."""

from __future__ import annotations

import mesa
import numpy as np

from . import metrics, world
from .agents import Residents, SocialOrganization
from .agents.buyer import FUNDING_SOURCES
from .decisions import AutomaticPolicy, Pending
from .events import EventLog
from .ledger import Ledger
from .market import Market
from .population import Population
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
        self.log = EventLog()
        self._persons: dict[tuple, float] = {}  # communities -> persons living there
        self._phases = None

        self.population = Population(self.params, self.lines, seed)
        self.residents = Residents(self, self.population.n)  # Mesa agents, made when asked for
        self.market = Market(self)
        world.build(self)
        self.outcomes: dict[str, float] = {}
        self.datacollector = metrics.OutcomeCollector()
        self.running = True

    # -- views ---------------------------------------------------------------------------------
    # Mesa's views of the agents make the residents first (``Residents``: made when asked for).
    @property
    def agents(self):
        self.residents.agents()
        return super().agents

    @property
    def agents_by_type(self):
        self.residents.agents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        self.residents.agents()
        return super().agent_types

    @property
    def events(self) -> dict[str, list[dict]]:
        """The event tables (``EventLog.tables``)."""
        return self.log.tables

    @property
    def pending(self) -> Pending | None:
        """The decision a person must answer before the month goes on, if any."""
        return self.market.pending

    @property
    def lots(self) -> list:
        return self.market.lots

    @property
    def providers(self) -> list:
        """Organizations and in-house units, by provider id."""
        return self.market.providers

    def organizations(self) -> list[SocialOrganization]:
        """Active organizations, in creation order."""
        return self.market.organizations()

    def regime_for(self, name: str):
        return self.market.regime(name)

    def persons_in(self, communities) -> float:
        """Persons living in ``communities`` (residents are fixed: counted once)."""
        key = tuple(communities)
        persons = self._persons.get(key)
        if persons is None:
            counts = self.population.community_size
            persons = self._persons[key] = float(counts[list(key)].sum()) * self.population.persons
        return persons

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
        self.market.expire()
        for buyer in self.buyers:
            yield from buyer.procure()
        self.market.deliver()
        self.residents_experience()
        self.market.monitor(self.buyers)
        self.market.pay_providers(self.buyers)
        self.market.enforce()
        self.organizations_act()
        self.close_month()

    # -- phases -----------------------------------------------------------------------------
    def start_month(self) -> None:
        self.ledger.begin_step(self.steps)
        self.log.begin_month(self.steps)
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

    def residents_experience(self) -> None:
        """Residents judge, complain and talk (vectorised, synchronous)."""
        self.population.experience(self.params, self.behaviour)
        self.population.talk(self.params["word_of_mouth"])

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
        # as Python numbers (the same values): what follows is arithmetic on a few of them
        from_residents, total, count = from_residents.tolist(), total.tolist(), count.tolist()
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
        for org in orgs:  # funders and clients outside the simulated buyers
            amount = org.outside_revenue()
            if amount > 0:
                self.ledger.transfer("outside", org.account, amount, "outside")
                org.record_revenue("outside", amount)
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
                    self.market.exit(org)
        for buyer in self.buyers:
            if buyer.in_house.arrangements:
                buyer.in_house.adjust_slack()
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
            self.log.annual_accounts(self.steps // 12, self.market.all_organizations)
            self.market.close_year(self.steps // 12)
        self.outcomes = metrics.step_outcomes(self)
        self.datacollector.collect(self)
        if self.steps >= self.params["steps"]:
            self.running = False
