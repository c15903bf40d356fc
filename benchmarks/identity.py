"""Identity check: the same runs give the same numbers before and after a change to the code.

A fixed set of runs (every regime on the baseline with several seeds, the stress cases, every
case as written) is run and each run's summary, series and event tables are kept. Compare the
working tree with an earlier revision::

    python -m benchmarks.identity --against 4ffcda6

builds that revision in a temporary git worktree, runs the same set there in a subprocess, and
reports every run whose numbers differ (exit 1), or that all are identical (exit 0).
``--save FILE`` / ``--check FILE`` keep and compare a snapshot instead. ``--regimes`` limits the
set to runs of the named regimes (the set is chosen from the regimes both sides know).
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGIMES = ("in_house", "administrative_dependence", "negotiated", "grant", "contract")
CASES = (
    "shanghai_2004",
    "luocun_2008",
    "jiangxi_2006",
    "shanghai_2009_tendering",
    "reform_path",
)


def plan(regimes=REGIMES) -> list[tuple[str, str | None, int]]:
    """(scenario, regime or None for as written, seed): 30 runs for the five regimes."""
    runs = [("baseline", r, s) for r in regimes for s in (1, 2, 3, 20260501)]
    runs += [("thin_market", r, 5) for r in regimes if r in ("contract", "grant", "negotiated")]
    runs += [("weak_monitoring", r, 6) for r in regimes if r in ("contract", "in_house")]
    runs += [(case, None, 7) for case in CASES]
    return runs


def snapshot(regimes=REGIMES) -> dict:
    """Each run's summary, series and events, keyed by (scenario, regime, seed)."""
    import sim
    from sim.run import run

    tree = os.environ.get("GPPS_IDENTITY_TREE")
    if tree and not sim.__file__.startswith(tree):
        raise RuntimeError(f"imported {sim.__file__}, not the revision in {tree}")
    out = {}
    for scenario, regime, seed in plan(regimes):
        r = run(scenario, seed=seed, regime=regime)
        out[(scenario, regime, seed)] = {
            "summary": r.summary,
            "series": r.series,
            "events": {k: [dict(row) for row in v] for k, v in r.events.items() if v},
        }
    return out


def _same(a, b) -> bool:
    """Equal values, NaN equal to NaN, numbers compared by value whatever their type."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def differences(before: dict, after: dict) -> list[str]:
    """One line per run (and part) that differs. Outcomes and event tables that only ``after``
    has (added since) are not differences: every one ``before`` has must be equal."""
    out = []
    for key, old in before.items():
        new = after.get(key)
        if new is None:
            out.append(f"{key}: missing after")
            continue
        for part in ("summary", "series", "events"):
            if part not in new:
                continue  # a part the other side does not record
            names = [k for k in old[part] if not _same(old[part][k], new[part].get(k))]
            if names:
                out.append(f"{key}: {part} differ in {names[:8]}")
    return out


def _against(rev: str, regimes) -> dict:
    """The snapshot of revision ``rev``: this file run with ``--save`` in a worktree of it."""
    from benchmarks.throughput import worktree  # not at the top: the old tree runs this file

    with worktree(rev) as tree, tempfile.TemporaryDirectory(prefix="gpps-identity-") as tmp:
        script, shot = Path(tmp) / "identity.py", Path(tmp) / "before.pkl"
        script.write_text(Path(__file__).read_text(encoding="utf-8"), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(tree), "GPPS_IDENTITY_TREE": str(tree)}
        subprocess.run(
            [sys.executable, str(script), "--save", str(shot), "--regimes", ",".join(regimes)],
            check=True,
            env=env,
            cwd=tree,
        )
        with open(shot, "rb") as f:
            return pickle.load(f)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.identity", description=__doc__)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--against", metavar="REV", help="git revision to compare the tree with")
    g.add_argument("--save", metavar="FILE", help="write this tree's snapshot")
    g.add_argument("--check", metavar="FILE", help="compare this tree with a saved snapshot")
    ap.add_argument("--regimes", default=",".join(REGIMES), help="comma-separated regimes")
    args = ap.parse_args(argv)
    regimes = tuple(args.regimes.split(","))
    if args.save:
        with open(args.save, "wb") as f:
            pickle.dump(snapshot(regimes), f)
        print(f"saved {len(plan(regimes))} runs to {args.save}")
        return 0
    if args.check:
        with open(args.check, "rb") as f:
            before = pickle.load(f)
    else:
        before = _against(args.against, regimes)
    after = snapshot(regimes)
    diff = differences(before, after)
    n = len(before)
    if diff:
        print(f"{len(diff)} differences over {n} runs:")
        print("\n".join(diff))
        return 1
    added = sorted(
        {k for v in after.values() for k in v["summary"]}
        - set(next(iter(before.values()))["summary"])
    )
    print(f"identical: {n} runs (summaries, series and events)")
    if added:
        print(f"outcomes added since: {', '.join(added)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
