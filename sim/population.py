"""Residents as numpy arrays the model owns, and their vectorised monthly updates.

Every per-resident quantity is a column here; ``Resident`` agents only read them. All
residents update synchronously: each step reads last month's opinions and writes the new
ones at once (ODD element 3).
"""

from __future__ import annotations

import numpy as np

from .rng import stream


class Network:
    """An undirected social network stored as CSR arrays (no Python object per edge)."""

    def __init__(self, n: int, src: np.ndarray, dst: np.ndarray):
        order = np.lexsort((dst, src))
        self.n = n
        self.src = src[order].astype(np.int32)
        self.dst = dst[order].astype(np.int32)
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
    pairs = np.unique(lo * n + hi)
    lo, hi = pairs // n, pairs % n
    return Network(n, np.concatenate([lo, hi]), np.concatenate([hi, lo]))


class Population:
    """Resident state as arrays of length ``n`` (or ``n × lines``)."""

    def __init__(self, params: dict, lines: list[dict], seed: int):
        n = int(params["n_residents"])
        n_lines = len(lines)
        n_comm = int(params["n_communities"])
        self.n = n
        self.persons = float(params["population"]) / n
        rng = stream(seed, "residents")
        sizes = rng.multinomial(n, np.full(n_comm, 1.0 / n_comm))
        self.community = np.repeat(np.arange(n_comm, dtype=np.int32), sizes)
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
        self.received = np.zeros((n, n_lines))
        self.quality = np.zeros((n, n_lines))
        self.satisfaction = np.full(n, np.nan)
        self.line_satisfaction = np.full((n, n_lines), np.nan)
        self.complained = np.zeros((n, n_lines), dtype=bool)

    # -- monthly update ----------------------------------------------------------------------
    def experience(self, params: dict, rng: np.random.Generator) -> None:
        """Residents judge the service they got against their expectation, and may complain.

        A served resident judges the provider's quality (plus a personal offset) against its
        expectation; satisfaction with a line is that judgement times the share of its need
        met (zero if unserved). Complaints and opinions concern the provider's quality.
        Reads ``received`` and ``quality`` (set by the model's delivery).
        """
        need = self.need
        users = need > 0
        met = np.minimum(np.divide(self.received, need, out=np.zeros_like(need), where=users), 1)
        served = users & (self.provider >= 0)
        perceived = self.quality + self.taste[:, None]
        judged = np.clip(
            0.5 + params["satisfaction_slope"] * (perceived - self.expectation[:, None]), 0, 1
        )
        sat = np.where(users, np.where(served, met * judged, 0.0), np.nan)
        self.line_satisfaction = sat
        weight = np.where(served, need, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            total = need.sum(axis=1)
            self.satisfaction = np.where(
                total > 0, np.nansum(np.nan_to_num(sat) * need, axis=1) / total, np.nan
            )
            mean_perceived = (np.where(served, perceived, 0) * need).sum(axis=1) / weight
        adapt = params["expectation_adapt"] * (mean_perceived - self.expectation)
        self.expectation += np.where(weight > 0, adapt, 0.0)
        self.opinion = np.where(served, 0.5 * self.opinion + 0.5 * judged, self.opinion)
        draws = rng.random(need.shape)
        self.complained = (
            served
            & (judged < params["complaint_threshold"])
            & (draws < params["complaint_propensity"])
        )

    def talk(self, weight: float) -> None:
        """Word of mouth: opinions move toward those of neighbours who share the provider."""
        net = self.network
        if weight <= 0 or len(net.src) == 0:
            return
        n, n_lines = self.opinion.shape
        new = self.opinion.copy()
        for j in range(n_lines):
            prov = self.provider[:, j]
            same = (prov[net.src] == prov[net.dst]) & (prov[net.src] >= 0)
            s, d = net.src[same], net.dst[same]
            count = np.bincount(s, minlength=n)
            total = np.bincount(s, weights=self.opinion[d, j], minlength=n)
            has = count > 0
            mean = np.divide(total, count, out=np.zeros(n), where=has)
            new[:, j] = np.where(has, (1 - weight) * self.opinion[:, j] + weight * mean, new[:, j])
        self.opinion = new

    def opinion_of(self, n_providers: int) -> tuple[np.ndarray, np.ndarray]:
        """Sum and count of opinions held about each provider id (0..n_providers-1)."""
        prov = self.provider.ravel()
        ok = prov >= 0
        total = np.bincount(prov[ok], weights=self.opinion.ravel()[ok], minlength=n_providers)
        count = np.bincount(prov[ok], minlength=n_providers)
        return total, count

    def reassign(self, mask: np.ndarray, line: int, provider: int, prior: float) -> None:
        """Residents in ``mask`` get a new provider for ``line``; they start from its reputation."""
        changed = mask & (self.provider[:, line] != provider)
        self.provider[changed, line] = provider
        self.opinion[changed, line] = prior
