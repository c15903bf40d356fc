"""Outcomes: per step (``step_outcomes``) and per run (``summarise``), with stable names.

``OUTCOMES`` is the one list of outcome names, units, descriptions and how a run's series is
summarised: ``ratio`` of two summed series, ``mean`` over months, ``last12`` (mean of the
final year) or ``sum``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np


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


def _wmean(values, weights) -> float:
    w = float(np.sum(weights))
    return float(np.dot(values, weights) / w) if w > 0 else math.nan


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
    received = pop.received
    out["units_delivered"] = float(received.sum())
    out["qa_units"] = float((received * pop.quality).sum())
    out["need_total"] = float(pop.need.sum())
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
    for o in OUTCOMES:
        if o.summary == "ratio":
            out[o.name] = _ratio(out[o.num], out[o.den], o.scale)

    arrs = [a for b in model.buyers for a in b.arrangements()]
    hours = np.array([a.delivered for a in arrs])
    out["quality_measurable"] = _wmean([a.quality_m for a in arrs], hours)
    out["quality_nonmeasurable"] = _wmean([a.quality_n for a in arrs], hours)
    out["quality_mean"] = _wmean([a.quality for a in arrs], hours)
    out["shading_undetected"] = _wmean([0.0 if a.caught else a.shade_m for a in arrs], hours)
    sat = pop.satisfaction
    ok, loc, mig, c = pop.groups(~np.isnan(sat))  # residents with a defined satisfaction
    defined = sat.take(ok)
    out["satisfaction_mean"] = float(defined.mean()) if len(ok) else math.nan
    out["satisfaction_local_migrant_gap"] = (
        float(sat.take(loc).mean() - sat.take(mig).mean()) if len(loc) and len(mig) else math.nan
    )
    if len(ok):
        count = np.bincount(c)
        means = np.bincount(c, weights=defined) / np.maximum(count, 1)
        out["satisfaction_sd_communities"] = float(means[count > 0].std())
    else:
        out["satisfaction_sd_communities"] = math.nan

    out.update(independence(model.organizations()))
    value: dict[int, float] = {}
    for a in arrs:
        if a.provider.origin != "in_house":
            value[a.provider.provider_id] = value.get(a.provider.provider_id, 0.0) + (
                a.unit_price() * a.units
            )
    v = np.array(list(value.values()))
    out["contract_value_hhi"] = float(((v / v.sum()) ** 2).sum()) if v.sum() > 0 else math.nan
    out["active_orgs"] = float(len(model.organizations()))
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
        parts = np.array(list(t["gov"].values()) + [t["private"]]) / revenue
        shares.append(gov / revenue)
        if getattr(org, "origin", "") == "founded":
            affiliates.append(t["gov"].get(f"buyer:{org.founded_by}", 0.0) / revenue)
        if gov > 0:
            largest.append(max(t["gov"].values()) / revenue)
        diversity.append(1.0 - float((parts**2).sum()))
        survival.append(org.survival_months())
    nan = math.nan
    return {
        "gov_revenue_share_mean": float(np.mean(shares)) if shares else nan,
        "gov_revenue_share_over_90": float(np.mean(np.array(shares) >= 0.9)) if shares else nan,
        "affiliate_founder_share_mean": float(np.mean(affiliates)) if affiliates else nan,
        "largest_buyer_dependence_mean": float(np.mean(largest)) if largest else nan,
        "revenue_diversity_mean": float(np.mean(diversity)) if diversity else nan,
        "tied_org_share": float(np.mean([bool(o.ties) for o in orgs])) if orgs else nan,
        "survival_months_median": float(np.median(survival)) if survival else nan,
        "mission_drift_mean": float(np.mean([o.drift for o in orgs])) if orgs else nan,
    }


def _ratio(num: float, den: float, scale: float = 1.0) -> float:
    return scale * num / den if den > 1e-9 else math.nan


def _series_value(model, name: str) -> float:
    return model.outcomes.get(name, math.nan)


def reporters() -> dict:
    """Mesa DataCollector model reporters: each reads one value of ``model.outcomes``."""
    return {name: partial(_series_value, name=name) for name in SERIES}


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
