"""Outcomes: per step (``step_outcomes``) and per run (``summarise``), with stable names.

``OUTCOMES`` is the one list of outcome names, units, descriptions and how a run's series is
summarised: ``ratio`` of two summed series, ``mean`` over months, ``last12`` (mean of the
final year) or ``sum``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from operator import call

import mesa
import numpy as np

from .lazy import lazy

kernels = lazy("sim.kernels")  # numba and the compiled loops: loaded when first used


@dataclass(frozen=True)
class Outcome:
    name: str
    group: str
    unit: str
    description: str
    summary: str = "mean"  # mean | last12 | sum | ratio
    num: str = ""
    den: str = ""
    scale: float = 1.0

    @property
    def label(self) -> str:
        """A plain name for tables and figures (``LABELS``; the name itself if it has none)."""
        return LABELS.get(self.name, (self.name, None))[0]

    @property
    def better(self) -> str | None:
        """``"higher"`` or ``"lower"`` where that value is better, ``None`` where neither is."""
        return LABELS.get(self.name, (self.name, None))[1]

    @property
    def bounds(self) -> tuple[float, float] | None:
        """The range an outcome's values lie in, where its unit gives one (shares, 0-1 scores,
        1 − HHI, HHI); its intervals stay inside it."""
        return (0.0, 1.0) if self.unit in _UNIT_RANGE else None


#: Units of outcomes that lie in [0, 1].
_UNIT_RANGE = {
    "share",
    "0-1",
    "share of outlay",
    "share of providers",
    "share per month",
    "1 - HHI",
    "HHI",
}


O = Outcome
OUTCOMES: list[Outcome] = [
    # efficiency
    O(
        "qa_hours_per_10k_yuan",
        "efficiency",
        "quality-adjusted hours per 10,000 yuan",
        "Service hours times quality delivered, per 10,000 yuan spent on the service (public "
        "money spent, governance included, and private donations to the providers).",
        "ratio",
        "qa_hours",
        "service_outlay_yuan",
        1e4,
    ),
    O(
        "cost_per_hour",
        "efficiency",
        "yuan per hour",
        "Money spent on the service per service hour received.",
        "ratio",
        "service_outlay_yuan",
        "hours_delivered",
    ),
    O(
        "cost_per_qa_hour",
        "efficiency",
        "yuan per quality-adjusted hour",
        "Money spent on the service per quality-adjusted service hour.",
        "ratio",
        "service_outlay_yuan",
        "qa_hours",
    ),
    O(
        "need_met_share",
        "efficiency",
        "share",
        "Share of residents' need that was served.",
        "ratio",
        "hours_delivered",
        "need_total",
    ),
    O(
        "outlay_service",
        "efficiency",
        "yuan per person-month",
        "Money spent on the service (public money spent and private donations to the "
        "providers), per person.",
        "mean",
    ),
    O(
        "outlay_government",
        "efficiency",
        "yuan per person-month",
        "Government money spent (all sources), per person.",
        "mean",
    ),
    O(
        "outlay_general",
        "efficiency",
        "yuan per person-month",
        "General-budget money spent.",
        "mean",
    ),
    O(
        "outlay_lottery",
        "efficiency",
        "yuan per person-month",
        "Lottery/welfare-fund money spent.",
        "mean",
    ),
    O(
        "outlay_earmarked",
        "efficiency",
        "yuan per person-month",
        "Earmarked/donor money spent.",
        "mean",
    ),
    O(
        "outlay_private_providers",
        "efficiency",
        "yuan per person-month",
        "Private donations received by the organizations providing the service this month, per "
        "person (donations to organizations without an arrangement are not spent on it).",
        "mean",
    ),
    O(
        "governance_cost_share",
        "efficiency",
        "share of outlay",
        "Buyers' governance costs (tendering, management, review, appraisal, evaluation, "
        "in-house overhead) per yuan spent on the service.",
        "ratio",
        "governance_cost",
        "service_outlay_yuan",
    ),
    O(
        "tendering_cost_share",
        "efficiency",
        "share of contract value",
        "Buyers' ex-ante tendering cost per yuan of contract value awarded.",
        "ratio",
        "tendering_cost",
        "awarded_value",
    ),
    # quality
    O(
        "quality_measurable",
        "quality",
        "0-1",
        "Measurable (contractible) quality delivered, weighted by hours.",
        "mean",
    ),
    O(
        "quality_nonmeasurable",
        "quality",
        "0-1",
        "Non-measurable quality delivered, weighted by hours.",
        "mean",
    ),
    O(
        "quality_mean",
        "quality",
        "0-1",
        "Quality delivered (measurable and non-measurable by measurability), weighted by hours.",
        "mean",
    ),
    O(
        "shading_undetected",
        "quality",
        "0-1",
        "Hours-weighted measurable shading that no inspection found this month.",
        "mean",
    ),
    O("satisfaction_mean", "quality", "0-1", "Mean satisfaction of residents with need.", "mean"),
    O(
        "satisfaction_local_migrant_gap",
        "quality",
        "difference of 0-1 scores",
        "Mean satisfaction of locals minus that of migrants.",
        "mean",
    ),
    O(
        "satisfaction_sd_communities",
        "quality",
        "0-1",
        "Spread (s.d.) of mean satisfaction across communities.",
        "mean",
    ),
    # independence: over providers (organizations with revenue from the buyers in the trailing
    # twelve months); organizations without it are counted apart (idle)
    O(
        "provider_gov_share_mean",
        "independence",
        "share",
        "Mean government share of providers' revenue (trailing 12 months). Providers: "
        "organizations with revenue from the buyers in that time.",
        "last12",
    ),
    O(
        "provider_gov_share_weighted",
        "independence",
        "share",
        "Government share of all providers' revenue taken together (revenue-weighted).",
        "last12",
    ),
    O(
        "provider_gov_share_over_90",
        "independence",
        "share of providers",
        "Share of providers that get 90% or more of their revenue from government.",
        "last12",
    ),
    O(
        "provider_founder_share_mean",
        "independence",
        "share",
        "Mean share of their revenue that providers founded by a buyer get from that buyer.",
        "last12",
    ),
    O(
        "provider_largest_buyer_share_mean",
        "independence",
        "share",
        "Mean share of providers' revenue from their single largest buyer.",
        "last12",
    ),
    O(
        "provider_revenue_diversity_mean",
        "independence",
        "1 - HHI",
        "Mean diversity of providers' revenue sources (each buyer, private donors and outside "
        "funders are sources).",
        "last12",
    ),
    O(
        "provider_survival_months_median",
        "independence",
        "months",
        "Median months a provider survives on reserves if government money stops (capped at 120).",
        "last12",
    ),
    O(
        "provider_mission_drift_mean",
        "independence",
        "0-1",
        "Mean drift of providers toward their funders' priorities.",
        "last12",
    ),
    O(
        "tied_org_share",
        "independence",
        "share",
        "Share of active organizations with leadership ties to a buyer.",
        "last12",
    ),
    O(
        "idle_orgs",
        "independence",
        "organizations",
        "Active organizations without revenue from the buyers in the trailing 12 months.",
        "last12",
    ),
    O(
        "idle_reserve_months_median",
        "independence",
        "months",
        "Median reserves of idle organizations, in months of their core team's cost.",
        "last12",
    ),
    O(
        "idle_survival_months_median",
        "independence",
        "months",
        "Median months idle organizations survive on reserves at their current net burn "
        "(capped at 120).",
        "last12",
    ),
    # market
    O("active_orgs", "market", "organizations", "Active organizations.", "last12"),
    O(
        "eligible_per_lot",
        "market",
        "organizations",
        "Eligible organizations per tendered lot.",
        "ratio",
        "eligible",
        "lots_tendered",
    ),
    O("bids_per_tender", "market", "bids", "Bids per tender.", "ratio", "bids", "tenders"),
    O(
        "bids_per_award",
        "market",
        "bids",
        "Bids per contract award.",
        "ratio",
        "bids",
        "contract_awards",
    ),
    O(
        "single_bid_share",
        "market",
        "share",
        "Share of contract awards with one bid.",
        "ratio",
        "single_bid",
        "contract_awards",
    ),
    O(
        "contract_value_hhi",
        "market",
        "HHI",
        "Concentration of the value of running arrangements across providers.",
        "mean",
    ),
    O(
        "incumbent_reaward_rate",
        "market",
        "share",
        "Share of awards on previously served lots that went to the previous provider.",
        "ratio",
        "reawards",
        "incumbent_lots",
    ),
    O(
        "take_up_share",
        "market",
        "share",
        "Share of residents entitled to choose their provider (voucher holders) who are served by "
        "the one they chose; undefined where no regime lets residents choose.",
        "ratio",
        "taking_up",
        "entitled",
    ),
    O(
        "switch_rate",
        "market",
        "share per month",
        "Share of residents served by a provider they chose who switched provider in a month; "
        "undefined where no regime lets residents choose.",
        "ratio",
        "switched",
        "taking_up",
    ),
    O(
        "service_gap_lot_years",
        "efficiency",
        "lot-years",
        "Years in which a lot (a service line in a community) served under half of its need "
        "(counted over the months its buyer was providing).",
        "sum",
    ),
    O("entries", "market", "organizations", "Organizations that entered.", "sum"),
    O("exits", "market", "organizations", "Organizations that exited.", "sum"),
    O("terminations", "market", "arrangements", "Arrangements terminated for failures.", "sum"),
    O(
        "services_taken_back",
        "market",
        "lots",
        "Lots taken back in-house after repeated failures.",
        "sum",
    ),
]
OUTCOME_NAMES = [o.name for o in OUTCOMES]

_HI, _LO = "higher", "lower"
#: Plain label of each outcome (for people; files keep the names) and which direction is better.
LABELS: dict[str, tuple[str, str | None]] = {
    "qa_hours_per_10k_yuan": ("Quality-adjusted hours per 10,000 yuan", _HI),
    "cost_per_hour": ("Cost per service hour", _LO),
    "cost_per_qa_hour": ("Cost per quality-adjusted hour", _LO),
    "need_met_share": ("Share of need met", _HI),
    "outlay_service": ("Spending on the service", None),
    "outlay_government": ("Government spending", None),
    "outlay_general": ("General-budget spending", None),
    "outlay_lottery": ("Lottery-fund spending", None),
    "outlay_earmarked": ("Earmarked spending", None),
    "outlay_private_providers": ("Private donations to providers", None),
    "governance_cost_share": ("Governance cost share", _LO),
    "tendering_cost_share": ("Tendering cost share", _LO),
    "quality_measurable": ("Measurable quality", _HI),
    "quality_nonmeasurable": ("Non-measurable quality", _HI),
    "quality_mean": ("Quality delivered", _HI),
    "shading_undetected": ("Undetected quality shading", _LO),
    "satisfaction_mean": ("Residents' satisfaction", _HI),
    "satisfaction_local_migrant_gap": ("Satisfaction gap, locals - migrants", None),
    "satisfaction_sd_communities": ("Satisfaction spread across communities", _LO),
    "provider_gov_share_mean": ("Government share of providers' revenue", _LO),
    "provider_gov_share_weighted": ("Government share of all providers' revenue", _LO),
    "provider_gov_share_over_90": ("Providers 90%+ funded by government", _LO),
    "provider_founder_share_mean": ("Founded providers' share from founder", _LO),
    "provider_largest_buyer_share_mean": ("Providers' share from their largest buyer", _LO),
    "provider_revenue_diversity_mean": ("Diversity of providers' revenue", _HI),
    "provider_survival_months_median": ("Providers' survival without government", _HI),
    "provider_mission_drift_mean": ("Providers' mission drift", _LO),
    "tied_org_share": ("Organizations tied to a buyer", _LO),
    "idle_orgs": ("Idle organizations", None),
    "idle_reserve_months_median": ("Idle organizations' reserves", None),
    "idle_survival_months_median": ("Idle organizations' survival", None),
    "active_orgs": ("Active organizations", None),
    "eligible_per_lot": ("Eligible organizations per lot", _HI),
    "bids_per_tender": ("Bids per tender", _HI),
    "bids_per_award": ("Bids per award", _HI),
    "single_bid_share": ("Single-bid awards", _LO),
    "contract_value_hhi": ("Concentration of contract value", _LO),
    "incumbent_reaward_rate": ("Awards back to the incumbent", None),
    "take_up_share": ("Voucher holders served by their choice", _HI),
    "switch_rate": ("Residents switching provider", None),
    "service_gap_lot_years": ("Service gaps", _LO),
    "entries": ("Organizations entering", None),
    "exits": ("Organizations exiting", None),
    "terminations": ("Arrangements terminated", _LO),
    "services_taken_back": ("Services taken back in-house", _LO),
}


def undefined_reason(o: Outcome) -> str:
    """Why an outcome has no value in a run (it is written as an empty cell)."""
    if o.summary == "ratio":
        return f"{o.den.replace('_', ' ')} was 0 in every month"
    if o.name.startswith("provider_"):
        return "no organization had revenue from the buyers"
    if o.name.startswith("idle_"):
        return "no organization was idle"
    if o.name.startswith("satisfaction"):
        return "no resident with need was served (or, for the gap, no locals or no migrants)"
    if o.group == "quality":
        return "no service was delivered"
    return "nothing to measure"


BY_NAME = {o.name: o for o in OUTCOMES}
HEADLINE = [
    "qa_hours_per_10k_yuan",
    "cost_per_qa_hour",
    "need_met_share",
    "quality_mean",
    "satisfaction_mean",
    "provider_gov_share_mean",
    "provider_largest_buyer_share_mean",
    "provider_mission_drift_mean",
    "bids_per_award",
    "tendering_cost_share",
]

#: Per-step components that ratio outcomes are built from (yuan and hours are per step).
COMPONENTS = [
    "service_outlay_yuan",
    "qa_hours",
    "hours_delivered",
    "need_total",
    "governance_cost",
    "tendering_cost",
    "awarded_value",
    "eligible",
    "lots_tendered",
    "bids",
    "tenders",
    "contract_awards",
    "single_bid",
    "reawards",
    "incumbent_lots",
    "entitled",
    "taking_up",
    "switched",
]
SERIES = COMPONENTS + OUTCOME_NAMES
_RATIOS = [o for o in OUTCOMES if o.summary == "ratio"]


def _wmean(values, weights, total: float | None = None) -> float:
    """Weighted mean of a few numbers; ``total`` is ``sum(weights)`` if already known."""
    w = _sum(weights) if total is None else total
    if not w > 0:
        return math.nan
    dot = 0.0
    for v, x in zip(values, weights):
        dot += v * x
    return dot / w


# Small sums as numpy computes them, without numpy's overhead per call: numpy adds fewer than 8
# float64 values one by one from zero (and pairwise from 8 on, where these hand over to numpy).
def _sum(values) -> float:
    """``float(np.sum(values))`` for a sequence of floats."""
    if len(values) >= 8:
        return float(np.add.reduce(np.asarray(values, dtype=float)))
    total = 0.0
    for x in values:
        total += x
    return float(total)


def _array_mean(values: np.ndarray) -> float:
    """``float(values.mean())`` of a float64 array, without ``mean``'s checks."""
    return float(np.add.reduce(values)) / len(values)


