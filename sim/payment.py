"""Payment rules: how a buyer pays a provider for a month's work on one arrangement.

A regime makes one rule per arrangement, holding the agreed terms. The market pays
``due(arr, hours delivered)`` each month, less any penalty; a penalty may withhold part of the
payment only where the rule pays by results (``withholdable``). ``per_hour`` is what the
provider earns per committed hour: the price its shading weighs its cost against, and the value
of the arrangement in the buyer's records. A regime may define rules of its own.
"""

from __future__ import annotations

from dataclasses import dataclass


class PaymentRule:
    """The interface: ``due`` (yuan for the hours delivered), ``per_hour``, ``withholdable``."""

    withholdable = False

    def due(self, arr, hours: float) -> float:
        raise NotImplementedError

    def per_hour(self, arr) -> float:
        """Yuan per committed hour: the month's payment for full delivery over the hours."""
        return self.due(arr, arr.units) / arr.units if arr.units > 0 else 0.0


@dataclass(frozen=True)
class PerHour(PaymentRule):
    """Price × hours delivered (a contract paying per deliverable); penalties withhold part."""

    price: float
    withholdable = True

    def due(self, arr, hours: float) -> float:
        return self.price * hours

    def per_hour(self, arr) -> float:
        return self.price


@dataclass(frozen=True)
class Instalment(PaymentRule):
    """A fixed amount a month, whatever is delivered (a grant's or a negotiated budget)."""

    monthly: float

    def due(self, arr, hours: float) -> float:
        return self.monthly


class PerPost(Instalment):
    """Funded posts × the post rate, a month (administrative purchase of posts)."""

    def __init__(self, rate: float, posts: float):
        super().__init__(posts * rate)


@dataclass(frozen=True)
class OwnCosts(PaymentRule):
    """The buyer's own unit: its wage bill, shared over its arrangements by hours delivered.

    It is not paid a price, so ``per_hour`` is 0.
    """

    def due(self, arr, hours: float) -> float:
        unit = arr.provider
        total = sum(a.delivered for a in unit.arrangements) or 1.0
        return unit.month_wage_bill * hours / total

    def per_hour(self, arr) -> float:
        return 0.0
