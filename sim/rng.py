"""Named random streams derived from one run seed.

Common random numbers: the *world* streams (residents' needs and traits, the social network,
the initial organizations) are spawned from the seed by name, so a purchase regime, which only
ever draws from the ``behaviour`` stream, never shifts them.
"""

from __future__ import annotations

import zlib

import numpy as np

WORLD_STREAMS = ("residents", "network", "organizations")
STREAMS = WORLD_STREAMS + ("behaviour",)


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator for stream ``name`` of run ``seed`` (stable across versions of Python)."""
    if name not in STREAMS:
        raise ValueError(f"unknown stream {name!r}")
    key = zlib.crc32(name.encode())
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


def fresh_seed() -> int:
    """A seed from OS entropy, for runs started without one (it is recorded with the run)."""
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)
