"""Seeds: every run's seed comes from the master seed and the run's key, never from the order.

This is the one seed scheme: sweeps, ``gpps compare``, ``gpps validate`` and the dashboard's
comparison all derive replication ``k`` of design point ``i`` as ``run_seed(master, i, k)``
(a comparison is design point 0), so a sweep reproduces a comparison's runs exactly.

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


def replication_seeds(master: int, replications: int, sample_id: int = 0) -> list[int]:
    """Seeds of replications ``0..replications-1`` of one design point, under common random
    numbers: the seeds a sweep with the same master seed gives the runs of ``sample_id``."""
    return [run_seed(master, sample_id, k) for k in range(replications)]
