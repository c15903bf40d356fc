"""Targets and free parameters of a calibration, read from a TOML file.

A targets file names one or more cases (a pooled calibration when several share the free
parameters), each with the observed figures its sources give::

    description = "Shanghai 2009 lottery-fund tendering"
    free = ["bid_capacity", "community_coverage", "n_independent_orgs"]
    informed = ["n_independent_orgs"]    # what the targets should narrow (checked on
                                         # synthetic data: gpps calibrate --synthetic)

    [priors.n_independent_orgs]          # a case's own prior (else sim/params.py's)
    shape = "uniform"
    low = 40
    high = 300
    reason = "registered organizations able to bid in the city: not counted by the sources"

    [[case]]
    scenario = "shanghai_2009_tendering"
    steps = 12                           # months simulated (the targets need the first year)

    [[case.target]]
    name = "bids per project"
    measure = "bids_per_awarded_lot_year_1"
    value = 2.35                         # or low = ... and/or high = ...
    source = "299 bids for 127 projects (docs/domain.md §3)"
    confidence = "seen"

Only figures read in a source (``seen``) are targets; ``recalled`` ones are refused.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, show, suggest
from ..params import PARAMS, PRIORS, Prior
from . import measures

CONFIDENCE = ("seen",)
REFUSED = ("recalled", "reading")
_TOP = {"description", "free", "informed", "priors", "case"}
_CASE = {"scenario", "steps", "target"}
_TARGET = {"name", "measure", "value", "low", "high", "source", "confidence"}
_PRIOR = {"shape", "low", "high", "reason"}


@dataclass(frozen=True)
class Target:
    name: str
    measure: str
    low: float  # an observed point value has low == high
    high: float
    source: str
    confidence: str

    @property
    def value(self) -> float | None:
        return self.low if self.low == self.high else None

    def describe(self) -> str:
        if self.value is not None:
            return f"{self.value:g}"
        if math.isinf(self.low):
            return f"≤ {self.high:g}"
        if math.isinf(self.high):
            return f"≥ {self.low:g}"
        return f"[{self.low:g}, {self.high:g}]"

    def miss(self, x: float) -> float:
        """How far ``x`` lies outside the observed value or range (0 inside; NaN stays)."""
        if x != x:
            return math.nan
        return max(self.low - x, x - self.high, 0.0)


@dataclass(frozen=True)
class Case:
    scenario: str
    steps: int | None
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Calibration:
    """What one calibration fits: cases with their targets, free parameters and priors."""

    label: str
    description: str
    cases: tuple[Case, ...]
    free: tuple[str, ...]
    priors: dict[str, Prior]
    informed: tuple[str, ...] = ()  # free parameters the targets are expected to narrow

    @property
    def targets(self) -> list[tuple[Case, Target]]:
        return [(c, t) for c in self.cases for t in c.targets]


def targets_dir() -> Path:
    """The shipped targets files (next to the shipped scenarios)."""
    from ..scenario import scenario_dir

    return Path(str(scenario_dir())) / "targets"


def shipped() -> dict[str, Path]:
    d = targets_dir()
    return {p.stem: p for p in sorted(d.glob("*.toml"))} if d.is_dir() else {}


def load(ref: str) -> Calibration:
    """Read and check the targets file ``ref``: a shipped case's name or a path."""
    files = shipped()
    if ref in files:
        path, label = files[ref], f"scenarios/targets/{ref}.toml"
    else:
        path, label = Path(ref), ref
        if not path.is_file():
            raise InputError(
                f"{ref}: no such targets file: expected a TOML file or a shipped case with "
                f"targets ({', '.join(files) or 'none'}){suggest(ref, files)}"
            )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{label}: not a UTF-8 text file: expected a TOML file") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{label}: malformed TOML: {exc}") from None
    return build(data, label)


def _keys(table: dict, allowed: set, where: str, label: str) -> None:
    for key in table:
        if key not in allowed:
            raise InputError(
                f"{label}: {where}{key} = {show(table[key])}: unknown key{suggest(key, allowed)}; "
                f"expected one of {', '.join(sorted(allowed))}"
            )


