"""Scenario files (TOML in ``scenarios/``) → validated, complete scenario data.

Precedence of values: parameter defaults < the file's ``[params]`` < an entry's own keys
(``[[buyers]]``, ``[[organizations]]``, ``[[service_lines]]``) < run overrides. A run override
of ``regime`` sets every buyer to that regime and drops the schedule.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import InputError, suggest
from .params import ORIGINS, PARAMS, REGIME_NAMES, names, resolve

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
_ORG = {"name", "origin", "founded_by", "service_lines", "ties", "notes"} | set(
    names("organization")
)
_SCHEDULE = {"step", "buyer", "regime", "notes"}


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

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """The same file with run overrides applied on top."""
        return build(self.raw, self.source, overrides) if overrides else self

    @property
    def has_own_regimes(self) -> bool:
        """Whether the file sets regimes (per buyer or by schedule) rather than one default."""
        return bool(self.schedule) or len({b["regime"] for b in self.buyers}) > 1

    def regimes_used(self) -> set[str]:
        return {b["regime"] for b in self.buyers} | {s["regime"] for s in self.schedule}


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
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        out.append((name, str(data.get("description", "")).strip().splitlines()[0]))
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
            hint = suggest(ref, files)
            raise InputError(
                f"{ref}: no such scenario file or shipped scenario{hint}; "
                f"shipped: {', '.join(files)}"
            )
        label = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{label}: cannot read: {exc}") from None
    try:
        return tomllib.loads(text), label
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{label}: malformed TOML: {exc}") from None


def load(ref: str | None = None, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, complete and validate a scenario; ``overrides`` are run-level parameter values."""
    data, label = read(ref)
    return build(data, label, overrides or {})


# -- validation --------------------------------------------------------------------------------
def _keys(table: dict, allowed: set, where: str, label: str) -> None:
    for key in table:
        if key not in allowed:
            raise InputError(
                f"{label}: unknown key '{where}{key}'{suggest(key, allowed)}; "
                f"allowed: {', '.join(sorted(allowed))}"
            )


def _param(label: str, where: str, key: str, value: Any) -> Any:
    try:
        return PARAMS[key].check(value)
    except ValueError as exc:
        raise InputError(f"{label}: {where}{key} = {value!r}: expected {exc}") from None


def _table_list(data: dict, key: str, label: str) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise InputError(f"{label}: '{key}' must be an array of tables ([[{key}]])")
    return value


def _str(label: str, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"{label}: {where} = {value!r}: expected a non-empty string")
    return value


def _str_list(label: str, where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise InputError(f"{label}: {where} = {value!r}: expected a list of strings")
    return value


def _check_names(label: str, where: str, used: list[str], known: list[str]) -> None:
    for name in used:
        if name not in known:
            raise InputError(
                f"{label}: {where} = '{name}' is not defined{suggest(name, known)}; "
                f"defined: {', '.join(known) or 'none'}"
            )


def build(data: dict, label: str, overrides: dict[str, Any]) -> Scenario:
    """Turn raw TOML data into a validated ``Scenario``."""
    _keys(data, _TOP, "", label)
    raw = data.get("params", {})
    if not isinstance(raw, dict):
        raise InputError(f"{label}: 'params' must be a table ([params])")
    _keys(raw, set(PARAMS), "params.", label)
    for key, value in raw.items():
        _param(label, "params.", key, value)
    _keys(overrides, set(PARAMS), "", "override")
    over = {k: _param("override", "", k, v) for k, v in overrides.items()}
    try:
        params = resolve({**raw, **over})
    except (KeyError, ValueError) as exc:  # pragma: no cover - checked above
        raise InputError(f"{label}: {exc}") from None

    dims = data.get("dimensions", {})
    if not isinstance(dims, dict):
        raise InputError(f"{label}: 'dimensions' must be a table")
    _keys(dims, set(DIMENSIONS), "dimensions.", label)

    lines = _lines(data, label, params, over)
    line_names = [ln["name"] for ln in lines]
    buyers = _buyers(data, label, params, over, line_names)
    buyer_names = [b["name"] for b in buyers]
    orgs = _orgs(data, label, params, over, line_names, buyer_names)
    schedule = [] if "regime" in over else _schedule(data, label, params, buyer_names)

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
    )
    _contradictions(scenario, label)
    return scenario


def _entry(label, where, entry, allowed, scope, params, over) -> dict:
    _keys(entry, allowed, where, label)
    out = {k: params[k] for k in names(scope)}
    for key in names(scope):
        if key in entry:
            out[key] = _param(label, where, key, entry[key])
        if key in over:
            out[key] = over[key]
    return out


