"""The one ledger every yuan moves through.

Accounts are strings: ``fund:<source>`` (government funding sources), ``buyer:<name>``,
``org:<id>``, ``inhouse:<buyer>`` (a buyer's own production unit), ``governance:<buyer>``,
``donors`` (private givers) and ``economy`` (wages and purchases leave the system there).
Holders of an account (buyers, organizations) keep their own ``cash``; ``check`` compares
each holder's change in cash with the ledger's net flow, so money that appears or vanishes
outside a transfer is caught.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


class LedgerError(AssertionError):
    """An accounting invariant failed."""


@dataclass
class Transfer:
    step: int
    src: str
    dst: str
    amount: float
    kind: str


class Ledger:
    """Double-entry transfers between accounts, with per-step flows by kind."""

    #: Relative tolerance of the invariants (floating-point sums of many transfers).
    TOL = 1e-6

    def __init__(self, keep_transfers: bool = False):
        self.step = 0
        self.keep_transfers = keep_transfers
        self.transfers: list[Transfer] = []
        self.net: defaultdict[str, float] = defaultdict(float)
        self.flows: defaultdict[tuple[str, str, str], float] = defaultdict(float)
        self._holders: dict[str, object] = {}
        self._opening: dict[str, float] = {}

    def register(self, account: str, holder) -> None:
        """A holder whose ``cash`` attribute this account mirrors."""
        self._holders[account] = holder
        self._opening[account] = holder.cash

    def transfer(self, src: str, dst: str, amount: float, kind: str) -> None:
        """Move ``amount`` yuan from ``src`` to ``dst``; holders' cash changes with it."""
        if amount < 0 or amount != amount:
            raise LedgerError(f"transfer of {amount} from {src} to {dst} ({kind})")
        if amount == 0:
            return
        self.net[src] -= amount
        self.net[dst] += amount
        self.flows[(src, dst, kind)] += amount
        for account, sign in ((src, -1.0), (dst, 1.0)):
            holder = self._holders.get(account)
            if holder is not None:
                holder.cash += sign * amount
        if self.keep_transfers:
            self.transfers.append(Transfer(self.step, src, dst, amount, kind))

    def begin_step(self, step: int) -> None:
        """Start a new step: flows are counted from zero, opening balances remembered."""
        self.step = step
        self.net.clear()
        self.flows.clear()
        self._opening = {a: h.cash for a, h in self._holders.items()}

    def flow(self, src_prefix: str = "", dst_prefix: str = "", kind_prefix: str = "") -> float:
        """Sum of this step's flows whose source, destination and kind start as given."""
        return sum(
            v
            for (s, d, k), v in self.flows.items()
            if s.startswith(src_prefix) and d.startswith(dst_prefix) and k.startswith(kind_prefix)
        )

    def check(self, allow_negative: set[str] = frozenset()) -> None:
        """Assert this step's invariants; raises ``LedgerError`` naming the account.

        For every holder: money in − money out = change in cash. No holder ends with negative
        cash unless its account is in ``allow_negative`` (a regime covers its deficit).
        The ledger itself balances: all net flows sum to zero.
        """
        total = sum(self.net.values())
        scale = max(1.0, sum(abs(v) for v in self.net.values()))
        if abs(total) > self.TOL * scale:
            raise LedgerError(f"ledger does not balance: {total:.6f} yuan unaccounted")
        for account, holder in self._holders.items():
            change = holder.cash - self._opening[account]
            expected = self.net.get(account, 0.0)
            if abs(change - expected) > self.TOL * max(1.0, abs(holder.cash), abs(expected)):
                raise LedgerError(
                    f"{account}: cash changed by {change:.2f} but its transfers net {expected:.2f}"
                )
            if holder.cash < -self.TOL and account not in allow_negative:
                raise LedgerError(f"{account}: negative cash {holder.cash:.2f} not covered")
