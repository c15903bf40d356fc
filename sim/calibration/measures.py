"""Case measures: a run's figure defined exactly as a case's source counts it.

A target names either one of these measures or an outcome of ``sim.metrics`` (then its run
summary). Each measure is a function of one run's result; its docstring is its definition.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..regimes.contract import Contract

MEASURES: dict[str, Callable] = {}


def measure(fn: Callable) -> Callable:
    MEASURES[fn.__name__] = fn
    return fn


def _year(step: int) -> int:
    """The year (1, 2, ...) of a month counted from 1."""
    return (step - 1) // 12 + 1


def _first_tenders(result) -> dict[str, int]:
    """Each buyer's first tender number."""
    first: dict[str, int] = {}
    for t in result.events["tenders"]:
        first.setdefault(t["buyer"], t["tender"])
    return first


@measure
def bids_per_awarded_lot_year_1(result) -> float:
    """Bids made in the first year's tenders (every round, re-tenders of failed lots
    included) per lot awarded in them: bids per *project* as a year's tender statistics
    count them, not per tender of many lots."""
    bids = sum(1 for b in result.events["bids"] if _year(b["step"]) == 1)
    awarded = sum(1 for a in result.events["awards"] if _year(a["step"]) == 1 and a["provider"])
    return bids / awarded if awarded else math.nan


@measure
def price_to_ceiling_year_1(result) -> float:
    """Mean price of the first year's contract awards over the ceiling price (1 = at the
    ceiling)."""
    ceiling = Contract.ceiling_price(result.params)
    prices = [
        a["price"]
        for a in result.events["awards"]
        if _year(a["step"]) == 1 and a["provider"] and a["regime"] == Contract.name
    ]
    return float(sum(prices) / len(prices) / ceiling) if prices else math.nan


@measure
def bidders_first_tender(result) -> float:
    """Distinct organizations bidding in the first tender of the first buyer that tenders."""
    first = _first_tenders(result)
    if not first:
        return math.nan
    tender = min(first.values())
    return float(len({b["organization"] for b in result.events["bids"] if b["tender"] == tender}))


@measure
def winners_first_tender(result) -> float:
    """Distinct organizations winning a lot in the first tender of the first buyer that
    tenders."""
    first = _first_tenders(result)
    if not first:
        return math.nan
    tender = min(first.values())
    won = {a["provider"] for a in result.events["awards"] if a["tender"] == tender}
    return float(len(won - {""}))


@measure
def lots_awarded_first_tender_per_buyer(result) -> float:
    """Lots awarded in each buyer's first tender, summed over buyers (a round's projects)."""
    first = set(_first_tenders(result).values())
    return float(sum(1 for a in result.events["awards"] if a["tender"] in first and a["provider"]))


def names() -> list[str]:
    from .. import metrics

    return sorted(MEASURES) + sorted(metrics.BY_NAME)


def evaluate(name: str, result) -> float:
    """The measure ``name`` (a case measure or an outcome's run summary) of one run."""
    if name in MEASURES:
        return float(MEASURES[name](result))
    return float(result.summary[name])
