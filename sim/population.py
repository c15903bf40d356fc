"""Residents as numpy arrays the model owns, and their monthly updates over those arrays
(compiled loops in ``kernels``).

Every per-resident quantity is a column here; ``Resident`` agents only read them. All
residents update synchronously: each step reads last month's opinions and writes the new
ones at once (ODD element 3).
"""

from __future__ import annotations

import numpy as np

from .lazy import lazy, ready
from .rng import stream

kernels = lazy("sim.kernels")  # numba and the compiled loops: loaded when first used


class Network:
    """An undirected social network stored as CSR arrays (no Python object per edge)."""

    def __init__(self, n: int, src: np.ndarray, dst: np.ndarray):
        # ties sorted by (src, dst): one sort of the keys src × n + dst (ties are distinct)
        key = src.astype(np.int64) * n + dst
        key.sort()
        self.n = n
        self.src = (key // n).astype(np.int32)
        self.dst = (key % n).astype(np.int32)
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.src, minlength=n), out=self.indptr[1:])

    @property
    def n_edges(self) -> int:
        """Undirected edges (each is stored in both directions)."""
        return len(self.src) // 2

    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    def neighbours(self, i: int) -> np.ndarray:
        return self.dst[self.indptr[i] : self.indptr[i + 1]]

    def to_networkx(self):
        """A networkx graph of the same ties, for analysis and the dashboard."""
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        half = self.src < self.dst
        g.add_edges_from(zip(self.src[half].tolist(), self.dst[half].tolist()))
        return g


def build_network(
    community: np.ndarray, degree: float, cross_share: float, rng: np.random.Generator
) -> Network:
    """Random ties, mostly within a resident's community.

    Each resident draws Poisson(degree / 2) ties; a tie goes to a random resident of the same
    community, or with probability ``cross_share`` to anyone. Ties are made symmetric and
    duplicates and self-ties dropped, so the mean degree is close to ``degree``.
    """
    n = len(community)
    k = rng.poisson(degree / 2.0, size=n)
    src = np.repeat(np.arange(n, dtype=np.int64), k)
    m = len(src)
    sizes = np.bincount(community)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    c = community[src]
    within = starts[c] + np.floor(rng.random(m) * sizes[c]).astype(np.int64)
    anyone = rng.integers(0, n, size=m)
    dst = np.where(rng.random(m) < cross_share, anyone, within)
    keep = src != dst
    a, b = src[keep], dst[keep]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pairs = np.sort(lo * n + hi)  # np.unique, sorted then deduplicated
    if len(pairs):
        pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    lo, hi = pairs // n, pairs % n
    return Network(n, np.concatenate([lo, hi]), np.concatenate([hi, lo]))


