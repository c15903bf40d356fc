"""Outcomes: per step (``step_outcomes``) and per run (``summarise``), with stable names.

``OUTCOMES`` is the one list of outcome names, units, descriptions and how a run's series is
summarised: ``ratio`` of two summed series, ``mean`` over months, ``last12`` (mean of the
final year) or ``sum``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import mesa
import numpy as np

from . import kernels


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


O = Outcome
OUTCOMES: list[Outcome] = [
    # efficiency
    O(
        "qa_units_per_10k_yuan",
        "efficiency",
        "quality-adjusted hours per 10,000 yuan",
        "Service hours times quality delivered, per 10,000 yuan of total outlay (all funders, "
        "governance included).",
        "ratio",
        "qa_units",
        "outlay_yuan",
        1e4,
    ),
    O(
        "cost_per_unit",
        "efficiency",
        "yuan per hour",
        "Total outlay per service hour received.",
        "ratio",
        "outlay_yuan",
        "units_delivered",
    ),
    O(
        "cost_per_qa_unit",
        "efficiency",
        "yuan per quality-adjusted hour",
        "Total outlay per quality-adjusted service hour.",
        "ratio",
        "outlay_yuan",
        "qa_units",
    ),
    O(
        "need_met_share",
        "efficiency",
        "share",
        "Share of residents' need that was served.",
        "ratio",
        "units_delivered",
        "need_total",
    ),
    O(
        "outlay_total",
        "efficiency",
        "yuan per person-month",
        "All money spent, per person.",
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
        "outlay_private",
        "efficiency",
        "yuan per person-month",
        "Private donations received by organizations, per person.",
        "mean",
    ),
    O(
        "governance_share",
        "efficiency",
        "share of outlay",
        "Buyers' governance costs (tendering, management, review, appraisal, evaluation, "
        "in-house overhead) per yuan of outlay.",
        "ratio",
        "governance_cost",
        "outlay_yuan",
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
        "0-1",
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
    # independence
    O(
        "gov_revenue_share_mean",
        "independence",
        "share",
        "Mean government share of organizations' revenue (trailing 12 months).",
        "last12",
    ),
    O(
        "gov_revenue_share_over_90",
        "independence",
        "share of organizations",
        "Share of organizations that get 90% or more of their revenue from government.",
        "last12",
    ),
    O(
        "affiliate_founder_share_mean",
        "independence",
        "share",
        "Mean share of their revenue that organizations founded by a buyer get from that buyer.",
        "last12",
    ),
    O(
        "largest_buyer_dependence_mean",
        "independence",
        "share",
        "Mean share of revenue from the single largest buyer, over organizations with "
        "government revenue.",
        "last12",
    ),
    O(
        "revenue_diversity_mean",
        "independence",
        "1 - HHI",
        "Mean diversity of revenue sources (each buyer and private giving are sources).",
        "last12",
    ),
    O(
        "tied_org_share",
        "independence",
        "share",
        "Share of organizations with leadership ties to a buyer.",
        "last12",
    ),
    O(
        "survival_months_median",
        "independence",
        "months",
        "Median months an organization "
        "survives on reserves if government money stops (capped at 120).",
        "last12",
    ),
    O(
        "mission_drift_mean",
        "independence",
        "0-1",
        "Mean drift of organizations toward their funders' priorities.",
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
HEADLINE = [
    "qa_units_per_10k_yuan",
    "cost_per_qa_unit",
    "need_met_share",
    "quality_mean",
    "satisfaction_mean",
    "gov_revenue_share_mean",
    "largest_buyer_dependence_mean",
    "mission_drift_mean",
    "bids_per_award",
    "tendering_cost_share",
]

#: Per-step components that ratio outcomes are built from (yuan and hours are per step).
COMPONENTS = [
    "outlay_yuan",
    "qa_units",
    "units_delivered",
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
    s = model.month_stats
    persons = float(model.params["population"])
    out: dict[str, float] = {}

    spent = led.flow(src_prefix="buyer:") - led.flow(src_prefix="buyer:", kind_prefix="lapse")
    private = led.flow(src_prefix="donors")
    by_source = {
        src: led.flow(src_prefix=f"fund:{src}", kind_prefix="appropriation")
        - led.flow(dst_prefix=f"fund:{src}", kind_prefix="lapse")
        + led.flow(src_prefix=f"fund:{src}", kind_prefix="budget:overrun")
        for src in ("general", "lottery", "earmarked")
    }
    total = spent + private
    out["outlay_yuan"] = total
    out["outlay_total"] = total / persons
    out["outlay_government"] = spent / persons
    out["outlay_private"] = private / persons
    for src, v in by_source.items():
        out[f"outlay_{src}"] = v / persons
    units, qa_units = kernels.delivered(pop.received.ravel(), pop.quality.ravel())
    out["units_delivered"] = units
    out["qa_units"] = qa_units  # Σ hours received × their quality
    out["need_total"] = pop.total_need  # float(pop.need.sum()): need is fixed
    out["governance_cost"] = led.flow(dst_prefix="governance:")
    out["tendering_cost"] = led.flow(kind_prefix="governance:contract:tendering")
    for key in (
        "awarded_value",
        "eligible",
        "lots_tendered",
        "bids",
        "tenders",
        "contract_awards",
        "single_bid",
        "reawards",
        "incumbent_lots",
    ):
        out[key] = float(s[key])
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

    orgs = model.organizations()
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
    out["entries"] = float(s["entries"])
    out["exits"] = float(s["exits"])
    out["terminations"] = float(s["terminations"])
    out["services_taken_back"] = float(s["taken_back"])
    return out


def independence(orgs) -> dict[str, float]:
    """Independence outcomes over organizations (trailing twelve months of revenue)."""
    shares, largest, diversity, survival, affiliates = [], [], [], [], []
    for org in orgs:
        t = org.trailing()
        gov = sum(t["gov"].values())
        revenue = gov + t["private"]
        if revenue <= 0:
            continue
        shares.append(gov / revenue)
        if getattr(org, "origin", "") == "founded":
            affiliates.append(t["gov"].get(f"buyer:{org.founded_by}", 0.0) / revenue)
        if gov > 0:
            largest.append(max(t["gov"].values()) / revenue)
        parts = [*t["gov"].values(), t["private"]]
        diversity.append(1.0 - _sum_of_squares(parts, revenue))
        survival.append(org.survival_months(t))
    nan = math.nan
    over_90 = sum(1 for x in shares if x >= 0.9)  # np.mean of booleans: a count over a count
    return {
        "gov_revenue_share_mean": _mean(shares) if shares else nan,
        "gov_revenue_share_over_90": over_90 / len(shares) if shares else nan,
        "affiliate_founder_share_mean": _mean(affiliates) if affiliates else nan,
        "largest_buyer_dependence_mean": _mean(largest) if largest else nan,
        "revenue_diversity_mean": _mean(diversity) if diversity else nan,
        "tied_org_share": sum(1 for o in orgs if o.ties) / len(orgs) if orgs else nan,
        "survival_months_median": _median(survival) if survival else nan,
        "mission_drift_mean": _mean([o.drift for o in orgs]) if orgs else nan,
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
        value, columns, nan = model.outcomes.get, self.model_vars, math.nan
        for name in SERIES:
            columns[name].append(value(name, nan))


def summarise(series: dict[str, list[float]]) -> dict[str, float]:
    """One value per outcome for a whole run, from its per-step series."""
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
