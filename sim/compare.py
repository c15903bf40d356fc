"""Regime comparison under common random numbers, with intervals over replications."""

from __future__ import annotations

from dataclasses import dataclass

from . import metrics
from .experiments.replicate import Task, console_progress, replicate
from .experiments.seeds import replication_seeds
from .regimes import REGIMES
from .run import RunResult
from .scenario import Scenario
from .stats import mean_interval


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

    def paired(self, outcome: str, a: str, b: str) -> tuple[float, float, float]:
        """Mean and interval of ``a − b`` on ``outcome`` over replications (common random
        numbers: replication ``k`` of every arm has the same seed)."""
        arms_ = self.by_arm()
        x = {r.seed: r.summary[outcome] for r in arms_[a]}
        y = {r.seed: r.summary[outcome] for r in arms_[b]}
        return mean_interval([x[s] - y[s] for s in self.seeds if s in x and s in y])

    def table(self, outcomes=None) -> list[dict]:
        """Rows of (regime, outcome, mean, ci_low, ci_high, n)."""
        rows = []
        for arm, results in self.by_arm().items():
            for name in outcomes or metrics.OUTCOME_NAMES:
                bounds = metrics.BY_NAME[name].bounds if name in metrics.BY_NAME else None
                m, lo, hi = mean_interval([r.summary[name] for r in results], bounds=bounds)
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


def plan(
    scenario: Scenario, replications: int, seed: int, draws: list[dict] | None = None
) -> tuple[list[int], list[Task]]:
    """The seeds and the runs of a comparison: every arm × replication, replication ``k``
    with the same seed in every arm (common random numbers), arm by arm. With ``draws``
    (parameter sets, e.g. from a posterior), replication ``k`` also takes
    ``draws[k * len(draws) // replications]``'s values, in every arm."""
    seeds = replication_seeds(seed, replications)
    per = [draws[k * len(draws) // replications] if draws else {} for k in range(replications)]
    tasks = [
        Task({"scenario": scenario, "regime": arm, "label": arm or "as_written", **per[k]}, s)
        for arm in arms(scenario)
        for k, s in enumerate(seeds)
    ]
    return seeds, tasks


def compare(
    scenario: Scenario,
    replications: int,
    seed: int,
    progress: bool = True,
    workers: int | None = 1,
    dask: str | None = None,
    draws: list[dict] | None = None,
) -> Comparison:
    """Run every arm × replication (``plan``) on ``workers`` processes or a Dask cluster."""
    seeds, tasks = plan(scenario, replications, seed, draws)
    show = console_progress("compare") if progress else None
    results = replicate("sim.run:run", tasks, workers=workers, dask=dask, progress=show)
    return Comparison(scenario, seeds, results)


#: The outcome that stands for each dimension in the case summary, and whether higher is better.
DIMENSIONS = {
    "efficiency": ("qa_hours_per_10k_yuan", True),
    "quality": ("quality_mean", True),
    "independence": ("provider_largest_buyer_share_mean", False),
}


def _fmt(x: float) -> str:
    return "-" if x != x else f"{x:.3g}"


def _value(row: dict) -> str:
    """``mean [low, high]``; where the mean is missing, ``n/a`` and why; where only the
    interval is, the mean and why."""
    if row["mean"] != row["mean"]:
        return f"n/a ({metrics.undefined_reason(metrics.BY_NAME[row['outcome']])})"
    if row["ci_low"] != row["ci_low"]:
        why = "one replication" if row["n"] < 2 else "one run with a value"
        return f"{_fmt(row['mean'])} (no interval: {why})"
    return f"{_fmt(row['mean'])} [{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}]"


def _named(name: str) -> str:
    """An outcome for a person, with its machine name: ``Quality delivered (`quality_mean`)``."""
    return f"{metrics.BY_NAME[name].label} (`{name}`)"


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
    lines.append(
        "Best and runner-up by mean; *clear* when the 95% interval of their paired difference "
        "(replication by replication, same seeds) excludes 0."
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
            why = f"n/a ({len(scored)} regime{'s' * (len(scored) != 1)} with a value)"
            lines.append(f"| {dim} | {_named(outcome)} | {why} | n/a | n/a |")
            continue
        scored.sort(key=lambda t: t[0]["mean"], reverse=higher)
        (b, best), (r, second) = scored[0], scored[1]
        diff, lo, hi = comp.paired(outcome, best, second)

        def cell(row, name):
            return f"{name} {_value(row)}"

        if lo != lo:
            verdict = "n/a: one replication, no interval"
        elif (lo > 0) if higher else (hi < 0):
            verdict = f"yes: paired difference {_fmt(diff)} [{_fmt(lo)}, {_fmt(hi)}]"
        else:
            verdict = f"no: paired difference {_fmt(diff)} [{_fmt(lo)}, {_fmt(hi)}] holds 0"
        lines.append(
            f"| {dim} | {_named(outcome)}, {'higher' if higher else 'lower'} is better | "
            f"{cell(b, best)} | {cell(r, second)} | {verdict} |"
        )
    lines.append("")
    lines.append("All regimes, headline outcomes:")
    lines.append("")
    from .metrics import HEADLINE

    arrow = {"higher": " ↑", "lower": " ↓"}
    lines.append("↑ higher is better, ↓ lower is better.")
    lines.append("")
    heads = [
        f"{_named(o)}, {metrics.BY_NAME[o].unit}{arrow.get(metrics.BY_NAME[o].better, '')}"
        for o in HEADLINE
    ]
    lines.append("| regime | " + " | ".join(heads) + " |")
    lines.append("|---|" + "---|" * len(HEADLINE))
    for a in arms_:
        cells = [_value(rows[(a, o)]) for o in HEADLINE]
        lines.append(f"| {a} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