class Population:
    """Resident state as arrays of length ``n`` (or ``n × lines``).

    ``need``, ``eligible``, ``community``, ``migrant``, ``taste`` and ``network`` are fixed once
    built. The monthly updates work on the (resident, line) pairs with need only, and reuse what
    follows from ``provider`` until it changes (``_Links``); they give the numbers of the plain
    formulas in the docstrings (``tests/test_reference_residents.py`` compares them with a
    per-resident reference).
    """

    def __init__(self, params: dict, lines: list[dict], seed: int):
        ready(kernels)  # loaded with the first model, not inside its first month
        n = int(params["n_residents"])
        n_lines = len(lines)
        n_comm = int(params["n_communities"])
        self.n = n
        self.persons = float(params["population"]) / n
        rng = stream(seed, "residents")
        sizes = rng.multinomial(n, np.full(n_comm, 1.0 / n_comm))
        self.community = np.repeat(np.arange(n_comm, dtype=np.int32), sizes)
        self.community_size = np.bincount(self.community, minlength=n_comm)  # residents
        self.migrant = rng.random(n) < params["migrant_share"]
        self.taste = rng.normal(0.0, params["perception_sd"], size=n)
        need = np.zeros((n, n_lines))
        eligible = np.ones((n, n_lines), dtype=bool)
        for j, line in enumerate(lines):
            has = rng.random(n) < line["need_prevalence"]
            amount = rng.lognormal(-0.125, 0.5, size=n) * line["need_units_per_person"]
            need[:, j] = np.where(has, amount * self.persons, 0.0)
            if not line["migrants_eligible"]:
                eligible[:, j] = ~self.migrant
        self.need = need
        self.eligible = eligible
        self.network = build_network(
            self.community,
            params["network_degree"],
            params["network_cross_share"],
            stream(seed, "network"),
        )
        self.expectation = np.full(n, params["expectation_initial"])
        self.opinion = np.full((n, n_lines), 0.5)
        self.provider = np.full((n, n_lines), -1, dtype=np.int64)
        self.provider.flags.writeable = False  # written by ``set_provider`` only
        self._provider_version = 0
        self.received = np.zeros((n, n_lines))
        self.quality = np.zeros((n, n_lines))
        self.satisfaction = np.full(n, np.nan)
        self.line_satisfaction = np.full((n, n_lines), np.nan)
        self.complained = np.zeros((n, n_lines), dtype=bool)
        # fixed for the run: the (resident, line) pairs with need, row-major
        self._users = np.flatnonzero(need.ravel() > 0)
        self._user_row = self._users // n_lines
        self._user_need = need.ravel()[self._users]
        self._user_taste = self.taste[self._user_row]
        self._need_total = need.sum(axis=1)
        self._needy = np.flatnonzero(self._need_total > 0)
        self._needy_need = self._need_total[self._needy]
        self.total_need = float(need.sum())
        self._spans: dict = {}
        self._links_cache: _Links | None = None
        self._groups_cache: tuple | None = None
        self._satisfied: tuple | None = None  # (satisfaction, its defined values)
        self._complaints: tuple | None = None  # (complained, its pairs that are True)

    @property
    def need_pairs(self) -> np.ndarray:
        """Flat indices (into ``n × lines`` arrays, row-major) of the (resident, line) pairs
        with need, increasing (fixed for the run)."""
        return self._users

    # -- cached structure ---------------------------------------------------------------------
    def _links(self) -> _Links:
        """What follows from ``provider`` (rebuilt only when its contents have changed)."""
        cached = self._links_cache
        if cached is None or cached.version != self._provider_version:
            # changed since; often back to what it was (an arrangement ended and renewed)
            if cached is not None and _equal(cached.provider, self.provider):
                cached.version = self._provider_version
            else:
                cached = self._links_cache = _Links(self)
        return cached

    def set_provider(self, where, provider) -> None:
        """``provider[where] = provider``: the one way to change who serves whom.

        ``provider`` is read-only otherwise, so what follows from it (``_Links``) is rebuilt
        exactly when it changes.
        """
        self.provider.flags.writeable = True
        try:
            self.provider[where] = provider
        finally:
            self.provider.flags.writeable = False
        self._provider_version += 1

    def span(self, users: np.ndarray, line: int):
        """``(where, need, total, with_need)`` of ``users`` on ``line``.

        ``where`` indexes them (a slice when they are consecutive residents, as a lot's are),
        ``need`` is their need that a service may meet (zero where not eligible) and ``total``
        its sum; ``with_need`` counts eligible users with need. Cached for views of arrays that are
        not changed (lots' residents), as need and eligibility are fixed.
        """
        n_users = len(users)
        base = users.base  # a lot's residents, of which an arrangement's users are a slice
        key = (id(base), users.__array_interface__["data"][0], n_users, line)
        hit = self._spans.get(key) if base is not None else None
        if hit is not None and hit[0] is base:
            return hit[1]
        consecutive = n_users > 0 and users[-1] - users[0] + 1 == n_users
        if not (consecutive and np.all(np.diff(users) == 1)):
            return _span(self, users, line)
        span = _span(self, slice(int(users[0]), int(users[0]) + n_users), line)
        if base is not None:
            self._spans[key] = (base, span)
        return span

    def satisfied(self) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Satisfaction of the residents for whom it is defined (not NaN), in resident order,
        and ``(locals, migrants, communities, residents per community)`` of them (locals and
        migrants as positions in the first array, communities as ``_Runs``).

        ``experience`` leaves the values at hand (those residents are the ones with need); a
        ``satisfaction`` set otherwise is read as it is.
        """
        sat = self.satisfaction
        last = self._satisfied
        if last is not None and last[0] is sat:
            return last[1], self._groups(self._needy)
        every = np.flatnonzero(~np.isnan(sat))
        return sat.take(every), self._groups(every)

    def _groups(self, every: np.ndarray) -> tuple[np.ndarray, ...]:
        cached = self._groups_cache
        if cached is None or not (cached[0] is every or _equal(cached[0], every)):
            migrant = self.migrant[every]
            community = self.community[every]
            count = np.bincount(community)
            groups = (
                np.flatnonzero(~migrant),
                np.flatnonzero(migrant),
                _Runs(community),
                count,
            )
            cached = self._groups_cache = (every, groups)
        return cached[1]

    # -- monthly update ----------------------------------------------------------------------
    def experience(self, params: dict, rng: np.random.Generator) -> None:
        """Residents judge the service they got against their expectation, and may complain.

        A served resident judges the provider's quality (plus a personal offset) against its
        expectation; satisfaction with a line is that judgement times the share of its need
        met (zero if unserved). Complaints and opinions concern the provider's quality.
        Reads ``received`` and ``quality`` (set by the model's delivery).

        Where a resident has no need on a line nothing is served: its satisfaction with the
        line is undefined (NaN), its opinion stays and it does not complain. So the update
        runs over the pairs with need only; one uniform draw per (resident, line) pair is
        still taken, as the complaint draws always were.
        """
        links = self._links()
        n, n_lines = self.need.shape
        self.opinion = np.ascontiguousarray(self.opinion)  # (it is: updated through a flat view)
        values = np.empty(len(self._needy))
        satisfaction = np.full(n, np.nan)  # undefined without need
        unhappy = np.empty(len(links.served_pairs), dtype=np.int64)
        n_unhappy = kernels.experience(
            self._users,
            self._user_row,
            self._user_need,
            self._user_taste,
            links.served,
            self._needy_need,
            self.quality.ravel(),
            self.received.ravel(),
            float(params["satisfaction_slope"]),
            float(params["expectation_adapt"]),
            float(params["complaint_threshold"]),
            self.expectation,
            self.opinion.ravel(),
            self.line_satisfaction.ravel(),  # NaN where there is no need: never written
            satisfaction,
            values,
            unhappy,
        )
        self.satisfaction = satisfaction
        self._satisfied = (satisfaction, values)
        # one uniform per (resident, line), drawn as rng.random((n, lines)); only the draws
        # of served pairs judged below the threshold decide anything
        at = links.served_pairs.take(unhappy[:n_unhappy])
        draws = _draws_at(rng, at, n * n_lines)
        complained = np.zeros((n, n_lines), dtype=bool)
        where = at[draws < params["complaint_propensity"]]
        complained.ravel()[where] = True
        self.complained = complained
        self._complaints = (complained, where)

    def complaint_pairs(self) -> np.ndarray:
        """``np.flatnonzero(complained)``: the (resident, line) pairs that complained, as flat
        indices, increasing (those ``experience`` found, while ``complained`` is its array)."""
        made = self._complaints
        if made is not None and made[0] is self.complained:
            return made[1]
        return np.flatnonzero(self.complained)

    def talk(self, weight: float) -> None:
        """Word of mouth: opinions move toward those of neighbours who share the provider.

        On each line, a resident with at least one neighbour served by the same provider
        moves ``weight`` of the way from its opinion to the mean of theirs (last month's
        opinions, all residents at once).
        """
        net = self.network
        if weight <= 0 or len(net.src) == 0:
            return
        old = np.ascontiguousarray(self.opinion)
        new = np.empty_like(old)
        for lines, indptr, peers, own, share in self._links().word_of_mouth(net, weight):
            if len(lines) == old.shape[1]:
                kernels.talk(indptr, peers, own, share, old.ravel(), new.ravel(), len(lines))
            else:
                before = np.ascontiguousarray(old[:, lines])
                after = np.empty_like(before)
                kernels.talk(indptr, peers, own, share, before.ravel(), after.ravel(), len(lines))
                new[:, lines] = after
        self.opinion = new

    def opinion_of(self, n_providers: int) -> tuple[np.ndarray, np.ndarray]:
        """Sum and count of opinions held about each provider id (0..n_providers-1)."""
        links = self._links()
        total = np.zeros(n_providers)
        for j, runs in enumerate(links.runs()):
            total += runs.sums(self.opinion[:, j], n_providers)
        return total, links.count(n_providers)

    def reassign(self, who: np.ndarray, line: int, provider: int, prior: float) -> None:
        """Residents ``who`` (a boolean mask or indices) get a new provider for ``line``; those
        who change provider start from its reputation."""
        who = np.flatnonzero(who) if who.dtype == bool else who
        block = _block(who)
        if block is not None:  # consecutive residents, as a lot's are: views, not copies
            differ = self.provider[block, line] != provider
            changed = block if differ.all() else np.flatnonzero(differ) + block.start
        else:
            changed = who[self.provider[who, line] != provider]
        if isinstance(changed, slice) or len(changed):
            self.set_provider((changed, line), provider)
        self.opinion[changed, line] = prior

    def unassign(self, who: np.ndarray, line: int) -> None:
        """Residents ``who`` (indices) have no provider for ``line`` any more."""
        block = _block(who)
        self.set_provider((who if block is None else block, line), -1)


def _block(who: np.ndarray) -> slice | None:
    """``who`` as a slice if it holds consecutive increasing indices, else ``None``."""
    n = len(who)
    if n and who[-1] - who[0] + 1 == n and (n == 1 or bool((np.diff(who) == 1).all())):
        return slice(int(who[0]), int(who[0]) + n)
    return None


def _draws_at(rng: np.random.Generator, positions: np.ndarray, size: int) -> np.ndarray:
    """``rng.random(size)[positions]``, leaving ``rng`` as ``rng.random(size)`` leaves it.

    ``positions`` are increasing. When they are few, and the generator is numpy's PCG64 (one
    64-bit step per double, and ``advance`` skips steps without making them), the draws in
    between are skipped rather than made: the same numbers and the same state after, for a
    fraction of the work.
    """
    bits = rng.bit_generator
    if type(bits) is not np.random.PCG64 or len(positions) * 1000 > size:
        return rng.random(size).take(positions)
    before = bits.state
    out = np.empty(len(positions))
    at = 0
    for i, k in enumerate(positions.tolist()):
        if k > at:
            bits.advance(k - at)
        out[i] = rng.random()
        at = k + 1
    if size > at:
        bits.advance(size - at)
    if before["has_uint32"]:  # ``advance`` drops a buffered 32-bit half; ``random`` keeps it
        after = bits.state
        after["has_uint32"], after["uinteger"] = before["has_uint32"], before["uinteger"]
        bits.state = after
    return out


class _Runs:
    """A sequence of group ids as runs of equal ids (-1: in no group), to sum values per group
    run by run: few runs when the ids come in blocks, as lots' providers and communities do."""

    def __init__(self, ids: np.ndarray):
        starts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
        self.starts = np.concatenate([[0], starts]) if len(ids) else starts
        run_ids = ids[self.starts]
        self.kept = np.flatnonzero(run_ids >= 0)
        self.ids = run_ids[self.kept]

    def sums(self, values: np.ndarray, n_groups: int) -> np.ndarray:
        """Sum of ``values`` (one per id) per group id ``0..n_groups-1``."""
        if not len(self.starts):
            return np.zeros(n_groups)
        per_run = np.add.reduceat(values, self.starts).take(self.kept)
        return np.bincount(self.ids, weights=per_run, minlength=n_groups)


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    """``np.array_equal`` of two arrays, without its conversions."""
    return a.shape == b.shape and bool((a == b).all())