def _mean(values) -> float:
    """``float(np.mean(values))`` for a non-empty sequence of floats."""
    return _sum(values) / len(values)


def _sum_of_squares(values, scale: float) -> float:
    """``float(((np.array(values) / scale) ** 2).sum())``."""
    if len(values) >= 8:
        return float(((np.asarray(values, dtype=float) / scale) ** 2).sum())
    total = 0.0
    for x in values:
        x = x / scale
        total += x * x
    return float(total)


def _std(values) -> float:
    """``float(np.std(values))`` for a non-empty sequence of floats."""
    if len(values) >= 8:
        return float(np.std(np.asarray(values, dtype=float)))
    mean = _sum(values) / len(values)
    squares = 0.0
    for x in values:
        x = x - mean
        squares += x * x
    return math.sqrt(squares / len(values))


def _median(values) -> float:
    """``float(np.median(values))`` for a non-empty sequence of floats."""
    ordered = sorted(values)
    if any(x != x for x in ordered):
        return math.nan
    k = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[k])
    return float(ordered[k - 1] + ordered[k]) / 2


def step_outcomes(model) -> dict[str, float]:
    """Every per-step outcome and component of ``model``'s month just finished."""
    pop = model.population
    led = model.ledger
    s = model.log.counts
    persons = float(model.params["population"])
    out: dict[str, float] = {}

    spent = led.flow(src_prefix="buyer:") - led.flow(src_prefix="buyer:", kind_prefix="lapse")
    orgs = model.organizations()
    private = _sum([o.month["private"] for o in orgs if o.arrangements])  # to providers
    by_source = {
        src: led.flow(src_prefix=f"fund:{src}", kind_prefix="appropriation")
        - led.flow(dst_prefix=f"fund:{src}", kind_prefix="lapse")
        + led.flow(src_prefix=f"fund:{src}", kind_prefix="budget:overrun")
        for src in ("general", "lottery", "earmarked")
    }
    total = spent + private
    out["service_outlay_yuan"] = total
    out["outlay_service"] = total / persons
    out["outlay_government"] = spent / persons
    out["outlay_private_providers"] = private / persons
    for src, v in by_source.items():
        out[f"outlay_{src}"] = v / persons
    hours, qa_hours = kernels.delivered(pop.received.ravel(), pop.quality.ravel(), pop.need_pairs)
    out["hours_delivered"] = hours
    out["qa_hours"] = qa_hours  # Σ hours received × their quality
    out["need_total"] = pop.total_need  # float(pop.need.sum()): need is fixed
    out["governance_cost"] = led.flow(dst_prefix="governance:")
    out["tendering_cost"] = s.tendering_cost
    out["awarded_value"] = s.awarded_value
    out["eligible"] = float(s.eligible)
    out["lots_tendered"] = float(s.lots_tendered)
    out["bids"] = float(s.bids)
    out["tenders"] = float(s.tenders)
    out["contract_awards"] = float(s.contract_awards)
    out["single_bid"] = float(s.single_bid)
    out["reawards"] = float(s.reawards)
    out["incumbent_lots"] = float(s.incumbent_lots)
    out["entitled"] = float(s.entitled)
    out["taking_up"] = float(s.taking_up)
    out["switched"] = float(s.switched)
    for o in _RATIOS:
        out[o.name] = _ratio(out[o.num], out[o.den], o.scale)

    arrs = [a for b in model.buyers for a in b.arrangements()]
    hours = [a.delivered for a in arrs]
    total_hours = _sum(hours)
    out["quality_measurable"] = _wmean([a.quality_m for a in arrs], hours, total_hours)
    out["quality_nonmeasurable"] = _wmean([a.quality_n for a in arrs], hours, total_hours)
    out["quality_mean"] = _wmean([a.quality for a in arrs], hours, total_hours)
    out["shading_undetected"] = _wmean(
        [0.0 if a.caught else a.shade_m for a in arrs], hours, total_hours
    )
    # residents with a defined satisfaction
    defined, (loc, mig, communities, count) = pop.satisfied()
    out["satisfaction_mean"] = _array_mean(defined) if len(defined) else math.nan
    out["satisfaction_local_migrant_gap"] = (
        _array_mean(defined.take(loc)) - _array_mean(defined.take(mig))
        if len(loc) and len(mig)
        else math.nan
    )
    if len(defined):
        count = count.tolist()  # residents with a defined satisfaction per community
        sums = communities.sums(defined, len(count)).tolist()
        means = [x / k for x, k in zip(sums, count) if k > 0]  # k: max(k, 1) where k > 0
        out["satisfaction_sd_communities"] = _std(means)
    else:
        out["satisfaction_sd_communities"] = math.nan

    out.update(independence(orgs))
    value: dict[int, float] = {}
    for a in arrs:
        if a.provider.origin != "in_house":
            value[a.provider.provider_id] = value.get(a.provider.provider_id, 0.0) + (
                a.unit_price() * a.units
            )
    v = list(value.values())
    total_value = _sum(v)
    out["contract_value_hhi"] = _sum_of_squares(v, total_value) if total_value > 0 else math.nan
    out["active_orgs"] = float(len(orgs))
    out["entries"] = float(s.entries)
    out["exits"] = float(s.exits)
    out["terminations"] = float(s.terminations)
    out["services_taken_back"] = float(s.taken_back)
    out["service_gap_lot_years"] = float(s.service_gaps)
    return out


