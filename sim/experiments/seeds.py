"""Seeds: every run's seed comes from the master seed and the run's key, never from the order.

``run_seed(master, k)`` equals the seed of ``SeedSequence(master).spawn(n)[k]`` for any
``n > k``, so it is the same on any worker and in any order.
"""

from __future__ import annotations

import numpy as np

_DESIGN_TAG = 0x5EED_DE51  # separates the design sampler's stream from the runs' streams


def run_seed(master: int, *key: int) -> int:
    """A 63-bit seed for the run with spawn key ``key`` (e.g. its run id)."""
    hi, lo = np.random.SeedSequence(master, spawn_key=key).generate_state(2, np.uint32)
    return ((int(hi) << 32) | int(lo)) >> 1


def design_seed(master: int) -> int:
    """A 32-bit seed for the design sampler (SALib), distinct from every run's stream."""
    return int(np.random.SeedSequence([master, _DESIGN_TAG]).generate_state(1, np.uint32)[0])