def _unique(label: str, what: str, items: list[dict]) -> None:
    seen = set()
    for item in items:
        if item["name"] in seen:
            raise InputError(f"{label}: {what} name '{item['name']}' is used twice")
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
    _unique(label, "service line", lines)
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
    buyers = []
    for i, e in enumerate(entries):
        where = f"buyers[{i}]."
        b = _entry(label, where, e, _BUYER, "buyer", params, over)
        b["name"] = _str(label, where + "name", e.get("name"))
        b["service_lines"] = _str_list(
            label, where + "service_lines", e.get("service_lines", line_names)
        )
        if not b["service_lines"]:
            raise InputError(f"{label}: {where}service_lines = []: a buyer needs a service line")
        _check_names(label, where + "service_lines", b["service_lines"], line_names)
        comms = e.get("communities", list(range(n_comm)))
        if (
            not isinstance(comms, list)
            or not comms
            or not all(
                isinstance(c, int) and not isinstance(c, bool) and 0 <= c < n_comm for c in comms
            )
        ):
            raise InputError(
                f"{label}: {where}communities = {comms!r}: expected a non-empty list of "
                f"community numbers in [0, {n_comm - 1}]"
            )
        b["communities"] = sorted(set(comms))
        buyers.append(b)
    _unique(label, "buyer", buyers)
    return buyers


def _orgs(data, label, params, over, line_names, buyer_names) -> list[dict]:
    orgs = []
    for i, e in enumerate(_table_list(data, "organizations", label)):
        where = f"organizations[{i}]."
        o = _entry(label, where, e, _ORG, "organization", params, over)
        o["name"] = _str(label, where + "name", e.get("name"))
        o["origin"] = e.get("origin", "grassroots")
        if o["origin"] not in ORIGINS:
            raise InputError(
                f"{label}: {where}origin = {o['origin']!r}: expected one of {', '.join(ORIGINS)}"
            )
        o["service_lines"] = _str_list(
            label, where + "service_lines", e.get("service_lines", line_names)
        )
        _check_names(label, where + "service_lines", o["service_lines"], line_names)
        founder = e.get("founded_by")
        if o["origin"] == "founded":
            if founder is None:
                raise InputError(
                    f"{label}: {where}founded_by is missing: a founded "
                    "organization names the buyer that founded it"
                )
            _check_names(label, where + "founded_by", [founder], buyer_names)
        elif founder is not None:
            raise InputError(
                f"{label}: {where}founded_by = {founder!r}: only an organization with "
                "origin = 'founded' has a founder"
            )
        o["founded_by"] = founder
        o["ties"] = _str_list(label, where + "ties", e.get("ties", []))
        _check_names(label, where + "ties", o["ties"], buyer_names)
        orgs.append(o)
    _unique(label, "organization", orgs)
    return orgs


def _schedule(data, label, params, buyer_names) -> list[dict]:
    out = []
    for i, e in enumerate(_table_list(data, "schedule", label)):
        where = f"schedule[{i}]."
        _keys(e, _SCHEDULE, where, label)
        step = e.get("step")
        if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < params["steps"]:
            raise InputError(
                f"{label}: {where}step = {step!r}: "
                f"expected an integer in [0, {params['steps'] - 1}]"
            )
        regime = e.get("regime")
        if regime not in REGIME_NAMES:
            raise InputError(
                f"{label}: {where}regime = {regime!r}: expected one of {', '.join(REGIME_NAMES)}"
                + (suggest(regime, REGIME_NAMES) if isinstance(regime, str) else "")
            )
        buyer = e.get("buyer", "*")
        if buyer != "*":
            _check_names(label, where + "buyer", [buyer], buyer_names)
        out.append({"step": step, "buyer": buyer, "regime": regime})
    return sorted(out, key=lambda s: s["step"])


def _contradictions(s: Scenario, label: str) -> None:
    """Values that are each allowed but cannot hold together."""
    p = s.params
    if p["n_residents"] > p["population"]:
        raise InputError(
            f"{label}: n_residents = {p['n_residents']} exceeds population = "
            f"{p['population']:g}: a resident agent stands for at least one person"
        )
    for b in s.buyers:
        where = f"buyer '{b['name']}'"
        weights = [
            b[k] for k in ("weight_price", "weight_quality", "weight_reputation", "weight_ties")
        ]
        if sum(weights) <= 0:
            raise InputError(
                f"{label}: {where}: tender weights are all zero; "
                "at least one of weight_price, weight_quality, weight_reputation, "
                "weight_ties must be positive"
            )
        persons = p["population"] * len(b["communities"]) / p["n_communities"]
        monthly = sum(b[f"budget_{src}_per_capita"] for src in ("general", "lottery", "earmarked"))
        monthly *= persons / 12.0
        post = min(p["post_rate"], p["staff_wage"] * (1 + p["overhead_rate"]))
        if monthly < post:
            raise InputError(
                f"{label}: {where}: budget of {monthly:,.0f} yuan a month is below one post "
                f"({post:,.0f} yuan); raise budget_general_per_capita or population"
            )
        regimes = {b["regime"]} | {
            x["regime"] for x in s.schedule if x["buyer"] in ("*", b["name"])
        }
        if regimes & {"contract", "grant", "negotiated"} and p["entry_rate"] == 0:
            for line in b["service_lines"]:
                capable = (
                    p["n_independent_orgs"]
                    + sum(1 for o in s.organizations if line in o["service_lines"])
                    + p["founded_per_buyer"]
                    * (not any(o["origin"] == "founded" for o in s.organizations))
                )
                if capable == 0:
                    regime = sorted(regimes & {"contract", "grant", "negotiated"})[0]
                    raise InputError(
                        f"{label}: {where}: regime = '{regime}' but no organization can "
                        f"provide '{line}' and entry_rate = 0; add organizations, set "
                        "n_independent_orgs > 0 or entry_rate > 0"
                    )
