"""Pattern-oriented validation: the five patterns of docs/domain.md §5, over replications.

Each pattern is one or more checks. A check runs named arms (a scenario, a regime, parameter
overrides) with the same seeds (common random numbers), computes one value per replication
from the arms' run summaries, and passes when the 95% interval of the mean over replications
lies inside the target range (a mean inside with an interval crossing the edge fails).
Nothing here sets an outcome: every value comes out of the model's mechanisms.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from .experiments.replicate import Task, console_progress, replicate
from .experiments.seeds import replication_seeds
from .stats import mean_interval

MASTER_SEED = 20_260_501
FULL_REPLICATIONS = 100  # the interval rule needs narrow intervals: about ±0.025 on a ratio
QUICK_REPLICATIONS = 8

MEASURABLE = {"measurability": 0.8}
SHARE = (0.0, 1.0)


@dataclass(frozen=True)
class Arm:
    scenario: str
    regime: str | None = None  # None: the scenario as written
    overrides: tuple = ()

    def describe(self) -> str:
        extra = ", ".join(f"{k}={v}" for k, v in self.overrides)
        return f"{self.scenario}/{self.regime or 'as written'}" + (f" ({extra})" if extra else "")


def arm(scenario: str, regime: str | None = None, **overrides) -> Arm:
    return Arm(scenario, regime, tuple(sorted(overrides.items())))


@dataclass(frozen=True)
class Check:
    label: str
    arms: tuple[Arm, ...]
    measure: Callable[..., float]  # (summary of each arm, in order) -> value
    low: float
    high: float
    what: str = ""
    bounds: tuple[float, float] | None = None  # the value's range, if it has one (a share)


@dataclass(frozen=True)
class Pattern:
    number: int
    name: str
    statement: str
    checks: tuple[Check, ...]


def _ratio(a: str, b: str):
    return lambda x, y: x[a] / y[b] if y[b] else math.nan


PATTERNS = (
    Pattern(
        1,
        "few_bidders",
        "With few eligible organizations, contract tenders draw about 1.5-2.5 bids per award, "
        "and single-bid awards are common.",
        (
            Check(
                "bids per award",
                (arm("thin_market", "contract"),),
                lambda s: s["bids_per_award"],
                1.5,
                2.5,
                "bids_per_award",
            ),
            Check(
                "share of single-bid awards",
                (arm("thin_market", "contract"),),
                lambda s: s["single_bid_share"],
                0.2,
                1.0,
                "single_bid_share",
                SHARE,
            ),
        ),
    ),
    Pattern(
        2,
        "designated_dependence",
        "Under administrative dependence the designated providers get about 90-100% of their "
        "revenue from their buyer, and stay there unless the regime changes.",
        (
            Check(
                "affiliates' share of revenue from their founder",
                (arm("shanghai_2004"),),
                lambda s: s["provider_founder_share_mean"],
                0.9,
                1.0,
                "provider_founder_share_mean",
                SHARE,
            ),
            Check(
                "same, baseline world",
                (arm("baseline", "administrative_dependence"),),
                lambda s: s["provider_founder_share_mean"],
                0.9,
                1.0,
                "provider_founder_share_mean",
                SHARE,
            ),
        ),
    ),
    Pattern(
        3,
        "shading_where_unmeasurable",
        "When the non-contractible share of quality is high and monitoring weak, contract "
        "quality falls below in-house and administrative quality; when quality is measurable "
        "and monitored, it does not.",
        (
            Check(
                "contract − in-house quality, weak monitoring",
                (arm("weak_monitoring", "contract"), arm("weak_monitoring", "in_house")),
                lambda c, h: c["quality_mean"] - h["quality_mean"],
                -1.0,
                -0.02,
                "quality_mean difference",
            ),
            Check(
                "contract − administrative quality, weak monitoring",
                (
                    arm("weak_monitoring", "contract"),
                    arm("weak_monitoring", "administrative_dependence"),
                ),
                lambda c, a: c["quality_mean"] - a["quality_mean"],
                -1.0,
                -0.02,
                "quality_mean difference",
            ),
            Check(
                "contract − in-house quality, measurable and monitored",
                (
                    arm("baseline", "contract", monitoring_capacity=0.6, **MEASURABLE),
                    arm("baseline", "in_house", monitoring_capacity=0.6, **MEASURABLE),
                ),
                lambda c, h: c["quality_mean"] - h["quality_mean"],
                -0.02,
                1.0,
                "quality_mean difference",
            ),
        ),
    ),
    Pattern(
        4,
        "tendering_cost",
        "The buyer's ex-ante tendering cost comes to roughly 2-3% of contract value.",
        (
            Check(
                "tendering cost / contract value",
                (arm("baseline", "contract"),),
                lambda s: s["tendering_cost_share"],
                0.02,
                0.03,
                "tendering_cost_share",
                SHARE,
            ),
        ),
    ),
    Pattern(
        5,
        "conditional_savings",
        "With three or more capable bidders and a measurable service, contracts deliver a "
        "quality-adjusted unit for roughly 5-25% less than in-house production; administrative "
        "dependence, with its soft budget, costs no less than in-house.",
        (
            Check(
                "contract saving per quality-adjusted hour",
                (
                    arm("baseline", "contract", **MEASURABLE),
                    arm("baseline", "in_house", **MEASURABLE),
                ),
                lambda c, h: 1 - c["cost_per_qa_hour"] / h["cost_per_qa_hour"],
                0.05,
                0.25,
                "1 − cost_per_qa_hour ratio",
            ),
            Check(
                "capable bidders per award in that setting",
                (arm("baseline", "contract", **MEASURABLE),),
                lambda c: c["bids_per_award"],
                3.0,
                math.inf,
                "bids_per_award",
            ),
            Check(
                "administrative / in-house cost per quality-adjusted hour",
                (
                    arm("baseline", "administrative_dependence", **MEASURABLE),
                    arm("baseline", "in_house", **MEASURABLE),
                ),
                _ratio("cost_per_qa_hour", "cost_per_qa_hour"),
                1.0,
                math.inf,
                "cost_per_qa_hour ratio",
            ),
        ),
    ),
)


@dataclass
class CheckResult:
    pattern: Pattern
    check: Check
    values: list[float] = field(default_factory=list)

    @cached_property
    def _interval(self) -> tuple[float, float, float]:
        return mean_interval(self.values, bounds=self.check.bounds)

    @property
    def mean(self) -> float:
        return self._interval[0]

    @property
    def ci(self) -> tuple[float, float]:
        return self._interval[1:]

    @property
    def verdict(self) -> str:
        """``PASS``: the whole 95% interval of the mean lies inside the target; ``FAIL``: the
        mean lies outside it (or is undefined); ``UNSURE``: the mean lies inside but the
        interval crosses an edge, so more replications are needed to tell."""
        m, (lo, hi) = self.mean, self.ci
        if m != m or not self.check.low <= m <= self.check.high:
            return "FAIL"
        if lo == lo and hi == hi and self.check.low <= lo and hi <= self.check.high:
            return "PASS"
        return "UNSURE"

    @property
    def passed(self) -> bool:
        return self.verdict == "PASS"


def validate(
    replications: int,
    seed: int = MASTER_SEED,
    progress: bool = True,
    patterns=PATTERNS,
    workers: int | None = 1,
    dask: str | None = None,
) -> list[CheckResult]:
    """Run every check; each distinct (arm, seed) is run once and shared between checks."""
    seeds = replication_seeds(seed, replications)
    arms = list(dict.fromkeys(a for p in patterns for c in p.checks for a in c.arms))
    keys = [(a, s) for a in arms for s in seeds]
    tasks = [
        Task({"scenario": a.scenario, "regime": a.regime, **dict(a.overrides)}, s) for a, s in keys
    ]
    show = console_progress("validate") if progress else None
    summaries = replicate("sim.run:run_summary", tasks, workers=workers, dask=dask, progress=show)
    cache = dict(zip(keys, summaries, strict=True))
    results = []
    for p in patterns:
        for c in p.checks:
            values = [c.measure(*(cache[(a, s)] for a in c.arms)) for s in seeds]
            results.append(CheckResult(p, c, values))
    return results


def _num(x: float) -> str:
    if x != x:
        return "-"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return f"{x:.3f}"


def report(results: list[CheckResult], replications: int, seed: int) -> str:
    """A plain-text table: pattern, check, settings, measured mean [95% CI], target, verdict."""
    lines = [
        f"Pattern-oriented validation: {replications} replications per arm, "
        f"master seed {seed}, common random numbers"
    ]
    last = None
    for r in results:
        if r.pattern is not last:
            lines.append("")
            lines.append(f"{r.pattern.number}. {r.pattern.name}: {r.pattern.statement}")
            last = r.pattern
        lo, hi = r.ci
        lines.append(
            f"   {r.verdict:<6}  {r.check.label}: "
            f"{_num(r.mean)} [{_num(lo)}, {_num(hi)}]  target [{_num(r.check.low)}, "
            f"{_num(r.check.high)}]"
        )
        lines.append("         ran: " + "; ".join(a.describe() for a in r.check.arms))
    passed = sum(r.passed for r in results)
    patterns_ok = sum(
        all(r.passed for r in results if r.pattern is p)
        for p in dict.fromkeys(r.pattern for r in results)
    )
    n_patterns = len(dict.fromkeys(r.pattern for r in results))
    lines.append("")
    lines.append(f"{patterns_ok} of {n_patterns} patterns pass ({passed} of {len(results)} checks)")
    unsure = sum(r.verdict == "UNSURE" for r in results)
    if unsure:
        lines.append(
            f"{unsure} UNSURE: the mean is inside the target but its interval crosses an edge; "
            f"run more replications (the full check uses {FULL_REPLICATIONS})"
        )
    return "\n".join(lines)
