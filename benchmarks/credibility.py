"""Credibility checks: the measurements a sceptical reader makes of the model's numbers.

Each check runs the default scenario (or a named one) over paired replications (common random
numbers, master seed ``--seed``) and prints what it measures, so that the same command before
and after a model change shows whether an artefact is gone::

    python -m benchmarks.credibility --replications 20

1. independence: government share of revenue, over all organizations and over providers;
2. the in-house comparator: cost and quality per seed, and with more organizations;
3. enforcement: terminations, take-backs and undetected shading under contract, and
   non-measurable quality as monitoring grows;
4. shading and measurability: measurable quality under contract as measurability grows;
5. service gaps: runs with a year under half of need met;
6. a closed world: active organizations over time under contract;
7. private money: private outlay per yuan of public outlay;
8. schedules and overrides: a run override of a scheduled key;
9. intervals: shares with intervals outside [0, 1].
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from sim.experiments.seeds import replication_seeds
from sim.run import run


def _first(summary: dict, *names: str) -> float:
    """The first of ``names`` the summary has (outcome names change with their definition)."""
    for name in names:
        if name in summary:
            return summary[name]
    return math.nan


def _fmt(values) -> str:
    x = np.asarray([v for v in values if v == v], dtype=float)
    if not len(x):
        return "n/a"
    return (
        f"{x.mean():.4g} (sd {x.std(ddof=1) if len(x) > 1 else 0:.3g}, {x.min():.4g}-{x.max():.4g})"
    )


def runs(seeds, **kw):
    return [run(seed=s, **kw) for s in seeds]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.credibility", description=__doc__)
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20260501)
    args = ap.parse_args(argv)
    seeds = replication_seeds(args.seed, args.replications)
    out = []

    def show(label, values):
        line = f"{label}: {_fmt(values)}"
        out.append(line)
        print(line, flush=True)

    by = {r: runs(seeds, regime=r) for r in ("administrative_dependence", "contract", "in_house")}
    # 1
    for r, rs in by.items():
        show(
            f"1 {r}: gov share, all organizations (gov_revenue_share_mean)",
            [x.summary.get("gov_revenue_share_mean", math.nan) for x in rs],
        )
        show(
            f"1 {r}: gov share, providers (provider_gov_share_mean)",
            [x.summary.get("provider_gov_share_mean", math.nan) for x in rs],
        )
        show(
            f"1 {r}: gov share, providers, revenue-weighted",
            [x.summary.get("provider_gov_share_weighted", math.nan) for x in rs],
        )
    # 2
    ih = by["in_house"]
    show(
        "2 in_house: cost_per_qa_unit over seeds",
        [_first(x.summary, "cost_per_qa_hour", "cost_per_qa_unit") for x in ih],
    )
    show("2 in_house: quality_mean over seeds", [x.summary["quality_mean"] for x in ih])
    more = runs(seeds, regime="in_house", n_independent_orgs=8)
    show(
        "2 in_house, 8 organizations: cost_per_qa_unit",
        [_first(x.summary, "cost_per_qa_hour", "cost_per_qa_unit") for x in more],
    )
    # 3
    c = by["contract"]
    show("3 contract: terminations per run", [x.summary["terminations"] for x in c])
    show("3 contract: services_taken_back per run", [x.summary["services_taken_back"] for x in c])
    show("3 contract: shading_undetected", [x.summary["shading_undetected"] for x in c])
    for m in (0.05, 0.3, 0.6, 0.9):
        rs = runs(seeds[: max(5, len(seeds) // 2)], regime="contract", monitoring_capacity=m)
        show(
            f"3 contract, monitoring {m}: quality_nonmeasurable",
            [x.summary["quality_nonmeasurable"] for x in rs],
        )
        show(f"3 contract, monitoring {m}: terminations", [x.summary["terminations"] for x in rs])
    # 4
    for mu in (0.5, 0.8, 0.9, 1.0):
        rs = runs(seeds[: max(5, len(seeds) // 2)], regime="contract", measurability=mu)
        show(
            f"4 contract, measurability {mu}: quality_measurable",
            [x.summary["quality_measurable"] for x in rs],
        )
    # 5
    gaps = []
    for x in c:
        units = np.asarray(x.series.get("hours_delivered", x.series.get("units_delivered")), float)
        need = np.asarray(x.series["need_total"], float)
        years = len(units) // 12
        met = [
            units[12 * y : 12 * y + 12].sum() / need[12 * y : 12 * y + 12].sum()
            for y in range(years)
        ]
        gaps.append(float(min(met) < 0.5))
    show("5 contract: runs with a year under half of need met (share)", gaps)
    show(
        "5 contract: service_gap_lot_years", [_first(x.summary, "service_gap_lot_years") for x in c]
    )
    # 6
    active = np.array([x.series["active_orgs"] for x in c], float)
    show("6 contract: active organizations in month 1", active[:, 0])
    show("6 contract: active organizations in the last month", active[:, -1])
    show("6 contract: exits per run", [x.summary["exits"] for x in c])

    # 7
    def private_share(x) -> float:
        s = x.summary
        return _first(s, "outlay_private_providers", "outlay_private") / s["outlay_government"]

    for r, rs in by.items():
        show(f"7 {r}: private / government outlay", [private_share(x) for x in rs])
    no_crowd = runs(seeds, regime="contract", crowd_out=0.0)
    show(
        "7 contract, crowd_out 0: private / government outlay",
        [private_share(x) for x in no_crowd],
    )
    # 8
    a = run("reform_path", seed=seeds[0])
    b = run("reform_path", seed=seeds[0], entry_rate=0.0)
    line = (
        "8 reform_path (its schedule sets entry_rate 0.1 at month 36), run override "
        f"entry_rate=0: the run ends with entry_rate {b.params['entry_rate']} "
        f"({len(b.events['entries'])} entries); without it {a.params['entry_rate']} "
        f"({len(a.events['entries'])} entries)"
    )
    out.append(line)
    print(line)
    # 9
    from sim.compare import compare
    from sim.scenario import load

    comp = compare(load("baseline"), 20, 7, progress=False)
    outside = [
        (row["regime"], row["outcome"])
        for row in comp.table()
        if row["outcome"].endswith(("share", "share_mean", "_rate"))
        and (row["ci_low"] < 0 or row["ci_high"] > 1)
    ]
    line = (
        "9 baseline compare (20 replications): share and rate intervals outside [0, 1]: "
        f"{len(outside)} {outside[:6]}"
    )
    out.append(line)
    print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
