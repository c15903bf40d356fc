"""The event log: every event table of a run, the month's market counts, the annual accounts.

Regimes and the market record what happens here; outcomes read ``counts`` (this month's
``MonthCounts``, by named field) and the ledger, never a regime's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema import Column as C

#: The event tables, in the order they are written.
TABLES = (
    "tenders",
    "bids",
    "awards",
    "terminations",
    "grants",
    "choices",
    "accounts",
    "service_gaps",
    "entries",
    "exits",
)

_MONTH = C("step", "int", "month", "month of the run (1 = the first)")
_YEAR = C("year", "int", "year", "year of the run (1 = months 1-12)")
_LOT = C("lot", "int", "", "lot id (a service line in a community)")
_BUYER = C("buyer", "str", "", "buyer (government department)")
_LINE = C("line", "str", "", "service line")
_COMMUNITY = C("community", "int", "", "community number")
_PRICE = C(
    "price",
    "float",
    "yuan per unit",
    "price per unit: a service hour (per post-month under administrative dependence)",
)  # noqa: E501

#: Columns of each event table, in the order they are written (after ``regime``, ``seed``).
EVENT_COLUMNS: dict[str, tuple[C, ...]] = {
    "tenders": (
        _MONTH,
        C("tender", "int", "", "tender id"),
        _BUYER,
        C("lots", "int", "lots", "lots tendered together"),
        C("eligible_mean", "float", "organizations", "eligible organizations per lot"),
        C("bids", "int", "bids", "bids received"),
        C("cost", "float", "yuan", "the buyer's ex-ante cost of running the tender"),
    ),
    "bids": (
        _MONTH,
        C("tender", "int", "", "tender id"),
        _LOT,
        C("organization", "str", "", "bidder"),
        _PRICE,
        C("quality", "float", "0-1", "quality the bid promises"),
        C("reputation", "float", "0-1", "the bidder's reputation"),
        C("tie", "float", "0-1", "the bidder's tie to the buyer (0: none)"),
        C("score", "float", "", "the buyer's score of the bid (higher wins)"),
        C("won", "bool", "", "whether the bid won the lot"),
    ),
    "awards": (
        _MONTH,
        C("tender", "int", "", "tender id (empty: awarded without a tender)", nullable=True),
        _BUYER,
        _LOT,
        _LINE,
        _COMMUNITY,
        C("provider", "str", "", "provider awarded (empty: no award)", nullable=True),
        C("arrangement_regime", "str", "", "regime the lot was awarded under"),
        _PRICE,
        C(
            "units",
            "float",
            "units per month",
            "hours per month (posts under administrative dependence)",
        ),  # noqa: E501
        C("term", "int", "months", "term of the arrangement"),
        C("value", "float", "yuan", "price x units x term"),
        C("bids", "int", "bids", "bids on the lot (0 without a tender)"),
        C("incumbent", "bool", "", "whether the lot went to its previous provider"),
    ),
    "terminations": (
        _MONTH,
        _BUYER,
        _LOT,
        C("provider", "str", "", "provider whose arrangement ended"),
        C("arrangement_regime", "str", "", "regime of the arrangement"),
        C("reason", "str", "", "terminated (for failures) or regime_switch"),
        C("strikes", "int", "strikes", "failures found before it ended"),
    ),
    "grants": (
        _MONTH,
        _BUYER,
        _LOT,
        C("organization", "str", "", "grantee"),
        C("amount", "float", "yuan", "the grant over its term"),
        C("applications", "int", "applications", "applications for the lot"),
    ),
    "choices": (
        _MONTH,
        _BUYER,
        _LOT,
        C("provider", "str", "", "provider chosen"),
        C("residents", "int", "residents", "residents of the lot who chose it"),
        C("hours", "float", "hours per month", "hours they are entitled to"),
        C("reputation", "float", "0-1", "the provider's reputation"),
        C("skill", "float", "0-1", "the provider's skill"),
    ),
    "accounts": (
        _YEAR,
        C("organization", "str", "", "organization"),
        C("origin", "str", "", "founded (by a buyer), grassroots or external"),
        C("active", "bool", "", "whether it is still active"),
        C("revenue_government", "float", "yuan", "revenue from the buyers, trailing 12 months"),
        C("revenue_private", "float", "yuan", "private donations, trailing 12 months"),
        C("revenue_outside", "float", "yuan", "revenue from outside funders, trailing 12 months"),
        C("costs", "float", "yuan", "costs, trailing 12 months"),
        C("surplus", "float", "yuan", "revenue minus costs"),
        C("cash", "float", "yuan", "reserves at the year's end"),
        C("staff", "float", "posts", "staff"),
        C("government_share", "float", "share", "government share of revenue (0 without revenue)"),  # noqa: E501
        C("reputation", "float", "0-1", "reputation"),
        C("mission_drift", "float", "0-1", "drift toward its funders' priorities"),
        C("slack", "float", "share", "slack (cost above the efficient level)"),
    ),
    "service_gaps": (
        _YEAR,
        _BUYER,
        _LOT,
        _LINE,
        _COMMUNITY,
        C("need_met", "float", "share", "share of the lot's need served over the year"),
        C("provider", "str", "", "provider at the year's end (empty: none)", nullable=True),
    ),
    "entries": (
        _MONTH,
        C("organization", "str", "", "organization that entered"),
        C("origin", "str", "", "founded, grassroots or external"),
        _LINE,
    ),
    "exits": (
        _MONTH,
        C("organization", "str", "", "organization that exited"),
        C("origin", "str", "", "founded, grassroots or external"),
        C("cash", "float", "yuan", "reserves when it exited"),
    ),
}
#: Event fields written under another name beside the run's own ``regime`` column.
RENAMED = {"regime": "arrangement_regime"}


@dataclass
class MonthCounts:
    """What the market did this month, for the outcomes (counts, and yuan where named)."""

    entries: int = 0
    exits: int = 0
    taken_back: int = 0  # lots taken back in-house
    awards: int = 0  # awards of a provider, by any regime
    reawards: int = 0  # of those on lots served before, awards to the previous provider
    incumbent_lots: int = 0  # awards on lots served before
    bids: int = 0  # bids in competitive tenders
    contract_awards: int = 0  # awards made by competition (regimes with ``competitive``)
    single_bid: int = 0  # of those, awards with one bid
    tenders: int = 0
    eligible: int = 0  # eligible organizations, summed over tendered lots
    lots_tendered: int = 0
    awarded_value: float = 0.0  # yuan: value of competitive awards over their term
    tendering_cost: float = 0.0  # yuan: buyers' ex-ante cost of running the tenders
    terminations: int = 0
    entitled: int = 0  # residents entitled to choose their provider (e.g. voucher holders)
    taking_up: int = 0  # of those, residents served by the provider they chose
    switched: int = 0  # residents who changed provider by their own choice
    service_gaps: int = 0  # lots that served under half their need over the year just ended


class EventLog:
    """Event tables (lists of rows) and this month's counts; ``step`` is the month recorded."""

    def __init__(self):
        self.tables: dict[str, list[dict]] = {k: [] for k in TABLES}
        self.counts = MonthCounts()
        self.step = 0
        self._ids: dict[str, int] = {}

    def begin_month(self, step: int) -> None:
        self.step = step
        self.counts = MonthCounts()

    def new_id(self, kind: str) -> int:
        """The next number of a kind of thing (tender, arrangement, entrant), from 1."""
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    # -- procurement ----------------------------------------------------------------------------
    def tender(self, tender, buyer, lots: int, eligible_counts, n_bids: int, cost: float) -> None:
        """A competitive tender of ``lots`` lots, its bids and what it cost the buyer."""
        c = self.counts
        c.tenders += 1
        c.lots_tendered += lots
        c.eligible += sum(eligible_counts)
        c.bids += n_bids
        c.tendering_cost += cost
        self.tables["tenders"].append(
            {
                "step": self.step,
                "tender": tender,
                "buyer": buyer.name,
                "lots": lots,
                "eligible_mean": sum(eligible_counts) / max(lots, 1),
                "bids": n_bids,
                "cost": cost,
            }
        )

    def bids(self, tender, lot, options, choice) -> None:
        """The bids on one lot (options of kind ``bid``), and which one won."""
        for i, o in enumerate(options):
            if o["kind"] != "bid":
                continue
            self.tables["bids"].append(
                {
                    "step": self.step,
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

    def award(self, tender, buyer, lot, provider, regime, price, units, term, n_bids) -> None:
        """A lot awarded to ``provider`` (``None``: no award) under ``regime``."""
        c = self.counts
        incumbent = lot.last_provider
        if provider is not None:
            c.awards += 1
            if incumbent is not None:
                c.incumbent_lots += 1
                c.reawards += provider is incumbent
            if regime.competitive:
                c.contract_awards += 1
                c.single_bid += n_bids == 1
                c.awarded_value += price * units * term
        self.tables["awards"].append(
            {
                "step": self.step,
                "tender": tender,
                "buyer": buyer.name,
                "lot": lot.id,
                "line": buyer.line_params(lot.line)["name"],
                "community": lot.community,
                "provider": provider.name if provider is not None else "",
                "regime": regime.name,
                "price": price,
                "units": units,
                "term": term,
                "value": price * units * term,
                "bids": n_bids,
                "incumbent": provider is not None and provider is incumbent,
            }
        )

    def grant(self, buyer, lot, org, amount, applications) -> None:
        """A grant to ``org`` toward ``lot``, out of ``applications``."""
        c = self.counts
        c.awards += 1
        if lot.last_provider is not None:
            c.incumbent_lots += 1
            c.reawards += org is lot.last_provider
        self.tables["grants"].append(
            {
                "step": self.step,
                "buyer": buyer.name,
                "lot": lot.id,
                "organization": org.name,
                "amount": amount,
                "applications": applications,
            }
        )

    # -- residents' choice of provider ------------------------------------------------------
    def entitlement(self, entitled: int, taking_up: int) -> None:
        """This month, on one lot: residents entitled to choose a provider, and those served by
        the provider they chose (regimes where residents choose report it each month)."""
        self.counts.entitled += entitled
        self.counts.taking_up += taking_up

    def switches(self, n: int) -> None:
        """Residents who changed provider by their own choice."""
        self.counts.switched += n

    def choice(self, buyer, lot, provider, residents: int, hours: float) -> None:
        """After a round of choice: how many residents of ``lot`` chose ``provider``."""
        self.tables["choices"].append(
            {
                "step": self.step,
                "buyer": buyer.name,
                "lot": lot.id,
                "provider": provider.name,
                "residents": residents,
                "hours": hours,
                "reputation": provider.reputation,
                "skill": provider.skill,
            }
        )

    # -- arrangements and organizations ---------------------------------------------------------
    def termination(self, arr, reason: str) -> None:
        """An arrangement ended before its term (``reason``: terminated, regime_switch)."""
        if reason == "terminated":
            self.counts.terminations += 1
        self.tables["terminations"].append(
            {
                "step": self.step,
                "buyer": arr.buyer.name,
                "lot": arr.lot.id,
                "provider": arr.provider.name,
                "regime": arr.regime.name,
                "reason": reason,
                "strikes": arr.strikes,
            }
        )

    def taken_back(self) -> None:
        self.counts.taken_back += 1

    def entry(self, org, line_name: str) -> None:
        self.counts.entries += 1
        self.tables["entries"].append(
            {"step": self.step, "organization": org.name, "origin": org.origin, "line": line_name}
        )

    def exit(self, org) -> None:
        self.counts.exits += 1
        self.tables["exits"].append(
            {"step": self.step, "organization": org.name, "origin": org.origin, "cash": org.cash}
        )

    def service_gap(self, year: int, lot, need_met: float) -> None:
        """A lot that served under half of its need over a year."""
        self.counts.service_gaps += 1
        self.tables["service_gaps"].append(
            {
                "year": year,
                "buyer": lot.buyer.name,
                "lot": lot.id,
                "line": lot.buyer.line_params(lot.line)["name"],
                "community": lot.community,
                "need_met": need_met,
                "provider": lot.arrangements[0].provider.name if lot.arrangements else "",
            }
        )

    def annual_accounts(self, year: int, organizations) -> None:
        """Each organization's year: revenue by kind, costs, cash, staff, dependence, drift."""
        for org in organizations:
            if not org.active and org.cash <= 0 and not org.history:
                continue
            t = org.trailing()
            gov = sum(t["gov"].values())
            revenue = gov + t["private"] + t["outside"]
            self.tables["accounts"].append(
                {
                    "year": year,
                    "organization": org.name,
                    "origin": org.origin,
                    "active": org.active,
                    "revenue_government": gov,
                    "revenue_private": t["private"],
                    "revenue_outside": t["outside"],
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
