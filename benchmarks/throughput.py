"""Runs of the default scenario per CPU-second, this tree against another revision.

``python -m benchmarks.throughput --against REV [--rounds 5] [--runs 10]
[--residents N --steps S] [--no-import]``

Each side runs ``sim.run.run()`` with its defaults (the baseline: 2,000 residents, 120 months;
set-up, steps, series and summary, as ``gpps run`` does) ``--runs`` times in a fresh
subprocess, after one untimed two-month run (which loads the compiled kernels), and reports
runs per CPU-second of that process (``time.process_time``, which the other tenants' load moves
less than the wall clock). The two sides alternate, in an order swapped every round; the ratio
is taken within each round. Prints the median and the range of the ratio over rounds.

Also ``import_ratio``: the seconds to ``import sim.model`` in a fresh interpreter over those
to ``import mesa`` alone, alternated the same way (wall clock of the whole interpreter).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import json, sys, time
import sim
from sim.run import run
tree = sys.argv[1]
if not sim.__file__.startswith(tree):
    raise SystemExit(f"imported {sim.__file__}, not the tree in {tree}")
runs = int(sys.argv[2])
size = json.loads(sys.argv[3])  # {} (the defaults) or n_residents, population, steps
run(seed=10_000, **{**size, "steps": 2})  # untimed: loads the compiled kernels
start, wall = time.process_time(), time.perf_counter()
for seed in range(runs):
    run(seed=seed, **size)
cpu = time.process_time() - start
print(json.dumps({"cpu_s": cpu, "wall_s": time.perf_counter() - wall, "runs": runs}))
"""


@contextmanager
def worktree(rev: str):
    """A detached git worktree of ``rev`` in a temporary folder (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="gpps-worktree-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev],
            check=True,
            capture_output=True,
        )
        try:
            yield tree
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                check=False,
                capture_output=True,
            )


def runs_per_cpu_s(tree: Path, runs: int, size: dict | None = None) -> float:
    """Runs per CPU-second in a fresh process importing ``tree``'s ``sim``: of the default
    scenario, or with ``size`` (``n_residents``, ``population``, ``steps``) overridden."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tree), str(runs), json.dumps(size or {})],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return r["runs"] / r["cpu_s"]


def import_s(tree: Path, module: str) -> float:
    """Wall-clock seconds of a fresh interpreter importing ``module`` (``tree`` on the path)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, env=env, cwd=tree)
    return time.perf_counter() - start


def _stats(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def compare(rev: str, rounds: int = 5, runs: int = 10, log=print, size: dict | None = None) -> dict:
    """This tree's default runs per CPU-second over ``rev``'s, alternated, ``rounds`` rounds
    (``size``: other ``n_residents``, ``population`` and ``steps``)."""
    here = ROOT
    with worktree(rev) as there:
        rows = []
        for k in range(rounds):
            order = [("after", here), ("before", there)]
            if k % 2:
                order.reverse()
            row = {name: runs_per_cpu_s(tree, runs, size) for name, tree in order}
            row["ratio"] = row["after"] / row["before"]
            rows.append(row)
            log(
                f"round {k + 1}/{rounds}: {row['before']:.2f} -> {row['after']:.2f} runs per "
                f"CPU-second ({row['ratio']:.2f}x)"
            )
    return {
        "against": rev,
        "size": size or "default",
        "runs_per_round": runs,
        "rounds": rows,
        "before": _stats([r["before"] for r in rows]),
        "after": _stats([r["after"] for r in rows]),
        "ratio": _stats([r["ratio"] for r in rows]),
    }


def import_ratio(rounds: int = 5) -> dict:
    """``import sim.model`` over ``import mesa``, each in a fresh interpreter, alternated."""
    import_s(ROOT, "sim.model")  # warm the file cache (and numba's, should anything load it)
    ratios, model_s, mesa_s = [], [], []
    for k in range(rounds):
        pair = ["mesa", "sim.model"] if k % 2 == 0 else ["sim.model", "mesa"]
        t = {m: import_s(ROOT, m) for m in pair}
        model_s.append(t["sim.model"])
        mesa_s.append(t["mesa"])
        ratios.append(t["sim.model"] / t["mesa"])
    return {"ratio": _stats(ratios), "sim_model_s": _stats(model_s), "mesa_s": _stats(mesa_s)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.throughput", description=__doc__)
    ap.add_argument("--against", required=True, metavar="REV", help="git revision to compare")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=10, help="timed runs per process")
    ap.add_argument(
        "--residents",
        type=int,
        default=None,
        help="runs of the baseline at this many residents (50 persons each) instead of the "
        "default scenario",
    )
    ap.add_argument("--steps", type=int, default=120, help="months per run, with --residents")
    ap.add_argument("--no-import", action="store_true", help="skip the import timing")
    args = ap.parse_args(argv)
    size = None
    if args.residents:
        n = args.residents
        size = {"n_residents": n, "population": 50 * n, "steps": args.steps}
    r = compare(args.against, args.rounds, args.runs, size=size)
    s = r["ratio"]
    what = "default scenario" if size is None else f"{args.residents:,} residents"
    print(
        f"{what}, runs per CPU-second: {r['before']['median']:.3f} at {args.against} "
        f"-> {r['after']['median']:.3f} here; ratio {s['median']:.2f} "
        f"({s['min']:.2f}-{s['max']:.2f}) over {args.rounds} rounds"
    )
    if args.no_import:
        return 0
    i = import_ratio(args.rounds)["ratio"]
    print(f"import sim.model / import mesa: {i['median']:.2f} ({i['min']:.2f}-{i['max']:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
