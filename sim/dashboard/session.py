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


def series_of(model) -> dict[str, list[float]]:
    """Copy of the model's per-month series (every name in ``metrics.SERIES``)."""
    data = model.datacollector.model_vars
    return {k: [float(x) for x in data.get(k, [])] for k in metrics.SERIES}


def summary_of(model) -> dict[str, float]:
    return metrics.summarise(series_of(model))


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
        c = self.check
        return (self.scenario_ref, tuple(sorted(c.overrides.items())), c.seed)

    def _changed(self) -> None:
        self.check = controls.validate(self.scenario_ref, self.regime, self.edits, self.seed_raw)
        self.notice = None
        if self.check.ok and (self.model is None or self.model.steps == 0):
            self._build()
        self.version += 1

    def set_scenario(self, ref: str) -> None:
        with self.lock:
            if ref != self.scenario_ref:
                self.scenario_ref = ref
                self.edits = {}
                self._changed()

    def set_regime(self, regime: str | None) -> None:
        with self.lock:
            self.regime = regime or None
            self._changed()

    def set_param(self, name: str, raw: Any) -> None:
        with self.lock:
            base = self.base()
            if base is not None and _same(base.params.get(name), raw):
                self.edits.pop(name, None)  # back at the scenario's value
            else:
                self.edits[name] = raw
            self._changed()

    def set_seed(self, raw: Any) -> None:
        with self.lock:
            self.seed_raw = raw
            self._changed()

    def restore(self) -> None:
        """Back to the scenario's values (the regime and seed stay)."""
        with self.lock:
            self.edits = {}
            self._changed()

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
