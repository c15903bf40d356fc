"""Scenario files (TOML in ``scenarios/``) → validated, complete scenario data.

Precedence of values: parameter defaults < the file's ``[params]`` < an entry's own keys
(``[[buyers]]``, ``[[organizations]]``, ``[[service_lines]]``) < run overrides. A run override
of ``regime`` sets every buyer to that regime and drops the schedule; a run override of any other
parameter that the schedule also changes holds for the whole run (the schedule's changes of that
parameter are dropped), so a value given on the command line, in a sweep or in the dashboard is
the value the run uses.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import InputError, show, suggest
from .params import ORIGINS, PARAMS, names, regime_names, resolve

DEFAULT_SCENARIO = "baseline"
LINE_NAMES = (
    "elder_care",
    "youth_work",
    "community_corrections",
    "drug_rehabilitation",
    "migrant_services",
    "poverty_alleviation",
)
DIMENSIONS = (
    "buyer",
    "producer",
    "consumer",
    "buying_process",
    "content",
    "funding_source",
    "evaluation",
)
_TOP = {
    "name",
    "description",
    "notes",
    "params",
    "service_lines",
    "buyers",
    "organizations",
    "schedule",
    "dimensions",
    "sources",
}
_LINE = {"name", "notes"} | set(names("line"))
_BUYER = {"name", "service_lines", "communities", "notes"} | set(names("buyer"))
_ORG = {"name", "origin", "founded_by", "service_lines", "ties", "communities", "notes"} | set(
    names("organization")
)
#: Model-level parameters a schedule may change during a run (the rest set up the world).
SCHEDULABLE = {"entry_rate", "donor_pool_per_capita"}
_SCHEDULE = {"step", "buyer", "regime", "cut_ties", "notes"} | set(names("buyer")) | SCHEDULABLE


@dataclass
class Scenario:
    """A complete, validated scenario: every value resolved."""

    name: str
    description: str
    params: dict[str, Any]
    lines: list[dict]
    buyers: list[dict]
    organizations: list[dict]
    schedule: list[dict]
    source: str = "<defaults>"
    dimensions: dict[str, str] = field(default_factory=dict)
    raw: dict = field(default_factory=dict, repr=False)
    overrides: dict[str, Any] = field(default_factory=dict, repr=False)

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """The same file with run overrides applied on top of the ones it already has."""
        if not overrides:
            return self
        return build(self.raw, self.source, {**self.overrides, **overrides})

    @property
    def has_own_regimes(self) -> bool:
        """Whether the file sets regimes itself (in [params], a buyer or the schedule)."""
        raw = self.raw
        return (
            "regime" in raw.get("params", {})
            or any("regime" in b for b in raw.get("buyers", []))
            or bool(self.schedule)
        )

    def regimes_used(self) -> set[str]:
        return {b["regime"] for b in self.buyers} | {
            s["regime"] for s in self.schedule if s["regime"]
        }


# -- finding and reading files ----------------------------------------------------------------
def scenario_dir():
    """The shipped scenarios (installed package data, or the repository's folder)."""
    try:
        return resources.files("sim.scenarios")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "scenarios"


def shipped() -> dict[str, Any]:
    """Shipped scenario names → their files."""
    return {
        p.name[:-5]: p
        for p in sorted(scenario_dir().iterdir(), key=lambda p: p.name)
        if p.name.endswith(".toml")
    }


def describe_all() -> list[tuple[str, str]]:
    """(name, one-line description) of every shipped scenario."""
    out = []
    for name, path in shipped().items():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"scenarios/{name}.toml: cannot read: {exc}") from None
        lines = str(data.get("description", "")).strip().splitlines()
        out.append((name, lines[0] if lines else ""))
    return out


