"""Decision policies: who picks the provider when a regime has options to choose from.

The automatic policy applies the scoring rule. A person (the dashboard's "play the buyer")
answers ``Pending.WAIT``: the model stops with ``model.pending`` set and goes on when
``model.resolve(choice)`` gives the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass
class Pending:
    """A decision waiting for an answer: pick an index of ``options`` or ``None``."""

    kind: str  # "tender" or "negotiation"
    buyer: object
    lot: object
    options: list[dict]

    class _Wait(Enum):
        WAIT = "wait"

    WAIT = _Wait.WAIT


class AutomaticPolicy:
    """The scoring rule: the best-ranked provider option, or no award if there is none."""

    def choose(self, kind, buyer, lot, options):
        for i, option in enumerate(options):
            if option["kind"] != "in_house":
                return i
        return None


class HumanPolicy:
    """Defer the decisions of the named buyers (all if ``buyers`` is None) to a person."""

    def __init__(self, buyers: set[str] | None = None):
        self.buyers = buyers
        self.automatic = AutomaticPolicy()

    def choose(self, kind, buyer, lot, options):
        if self.buyers is None or buyer.name in self.buyers:
            return Pending.WAIT
        return self.automatic.choose(kind, buyer, lot, options)
