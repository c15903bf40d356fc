"""What numpy costs on the few numbers of a month's market: ``python -m benchmarks.small_arrays``.

At the default scenario's size a month's market holds about 8 providers, 8 arrangements and 2
buyers. Holding their state as arrays pays only if one numpy call over ~8 numbers costs less
than the Python it replaces. This times both sides of each replacement the market would make
(median of 7 repeats of many calls, in microseconds per call), and counts the Python function
calls of an average month of the default scenario.
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import timeit
from collections import deque

import numpy as np

N = 8  # providers or arrangements in the default scenario


def _time(fn, number: int = 20_000) -> float:
    """Median over 7 repeats, microseconds per call."""
    return statistics.median(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


def pairs() -> list[tuple[str, float, float]]:
    """``(operation, Python µs, numpy µs)`` for the operations an array market would batch."""
    rng = np.random.default_rng(1)
    a, b = rng.random(N), rng.random(N)
    la, lb = a.tolist(), b.tolist()
    posts, turnover = [12, 8, 30, 5, 9, 14], [0.02] * 6
    draws = np.random.default_rng(2)
    months = np.zeros((12, N, 4))
    history = [
        deque({"private": 1.0, "costs": 2.0, "designed": 0.5, "outside": 0.1} for _ in range(12))
        for _ in range(N)
    ]

    def python_sums():
        out = []
        for h in history:
            private = costs = designed = outside = 0.0
            for m in h:
                private += m["private"]
                costs += m["costs"]
                designed += m["designed"]
                outside += m["outside"]
            out.append((private, costs, designed, outside))
        return out

    def numpy_sums():  # each producer's closed month written in, then one reduction
        months[:-1] = months[1:]  # the window moves a month
        for k, h in enumerate(history):
            m = h[-1]
            months[-1, k] = (m["private"], m["costs"], m["designed"], m["outside"])
        return np.add.reduce(months, axis=0).tolist()

    return [
        (
            f"multiply {N} pairs of numbers",
            _time(lambda: [x * y for x, y in zip(la, lb)]),
            _time(lambda: a * b),
        ),
        (
            f"sum {N} numbers",
            _time(lambda: sum(la)),
            _time(lambda: float(np.add.reduce(a))),
        ),
        (
            "staff turnover of 6 producers (binomial draws)",
            _time(lambda: [int(draws.binomial(n, p)) for n, p in zip(posts, turnover)]),
            _time(lambda: draws.binomial(posts, turnover).tolist()),
        ),
        (
            f"twelve-month sums of 4 fields for {N} producers",
            _time(python_sums, number=5_000),
            _time(numpy_sums, number=5_000),
        ),
    ]


def month_calls(runs: int = 3) -> float:
    """Python function calls (and C functions called from Python) per month of the default
    scenario, counted by cProfile."""
    from sim.run import run

    run(steps=2)  # the compiled kernels loaded
    prof = cProfile.Profile()
    prof.enable()
    for seed in range(runs):
        run(seed=seed)
    prof.disable()
    stats = pstats.Stats(prof).stats
    calls = sum(v[1] for v in stats.values())
    return calls / (120 * runs)


def main() -> None:
    print(f"{'operation':50s} {'Python (µs)':>12s} {'numpy (µs)':>11s}")
    for name, py, npy in pairs():
        print(f"{name:50s} {py:12.2f} {npy:11.2f}")
    calls = month_calls()
    print(f"Python function calls per month of the default scenario: {calls:,.0f}")


if __name__ == "__main__":
    main()