def read(ref: str | None) -> tuple[dict, str]:
    """Parse the scenario ``ref`` (a shipped name or a path) into raw TOML data."""
    ref = ref or DEFAULT_SCENARIO
    files = shipped()
    if ref in files:
        text, label = files[ref].read_text(encoding="utf-8"), f"scenarios/{ref}.toml"
    else:
        path = Path(ref)
        if not path.is_file():
            what = "is a folder" if path.is_dir() else "no such file"
            raise InputError(
                f"{ref}: {what}: expected a scenario TOML file or a shipped scenario "
                f"({', '.join(files)}){suggest(ref, files)}"
            )
        label = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{label}: not a UTF-8 text file: expected a TOML file") from None
        except OSError as exc:
            raise InputError(f"{label}: cannot read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(text), label
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{label}: malformed TOML: {exc}") from None


def load(ref: str | None = None, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, complete and validate a scenario; ``overrides`` are run-level parameter values."""
    data, label = read(ref)
    return build(data, label, overrides or {})


# -- validation --------------------------------------------------------------------------------
def _allowed(allowed: set, what: str | None) -> str:
    """``one of a, b, c`` for a short list, else the description ``what``."""
    if what is None or len(allowed) <= 12:
        return "one of " + ", ".join(sorted(allowed))
    return what


def _keys(table: dict, allowed: set, where: str, label: str, what: str | None = None) -> None:
    for key in table:
        if key not in allowed:
            raise InputError(
                f"{label}: {where}{key} = {show(table[key])}: unknown key"
                f"{suggest(key, allowed)}; expected {_allowed(allowed, what)}"
            )


_PARAM_KEYS = f"one of the {len(PARAMS)} parameter names in sim/params.py"


def _param(label: str, where: str, key: str, value: Any, strict: bool = True) -> Any:
    """``value`` checked against the parameter ``key``. ``strict``: a TOML float is not an int."""
    p = PARAMS[key]
    try:
        if strict and p.kind == "int" and isinstance(value, float) and math.isfinite(value):
            raise ValueError(f"an integer {p.allowed()}")
        return p.check(value)
    except ValueError as exc:
        choices = p.choices() if callable(p.choices) else p.choices
        hint = suggest(value, choices) if p.kind == "choice" else ""
        raise InputError(f"{label}: {where}{key} = {show(value)}: expected {exc}{hint}") from None


def _table(data: dict, key: str, label: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise InputError(f"{label}: {key} = {show(value)}: expected a table ([{key}])")
    return value


def _table_list(data: dict, key: str, label: str) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise InputError(f"{label}: {key} = {show(value)}: expected an array of tables ([[{key}]])")
    return value


def _str(label: str, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"{label}: {where} = {show(value)}: expected a non-empty string")
    return value


def _str_list(label: str, where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise InputError(f"{label}: {where} = {show(value)}: expected a list of strings")
    return value


def _check_names(label: str, where: str, used: list[str], known: list[str], what: str) -> None:
    for name in used:
        if name not in known:
            raise InputError(
                f"{label}: {where} = {show(name)}: expected the name of a {what} "
                f"({', '.join(known) or 'none defined'}){suggest(name, known)}"
            )


def build(data: dict, label: str, overrides: dict[str, Any]) -> Scenario:
    """Turn raw TOML data into a validated ``Scenario``."""
    _keys(data, _TOP, "", label)
    for key in ("name", "description"):
        if key in data and not isinstance(data[key], str):
            raise InputError(f"{label}: {key} = {show(data[key])}: expected a string")
    if "name" in data:
        _str(label, "name", data["name"])
    raw = _table(data, "params", label)
    _keys(raw, set(PARAMS), "params.", label, _PARAM_KEYS)
    for key, value in raw.items():
        _param(label, "params.", key, value)
    _keys(overrides, set(PARAMS), "", "override", _PARAM_KEYS)
    over = {k: _param("override", "", k, v, strict=False) for k, v in overrides.items()}
    try:
        params = resolve({**raw, **over})
    except (KeyError, ValueError) as exc:  # pragma: no cover - checked above
        raise InputError(f"{label}: {exc}") from None

    dims = _table(data, "dimensions", label)
    _keys(dims, set(DIMENSIONS), "dimensions.", label)
    for key, value in dims.items():
        _str(label, f"dimensions.{key}", value)

    lines = _lines(data, label, params, over)
    line_names = [ln["name"] for ln in lines]
    buyers = _buyers(data, label, params, over, line_names)
    buyer_names = [b["name"] for b in buyers]
    orgs = _orgs(data, label, params, over, line_names, buyer_names)
    file_steps = PARAMS["steps"].check(raw.get("steps", PARAMS["steps"].default))
    schedule = [] if "regime" in over else _schedule(data, label, params, buyer_names, file_steps)
    schedule = _without(schedule, over)

    scenario = Scenario(
        name=str(data.get("name", Path(label).stem)),
        description=str(data.get("description", "")).strip(),
        params=params,
        lines=lines,
        buyers=buyers,
        organizations=orgs,
        schedule=schedule,
        source=label,
        dimensions={k: str(v) for k, v in dims.items()},
        raw=data,
        overrides=dict(overrides),
    )
    _contradictions(scenario, label)
    return scenario


def _entry(label, where, entry, allowed, scope, params, over, what=None) -> dict:
    _keys(entry, allowed, where, label, what)
    out = {k: params[k] for k in names(scope)}
    for key in names(scope):
        if key in entry:
            out[key] = _param(label, where, key, entry[key])
        if key in over:
            out[key] = over[key]
    return out


def _unique(label: str, table: str, what: str, items: list[dict]) -> None:
    seen = set()
    for i, item in enumerate(items):
        if item["name"] in seen:
            raise InputError(
                f"{label}: {table}[{i}].name = {show(item['name'])}: expected a name no other "
                f"{what} uses"
            )
        seen.add(item["name"])


def _lines(data, label, params, over) -> list[dict]:
    entries = _table_list(data, "service_lines", label)
    if not entries:
        n = params["n_service_lines"]
        entries = [
            {"name": LINE_NAMES[i] if i < len(LINE_NAMES) else f"line_{i + 1}"} for i in range(n)
        ]
    lines = []
    for i, e in enumerate(entries):
        where = f"service_lines[{i}]."
        line = _entry(label, where, e, _LINE, "line", params, over)
        line["name"] = _str(label, where + "name", e.get("name"))
        lines.append(line)
    _unique(label, "service_lines", "service line", lines)
    return lines


def _buyers(data, label, params, over, line_names) -> list[dict]:
    entries = _table_list(data, "buyers", label)
    n_comm = params["n_communities"]
    if not entries:
        n = params["n_buyers"]
        entries = []
        for k in range(n):
            line = k % len(line_names)
            sharing = [j for j in range(n) if j % len(line_names) == line]
            rank, count = sharing.index(k), len(sharing)
            comms = [c for c in range(n_comm) if c % count == rank] or list(range(n_comm))
            entries.append(
                {
                    "name": f"buyer_{k + 1}",
                    "service_lines": [line_names[line]],
                    "communities": comms,
                }
            )
    what = "name, service_lines, communities, notes or one of the buyer parameters in sim/params.py"
    buyers = []
    for i, e in enumerate(entries):
        where = f"buyers[{i}]."
        b = _entry(label, where, e, _BUYER, "buyer", params, over, what)
        b["name"] = _str(label, where + "name", e.get("name"))
        b["service_lines"] = _str_list(
            label, where + "service_lines", e.get("service_lines", line_names)
        )
        if not b["service_lines"]:
            raise InputError(
                f"{label}: {where}service_lines = []: expected at least one service line "
                f"({', '.join(line_names)})"
            )
        _check_names(label, where + "service_lines", b["service_lines"], line_names, "service line")
        b["communities"] = _communities(label, where, e.get("communities"), n_comm)
        if b["communities"] is None:
            b["communities"] = list(range(n_comm))
        buyers.append(b)
    _unique(label, "buyers", "buyer", buyers)
    return buyers


def _communities(label, where, comms, n_comm) -> list[int] | None:
    """A validated list of community numbers, or None when the entry gives none (all)."""
    if comms is None:
        return None
    if (
        not isinstance(comms, list)
        or not comms
        or not all(
            isinstance(c, int) and not isinstance(c, bool) and 0 <= c < n_comm for c in comms
        )
    ):
        raise InputError(
            f"{label}: {where}communities = {show(comms)}: expected a non-empty list of "
            f"community numbers in [0, {n_comm - 1}]"
        )
    return sorted(set(comms))


def _orgs(data, label, params, over, line_names, buyer_names) -> list[dict]:
    orgs = []
    for i, e in enumerate(_table_list(data, "organizations", label)):
        where = f"organizations[{i}]."
        o = _entry(label, where, e, _ORG, "organization", params, over)
        o["name"] = _str(label, where + "name", e.get("name"))
        o["origin"] = e.get("origin", "grassroots")
        if o["origin"] not in ORIGINS:
            raise InputError(
                f"{label}: {where}origin = {show(o['origin'])}: expected one of "
                f"{', '.join(ORIGINS)}{suggest(o['origin'], ORIGINS)}"
            )
        o["service_lines"] = _str_list(
            label, where + "service_lines", e.get("service_lines", line_names)
        )
        if not o["service_lines"]:
            raise InputError(
                f"{label}: {where}service_lines = []: expected at least one service line "
                f"({', '.join(line_names)})"
            )
        _check_names(label, where + "service_lines", o["service_lines"], line_names, "service line")
        founder = e.get("founded_by")
        if o["origin"] == "founded":
            if founder is None:
                raise InputError(
                    f"{label}: {where}founded_by = (missing): expected the name of the buyer "
                    f'that founded it ({", ".join(buyer_names)}), as origin = "founded"'
                )
            _check_names(label, where + "founded_by", [founder], buyer_names, "buyer")
        elif founder is not None:
            raise InputError(
                f"{label}: {where}founded_by = {show(founder)}: expected no founder unless "
                f'origin = "founded" (origin = {show(o["origin"])})'
            )
        o["founded_by"] = founder
        o["communities"] = _communities(label, where, e.get("communities"), params["n_communities"])
        o["ties"] = _str_list(label, where + "ties", e.get("ties", []))
        _check_names(label, where + "ties", o["ties"], buyer_names, "buyer")
        orgs.append(o)
    _unique(label, "organizations", "organization", orgs)
    return orgs


def _schedule(data, label, params, buyer_names, file_steps: int) -> list[dict]:
    """The schedule; changes at or after a shortened run's end (a ``steps`` override) drop out."""
    out = []
    known = regime_names()
    for i, e in enumerate(_table_list(data, "schedule", label)):
        where = f"schedule[{i}]."
        _keys(e, _SCHEDULE, where, label)
        step = e.get("step")
        if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < file_steps:
            raise InputError(
                f"{label}: {where}step = {show(step)}: "
                f"expected an integer in [0, {file_steps - 1}] (a month of the run)"
            )
        regime = e.get("regime")
        if regime is not None and regime not in known:
            raise InputError(
                f"{label}: {where}regime = {show(regime)}: expected one of "
                f"{', '.join(known)}{suggest(regime, known)}"
            )
        buyer = e.get("buyer", "*")
        if buyer != "*":
            _check_names(label, where + "buyer", [buyer], buyer_names, 'buyer (or "*")')
        cut = e.get("cut_ties", False)
        if not isinstance(cut, bool):
            raise InputError(f"{label}: {where}cut_ties = {show(cut)}: expected true or false")
        changes = {
            k: _param(label, where, k, v) for k, v in e.items() if k in PARAMS and k != "regime"
        }
        if regime is None and not changes and not cut:
            raise InputError(
                f"{label}: {where}: a schedule entry changes nothing; give a regime, "
                "cut_ties = true or a parameter to change"
            )
        if step < params["steps"]:
            out.append(
                {"step": step, "buyer": buyer, "regime": regime, "cut_ties": cut, "params": changes}
            )
    return sorted(out, key=lambda s: s["step"])


def _without(schedule: list[dict], overrides: dict) -> list[dict]:
    """The schedule less its changes of overridden parameters (entries left empty drop out)."""
    out = []
    for entry in schedule:
        changes = {k: v for k, v in entry["params"].items() if k not in overrides}
        if changes or entry["regime"] or entry["cut_ties"]:
            out.append({**entry, "params": changes})
    return out


def _from_market(regime: str) -> bool:
    """Whether a regime takes its providers from the organizations of the market."""
    from .regimes import REGIMES

    return REGIMES[regime].independent_providers


def _setting(s: Scenario, key: str, buyer: int | None = None) -> str:
    """``key = value`` as set by a run override, a ``[[buyers]]`` entry, ``[params]`` or default."""
    entries = s.raw.get("buyers") or []
    if key in s.overrides:
        return f"{key} (run override) = {show(s.overrides[key])}"
    if buyer is not None and buyer < len(entries) and key in entries[buyer]:
        return f"buyers[{buyer}].{key} = {show(entries[buyer][key])}"
    if key in s.raw.get("params", {}):
        return f"params.{key} = {show(s.raw['params'][key])}"
    value = s.buyers[buyer][key] if buyer is not None else s.params[key]
    return f"{key} (default) = {show(value)}"


def _contradictions(s: Scenario, label: str) -> None:
    """Values that are each allowed but cannot hold together."""
    p = s.params
    if p["n_residents"] > p["population"]:
        raise InputError(
            f"{label}: {_setting(s, 'n_residents')}: expected at most "
            f"population = {p['population']:g} (a resident agent stands for at least one person)"
        )
    named_founders = {o["founded_by"] for o in s.organizations if o["origin"] == "founded"}
    raw_schedule = (s.raw.get("schedule") or []) if s.schedule else []
    for i, b in enumerate(s.buyers):
        who = f"buyer '{b['name']}'"
        weights = ("weight_price", "weight_quality", "weight_reputation", "weight_ties")
        if sum(b[k] for k in weights) <= 0:
            raise InputError(
                f"{label}: {_setting(s, 'weight_price', i)}: "
                f"expected at least one of {', '.join(weights)} > 0 for {who} "
                "(all tender weights are 0)"
            )
        persons = p["population"] * len(b["communities"]) / p["n_communities"]
        per_capita = sum(
            b[f"budget_{src}_per_capita"] for src in ("general", "lottery", "earmarked")
        )
        post = min(p["post_rate"], p["staff_wage"] * (1 + p["overhead_rate"]))
        if per_capita * persons / 12.0 < post:
            need = post * 12.0 / persons - per_capita + b["budget_general_per_capita"]
            raise InputError(
                f"{label}: {_setting(s, 'budget_general_per_capita', i)}: "
                f"expected at least {need:,.4g} "
                f"yuan a person-year for {who}, whose budget for {persons:,.0f} persons "
                f"({per_capita * persons / 12.0:,.0f} yuan a month) is below one post "
                f"({post:,.0f} yuan a month); or raise population"
            )
        if p["entry_rate"] > 0:
            continue
        regimes = [(_setting(s, "regime", i), b["regime"])] + [
            (f"schedule[{j}].regime = {show(e.get('regime'))}", e.get("regime"))
            for j, e in enumerate(raw_schedule)
            if e.get("buyer", "*") in ("*", b["name"]) and e["step"] < p["steps"]
        ]
        for where, regime in regimes:
            if not regime or not _from_market(regime):
                continue
            for line in b["service_lines"]:
                named = sum(1 for o in s.organizations if line in o["service_lines"])
                generated = p["founded_per_buyer"] * sum(
                    1
                    for c in s.buyers
                    if c["name"] not in named_founders and line in c["service_lines"]
                )
                if p["n_independent_orgs"] + named + generated == 0:
                    raise InputError(
                        f"{label}: {where}: expected an organization able to "
                        f"provide '{line}' for {who}, but n_independent_orgs = 0, "
                        "founded_per_buyer = 0, entry_rate = 0 and no [[organizations]] "
                        "provides it; add organizations or raise one of these"
                    )
