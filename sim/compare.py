"""Regime comparison under common random numbers, with intervals over replications."""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass

import numpy as np

from . import metrics
from .regimes import REGIMES
from .run import RunResult, run
from .scenario import Scenario

# Two-sided 95% Student t quantiles by degrees of freedom (1..30); 1.96 beyond.
_T975 = [
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
]


def interval(values) -> tuple[float, float, float]:
    """Mean and 95% t-interval of the mean (NaNs dropped)."""
    x = np.asarray([v for v in values if v == v], dtype=float)
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if len(x) == 1:
        return m, math.nan, math.nan
    t = _T975[len(x) - 2] if len(x) - 1 <= len(_T975) else 1.96
    h = t * float(x.std(ddof=1)) / math.sqrt(len(x))
    return m, m - h, m + h


def replication_seeds(master: int, k: int) -> list[int]:
    """Seeds of ``k`` replications, derived from one master seed."""
    seq = np.random.SeedSequence(master)
    return [int(s.generate_state(1, dtype=np.uint64)[0] >> 1) for s in seq.spawn(k)]


def arms(scenario: Scenario) -> list[str | None]:
    """Every regime, plus the scenario as written (``None``) when it sets its own regimes."""
    out: list[str | None] = list(REGIMES)
    if scenario.has_own_regimes:
        out.append(None)
    return out


@dataclass
class Comparison:
    scenario: Scenario
    seeds: list[int]
    results: list[RunResult]

    def by_arm(self) -> dict[str, list[RunResult]]:
        out: dict[str, list[RunResult]] = {}
        for r in self.results:
            out.setdefault(r.regime, []).append(r)
        return out

    def table(self, outcomes=None) -> list[dict]:
        """Rows of (regime, outcome, mean, ci_low, ci_high, n)."""
        rows = []
        for arm, results in self.by_arm().items():
            for name in outcomes or metrics.OUTCOME_NAMES:
                m, lo, hi = interval([r.summary[name] for r in results])
                rows.append(
                    {
                        "regime": arm,
                        "outcome": name,
                        "mean": m,
                        "ci_low": lo,
                        "ci_high": hi,
                        "n": len(results),
                    }
                )
        return rows


def compare(scenario: Scenario, replications: int, seed: int, progress=True) -> Comparison:
    """Run every arm × replication; replication ``i`` uses the same seed in every arm."""
    seeds = replication_seeds(seed, replications)
    plan = [(arm, s) for s in seeds for arm in arms(scenario)]
    results = []
    start = time.perf_counter()
    tty = sys.stderr.isatty()
    for i, (arm, s) in enumerate(plan, 1):
        results.append(run(scenario, seed=s, regime=arm, label=arm or "as_written"))
        if progress and (tty or i % max(1, len(plan) // 10) == 0 or i == len(plan)):
            elapsed = time.perf_counter() - start
            eta = elapsed / i * (len(plan) - i)
            line = f"compare: {i}/{len(plan)} runs, {elapsed:.0f}s elapsed, eta {eta:.0f}s"
            end = "" if tty else "\n"
            print(f"\r{line} " if tty else line, end=end, file=sys.stderr, flush=True)
    if progress and tty:
        print(file=sys.stderr)
    order = {a or "as_written": k for k, a in enumerate(arms(scenario))}
    results.sort(key=lambda r: (order[r.regime], seeds.index(r.seed)))
    return Comparison(scenario, seeds, results)


#: The outcome that stands for each dimension in the case summary, and whether higher is better.
DIMENSIONS = {
    "efficiency": ("qa_units_per_10k_yuan", True),
    "quality": ("quality_mean", True),
    "independence": ("largest_buyer_dependence_mean", False),
}


def _fmt(x: float) -> str:
    return "-" if x != x else f"{x:.3g}"


def case_summary(comp: Comparison) -> str:
    """Markdown: per dimension, which arm does best, with intervals, and whether it is clear."""
    rows = {(r["regime"], r["outcome"]): r for r in comp.table()}
    arms_ = list(comp.by_arm())
    s = comp.scenario
    lines = [f"# {s.name}: which regime does best", "", s.description, ""]
    if s.has_own_regimes:
        lines.append("`as_written` is the scenario's own (historical) regime or schedule.")
        lines.append("")
    lines.append(
        f"Mean [95% interval] over {len(comp.seeds)} replications with common random "
        f"numbers, {s.params['steps']} months."
    )
    lines.append("")
    lines.append("| dimension | outcome | best | runner-up | clear? |")
    lines.append("|---|---|---|---|---|")
    for dim, (outcome, higher) in DIMENSIONS.items():
        scored = [
            (rows[(a, outcome)], a)
            for a in arms_
            if rows[(a, outcome)]["mean"] == rows[(a, outcome)]["mean"]
        ]
        if len(scored) < 2:
            lines.append(f"| {dim} | `{outcome}` | - | - | - |")
            continue
        scored.sort(key=lambda t: t[0]["mean"], reverse=higher)
        (b, best), (r, second) = scored[0], scored[1]
        clear = b["ci_low"] > r["ci_high"] if higher else b["ci_high"] < r["ci_low"]

        def cell(row, name):
            return f"{name} {_fmt(row['mean'])} [{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}]"

        verdict = "yes" if clear else "no: intervals overlap"
        lines.append(
            f"| {dim} | `{outcome}` ({'higher' if higher else 'lower'} is better) | "
            f"{cell(b, best)} | {cell(r, second)} | {verdict} |"
        )
    lines.append("")
    lines.append("All regimes, headline outcomes:")
    lines.append("")
    from .metrics import HEADLINE

    lines.append("| regime | " + " | ".join(HEADLINE) + " |")
    lines.append("|---|" + "---|" * len(HEADLINE))
    for a in arms_:
        cells = [
            f"{_fmt(rows[(a, o)]['mean'])} [{_fmt(rows[(a, o)]['ci_low'])}, "
            f"{_fmt(rows[(a, o)]['ci_high'])}]"
            for o in HEADLINE
        ]
        lines.append(f"| {a} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