def independence(orgs) -> dict[str, float]:
    """Independence outcomes of active organizations (trailing twelve months of revenue):
    over providers, those with revenue from the buyers; idle organizations apart."""
    shares, largest, diversity, survival, founder, drift = [], [], [], [], [], []
    gov_total = revenue_total = 0.0
    idle_reserves, idle_survival = [], []
    for org in orgs:
        t = org.trailing()
        gov = sum(t["gov"].values())
        if gov <= 0:
            core = org.core_posts * org.post_cost
            idle_reserves.append(org.cash / core if core > 0 else math.nan)
            idle_survival.append(org.survival_months(t))
            continue
        revenue = gov + t["private"] + t["outside"]
        gov_total += gov
        revenue_total += revenue
        shares.append(gov / revenue)
        if org.origin == "founded":
            founder.append(t["gov"].get(f"buyer:{org.founded_by}", 0.0) / revenue)
        largest.append(max(t["gov"].values()) / revenue)
        parts = [*t["gov"].values(), t["private"], t["outside"]]
        diversity.append(1.0 - _sum_of_squares(parts, revenue))
        survival.append(org.survival_months(t))
        drift.append(org.drift)
    nan = math.nan
    over_90 = sum(1 for x in shares if x >= 0.9)
    return {
        "provider_gov_share_mean": _mean(shares) if shares else nan,
        "provider_gov_share_weighted": gov_total / revenue_total if revenue_total > 0 else nan,
        "provider_gov_share_over_90": over_90 / len(shares) if shares else nan,
        "provider_founder_share_mean": _mean(founder) if founder else nan,
        "provider_largest_buyer_share_mean": _mean(largest) if largest else nan,
        "provider_revenue_diversity_mean": _mean(diversity) if diversity else nan,
        "provider_survival_months_median": _median(survival) if survival else nan,
        "provider_mission_drift_mean": _mean(drift) if drift else nan,
        "tied_org_share": sum(1 for o in orgs if o.ties) / len(orgs) if orgs else nan,
        "idle_orgs": float(len(idle_survival)),
        "idle_reserve_months_median": _median(idle_reserves) if idle_reserves else nan,
        "idle_survival_months_median": _median(idle_survival) if idle_survival else nan,
    }


