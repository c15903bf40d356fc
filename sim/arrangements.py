"""Lots (what a buyer purchases) and arrangements (who provides a lot, on which terms)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .payment import PaymentRule


@dataclass(eq=False)
class Lot:
    """One service line in one community, held by one buyer."""

    id: int
    buyer: object
    line: int
    community: int
    residents: np.ndarray  # indices of the community's residents
    need: float = 0.0  # service hours per month
    arrangements: list = field(default_factory=list)
    terminations: int = 0
    taken_back: bool = False
    last_provider: object = None
    excluded: set = field(default_factory=set)  # providers terminated on this lot
    retry_at: int = 0  # month from which a lot left without provider is purchased again
    year_hours: float = 0.0  # hours served this year (service gaps)
    year_need: float = 0.0  # need this year, in months its buyer was providing

    @property
    def open(self) -> bool:
        return not self.arrangements


@dataclass(eq=False)
class Arrangement:
    """A provider's commitment to serve (a share of) a lot under a regime's terms.

    It serves the residents ``members`` if given, else the slice ``share`` of the lot's
    residents; ``payment`` is its payment rule (``sim.payment``).
    """

    id: int
    regime: object
    buyer: object
    lot: Lot
    provider: object
    start: int
    end: int
    payment: PaymentRule
    units: float  # committed service hours per month
    share: tuple[float, float] = (0.0, 1.0)  # slice of the lot's users this arrangement serves
    members: np.ndarray | None = None  # or these residents (indices), if given
    promised_quality: float = 0.0
    strikes: int = 0
    shade_m: float = 0.0
    shade_n: float = 0.0
    delivered: float = 0.0
    quality_m: float = 0.0
    quality_n: float = 0.0
    paid: float = 0.0
    penalty: float = 0.0  # share of this month's payment withheld
    caught: bool = False  # an inspection found measurable shading this month

    @property
    def measurability(self) -> float:
        """Its line's measurability (fixed for a run: read once)."""
        mu = self.__dict__.get("_measurability")
        if mu is None:
            mu = self._measurability = self.buyer.line_params(self.lot.line)["measurability"]
        return mu

    @property
    def covers_losses(self) -> bool:
        return self.regime.covers_losses

    @property
    def quality(self) -> float:
        mu = self.measurability
        return mu * self.quality_m + (1 - mu) * self.quality_n

    def shading(self) -> float:
        mu = self.measurability
        return mu * self.shade_m + (1 - mu) * self.shade_n

    def unit_price(self) -> float:
        """What the provider earns per committed hour (yuan)."""
        return self.payment.per_hour(self)

    def inspection_probability(self) -> float:
        return self.regime.inspection_probability(self)

    def sensitivity(self) -> float:
        """Chance that the buyer's evaluation notices complaints about this arrangement."""
        return self.buyer.evaluation_sensitivity()

    def users(self, population) -> np.ndarray:
        """Indices of the residents this arrangement serves."""
        if self.members is not None:
            return self.members
        res = self.lot.residents
        lo, hi = self.share
        n = len(res)
        return res[int(round(lo * n)) : int(round(hi * n))]
