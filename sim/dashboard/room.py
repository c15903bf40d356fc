"""The workshop room: what the facilitator sets for everyone or for a group, without any Solara.

The facilitator pushes a *setup* (scenario, regime, parameter values, seed) to everyone or to
a group, locks or unlocks the participants' settings, and resets runs. ``Room`` keeps only
that, each change stamped with a room-wide ``version``; it holds no seat and no model. A seat
reads it (``Seat.sync``): it adopts the setup that applies to its group when that setup is
not the one it last adopted, and resets when a reset newer than its last one applies to it.
A seat that joins late adopts the current setup at once.

What applies to a seat in group ``g``: of the last push to everyone and the last push to
``g``, the later one (the same for locks and resets). So "push to everyone" after "push to
group A" reaches group A too, and a push to group A afterwards overrides it for A only.

Listeners (``listen``) are called after every change, from the thread that made it: the
participants' pages register one, which re-reads the room and re-renders the page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: The groups a facilitator can put seats in (``None`` is everyone / no group).
GROUPS = ("A", "B")
#: Longest list of names a group accepts (characters).
NAMES_LENGTH = 4000


@dataclass(frozen=True)
class Setup:
    """What a run is built from: a scenario offered by the page, a regime (``None``: as the
    scenario writes it), parameter values as entered (checked by ``controls.validate``) and
    a seed."""

    scenario_ref: str
    regime: str | None = None
    edits: dict[str, Any] = field(default_factory=dict)
    seed: int = 1

    @classmethod
    def of(cls, session) -> Setup:
        """The inputs of a ``RunSession`` whose inputs are valid."""
        if not session.check.ok:
            raise ValueError("the inputs are not valid")
        return cls(
            session.scenario_ref, session.regime, dict(session.edits), int(session.check.seed)
        )


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def parse_names(text: str) -> list[str]:
    """Names in a list typed by the facilitator: one a line, or separated by commas (, ，、;)."""
    import re

    text = text if isinstance(text, str) else ""
    return [n for n in (" ".join(p.split()) for p in re.split(r"[,\n;，、；]", text)) if n]


class Room:
    """The facilitator's setups, locks and resets, per group, and who is in which group."""

    def __init__(self):
        self._lock = threading.RLock()
        self.version = 0
        # target (None: everyone, or a group) -> (value, stamp)
        self._setups: dict[str | None, tuple[Setup, int]] = {}
        self._locks: dict[str | None, tuple[bool, int]] = {}
        self._resets: dict[str | None, int] = {}
        self._by_token: dict[str, str] = {}  # a seat put in a group by the facilitator
        self._by_name: dict[str, str] = {}  # a name's group, from a list
        self._lists: dict[str, str] = {}  # the list as typed, per group
        self._listeners: dict[int, Callable[[], None]] = {}
        self._next = 0

    # -- changes (each bumps the version and tells the listeners) ----------------------------
    def _changed(self) -> None:
        self.version += 1

    def _check(self, target: str | None) -> None:
        if target is not None and target not in GROUPS:
            raise ValueError(f"group = {target!r}: expected one of {', '.join(GROUPS)} or None")

    def push(self, setup: Setup, target: str | None = None) -> int:
        """``setup`` for everyone (``target=None``) or one group; returns its stamp."""
        with self._lock:
            self._check(target)
            self._changed()
            self._setups[target] = (setup, self.version)
            stamp = self.version
        self.notify()
        return stamp

    def lock(self, locked: bool, target: str | None = None) -> None:
        """Lock (or unlock) the settings of everyone or of one group."""
        with self._lock:
            self._check(target)
            self._changed()
            self._locks[target] = (bool(locked), self.version)
        self.notify()

    def reset(self, target: str | None = None) -> None:
        """Every run of everyone (or of one group) back to month 0 of its setup."""
        with self._lock:
            self._check(target)
            self._changed()
            self._resets[target] = self.version
        self.notify()

    def assign(self, token: str, group: str | None) -> None:
        """Put the seat ``token`` in ``group`` (``None``: in no group, even if its name is on a
        group's list)."""
        self.assign_many({token: group})

    def assign_many(self, groups: dict[str, str | None]) -> None:
        """Put each seat (token) in its group, one change for all."""
        with self._lock:
            for group in groups.values():
                self._check(group)
            for token, group in groups.items():
                self._by_token[token] = group or ""  # "": in no group, whatever its name
            self._changed()
        self.notify()

    def set_names(self, group: str, text: str) -> list[str]:
        """The names of ``group``, typed as a list; a seat whose participant gives one of them
        is in the group (unless the facilitator put the seat in another). Returns the names."""
        with self._lock:
            self._check(group)
            if group is None:
                raise ValueError("a list of names needs a group")
            text = (text if isinstance(text, str) else "")[:NAMES_LENGTH]
            names = parse_names(text)
            self._by_name = {k: g for k, g in self._by_name.items() if g != group}
            for name in names:
                self._by_name[_key(name)] = group
            self._lists[group] = text
            self._changed()
        self.notify()
        return names

    def forget(self, token: str) -> None:
        """A seat is gone: drop its group (no listener is told: nothing it shows changes)."""
        with self._lock:
            self._by_token.pop(token, None)

    # -- what a seat reads ----------------------------------------------------------------------
    def group_of(self, token: str | None, name: str = "") -> str | None:
        with self._lock:
            if token is not None and token in self._by_token:
                return self._by_token[token] or None
            return self._by_name.get(_key(name)) if name else None

    def names(self, group: str) -> str:
        """The list of names of ``group`` as typed."""
        with self._lock:
            return self._lists.get(group, "")

    @staticmethod
    def _latest(table: dict, group: str | None):
        found = [table[k] for k in (None, group) if k in table]
        if not found:
            return None
        return max(found, key=lambda x: x[1] if isinstance(x, tuple) else x)

    def setup_for(self, group: str | None) -> tuple[Setup, int] | None:
        """(setup, stamp) that applies to ``group`` (``None``: a seat in no group), if any."""
        with self._lock:
            return self._latest(self._setups, group)

    def target_of(self, group: str | None) -> str | None:
        """Whom the setup that applies to ``group`` was pushed to (``None``: everyone)."""
        with self._lock:
            got = self.setup_for(group)
            if got is None:
                return None
            return group if group in self._setups and self._setups[group] == got else None

    def locked(self, group: str | None) -> bool:
        with self._lock:
            got = self._latest(self._locks, group)
            return bool(got and got[0])

    def reset_stamp(self, group: str | None) -> int:
        with self._lock:
            return self._latest(self._resets, group) or 0

    def pushed(self) -> dict[str | None, Setup]:
        """Every setup pushed, by target (``None``: everyone)."""
        with self._lock:
            return {k: v[0] for k, v in self._setups.items()}

    # -- listeners ------------------------------------------------------------------------------
    def listen(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Call ``fn()`` after every change; returns the function that stops it."""
        with self._lock:
            key = self._next
            self._next += 1
            self._listeners[key] = fn

        def stop():
            with self._lock:
                self._listeners.pop(key, None)

        return stop

    def notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners.values())
        for fn in listeners:
            try:
                fn()
            except Exception:  # one page's failure must not stop the others
                import logging

                logging.getLogger("sim.dashboard").exception("a room listener failed")

    @property
    def listeners(self) -> int:
        with self._lock:
            return len(self._listeners)
