"""One browser session's state, without any Solara: the model it runs, the inputs it holds,
play-the-buyer, and regime comparisons.

Every browser session builds its own ``RunSession`` (the page creates it with
``solara.use_memo``), so two participants never step the same model. Every method that
touches a model holds the session's lock: the play timer steps from a thread while event
handlers and rendering read from another.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mesa

from sim import metrics
from sim.compare import Comparison, arms, plan
from sim.decisions import HumanPolicy
from sim.errors import InputError
from sim.experiments.replicate import replicate
from sim.model import GppsModel
from sim.params import PARAMS
from sim.regimes import REGIMES
from sim.run import run
from sim.scenario import DEFAULT_SCENARIO, Scenario, describe_all, load

from . import controls


def forget(model) -> None:
    """Let a finished model be freed (Mesa 3.3.1 keeps every model in ``Agent._ids``)."""
    if model is not None:
        getattr(mesa.Agent, "_ids", {}).pop(model, None)


def scenario_choices(extra: str | None = None) -> list[str]:
    """Shipped scenario names, plus ``extra`` (a file given on the command line)."""
    names = [name for name, _ in describe_all()]
    if extra and extra not in names:
        names.append(extra)
    return names


def series_of(model, names=None) -> dict[str, list[float]]:
    """Copy of the model's per-month series (``names``, by default every name in
    ``metrics.SERIES``)."""
    data = model.datacollector.model_vars
    return {k: [float(x) for x in data.get(k, [])] for k in (names or metrics.SERIES)}


def summary_of(model) -> dict[str, float]:
    return metrics.summarise(series_of(model))


def _normal(v):
    """A parameter value for comparison: floats to 12 significant digits (a slider's float may
    differ from the typed one in the last bits)."""
    if isinstance(v, float) and math.isfinite(v):
        return float(f"{v:.12g}")
    if isinstance(v, (list, tuple)):
        return tuple(_normal(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _normal(x)) for k, x in v.items()))
    return v


def _same(a, b) -> bool:
    """Whether a widget's value ``b`` is the scenario's value ``a`` (a slider's float may differ
    in the last bits)."""
    if isinstance(b, str) or isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


class RunSession:
    """The model a participant steps, and the inputs it was built from.

    Inputs are checked as they change. While the model is still at month 0 a valid change
    rebuilds it at once; once it has run, a change waits for ``reset`` (``dirty``), and an
    invalid one never touches it.
    """

    def __init__(self, scenario_ref: str | None = None, seed: int = 1):
        self.lock = threading.RLock()
        self.scenario_ref = scenario_ref or DEFAULT_SCENARIO
        self.regime: str | None = None
        self.edits: dict[str, Any] = {}
        self.seed_raw: Any = str(seed)
        self.notice: Any = None  # a message for the top of the page
        self.model: GppsModel | None = None
        self.built_from: tuple | None = None
        self.version = 0
        #: whether the facilitator has locked the inputs (a seat in a room sets it)
        self.locked: Callable[[], bool] = lambda: False
        self._base: dict[tuple, Scenario | InputError] = {}
        self.check = controls.validate(self.scenario_ref, None, {}, self.seed_raw)
        if not self.check.ok and self.scenario_ref != DEFAULT_SCENARIO:
            # a scenario that no longer loads: say why, and open the default one
            self.notice = self.check.general or next(iter(self.check.errors.values()), None)
            self.scenario_ref = DEFAULT_SCENARIO
            self.check = controls.validate(self.scenario_ref, None, {}, self.seed_raw)
        self.reset()

    # -- inputs ---------------------------------------------------------------------------------
    def base(self) -> Scenario | None:
        """The scenario with the chosen regime and no edits (where widgets start from)."""
        key = (self.scenario_ref, self.regime)
        if key not in self._base:
            try:
                self._base[key] = load(
                    self.scenario_ref, {"regime": self.regime} if self.regime else {}
                )
            except InputError as exc:
                self._base[key] = exc
        got = self._base[key]
        return got if isinstance(got, Scenario) else None

    def base_error(self) -> str | None:
        got = self._base.get((self.scenario_ref, self.regime))
        return str(got) if isinstance(got, InputError) else None

    def value(self, name: str) -> Any:
        """What a widget shows: the participant's entry, else the scenario's value."""
        if name in self.edits:
            return self.edits[name]
        base = self.base()
        if base is not None and name in base.params:
            return base.params[name]
        return PARAMS[name].default

    def error(self, name: str):
        return self.check.errors.get(name)

    @property
    def dirty(self) -> bool:
        """Whether valid inputs differ from those the running model was built from."""
        return self.check.ok and self._key() != self.built_from

    def _key(self) -> tuple:
        """What the model is built from: the scenario, the regime chosen, every parameter's
        value (a value typed back to what the model runs with is no change) and the seed."""
        c = self.check
        params = c.scenario.params if c.scenario is not None else {}
        values = tuple(sorted((k, _normal(v)) for k, v in params.items()))
        return (self.scenario_ref, c.overrides.get("regime"), values, c.seed)

    def _changed(self) -> None:
        self.check = controls.validate(self.scenario_ref, self.regime, self.edits, self.seed_raw)
        self.notice = None
        if self.check.ok and (self.model is None or self.model.steps == 0):
            self._build()
        self.version += 1

    def _refused(self) -> bool:
        """Whether the inputs are locked by the facilitator (then say so, change nothing)."""
        if self.locked():
            self.notice = ("msg_locked", {})
            self.version += 1
            return True
        return False

    def set_scenario(self, ref: str) -> None:
        with self.lock:
            if self._refused():
                return
            if ref != self.scenario_ref:
                self.scenario_ref = ref
                self.edits = {}
                self._changed()

    def set_regime(self, regime: str | None) -> None:
        with self.lock:
            if self._refused():
                return
            self.regime = regime or None
            self._changed()

    def set_param(self, name: str, raw: Any) -> None:
        with self.lock:
            if self._refused():
                return
            base = self.base()
            value, msg = controls.parse(name, raw) if name in PARAMS else (None, True)
            if base is not None and msg is None and _same(base.params.get(name), value):
                self.edits.pop(name, None)  # back at the scenario's value
            else:
                self.edits[name] = raw
            self._changed()

    def set_seed(self, raw: Any) -> None:
        with self.lock:
            if self._refused():
                return
            self.seed_raw = raw
            self._changed()

    def restore(self) -> None:
        """Back to the scenario's values (the regime and seed stay)."""
        with self.lock:
            if self._refused():
                return
            self.edits = {}
            self._changed()

    def adopt(self, setup) -> bool:
        """Take the facilitator's ``setup`` (a ``room.Setup``) and rebuild the model at month
        0 (even when locked: the lock holds the participant's hands, not the facilitator's).
        An invalid setup keeps the model and says why; returns whether it was adopted."""
        with self.lock:
            self.scenario_ref = setup.scenario_ref
            self.regime = setup.regime
            self.edits = dict(setup.edits)
            self.seed_raw = str(setup.seed)
            self.check = controls.validate(
                self.scenario_ref, self.regime, self.edits, self.seed_raw
            )
            self.notice = None
            self.version += 1
            if not self.check.ok:
                self.notice = self.check.general or next(iter(self.check.errors.values()), None)
                return False
            self._build()
            return True

    # -- the model --------------------------------------------------------------------------------
    def _build(self) -> None:
        old = self.model
        self.model = GppsModel(scenario=self.check.scenario, rng=self.check.seed)
        self.built_from = self._key()
        forget(old)

    def reset(self) -> bool:
        """Rebuild the model from the inputs; with a bad input keep the current one."""
        with self.lock:
            if not self.check.ok:  # the inputs show why; the model stays
                self.version += 1
                return False
            self._build()
            self.notice = None
            self.version += 1
            return True

    @property
    def month(self) -> int:
        return self.model.steps if self.model is not None else 0

    @property
    def total(self) -> int:
        return int(self.model.params["steps"]) if self.model is not None else 0

    @property
    def finished(self) -> bool:
        return self.model is not None and not self.model.running

    def step(self, months: int = 1) -> int:
        """Run up to ``months`` months (not past the run's end); returns how many ran."""
        done = 0
        with self.lock:
            if self.model is None:
                return 0
            while done < months and self.model.running:
                self.model.step()
                done += 1
            self.version += 1
        return done

    def meta(self) -> dict:
        """Scenario, regime and seed of the running model."""
        m = self.model
        regimes = sorted({b.regime.name for b in m.buyers}) if m is not None else []
        return {
            "scenario": m.scenario.name if m is not None else self.scenario_ref,
            "regime": "+".join(regimes),
            "seed": m.seed if m is not None else None,
        }

    def close(self) -> None:
        with self.lock:
            forget(self.model)
            self.model = None