def _number(label: str, where: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise InputError(f"{label}: {where} = {show(value)}: expected a number")
    return float(value)


def _text(label: str, where: str, value, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{label}: {where} = {show(value)}: expected a non-empty string")
    return value


def build(data: dict, label: str) -> Calibration:
    """Check raw TOML data; every error is one line naming file, key, value and what is allowed."""
    from ..scenario import load as load_scenario

    _keys(data, _TOP, "", label)
    free = data.get("free", [])
    if not isinstance(free, list) or not free or not all(isinstance(f, str) for f in free):
        raise InputError(f"{label}: free = {show(free)}: expected a non-empty list of names")
    own = data.get("priors", {})
    if not isinstance(own, dict):
        raise InputError(f"{label}: priors = {show(own)}: expected a table of parameter tables")
    priors: dict[str, Prior] = {}
    for name, spec in own.items():
        where = f"priors.{name}"
        if name not in PARAMS or PARAMS[name].kind not in ("float", "int"):
            numeric = [n for n, p in PARAMS.items() if p.kind in ("float", "int")]
            raise InputError(
                f"{label}: {where}: unknown numeric parameter{suggest(name, numeric)}; expected "
                "one of the numeric parameter names in sim/params.py"
            )
        if not isinstance(spec, dict):
            raise InputError(f"{label}: {where} = {show(spec)}: expected a table")
        _keys(spec, _PRIOR, where + ".", label)
        shape = spec.get("shape", "uniform")
        if shape not in Prior.SHAPES:
            raise InputError(
                f"{label}: {where}.shape = {show(shape)}: expected one of "
                f"{', '.join(Prior.SHAPES)}{suggest(shape, Prior.SHAPES)}"
            )
        low = _number(label, f"{where}.low", spec.get("low"))
        high = _number(label, f"{where}.high", spec.get("high"))
        p = PARAMS[name]
        if not (p.low is None or p.low <= low) or not (p.high is None or high <= p.high):
            raise InputError(
                f"{label}: {where}: [{low:g}, {high:g}]: expected a range {p.allowed()}"
            )
        if not low < high or (shape == "loguniform" and low <= 0):
            raise InputError(
                f"{label}: {where}: [{low:g}, {high:g}]: expected low < high"
                + (" and low > 0 for a loguniform prior" if shape == "loguniform" else "")
            )
        priors[name] = Prior(shape, low, high, _text(label, f"{where}.reason", spec.get("reason")))
    for i, name in enumerate(free):
        if name not in priors and name not in PRIORS:
            hint = suggest(name, list(PRIORS) + list(priors))
            raise InputError(
                f"{label}: free[{i}] = {show(name)}: no prior for this parameter{hint}; expected "
                "a parameter with a prior in sim/params.py (PRIORS) or in this file's [priors]"
            )
    if len(set(free)) != len(free):
        raise InputError(f"{label}: free = {show(free)}: a parameter is named twice")
    unused = sorted(set(priors) - set(free))
    if unused:
        raise InputError(
            f"{label}: priors.{unused[0]}: a prior for a parameter that is not free; add it to "
            "free or remove the prior"
        )
    cases = []
    for where, rc in _tables(data.get("case"), "case", "[[case]]", _CASE, label):
        scenario = _text(label, f"{where}.scenario", rc.get("scenario"))
        try:
            load_scenario(scenario)
        except InputError as exc:
            raise InputError(f"{label}: {where}.scenario: {exc}") from None
        steps = rc.get("steps")
        if steps is not None and (
            isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 1200
        ):
            raise InputError(
                f"{label}: {where}.steps = {show(steps)}: expected an integer in [1, 1200]"
            )
        cases.append(Case(scenario, steps, _targets(rc.get("target"), where, label)))
    informed = data.get("informed", [])
    if not isinstance(informed, list) or not all(isinstance(n, str) for n in informed):
        raise InputError(f"{label}: informed = {show(informed)}: expected a list of free names")
    for i, name in enumerate(informed):
        if name not in free:
            raise InputError(
                f"{label}: informed[{i}] = {show(name)}: not a free parameter"
                f"{suggest(name, free)}; expected one of {', '.join(free)}"
            )
    return Calibration(
        label,
        str(data.get("description", "")),
        tuple(cases),
        tuple(free),
        {n: priors.get(n) or PRIORS[n] for n in free},
        tuple(informed),
    )


def _tables(raw, key: str, what: str, allowed: set, label: str):
    """Each table of the array of tables ``key`` as ``(where, table)``, its keys checked."""
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{label}: {key} = {show(raw)}: expected one or more {what} tables")
    for i, table in enumerate(raw):
        where = f"{key}[{i}]"
        if not isinstance(table, dict):
            raise InputError(f"{label}: {where} = {show(table)}: expected a table")
        _keys(table, allowed, where + ".", label)
        yield where, table


def _targets(raw, where: str, label: str) -> tuple[Target, ...]:
    known = measures.names()
    out = []
    for w, rt in _tables(raw, f"{where}.target", "[[case.target]]", _TARGET, label):
        name = _text(label, f"{w}.name", rt.get("name"))
        m = rt.get("measure")
        if m not in known:
            raise InputError(
                f"{label}: {w}.measure = {show(m)}: unknown measure{suggest(m, known)}; expected "
                "a case measure (sim/calibration/measures.py) or an outcome name"
            )
        confidence = rt.get("confidence")
        if confidence in REFUSED:
            raise InputError(
                f"{label}: {w}.confidence = {show(confidence)}: only figures read in a source "
                "(seen) are targets"
            )
        if confidence not in CONFIDENCE:
            raise InputError(
                f"{label}: {w}.confidence = {show(confidence)}: expected one of "
                f"{', '.join(CONFIDENCE)}"
            )
        if "value" in rt:
            if "low" in rt or "high" in rt:
                raise InputError(f"{label}: {w}: give value, or low and/or high, not both")
            low = high = _number(label, f"{w}.value", rt["value"])
        elif "low" in rt or "high" in rt:
            low = _number(label, f"{w}.low", rt["low"]) if "low" in rt else -math.inf
            high = _number(label, f"{w}.high", rt["high"]) if "high" in rt else math.inf
            if low > high:
                raise InputError(f"{label}: {w}: low {low:g} > high {high:g}: expected low ≤ high")
        else:
            raise InputError(
                f"{label}: {w}: no observed figure: expected value, or low and/or high"
            )
        out.append(
            Target(name, m, low, high, _text(label, f"{w}.source", rt.get("source")), confidence)
        )
    return tuple(out)
