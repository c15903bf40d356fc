"""Every parameter of gpps: name, default, bounds, unit, description, source.

This module is the single source of truth. Scenario validation, the CLI, the ODD parameter
table, sweep specs and dashboard sliders all read ``PARAMS``. Defaults live here only.

A parameter has a *scope*: ``model`` (one value per run), ``buyer`` (a default that a
``[[buyers]]`` entry may override), ``organization`` (same for ``[[organizations]]``) or
``line`` (same for ``[[service_lines]]``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

EVALUATIONS = ("none", "internal", "third_party")
ORIGINS = ("founded", "grassroots", "external")

#: Working days per month, used to turn staff days into yuan.
WORKING_DAYS_PER_MONTH = 21.75


@dataclass(frozen=True)
class Param:
    """One parameter. ``kind`` is ``float``, ``int``, ``bool`` or ``choice``."""

    name: str
    default: Any
    kind: str
    unit: str
    description: str
    source: str
    scope: str = "model"
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | Callable[[], tuple[str, ...]] = ()

    @property
    def options(self) -> tuple[str, ...]:
        """Allowed values of a ``choice`` parameter (a registry may supply them)."""
        return self.choices() if callable(self.choices) else self.choices

    def check(self, value: Any) -> Any:
        """Return ``value`` coerced to this parameter's type, or raise ``ValueError``."""
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise ValueError("a boolean (true or false)")
        if self.kind == "choice":
            if isinstance(value, str) and value in self.options:
                return value
            raise ValueError("one of " + ", ".join(self.options))
        if isinstance(value, bool) or not isinstance(value, (numbers.Integral, numbers.Real)):
            raise ValueError(f"a number {self.allowed()}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"a finite number {self.allowed()}")
        if self.kind == "int":
            if isinstance(value, numbers.Integral):
                value = int(value)
            else:
                if not value.is_integer():
                    raise ValueError(f"an integer {self.allowed()}")
                value = int(value)
        else:
            value = float(value)
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            raise ValueError(f"a value {self.allowed()}")
        return value

    def allowed(self) -> str:
        """Human-readable range, e.g. ``in [0, 1]``."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.options)
        if self.kind == "bool":
            return "true or false"
        return f"in [{_fmt(self.low, '-inf')}, {_fmt(self.high, 'inf')}]"


def _fmt(x: float | None, unbounded: str) -> str:
    return unbounded if x is None else f"{x:g}"


def _p(name, default, kind, unit, low, high, description, source, scope="model", choices=()):
    choices = choices if callable(choices) else tuple(choices)
    return Param(name, default, kind, unit, description, source, scope, low, high, choices)


def regime_names() -> tuple[str, ...]:
    """Registered purchase regimes (built-in ones and any registered later)."""
    from .regimes import REGIMES

    return tuple(REGIMES)


_ASSUMPTION = "assumption"

# fmt: off
_PARAM_LIST = [
    # --- scale and time -------------------------------------------------------------------
    _p("steps", 120, "int", "months", 1, 1200,
       "Length of a run; one step is one month.",
       "assumption: ten years lets contracts turn over several times"),
    _p("population", 100_000, "float", "persons", 10, 1e+09,
       "Persons the simulated residents stand for; need, posts and money scale with it.",
       "assumption: a street office's four communities (社区) of about 25,000 people each"),
    _p("n_residents", 2000, "int", "agents", 10, 5e+06,
       "Resident agents; each stands for population / n_residents persons.",
       "assumption: resolution, not a property of the world"),
    _p("n_communities", 4, "int", "communities", 1, 500,
       "Communities; each community and service line is one lot.",
       "assumption"),
    _p("migrant_share", 0.3, "float", "share", 0, 1,
       "Share of residents without local hukou.",
       "assumption: Pearl River Delta streets such as Luocun have large migrant populations "
       "(docs/domain.md §3, reading)"),
    _p("network_degree", 8.0, "float", "ties per resident", 0, 200,
       "Mean number of social ties per resident (word of mouth).",
       "assumption: core discussion networks of a few to a dozen people"),
    _p("network_cross_share", 0.1, "float", "share", 0, 1,
       "Share of ties that cross community boundaries.",
       "assumption"),
    _p("n_service_lines", 2, "int", "lines", 1, 20,
       "Generated service lines when a scenario names none.",
       "assumption"),
    # --- service lines ----------------------------------------------------------------------
    _p("need_prevalence", 0.1, "float", "share of persons", 0, 1,
       "Share of persons who need the service line.",
       "assumption: the line's target group (frail elders, youth at risk, migrant families) is "
       "a small minority of residents", "line"),
    _p("need_units_per_person", 0.5, "float", "service hours per person-month", 0.01, 1000,
       "Mean need of a person who needs the line.",
       "assumption: a visit or a group session a month", "line"),
    _p("measurability", 0.5, "float", "share", 0, 1,
       "Share of quality that a contract can specify and verify (contractible quality).",
       "assumption within the range for social services, hard to measure (Brown & Potoski 2003; "
       "Hart, Shleifer & Vishny 1997)", "line"),
    _p("migrants_eligible", True, "bool", "", None, None,
       "Whether migrants may receive the line (eligibility by hukou status).",
       "docs/domain.md §4: Shanghai's youth programme targeted hukou youth", "line"),
    # --- production and cost ----------------------------------------------------------------
    _p("staff_wage", 5000.0, "float", "yuan per post-month", 100, 1e+06,
       "Monthly cost of a social-organization post (salary and social insurance).",
       "Shenzhen 2008: 60,000 yuan per social worker per year (docs/domain.md §2, seen)"),
    _p("public_wage", 6000.0, "float", "yuan per post-month", 100, 1e+06,
       "Monthly cost of a public-sector post (in-house production, buyer's staff time).",
       "assumption: public-sector pay and benefits about 20% above social-work pay"),
    _p("post_rate", 5000.0, "float", "yuan per post-month", 100, 1e+06,
       "What a buyer pays per funded post under post-based purchase.",
       "Shenzhen 2008: 60,000 yuan per worker per year (docs/domain.md §2, seen)"),
    _p("units_per_post", 60.0, "float", "service hours per post-month", 1, 1000,
       "Direct service hours a trained post delivers per month, before learning.",
       "assumption: about 40% of 160 working hours in direct service"),
    _p("overhead_rate", 0.15, "float", "share of wage bill", 0, 3,
       "Non-staff operating cost (rent, travel, materials) per yuan of wages.",
       "assumption"),
    _p("quality_cost_share", 0.3, "float", "share of unit cost", 0, 1,
       "Share of unit cost that pays for quality effort, and so can be saved by shading.",
       "assumption"),
    _p("learning_rate", 0.05, "float", "productivity gain per doubling", 0, 0.5,
       "Learning by doing: productivity gain per doubling of cumulative output, counted in years "
       "of the producer's current output.",
       "assumption: progress ratios of 0.8-0.95 for labour-intensive work"),
    _p("slack_growth", 0.03, "float", "per month", 0, 0.2,
       "Growth of cost slack (X-inefficiency) while an organization's losses are covered.",
       "assumption: soft budget constraint (Kornai); slack of 10-50% reported for X-inefficiency "
       "(Leibenstein)"),
    _p("slack_decay", 0.03, "float", "per month", 0, 1,
       "Fall of cost slack while an organization bears its own losses.",
       "assumption"),
    _p("slack_max", 0.6, "float", "share of unit cost", 0, 3,
       "Largest cost slack.",
       "Leibenstein's X-inefficiency range (assumption)"),
    _p("reserve_cap_months", 12.0, "float", "months of costs", 0, 240,
       "Reserves above this are spent on the organization's own programmes.",
       "assumption: non-profits hold a few months to a year of reserves"),
    _p("staff_turnover", 0.015, "float", "chance per post-month", 0, 1,
       "Chance that a post is vacated in a month (staff leave; the post is filled again by a "
       "novice, and the leaver's share of experience is lost).",
       "assumption: annual turnover of social workers in Chinese cities is often put near "
       "15-20% (recalled); 1.5% a month is 17% a year"),
    _p("novice_quality_gap", 0.2, "float", "share of quality", 0, 1,
       "Quality a newly hired post falls short of a trained one's.",
       "assumption"),
    _p("training_months", 6.0, "float", "months", 1, 120,
       "Months until a novice delivers a trained post's quality (novices decay at one over "
       "this a month).",
       "assumption"),
    _p("public_slack_growth", 0.01, "float", "per month", 0, 0.2,
       "Growth of cost slack in a buyer's in-house unit (its soft budget), toward "
       "public_slack_max.",
       "assumption: bureaus' X-inefficiency (Leibenstein 1966; Niskanen 1971), slower than a "
       "post-funded affiliate's because establishment posts are fixed"),
    _p("public_slack_max", 0.05, "float", "share of unit cost", 0, 3,
       "Largest cost slack of an in-house unit.",
       "assumption: within Leibenstein's X-inefficiency range"),
    _p("max_staff_growth", 0.25, "float", "share per month", 0, 10,
       "Largest monthly growth of an organization's staff (hiring limit).",
       "assumption"),
    # --- organizations ----------------------------------------------------------------------
    _p("n_independent_orgs", 4, "int", "organizations", 0, 10000,
       "Generated independent organizations (grassroots or external) at the start.",
       "assumption: thin local markets; US services average under two alternatives (Girth et al. "
       "2012)"),
    _p("line_coverage", 0.6, "float", "share", 0, 1,
       "Chance that a generated independent organization provides a given service line (each "
       "provides at least one).",
       "assumption: most NGOs specialise"),
    _p("community_coverage", 1.0, "float", "share", 0, 1,
       "Chance that a generated independent organization works in a given community "
       "(each works in at least one).", "assumption: many NGOs are local"),
    _p("tied_share", 0.0, "float", "share", 0, 1,
       "Share of generated independent organizations with leadership ties to a buyer "
       "(officials on the board).", "Dong & Lu 2021: board co-optation is common"),
    _p("external_share", 0.25, "float", "share", 0, 1,
       "Share of generated independent organizations that come from outside the district.",
       "assumption"),
    _p("skill", 0.75, "float", "quality at full effort", 0, 1,
       "Professional capability: quality delivered at full effort (mean of generated "
       "organizations; also the in-house unit's).",
       "assumption", "organization"),
    _p("skill_sd", 0.1, "float", "quality", 0, 1,
       "Spread of capability between organizations.",
       "assumption"),
    _p("mission", 0.5, "float", "weight", 0, 1,
       "Mission motivation: weight an organization puts on the quality it delivers.",
       "Besley & Ghatak 2005 (recalled); assumption for the value", "organization"),
    _p("mission_sd", 0.2, "float", "weight", 0, 1,
       "Spread of mission motivation between generated organizations.",
       "assumption"),
    _p("cost_sd", 0.1, "float", "share of unit cost", 0, 1,
       "Spread of unit cost between organizations.",
       "assumption"),
    _p("initial_reserve_months", 3.0, "float", "months of costs", 0, 120,
       "Cash reserves of an organization at the start.",
       "assumption", "organization"),
    _p("capacity_share", 0.5, "float", "share of a line's need", 0, 10,
       "Initial staff of an organization, as a share of one line's total need.",
       "assumption", "organization"),
    _p("founded_per_buyer", 1, "int", "organizations", 0, 10,
       "Organizations each generated buyer has founded at the start (its affiliates).",
       "the Shanghai cases: each buyer office founded its own organization (docs/domain.md §3)"),
    _p("shading_aversion", 1.0, "float", "weight", 0.01, 100,
       "Convex disutility of shading (professional norms); higher means less shading.",
       "assumption"),
    _p("mission_drift_rate", 0.02, "float", "per month", 0, 1,
       "Speed at which funder-designed work pulls an organization from its mission.",
       "resource dependence (Pfeffer & Salancik 1978); assumption for the value"),
    _p("fundraising_effort", 0.5, "float", "share", 0, 1,
       "Fundraising effort of an organization with no public funding.",
       "assumption"),
    _p("crowd_out", 0.7, "float", "share", 0, 1,
       "How much public funding of its costs cuts an organization's fundraising effort.",
       "Andreoni & Payne 2011: grants crowd out private giving mostly through reduced "
       "fundraising"),
    _p("donor_pool_per_capita", 3.0, "float", "yuan per person-month", 0, 100000,
       "Private money residents and local donors could give to local social services (what is "
       "given depends on organizations' fundraising and residents' opinions).",
       "China's recorded charitable giving, about 140-210 billion yuan a year in 2018-2020 "
       "(China Charity Alliance annual donation reports; recalled), is 8-12 yuan per "
       "person-month for all causes; about a quarter is assumed open to local social services"),
    _p("outside_core_cover", 0.5, "float", "share of the core team's cost", 0, 5,
       "Revenue from funders and clients outside the simulated buyers (other departments and "
       "districts, foundations, fee-paying clients), as a share of an organization's core "
       "team's cost a month at reputation 0.5 (scaled by reputation, up to twice). Affiliates "
       "still tied to their founder have none.",
       "assumption: US human-service nonprofits get about a third of their funding outside "
       "government (Boris et al. 2010); Ziqiang widened its funding by bidding for other "
       "buyers' projects"),
    _p("fundraising_cost_ratio", 0.2, "float", "yuan per yuan raised", 0, 1,
       "Cost of raising one yuan of donations.",
       "assumption"),
    _p("bid_staff_days", 10.0, "float", "staff days per bid", 0, 1000,
       "Staff time an organization spends on one bid or grant application.",
       "assumption"),
    _p("bid_capacity", 3.0, "float", "times current staff", 0, 100,
       "An organization bids only for lots it could staff: its commitments, won and bid for, "
       "stay within this multiple of the most staff it has run.",
       "assumption: hiring takes months (max_staff_growth)"),
    _p("entry_rate", 0.05, "float", "per month", 0, 1,
       "Chance per month that a new independent organization enters when independent providers "
       "may take part and an opportunity draws fewer than two bids.",
       "assumption"),
    _p("exit_grace_months", 3, "int", "months", 0, 120,
       "Months in a row an organization may hold no arrangement and less cash than one "
       "post-month before it exits.",
       "assumption"),
    # --- residents --------------------------------------------------------------------------
    _p("perception_sd", 0.1, "float", "quality", 0, 1,
       "Spread of residents' personal standards: a fixed offset to the quality they perceive.",
       "assumption"),
    _p("expectation_initial", 0.6, "float", "quality", 0, 1,
       "Quality residents expect at the start.",
       "assumption"),
    _p("expectation_adapt", 0.05, "float", "per month", 0, 1,
       "Speed at which expectations follow experience.",
       "assumption"),
    _p("satisfaction_slope", 2.0, "float", "per unit quality", 0, 100,
       "How steeply satisfaction rises with experienced quality above expectation.",
       "assumption"),
    _p("complaint_threshold", 0.25, "float", "satisfaction", 0, 1,
       "Satisfaction below which a resident may complain.",
       "assumption"),
    _p("complaint_propensity", 0.3, "float", "chance per month", 0, 1,
       "Chance that a dissatisfied resident complains in a month.",
       "assumption"),
    _p("word_of_mouth", 0.3, "float", "share per month", 0, 1,
       "Share of a resident's opinion that moves toward its neighbours' each month.",
       "assumption"),
    _p("reputation_speed", 0.15, "float", "share per month", 0, 1,
       "Speed at which a provider's reputation follows residents' opinion of it.",
       "assumption"),
    _p("donation_share_residents", 0.5, "float", "share", 0, 1,
       "Share of the donor pool given by residents to the providers they know; the rest comes "
       "from local donors by reputation.",
       "assumption"),
    # --- buyers -----------------------------------------------------------------------------
    _p("n_buyers", 2, "int", "buyers", 1, 100,
       "Generated buyers when a scenario names none; buyer k holds line k modulo lines.",
       "assumption"),
    _p("regime", "administrative_dependence", "choice", "", None, None,
       "Purchase regime a buyer holds unless a schedule or decision changes it.",
       "the study: administrative dependence is the common form in China", "buyer", regime_names),
    _p("budget_general_per_capita", 40.0, "float", "yuan per person-year", 0, 1e+06,
       "Buyer's general-budget money for its lines.",
       "Nanhai district tendered about 160 million yuan of services in 2017 (docs/domain.md "
       "§3) for about 3 million residents (recalled): some 55 yuan per person-year for all "
       "its projects; a buyer's line here gets 50 with the lottery money", "buyer"),
    _p("budget_lottery_per_capita", 10.0, "float", "yuan per person-year", 0, 1e+06,
       "Buyer's lottery / welfare-fund money.",
       "Shanghai 2009: lottery funds paid for tendered services (docs/domain.md §3)", "buyer"),
    _p("budget_earmarked_per_capita", 0.0, "float", "yuan per person-year", 0, 1e+06,
       "Buyer's earmarked or donor money (e.g. an ADB grant).",
       "assumption", "buyer"),
    _p("retender_delay_months", 3, "int", "months", 1, 60,
       "Months before a lot that found no provider (no bid, no applicant) is purchased again.",
       "assumption: a failed tender (流标) is prepared again", "buyer"),
    _p("start_step", 0, "int", "month", 0, 1200,
       "Month from which the buyer provides its lots (a later round of purchase).",
       "assumption; Jiangxi 2006 tendered its villages in two rounds", "buyer"),
    _p("monitoring_capacity", 0.3, "float", "chance per month", 0, 1,
       "Chance that a buyer inspects an arrangement in a month (its monitoring staff).",
       "Dahlström et al. 2016: better-staffed buyers see less quality loss; value assumed",
       "buyer"),
    _p("evaluation", "internal", "choice", "", None, None,
       "Evaluation mechanism: none, internal appraisal, or third-party evaluation.",
       "the study's evaluation dimension", "buyer", EVALUATIONS),
    _p("contract_term_months", 12, "int", "months", 1, 120,
       "Term of contracts and grants before re-tender or renewal.",
       "Chinese practice: usually one year, up to three (recalled)", "buyer"),
    _p("weight_price", 0.4, "float", "weight", 0, 1,
       "Tender score weight on price.",
       "assumption", "buyer"),
    _p("weight_quality", 0.3, "float", "weight", 0, 1,
       "Tender score weight on promised quality (capability).",
       "assumption", "buyer"),
    _p("weight_reputation", 0.3, "float", "weight", 0, 1,
       "Tender score weight on reputation.",
       "assumption", "buyer"),
    _p("weight_ties", 0.0, "float", "weight", 0, 1,
       "Tender score weight on existing ties to the buyer (decoupled tendering).",
       "Jing & Chen 2013: awards follow existing relationships", "buyer"),
    _p("fixed_price", False, "bool", "", None, None,
       "Tenders at a fixed price: bidders compete on capability and reputation only.",
       "Jiangxi 2006: 500,000 yuan per village, price fixed (docs/domain.md §3)", "buyer"),
    _p("max_lots_per_bidder", 0, "int", "lots per tender", 0, 10000,
       "Most lots of one tender a single organization may win (0: no limit); a bidder that "
       "holds as many withdraws its bids for the lots still to be awarded.",
       "assumption: no limit; programmes may spread projects over organizations (Jiangxi "
       "2006 gave six villages to six NGOs, docs/domain.md §3)", "buyer"),
    _p("ceiling_markup", 0.2, "float", "share", 0, 5,
       "Ceiling price above the buyer's estimate of an efficient unit cost.",
       "assumption", "buyer"),
    _p("penalty_rate", 0.2, "float", "share of a month's payment", 0, 1,
       "Payment withheld when an inspection finds measurable quality below the promise.",
       "assumption", "buyer"),
    _p("inspection_soft_share", 0.3, "float", "chance per inspection", 0, 1,
       "Chance that an inspection also perceives non-measurable shading above the tolerance "
       "(inspectors see some of the soft quality on site).",
       "Dahlström et al. 2016: better-staffed buyers see less of the satisfaction loss from "
       "outsourcing; value assumed", "buyer"),
    _p("delivery_tolerance", 0.1, "float", "share of committed hours", 0, 1,
       "How far a provider may fall short of its committed hours in a month before it is a "
       "breach (a failure, seen on the invoice where payment is per hour or voucher, else at an "
       "inspection).",
       "assumption: service contracts allow small shortfalls", "buyer"),
    _p("strikes_to_terminate", 3, "int", "failures", 1, 100,
       "Failures (detected shortfalls, bad evaluations) before a buyer ends an arrangement.",
       "assumption", "buyer"),
    _p("terminations_to_take_back", 2, "int", "terminations", 1, 100,
       "Terminations on one lot before the buyer takes the service back in-house.",
       "Hefetz & Warner 2004: services return in-house after quality problems", "buyer"),
    _p("tender_staff_days", 120.0, "float", "staff days per tender", 0, 10000,
       "Buyer staff time to prepare and run one tender.",
       "Petersen et al. 2019 (ex-ante cost ≈ 2.7% of contract value); value assumed", "buyer"),
    _p("lot_staff_days", 30.0, "float", "staff days per lot", 0, 10000,
       "Buyer staff time to specify one lot of a tender.",
       "assumption", "buyer"),
    _p("bid_review_staff_days", 12.0, "float", "staff days per bid", 0, 10000,
       "Buyer staff time to evaluate one bid or grant application.",
       "assumption", "buyer"),
    _p("management_staff_days", 1.0, "float", "staff days per arrangement-month", 0, 100,
       "Buyer staff time to manage one contract or grant per month.",
       "assumption", "buyer"),
    _p("inspection_staff_days", 2.0, "float", "staff days per inspection", 0, 100,
       "Buyer staff time for one inspection.",
       "assumption", "buyer"),
    _p("appraisal_staff_days", 2.0, "float", "staff days per post-year", 0, 100,
       "Staff time of internal appraisal per funded post and year.",
       "assumption", "buyer"),
    _p("third_party_cost_share", 0.01, "float", "share of arrangement value", 0, 0.5,
       "Fee of a third-party evaluator per yuan evaluated.",
       "assumption", "buyer"),
    _p("in_house_management_share", 0.15, "float", "share of in-house wage bill", 0, 3,
       "Management overhead of in-house production.",
       "assumption", "buyer"),
    _p("internal_sensitivity", 0.1, "float", "chance", 0, 1,
       "Chance that internal appraisal acts on residents' complaints about a provider.",
       "assumption", "buyer"),
    _p("third_party_sensitivity", 0.4, "float", "chance", 0, 1,
       "Chance that a third-party evaluation acts on residents' complaints about a provider.",
       "assumption", "buyer"),
    _p("complaint_tolerance", 0.1, "float", "share of users", 0, 1,
       "Share of a provider's users complaining in a month that counts as a failure when the "
       "evaluation notices it.",
       "assumption", "buyer"),
    _p("grant_review_noise", 0.15, "float", "score units", 0, 10,
       "Noise of grant reviewers' scores (capability + reputation).",
       "assumption", "buyer"),
    _p("negotiated_margin", 0.1, "float", "share of unit cost", 0, 2,
       "Margin over its unit cost an entrusted organization negotiates.",
       "assumption", "buyer"),
    _p("negotiated_term_months", 12, "int", "months", 1, 120,
       "Term of a negotiated entrustment before the buyer negotiates it again.",
       "Chinese practice: a year, then renewed (recalled; docs/domain.md §2)", "buyer"),
    _p("grant_award_share", 0.25, "float", "share of a lot", 0.01, 1,
       "Size of one grant award as a share of a lot's budget (many smaller awards).",
       "Shanghai 2008: 152 applications, 83 grants (docs/domain.md §2)", "buyer"),
    _p("grant_funder_design_share", 0.5, "float", "share of the work's content", 0, 1,
       "Share of a granted project's content the funder sets: organizations design their "
       "projects, the funder chooses among them and sets the call's priorities. Drives mission "
       "drift under grants (contract and designated work: the funder sets it all).",
       "assumption: half, between the applicant's design and the funder's choice", "buyer"),
    _p("voucher_markup", 0.2, "float", "share", 0, 5,
       "Vouchers: the hour a voucher pays for, above the buyer's estimate of an efficient unit "
       "cost (a voucher's value is that price times the mean need of the lot's entitled "
       "residents, a month).",
       "assumption: as ceiling_markup, the buyer prices what it buys the same way", "buyer"),
    _p("voucher_take_up", 0.7, "float", "share of holders", 0, 1,
       "Vouchers: chance that a resident issued a voucher uses it.",
       "assumption: most but not all holders use service vouchers", "buyer"),
    _p("voucher_accreditation_skill", 0.6, "float", "quality at full effort", 0, 1,
       "Vouchers: the least capability the buyer accredits (its entry standard).",
       "assumption: about one s.d. under the mean capability (skill, skill_sd)", "buyer"),
    _p("voucher_choice_sensitivity", 10.0, "float", "per unit of rating", 0, 100,
       "Vouchers: how strongly a holder's choice among accredited providers follows their "
       "rating (multinomial logit; 0: a uniform draw).",
       "assumption: a rating gap of 0.1 makes a provider e (2.7) times as likely", "buyer"),
    _p("voucher_local_preference", 0.05, "float", "rating units", 0, 1,
       "Vouchers: what a provider based in the holder's own community adds to its rating.",
       "assumption: closeness matters for home and community care, less than quality", "buyer"),
    _p("voucher_switch_months", 3, "int", "months", 1, 120,
       "Vouchers: months between a holder's opportunities to change provider.",
       "assumption: a quarter", "buyer"),
    _p("voucher_switch_margin", 0.05, "float", "rating units", 0, 1,
       "Vouchers: how much better an alternative must look than the holder's opinion of its "
       "provider before it switches (the cost of changing).",
       "assumption", "buyer"),
    _p("voucher_word_of_mouth", 0.5, "float", "share", 0, 1,
       "Vouchers: chance that the alternative a holder weighs is a neighbour's provider, as "
       "the neighbour judges it, rather than a rated provider from the buyer's list.",
       "assumption", "buyer"),
]
# fmt: on

PARAMS: dict[str, Param] = {p.name: p for p in _PARAM_LIST}


# -- priors: what is believed about each assumed parameter before a case's data ----------------
@dataclass(frozen=True)
class Prior:
    """A prior over one parameter: ``uniform`` or ``loguniform`` on [``low``, ``high``]
    (an integer parameter takes the nearest integer), with the reason for the range."""

    shape: str
    low: float
    high: float
    reason: str

    SHAPES = ("uniform", "loguniform")

    def to_unit(self, x):
        """The parameter value(s) ``x`` mapped to [0, 1], where the prior is uniform."""
        import numpy as np

        x = np.asarray(x, dtype=float)
        if self.shape == "loguniform":
            return (np.log(x) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (x - self.low) / (self.high - self.low)

    def from_unit(self, u):
        """Inverse of ``to_unit``."""
        import numpy as np

        u = np.asarray(u, dtype=float)
        if self.shape == "loguniform":
            return np.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)


def _u(low, high, reason):
    return Prior("uniform", low, high, reason)


def _log(low, high, reason):
    return Prior("loguniform", low, high, reason)


_WIDE = "no source: a wide range around the default"
# fmt: off
#: Priors of the assumed behavioural, cost and market parameters. A case's targets file may
#: give its own prior for any parameter it frees (e.g. the number of organizations in a city).
PRIORS: dict[str, Prior] = {
    "network_degree": _u(3, 15, "core discussion networks of a few to a dozen people"),
    "network_cross_share": _u(0.0, 0.3, _WIDE),
    "measurability": _u(0.2, 0.8, "social services sit in the hard-to-measure half of "
                        "services (Brown & Potoski 2003); the range spans that half and more"),
    "public_wage": _u(5000, 7500, "public pay and benefits 0-50% above social-work pay"),
    "units_per_post": _u(40, 100, "25-60% of 160 working hours a month in direct service"),
    "overhead_rate": _u(0.05, 0.35, _WIDE),
    "quality_cost_share": _u(0.1, 0.5, _WIDE),
    "learning_rate": _u(0.0, 0.2, "progress ratios of 0.8-1.0 for labour-intensive work"),
    "slack_growth": _log(0.005, 0.1, "slack reaching its ceiling within months to decades"),
    "slack_decay": _log(0.005, 0.2, "slack worn down within months to decades"),
    "reserve_cap_months": _u(3, 24, "non-profits hold a few months to two years of reserves"),
    "staff_turnover": _u(0.005, 0.04, "annual turnover of 6-40% of social workers"),
    "novice_quality_gap": _u(0.0, 0.4, _WIDE),
    "training_months": _u(2, 12, "a few months to a year to learn the work"),
    "public_slack_growth": _log(0.002, 0.05, "bureau slack reaching its ceiling in 2-40 years"),
    "public_slack_max": _u(0.0, 0.3, "the lower part of Leibenstein's X-inefficiency range"),
    "max_staff_growth": _u(0.05, 0.5, _WIDE),
    "line_coverage": _u(0.2, 1.0, "from specialists to generalists"),
    "community_coverage": _u(0.2, 1.0, "from neighbourhood groups to city-wide organizations"),
    "external_share": _u(0.0, 0.5, _WIDE),
    "skill": _u(0.6, 0.9, _WIDE),
    "skill_sd": _u(0.02, 0.2, _WIDE),
    "mission_sd": _u(0.05, 0.3, _WIDE),
    "cost_sd": _u(0.02, 0.25, "unit costs of similar providers differ by a few to 25%"),
    "initial_reserve_months": _u(1, 12, "a month to a year of reserves"),
    "capacity_share": _u(0.2, 1.0, _WIDE),
    "shading_aversion": _log(0.2, 5.0, "a twenty-five-fold range around the default"),
    "fundraising_effort": _u(0.2, 0.8, _WIDE),
    "outside_core_cover": _u(0.0, 1.0, "from none to the whole core team's cost"),
    "fundraising_cost_ratio": _u(0.1, 0.4, "charities spend 10-40 fen to raise a yuan"),
    "bid_staff_days": _u(3, 20, "a few days to a month of staff time per bid"),
    "bid_capacity": _u(1.0, 5.0, "bidding for what the staff could do up to five times over"),
    "entry_rate": _log(0.005, 0.2, "an entrant every few months to every few years"),
    "exit_grace_months": _u(1, 6, _WIDE),
    "perception_sd": _u(0.02, 0.2, _WIDE),
    "expectation_initial": _u(0.4, 0.8, _WIDE),
    "expectation_adapt": _log(0.01, 0.2, "expectations adapting within months to years"),
    "satisfaction_slope": _u(1.0, 4.0, _WIDE),
    "complaint_threshold": _u(0.1, 0.4, _WIDE),
    "complaint_propensity": _u(0.1, 0.6, _WIDE),
    "word_of_mouth": _u(0.1, 0.6, _WIDE),
    "reputation_speed": _u(0.05, 0.3, _WIDE),
    "donation_share_residents": _u(0.2, 0.8, _WIDE),
    "ceiling_markup": _u(0.05, 0.4, "ceilings a few to 40% above the estimated cost"),
    "penalty_rate": _u(0.05, 0.4, _WIDE),
    "delivery_tolerance": _u(0.05, 0.2, _WIDE),
    "strikes_to_terminate": _u(2, 5, _WIDE),
    "lot_staff_days": _u(10, 60, _WIDE),
    "bid_review_staff_days": _u(4, 24, _WIDE),
    "management_staff_days": _u(0.5, 3.0, _WIDE),
    "inspection_staff_days": _u(1.0, 4.0, _WIDE),
    "appraisal_staff_days": _u(1.0, 4.0, _WIDE),
    "third_party_cost_share": _log(0.005, 0.05, "evaluation at 0.5-5% of a project's value"),
    "in_house_management_share": _u(0.05, 0.3, _WIDE),
    "internal_sensitivity": _u(0.02, 0.3, _WIDE),
    "third_party_sensitivity": _u(0.2, 0.7, _WIDE),
    "complaint_tolerance": _u(0.05, 0.3, _WIDE),
    "grant_review_noise": _u(0.05, 0.4, _WIDE),
    "negotiated_margin": _u(0.0, 0.3, _WIDE),
    "grant_funder_design_share": _u(0.2, 0.8, "from mostly the applicant's design to mostly "
                                    "the funder's"),
    "voucher_markup": _u(0.05, 0.4, "as ceiling_markup"),
    "voucher_take_up": _u(0.4, 0.95, _WIDE),
    "voucher_accreditation_skill": _u(0.5, 0.7, _WIDE),
    "voucher_choice_sensitivity": _log(2.0, 30.0, _WIDE),
    "voucher_local_preference": _u(0.0, 0.15, _WIDE),
    "voucher_switch_months": _u(1, 12, _WIDE),
    "voucher_switch_margin": _u(0.01, 0.15, _WIDE),
    "voucher_word_of_mouth": _u(0.2, 0.8, _WIDE),
}
# fmt: on

#: Assumed parameters without a prior: what a case sets about itself (its size, resolution,
#: budgets, tender design and timing), not behaviour its data could inform.
CASE_SETTINGS = frozenset(
    {
        "steps", "population", "n_residents", "n_communities", "migrant_share",
        "n_service_lines", "need_prevalence", "need_units_per_person", "n_independent_orgs",
        "n_buyers", "budget_general_per_capita", "budget_earmarked_per_capita", "start_step",
        "retender_delay_months", "weight_price", "weight_quality", "weight_reputation",
        "max_lots_per_bidder",
    }
)  # fmt: skip


def defaults(scope: str | None = None) -> dict[str, Any]:
    """Default values, for one scope or all."""
    return {n: p.default for n, p in PARAMS.items() if scope is None or p.scope == scope}


def names(scope: str) -> list[str]:
    """Names of the parameters of one scope."""
    return [n for n, p in PARAMS.items() if p.scope == scope]


def resolve(overrides: dict[str, Any]) -> dict[str, Any]:
    """Defaults updated by ``overrides``; raises ``KeyError`` or ``ValueError`` on bad input.

    Errors carry ``(key, value, allowed)`` as ``args`` so callers can format one line.
    """
    out = defaults()
    for key, value in overrides.items():
        if key not in PARAMS:
            raise KeyError(key)
        try:
            out[key] = PARAMS[key].check(value)
        except ValueError as exc:
            raise ValueError(key, value, str(exc)) from None
    return out