# -- play the buyer --
def playable_regimes() -> list[str]:
    """Regimes in which a buyer picks among options (a person can take the decision)."""
    import inspect

    out = []
    for name, cls in REGIMES.items():
        try:
            source = inspect.getsource(cls.procure)
        except (OSError, TypeError):
            continue
        if "decide(" in source:
            out.append(name)
    return out


@dataclass
class Decision:
    month: int
    kind: str
    lot: int
    line: str
    community: int
    choice: str  # organization name, "in_house" or "none"
    rule: str  # what the automatic rule would have chosen


@dataclass
class PlaySession:
    """A participant buys for one buyer; every other decision follows the automatic rule."""

    scenario: Scenario
    seed: int
    buyer: str
    decisions: list[Decision] = field(default_factory=list)

    def __post_init__(self):
        self.lock = threading.RLock()
        self.model = GppsModel(
            scenario=self.scenario, rng=self.seed, policy=HumanPolicy({self.buyer})
        )
        self._auto: dict | None = None
        self.advance()

    @classmethod
    def start(cls, check: controls.Validation, regime: str, buyer: str, months: int):
        """A play session on the inputs of ``check`` (a valid ``Validation``)."""
        overrides = {**check.overrides, "regime": regime, "steps": months}
        scenario = check.scenario.with_overrides(overrides)
        return cls(scenario, check.seed, buyer)

    @property
    def pending(self):
        return self.model.pending

    @property
    def finished(self) -> bool:
        return self.model.pending is None and not self.model.running

    @property
    def month(self) -> int:
        return self.model.steps

    def advance(self) -> None:
        """Run on until a decision is needed or the run ends."""
        with self.lock:
            while self.model.pending is None and self.model.running:
                self.model.step()

    def lot_facts(self) -> dict:
        """What the buyer knows of the pending lot: whose it is, its size and budget, the
        term, and what the buyer's own unit would cost per hour (call under the lock)."""
        p = self.model.pending
        buyer, lot = p.buyer, p.lot
        unit = buyer.in_house
        return {
            "buyer": buyer.name,
            "line": self.model.lines[lot.line]["name"],
            "hours": float(lot.need),
            "budget": float(buyer.lot_budget(lot)),
            # negotiated entrustment runs for a year (``sim.regimes.negotiated``)
            "term": int(buyer.params["contract_term_months"]) if p.kind == "tender" else 12,
            "in_house_price": float(
                unit.unit_cost() * (1.0 + buyer.params["in_house_management_share"])
            ),
            "in_house_quality": float(unit.skill),
            "months": int(self.model.params["steps"]),
        }

    @staticmethod
    def rule_choice(options: list[dict]) -> int | None:
        """What the automatic rule picks (``sim.decisions.AutomaticPolicy``)."""
        from sim.decisions import AutomaticPolicy

        return AutomaticPolicy().choose(None, None, None, options)

    @staticmethod
    def _name(options, index) -> str:
        if index is None:
            return "none"
        o = options[index]
        return "in_house" if o["kind"] == "in_house" else o["org"].name

    def choose(self, index: int | None) -> None:
        """Answer the pending decision (an option index, the in-house option, or ``None``)."""
        with self.lock:
            p = self.model.pending
            if p is None:
                raise RuntimeError("no decision is pending")
            if index is not None and not 0 <= index < len(p.options):
                raise ValueError(f"choice {index} is not one of the {len(p.options)} options")
            lot = p.lot
            self.decisions.append(
                Decision(
                    month=self.model.steps,
                    kind=p.kind,
                    lot=lot.id,
                    line=self.model.lines[lot.line]["name"],
                    community=lot.community,
                    choice=self._name(p.options, index),
                    rule=self._name(p.options, self.rule_choice(p.options)),
                )
            )
            self.model.resolve(index)
            self.advance()

    def finish_with_rule(self) -> None:
        """The automatic rule takes every remaining decision."""
        with self.lock:
            while self.model.pending is not None:
                self.model.resolve(self.rule_choice(self.model.pending.options))
            from sim.decisions import AutomaticPolicy

            self.model.policy = AutomaticPolicy()
            self.advance()

    def results(self) -> tuple[dict, dict, dict, dict]:
        """(your summary, the rule's summary, your series, the rule's series), same seed."""
        with self.lock:
            if self._auto is None:
                auto = run(self.scenario, seed=self.seed)
                self._auto = {"summary": auto.summary, "series": auto.series}
            series = series_of(self.model)
            return metrics.summarise(series), self._auto["summary"], series, self._auto["series"]

    def close(self) -> None:
        forget(self.model)


