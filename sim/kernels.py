"""Compiled loops for the residents' monthly update (numba; compiled on first import, then
loaded from its on-disk cache).

Each kernel does in one pass what would otherwise take a dozen numpy passes over the
(resident, line) pairs, each gathering from and scattering to ``n``-long arrays. They follow
the formulas of ``Population``'s docstrings (no fast-math; ``experience`` operation by
operation, ``talk`` adding a resident's peers in two interleaved sums, so its numbers differ
from a one-by-one sum by rounding only); ``tests/test_reference_residents.py`` compares them
with a per-resident reference in plain Python.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_INDEX = "int64[::1]"
_VALUES = "float64[::1]"
_EXPERIENCE = (
    f"int64({_INDEX}, {_INDEX}, {_VALUES}, {_VALUES}, boolean[::1], {_VALUES}, {_VALUES}, "
    f"{_VALUES}, float64, float64, float64, {_VALUES}, {_VALUES}, {_VALUES}, {_VALUES}, "
    f"{_VALUES}, {_INDEX})"
)


@njit(_EXPERIENCE, cache=True)  # compiled (or loaded from the cache) on import
def experience(
    users: np.ndarray,
    user_row: np.ndarray,
    user_need: np.ndarray,
    user_taste: np.ndarray,
    served: np.ndarray,
    needy_need: np.ndarray,
    quality: np.ndarray,
    received: np.ndarray,
    slope: float,
    adapt: float,
    threshold: float,
    expectation: np.ndarray,
    opinion: np.ndarray,
    line_satisfaction: np.ndarray,
    satisfaction: np.ndarray,
    defined: np.ndarray,
    unhappy: np.ndarray,
) -> int:
    """Judge, satisfy, adapt expectations and update opinions; find the unhappy served pairs.

    ``users`` are the flat indices (into ``n × lines`` arrays, row-major) of the pairs with
    need, sorted; ``user_row``, ``user_need``, ``user_taste`` and ``served`` are per pair;
    ``needy_need`` is the total need of each resident with need, in resident order.
    ``quality``, ``received``, ``opinion`` and ``line_satisfaction`` are flat views.
    Writes ``expectation``, ``opinion``, ``line_satisfaction`` and ``satisfaction`` (per
    resident) in place, the satisfaction of each resident with need into ``defined`` too, and
    the positions among the served pairs of those judged below ``threshold`` into
    ``unhappy``; returns how many there are.
    """
    n_pairs = len(users)
    k = 0  # pair
    resident = 0  # among the residents with need
    s = 0  # among the served pairs
    n_unhappy = 0
    while k < n_pairs:
        row = user_row[k]
        expected = expectation[row]
        sat_sum = 0.0  # satisfaction × need over the resident's lines, in line order
        perceived_sum = 0.0  # perceived quality × need over the lines served
        weight = 0.0  # need on the lines served
        while k < n_pairs and user_row[k] == row:
            u = users[k]
            need = user_need[k]
            perceived = quality[u] + user_taste[k]
            judged = perceived - expected
            judged *= slope
            judged += 0.5
            judged = min(max(judged, 0.0), 1.0)
            met = min(received[u] / need, 1.0)
            sat = 0.0
            if served[k]:
                sat = met * judged
                perceived_sum += perceived * need
                weight += need
                opinion[u] = 0.5 * opinion[u] + 0.5 * judged
                if judged < threshold:
                    unhappy[n_unhappy] = s
                    n_unhappy += 1
                s += 1
            line_satisfaction[u] = sat
            sat_sum += sat * need
            k += 1
        defined[resident] = sat_sum / needy_need[resident]
        satisfaction[row] = defined[resident]
        if weight > 0:
            mean = perceived_sum / weight
            mean -= expected
            mean *= adapt
            mean += expected
            expectation[row] = mean
        resident += 1
    return n_unhappy


@njit(f"UniTuple(float64, 2)({_VALUES}, {_VALUES}, {_INDEX})", cache=True)
def delivered(received: np.ndarray, quality: np.ndarray, at: np.ndarray) -> tuple[float, float]:
    """Hours received and hours × quality, summed over the pairs ``at`` (flat indices,
    increasing). Over the pairs with need, these are the sums over every pair: a pair
    without need receives 0 hours, which adds exactly nothing."""
    hours = 0.0
    adjusted = 0.0
    for k in range(len(at)):
        i = at[k]
        hours += received[i]
        adjusted += received[i] * quality[i]
    return hours, adjusted


@njit(f"void({_INDEX}, uint32[::1], {_VALUES}, {_VALUES}, {_VALUES}, {_VALUES}, int64)", cache=True)
def talk(
    indptr: np.ndarray,
    peers: np.ndarray,
    own: np.ndarray,
    share: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    n_lines: int,
) -> None:
    """One month of word of mouth: ``after[i] = own[i] × before[i] + share[i] × Σ before[j]``
    over resident ``i``'s peers ``j`` (``peers[indptr[i]:indptr[i + 1]]``), on every line.

    ``before`` and ``after`` are flat views of ``n × n_lines`` arrays (row-major). Peers are
    unsigned and rows are addressed in the flat arrays, so that fetching a peer's opinions
    (the loop's cost: one fetch per tie) needs no check for negative indices.
    """
    n = len(own)
    if n_lines == 2:  # the common case: sums in registers, peers taken two at a time
        for i in range(n):
            even0 = even1 = odd0 = odd1 = 0.0  # two chains of additions per line
            t, end = indptr[i], indptr[i + 1]
            while t + 1 < end:
                j = np.uint64(peers[t]) * np.uint64(2)
                k = np.uint64(peers[t + 1]) * np.uint64(2)
                even0 += before[j]
                even1 += before[j + np.uint64(1)]
                odd0 += before[k]
                odd1 += before[k + np.uint64(1)]
                t += 2
            if t < end:
                j = np.uint64(peers[t]) * np.uint64(2)
                even0 += before[j]
                even1 += before[j + np.uint64(1)]
            after[2 * i] = own[i] * before[2 * i] + share[i] * (even0 + odd0)
            after[2 * i + 1] = own[i] * before[2 * i + 1] + share[i] * (even1 + odd1)
        return
    sums = np.empty(n_lines)
    for i in range(n):
        sums[:] = 0.0
        for t in range(indptr[i], indptr[i + 1]):
            j = np.uint64(peers[t]) * np.uint64(n_lines)
            for c in range(n_lines):
                sums[c] += before[j + np.uint64(c)]
        for c in range(n_lines):
            after[i * n_lines + c] = own[i] * before[i * n_lines + c] + share[i] * sums[c]


@njit(f"void({_VALUES}, {_VALUES}, int64, int64, int64, {_VALUES}, float64, float64)", cache=True)
def serve(
    received: np.ndarray,
    quality: np.ndarray,
    n_lines: int,
    line: int,
    first: int,
    need: np.ndarray,
    share: float,
    level: float,
) -> None:
    """Residents ``first, first + 1, …`` (one per value of ``need``) receive ``share`` of
    their ``need`` on ``line``, at quality ``level`` (``received`` and ``quality`` are flat
    views of ``n × n_lines`` arrays)."""
    at = first * n_lines + line
    for i in range(len(need)):
        received[at] = need[i] * share
        quality[at] = level
        at += n_lines


@njit("Tuple((int64[::1], uint32[::1]))(int64[::1], int32[::1], int64[:])", cache=True)
def shared_ties(indptr: np.ndarray, dst: np.ndarray, provider: np.ndarray):
    """Each resident's neighbours with the same provider as itself (none without a provider):
    ``(indptr, peers)`` of those ties, in the network's order (``indptr``, ``dst``: its CSR);
    ``peers`` unsigned, as ``talk`` takes them."""
    n = len(indptr) - 1
    kept = np.zeros(n + 1, dtype=np.int64)
    peers = np.empty(len(dst), dtype=np.uint32)
    m = 0
    for i in range(n):
        p = provider[i]
        if p >= 0:
            for t in range(indptr[i], indptr[i + 1]):
                j = dst[t]
                if provider[j] == p:
                    peers[m] = j
                    m += 1
        kept[i + 1] = m
    return kept, peers[:m].copy()