def _span(pop: Population, where, line: int) -> tuple:
    need = pop.need[where, line] * pop.eligible[where, line]
    return where, need, float(need.sum()), int((need > 0).sum())


class _Links:
    """What the monthly updates need from one state of ``provider`` (a copy is kept)."""

    def __init__(self, pop: Population):
        self.version = pop._provider_version
        self.provider = pop.provider.copy()
        served = (pop.need > 0) & (self.provider >= 0) & pop.eligible
        self.served = served.ravel()[pop._users]  # per pair with need: eligible and provided
        self.served_pairs = pop._users[self.served]
        self._counts: dict[int, np.ndarray] = {}
        self._runs: list[_Runs] | None = None
        self._talk: tuple | None = None

    def runs(self) -> list[_Runs]:
        """Each line's providers as ``_Runs``."""
        if self._runs is None:
            self._runs = [_Runs(self.provider[:, j]) for j in range(self.provider.shape[1])]
        return self._runs

    def count(self, n_providers: int) -> np.ndarray:
        """Pairs served by each provider id."""
        if n_providers not in self._counts:
            known = self.provider[self.provider >= 0]
            self._counts[n_providers] = np.bincount(known, minlength=n_providers)
        return self._counts[n_providers]

    def word_of_mouth(self, net: Network, weight: float) -> list[tuple]:
        """Per group of lines with the same ties: ``(lines, indptr, peers, own, share)``.

        Resident ``i``'s peers on those lines, its neighbours with the same provider, are
        ``peers[indptr[i]:indptr[i + 1]]``; a month of word of mouth keeps ``own[i]`` of its
        opinion (``1 - weight``, or 1 without peers) and adds ``share[i]`` (``weight / k``
        for ``k`` peers) of each peer's (``kernels.talk``).
        """
        key = (net, weight)
        if self._talk is None or self._talk[0] != key:
            n_lines = self.provider.shape[1]
            built: list[tuple] = []
            for j in range(n_lines):
                indptr, peers = kernels.shared_ties(net.indptr, net.dst, self.provider[:, j])
                for lines, other_indptr, other_peers, _, _ in built:
                    if np.array_equal(indptr, other_indptr) and np.array_equal(peers, other_peers):
                        lines.append(j)
                        break
                else:
                    ties = np.diff(indptr)
                    own = np.where(ties > 0, 1.0 - weight, 1.0)
                    share = weight / np.maximum(ties, 1)
                    built.append(([j], indptr, peers, own, share))
            self._talk = (key, built)
        return self._talk[1]