# -- compare --
def compare_runs(
    scenario: Scenario,
    replications: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Comparison | None:
    """Every regime (and the scenario as written, if it sets its own) × replication, as
    ``sim.compare.compare`` does, with a progress callback; ``None`` if cancelled."""
    # every arm must be possible before any run starts
    for arm in arms(scenario):
        if arm is not None:
            scenario.with_overrides({"regime": arm})
    seeds, tasks = plan(scenario, replications, seed)
    results = replicate("sim.run:run", tasks, progress=progress, cancelled=cancelled)
    return None if results is None else Comparison(scenario, seeds, results)


def compare_scenario(scenario_ref: str, check: controls.Validation, months: int) -> Scenario:
    """The inputs of ``check`` without a regime (every regime is compared), for ``months``."""
    overrides = {k: v for k, v in check.overrides.items() if k != "regime"}
    overrides["steps"] = months
    return load(scenario_ref, overrides)


def finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


# -- what a tab holds, kept across a reload --
class CompareState:
    """A tab's comparison: request, progress and result (kept across tab switches)."""

    def __init__(self):
        self.request: dict | None = None
        self.progress = (0, 0)
        self.result = None  # (Comparison, meta)
        self.cancelled = False
        self.error: str | None = None
        self.running = False


class Seat:
    """Everything one browser tab holds: its run, its game, its comparison and its language.

    The page keeps it in ``Seats`` under a token that the tab's address carries, so a reload
    finds it again."""

    def __init__(self, scenario_ref: str | None = None, room=None):
        self.run = RunSession(scenario_ref)
        self.play: PlaySession | None = None
        self.compare = CompareState()
        self.lang = "en"
        self.name = ""  # what the participant calls themself, for the facilitator
        self.closed = False
        self.token: str | None = None  # set by ``Seats.take``
        #: the facilitator's ``room.Room`` this seat follows (``None``: on its own)
        self.room = room
        self.adopted: tuple | None = None  # (target, stamp) of the setup last adopted
        self.reset_seen = room.version if room is not None else 0  # earlier resets: not ours
        self._sync = threading.Lock()
        self.run.locked = lambda: self.locked

    @property
    def group(self) -> str | None:
        """The seat's group in the room (by the facilitator's choice or its name's list)."""
        return self.room.group_of(self.token, self.name) if self.room is not None else None

    @property
    def locked(self) -> bool:
        """Whether the facilitator has locked this seat's settings."""
        return self.room is not None and self.room.locked(self.group)

    def setup(self):
        """(the room's setup for this seat, to whom it was pushed), or ``None``."""
        if self.room is None:
            return None
        group = self.group
        got = self.room.setup_for(group)
        return None if got is None else (got[0], self.room.target_of(group))

    def sync(self) -> bool:
        """Follow the room: adopt its setup for this seat's group if this seat has not
        adopted that one yet, and reset if the facilitator reset this seat's group since it
        last looked (a reset also ends a game). Returns whether anything changed."""
        if self.room is None or self.closed:
            return False
        with self._sync:
            group = self.group
            got = self.room.setup_for(group)
            reset = self.room.reset_stamp(group)
            changed = False
            if got is not None:
                key = (self.room.target_of(group), got[1])
                if key != self.adopted:
                    self.adopted = key
                    self.run.adopt(got[0])
                    changed = True
            if reset > self.reset_seen:
                self.reset_seen = reset
                if got is not None and not changed:
                    self.run.adopt(got[0])
                elif not changed:
                    self.run.reset()
                if self.play is not None:
                    self.play.close()
                    self.play = None
                changed = True
            return changed

    def set_name(self, raw) -> None:
        """The participant's name: text only, on one line, at most ``NAME_LENGTH`` characters
        (shown as text everywhere, never as markup)."""
        text = raw if isinstance(raw, str) else ""
        text = "".join(c if c.isprintable() else " " for c in text)
        self.name = " ".join(text.split())[:NAME_LENGTH]

    def close(self) -> None:
        """Free the models (the run's, the game's and the comparison's results)."""
        self.closed = True
        if self.room is not None and self.token is not None:
            self.room.forget(self.token)
        self.run.close()
        if self.play is not None:
            self.play.close()
        self.play = None
        self.compare.cancelled = True
        self.compare.result = None


#: Longest name a participant may give.
NAME_LENGTH = 40

#: Seconds a seat is kept after its tab is gone (closed, reloaded, or its connection culled).
KEEP_SECONDS = 240.0
#: Name of the timer threads that close seats.
EXPIRY_THREAD = "gpps-seat-expiry"


class Seats:
    """Every tab's ``Seat`` by token. A tab that goes (closed, reloaded, its connection lost
    and culled) releases its seat; a seat nobody takes again within ``keep`` seconds is closed
    and dropped, which frees its models. A reload takes the same seat again: same token, and
    the same browser (``owner``, the browser session's cookie) so that a copied address does
    not open someone else's run."""

    def __init__(self, keep: float = KEEP_SECONDS):
        self.keep = keep
        self._lock = threading.Lock()
        self._seats: dict[str, tuple[str, Seat]] = {}
        self._holders: dict[str, int] = {}
        self._timers: dict[str, threading.Timer] = {}

    def take(self, token: str | None, owner: str, make: Callable[[], Seat]) -> tuple[str, Seat]:
        """The seat under ``token`` if ``owner`` holds it, else a new seat and token."""
        import secrets

        with self._lock:
            held = self._seats.get(token) if token else None
            if held is None or held[0] != owner or held[1].closed:
                token = secrets.token_urlsafe(12)
                held = (owner, make())
                held[1].token = token
                self._seats[token] = held
            timer = self._timers.pop(token, None)
            if timer is not None:
                timer.cancel()
            self._holders[token] = self._holders.get(token, 0) + 1
            return token, held[1]

    def release(self, token: str) -> None:
        """A tab holding ``token`` is gone: close its seat in ``keep`` seconds unless taken."""
        with self._lock:
            if token not in self._seats:
                return
            self._holders[token] = max(0, self._holders.get(token, 1) - 1)
            if self._holders[token] == 0:
                timer = threading.Timer(self.keep, self._expire, args=(token,))
                timer.name = EXPIRY_THREAD
                timer.daemon = True
                old = self._timers.pop(token, None)
                if old is not None:
                    old.cancel()
                self._timers[token] = timer
                timer.start()

    def _expire(self, token: str) -> None:
        with self._lock:
            if self._holders.get(token, 0) > 0 or token not in self._seats:
                return
            _, seat = self._seats.pop(token)
            self._holders.pop(token, None)
            self._timers.pop(token, None)
        seat.close()

    def seats(self) -> list[tuple[str, Seat, bool]]:
        """(token, seat, whether a tab holds it now) of every seat kept."""
        with self._lock:
            return [(t, s, self._holders.get(t, 0) > 0) for t, (_, s) in self._seats.items()]

    def __len__(self) -> int:
        with self._lock:
            return len(self._seats)


def seat_row(seat: Seat, open_: bool, outcomes=None) -> dict | None:
    """A seat for the facilitator: name, group, whether its tab is open, scenario, regime,
    seed, month and the run's headline outcomes so far (plain values; the page formats
    them); ``None`` once the seat is closed."""
    run = seat.run
    with run.lock:
        if run.model is None:
            return None
        meta = run.meta()
        summary = summary_of(run.model) if run.month else {}
        row = {
            "name": seat.name,
            "group": seat.group or "",
            "open": open_,
            "scenario": meta["scenario"],
            "regime": meta["regime"],
            "seed": meta["seed"],
            "month": run.month,
            "months": run.total,
            "playing_buyer": seat.play is not None and not seat.play.finished,
        }
    for name in outcomes or metrics.HEADLINE:
        row[name] = summary.get(name, math.nan)
    return row


def room_rows(seats: Seats, outcomes=None) -> list[dict]:
    """One row per seat (``seat_row``)."""
    rows = (seat_row(seat, open_, outcomes) for _, seat, open_ in seats.seats())
    return [r for r in rows if r is not None]


def game_row(game: PlaySession | None, outcomes=None) -> dict:
    """A seat's game for the debrief: its setup, how far it got, how often the participant
    chose as the rule would have, and (once finished) each outcome for the participant and
    for the automatic rule under the same seed (``PlaySession.results``)."""
    names = list(outcomes or metrics.HEADLINE)
    row: dict = {"game": "none" if game is None else "playing"}
    if game is not None:
        with game.lock:
            row.update(
                {
                    "game_scenario": game.scenario.name,
                    "game_regime": str(game.scenario.params.get("regime", "")),
                    "game_buyer": game.buyer,
                    "game_seed": game.seed,
                    "game_month": game.month,
                    "game_months": int(game.model.params["steps"]),
                    "decisions": len(game.decisions),
                    "as_the_rule": sum(d.choice == d.rule for d in game.decisions),
                }
            )
            finished = game.finished
        if finished:
            row["game"] = "finished"
            you, rule, _, _ = game.results()
            for name in names:
                row[f"you_{name}"] = you.get(name, math.nan)
                row[f"rule_{name}"] = rule.get(name, math.nan)
    return row


def debrief_rows(seats: Seats, outcomes=None) -> list[dict]:
    """One row per seat for the debrief: its run (``seat_row``) and its game (``game_row``).
    No seat's token: these rows are shown and exported."""
    rows = []
    for _, seat, open_ in seats.seats():
        game = seat.play
        row = seat_row(seat, open_, outcomes)
        if row is None:
            continue
        row.pop("playing_buyer", None)
        row.update(game_row(game, outcomes))
        rows.append(row)
    return rows
