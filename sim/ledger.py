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
        self._flows: defaultdict[tuple[str, str, str], float] = defaultdict(float)
        self._holders: dict[str, object] = {}
        self._opening: dict[str, float] = {}
        # ``flow`` queries asked so far -> this step's flow keys they match, in ``flows`` order;
        # and each flow key ever seen -> the lists of the queries it matches.
        self._watched: dict[tuple[str, str, str], list] = {}
        self._matches: dict[tuple[str, str, str], tuple[list, ...]] = {}
        self._filed = 0  # flow keys filed this step (``flows`` holds no others)

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
        key = (src, dst, kind)
        flows = self._flows
        total = flows.get(key)
        if total is None:  # the first such flow this step (0.0 + amount == amount)
            flows[key] = amount
            self._filed += 1
            matches = self._matches.get(key)
            if matches is None:
                matches = self._classify(key)
            for keys in matches:
                keys.append(key)
        else:
            flows[key] = total + amount
        holders = self._holders
        holder = holders.get(src)
        if holder is not None:
            holder.cash -= amount
        holder = holders.get(dst)
        if holder is not None:
            holder.cash += amount
        if self.keep_transfers:
            self.transfers.append(Transfer(self.step, src, dst, amount, kind))

    @property
    def net(self) -> defaultdict[str, float]:
        """This step's net flow per account (in − out), from ``flows``."""
        net: defaultdict[str, float] = defaultdict(float)
        for (src, dst, _), amount in self._flows.items():
            net[src] -= amount
            net[dst] += amount
        return net

    @property
    def flows(self) -> defaultdict[tuple[str, str, str], float]:
        """This step's sum per (source, destination, kind), in the order first seen; each sum
        adds that flow's transfers in the order they were made."""
        return self._flows

    def begin_step(self, step: int) -> None:
        """Start a new step: flows are counted from zero, opening balances remembered."""
        self.step = step
        self._flows.clear()
        for keys in self._watched.values():
            keys.clear()
        self._filed = 0
        self._opening = {a: h.cash for a, h in self._holders.items()}

    def flow(self, src_prefix: str = "", dst_prefix: str = "", kind_prefix: str = "") -> float:
        """Sum of this step's flows whose source, destination and kind start as given.

        The sum runs over the matching flows in the order they first occurred this step, as a
        scan of ``flows`` would. A query asked once is watched from then on: ``transfer``
        files each new flow under the queries it matches, so asking again costs one addition
        per matching flow, not a scan of every flow.
        """
        query = (src_prefix, dst_prefix, kind_prefix)
        flows = self._flows
        if len(flows) != self._filed:  # keys added to ``flows`` other than by ``transfer``
            for watched in self._watched:
                self._watch(watched)
            self._filed = len(flows)
        keys = self._watched.get(query)
        if keys is None:
            keys = self._watch(query)
        return sum(map(flows.__getitem__, keys))

    def _watch(self, query: tuple[str, str, str]) -> list:
        """(Re)build the list of this step's flow keys that ``query`` matches."""
        keys = self._watched.setdefault(query, [])
        keys[:] = [key for key in self.flows if _matches(key, query)]
        self._matches.clear()  # classified against other lists: classify again when seen
        return keys

    def _classify(self, key: tuple[str, str, str]) -> tuple[list, ...]:
        matches = tuple(keys for query, keys in self._watched.items() if _matches(key, query))
        self._matches[key] = matches
        return matches

    def check(self, allow_negative: set[str] = frozenset()) -> None:
        """Assert this step's invariants; raises ``LedgerError`` naming the account.

        For every holder: money in − money out = change in cash. No holder ends with negative
        cash unless its account is in ``allow_negative`` (a regime covers its deficit).
        The ledger itself balances: all net flows sum to zero.
        """
        net = self.net
        total = sum(net.values())
        scale = max(1.0, sum(map(abs, net.values())))
        tol = self.TOL
        if abs(total) > tol * scale:
            raise LedgerError(f"ledger does not balance: {total:.6f} yuan unaccounted")
        opening, get = self._opening, net.get
        for account, holder in self._holders.items():
            cash = holder.cash
            change = cash - opening[account]
            expected = get(account, 0.0)
            if abs(change - expected) > tol * max(1.0, abs(cash), abs(expected)):
                raise LedgerError(
                    f"{account}: cash changed by {change:.2f} but its transfers net {expected:.2f}"
                )
            if cash < -tol and account not in allow_negative:
                raise LedgerError(f"{account}: negative cash {holder.cash:.2f} not covered")


def _matches(key: tuple[str, str, str], query: tuple[str, str, str]) -> bool:
    return (
        key[0].startswith(query[0]) and key[1].startswith(query[1]) and key[2].startswith(query[2])
    )