def _ratio(num: float, den: float, scale: float = 1.0) -> float:
    return scale * num / den if den > 1e-9 else math.nan


def _series_value(model, name: str) -> float:
    return model.outcomes.get(name, math.nan)


def reporters() -> dict:
    """Mesa DataCollector model reporters: each reads one value of ``model.outcomes``."""
    return {name: partial(_series_value, name=name) for name in SERIES}


class OutcomeCollector(mesa.DataCollector):
    """Mesa's ``DataCollector`` with ``reporters()``, collecting all of them in one pass.

    It is a ``mesa.DataCollector`` in every other respect: ``model_vars[name]`` is the list of
    one value per step, ``get_model_vars_dataframe`` and ``mesa.batch_run`` read it as usual.
    ``collect`` appends each series' value of ``model.outcomes`` (a float, or NaN if absent)
    directly, where Mesa's would call ~50 reporters and deep-copy each float they return.
    """

    def __init__(self):
        super().__init__(model_reporters=reporters())

    def collect(self, model) -> None:
        if hasattr(self, "_collection_steps"):  # Mesa >= 3.4: when each row was collected
            self._collection_steps.append(model.time)
        columns = self.model_vars
        appends = self.__dict__.get("_appends")
        if appends is None or appends[0] is not columns:
            appends = self._appends = (columns, [columns[name].append for name in SERIES])
        # each column's append(its value), in one pass of map in C
        deque(map(call, appends[1], map(model.outcomes.get, SERIES, repeat(math.nan))), 0)


