"""Where a step's time goes: ``python -m benchmarks.profile [--residents N] [--steps S]``.

Times each phase of ``GppsModel._month`` (wall clock, summed over the steps) and, with
``--pyinstrument``, prints pyinstrument's call tree of the steps alone (set-up excluded).
For line-level sampling of a whole run use py-spy, e.g.
``py-spy record -r 1000 -f speedscope -o profile.json -- python -m benchmarks.profile``.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import mesa

from benchmarks.measure import PERSONS

#: The month's phases: (object of the model that runs it, method name).
PHASES = (
    ("model", "start_month"),
    ("model", "apply_schedule"),
    ("model", "fund_buyers"),
    ("market", "expire"),
    ("market", "deliver"),
    ("model", "residents_experience"),
    ("market", "monitor"),
    ("market", "pay_providers"),
    ("market", "enforce"),
    ("model", "organizations_act"),
    ("model", "close_month"),
)


def phases(n: int, steps: int, seed: int = 1) -> tuple[dict[str, float], float]:
    """Seconds per step spent in each phase, and in the whole step."""
    import sim.kernels
    from sim.model import GppsModel

    sim.kernels.talk  # noqa: B018 (loaded now, not inside the first timed step)
    spent: Counter = Counter()
    model = GppsModel(rng=seed, n_residents=n, population=PERSONS * n)

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start

        return wrapper

    for owner, name in PHASES:
        obj = model if owner == "model" else model.market
        setattr(obj, name, timed(name, getattr(obj, name)))
    for buyer in model.buyers:
        procure = buyer.procure

        def timed_procure(procure=procure):
            start = time.perf_counter()
            result = yield from procure()
            spent["procure"] += time.perf_counter() - start
            return result

        buyer.procure = timed_procure
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    total = time.perf_counter() - start
    _forget(model)
    return {k: v / steps for k, v in spent.items()}, total / steps


def _forget(model) -> None:
    """Drop Mesa 3.3's class-level record of the model's agents (later Mesa keeps none)."""
    ids = getattr(mesa.Agent, "_ids", None)
    if ids is not None:
        ids.pop(model, None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--pyinstrument", action="store_true")
    args = parser.parse_args(argv)
    per_phase, per_step = phases(args.residents, args.steps)
    print(f"{args.residents:,} residents, {args.steps} steps: {per_step * 1e3:.2f} ms per step")
    print("| phase | ms per step | share |\n|---|---:|---:|")
    for name, seconds in sorted(per_phase.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {seconds * 1e3:.3f} | {seconds / per_step:.0%} |")
    if args.pyinstrument:
        from pyinstrument import Profiler

        from sim.model import GppsModel

        model = GppsModel(rng=1, n_residents=args.residents, population=PERSONS * args.residents)
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(args.steps):
            model.step()
        profiler.stop()
        _forget(model)
        print(profiler.output_text(unicode=False, color=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