def _summary_rows() -> tuple[list[str], dict[str, int]]:
    """The series ``summarise`` reads, and each one's row."""
    names: list[str] = []
    for o in OUTCOMES:
        for name in (o.num, o.den) if o.summary == "ratio" else (o.name,):
            if name not in names:
                names.append(name)
    return names, {name: k for k, name in enumerate(names)}


_SUMMARY_ROWS = _summary_rows()


def summarise(series: dict[str, list[float]]) -> dict[str, float]:
    """One value per outcome for a whole run, from its per-step series.

    Series of one length are summarised together, a row each of one array (each row's sums
    are numpy's sums of that series alone: the same pairwise sums over a contiguous row);
    otherwise one by one (``_summarise_each``).
    """
    names, row = _SUMMARY_ROWS
    steps = {len(series[name]) for name in names}
    if len(steps) != 1 or not steps.pop():
        return _summarise_each(series)
    x = np.array([series[name] for name in names], dtype=float)
    missing = np.isnan(x)
    sums = np.where(missing, 0.0, x).sum(axis=1).tolist()  # np.nansum of each row
    counts = (~missing).sum(axis=1).tolist()
    finite = np.isfinite(x).any(axis=1).tolist()
    last = x[:, -12:]
    last_missing = missing[:, -12:]
    last_sums = np.where(last_missing, 0.0, last).sum(axis=1).tolist()
    last_counts = (~last_missing).sum(axis=1).tolist()
    last_finite = np.isfinite(last).any(axis=1).tolist()
    out = {}
    for o in OUTCOMES:
        if o.summary == "ratio":
            out[o.name] = _ratio(sums[row[o.num]], sums[row[o.den]], o.scale)
            continue
        k = row[o.name]
        if o.summary == "sum":
            out[o.name] = sums[k]
        elif o.summary == "last12":
            out[o.name] = last_sums[k] / last_counts[k] if last_finite[k] else math.nan
        else:
            out[o.name] = sums[k] / counts[k] if finite[k] else math.nan
    return out


def _summarise_each(series: dict[str, list[float]]) -> dict[str, float]:
    """``summarise``, one outcome at a time."""
    out = {}
    for o in OUTCOMES:
        if o.summary == "ratio":
            out[o.name] = _ratio(
                float(np.nansum(series[o.num])), float(np.nansum(series[o.den])), o.scale
            )
            continue
        x = np.asarray(series[o.name], dtype=float)
        if o.summary == "last12":
            x = x[-12:]
        if o.summary == "sum":
            out[o.name] = float(np.nansum(x))
        else:
            out[o.name] = float(np.nanmean(x)) if np.isfinite(x).any() else math.nan
    return out
