"""Input widgets derived from ``sim.params.PARAMS``, and checking what a person typed.

Nothing here repeats a default, a bound or a unit: each comes from ``PARAMS``, and the value a
widget starts from is the chosen scenario's (``Scenario.params``). ``validate`` checks every
input on its own first (so each bad field gets its own message), then the whole set with
``sim.scenario.load``, whose ``InputError`` (e.g. contradictory tender weights) is shown beside
the input it names.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from sim.errors import InputError
from sim.params import PARAMS, Param
from sim.scenario import Scenario, load

from . import i18n

#: Parameters shown by default, in this order; the rest sit under "All parameters".
#: ``regime`` has its own selector at the top.
FEATURED = (
    "monitoring_capacity",
    "measurability",
    "evaluation",
    "n_independent_orgs",
    "contract_term_months",
    "weight_price",
    "weight_quality",
    "weight_reputation",
    "weight_ties",
    "budget_general_per_capita",
    "mission",
    "crowd_out",
    "entry_rate",
)

#: Sections of the parameter list: each starts at the named parameter and runs, in ``PARAMS``
#: order, to the next start (a parameter added later joins the section it is written in).
SECTIONS = (
    ("scale", "steps"),
    ("lines", "need_prevalence"),
    ("production", "staff_wage"),
    ("organizations", "n_independent_orgs"),
    ("residents", "perception_sd"),
    ("buyers", "n_buyers"),
)

#: Parameters with their own control elsewhere on the page.
SEPARATE = ("regime",)

#: Largest seed accepted (the model's seeds are non-negative 63-bit integers).
MAX_SEED = 2**63 - 1


def sections() -> list[tuple[str, list[str]]]:
    """(section key, parameter names) in ``PARAMS`` order."""
    starts = {first: key for key, first in SECTIONS if first in PARAMS}
    out: list[tuple[str, list[str]]] = []
    for name in PARAMS:
        if name in starts or not out:
            out.append((starts.get(name, SECTIONS[0][0]), []))
        if name not in SEPARATE:
            out[-1][1].append(name)
    return [(k, names) for k, names in out if names]


@dataclass(frozen=True)
class Control:
    """How one parameter is entered: ``slider_float``, ``slider_int``, ``text``, ``select`` or
    ``switch``."""

    name: str
    widget: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    options: tuple[str, ...] = ()

    @property
    def param(self) -> Param:
        return PARAMS[self.name]


def _finite(x) -> bool:
    return x is not None and math.isfinite(x)


def _decimals(x) -> int:
    """Decimal places of ``x`` as written (0.15 → 2), at most 6."""
    if not isinstance(x, float) or not math.isfinite(x) or x.is_integer():
        return 0
    text = repr(x)
    if "e" in text:
        return 6
    return min(len(text.split(".")[1]), 6)


def control(name: str, value: Any = None) -> Control:
    """The widget for parameter ``name``: a slider for a short bounded range, a text field for a
    wide one (typed values are range-checked), a select for choices, a switch for booleans.

    A slider's step is fine enough to hold ``value`` (the value it starts from) exactly: a
    slider moves a value that is off its grid, which would count as an edit.
    """
    p = PARAMS[name]
    if p.kind == "choice":
        return Control(name, "select", options=tuple(p.options))
    if p.kind == "bool":
        return Control(name, "switch")
    if _finite(p.low) and _finite(p.high):
        span = p.high - p.low
        if p.kind == "int" and span <= 120:
            return Control(name, "slider_int", p.low, p.high, 1)
        if p.kind == "float" and 0 < span <= 10:
            places = max(
                -math.floor(math.log10(span / 100)),
                *(_decimals(x) for x in (p.default, p.low, p.high, value)),
            )
            return Control(name, "slider_float", p.low, p.high, 10.0**-places)
    return Control(name, "text", p.low, p.high)


def label(name: str, lang: str) -> str:
    """Label of a parameter's widget: its short name and unit."""
    p = PARAMS[name]
    unit = i18n.unit_label(p.unit, lang)
    text = i18n.param_label(name, lang)
    if not unit or "（" in text or "(" in text:  # the label already names its unit
        return text
    return f"{text}（{unit}）" if lang == "zh" else f"{text} ({unit})"


def show_value(value: Any) -> str:
    """A parameter value as a text field shows it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:g}"
    return str(value)


# -- checking one input --
def _range_msg(key: str, p: Param):
    return lambda lang: i18n.tr(key, lang, allowed=i18n.allowed(p, lang))


def parse(name: str, raw: Any):
    """``raw`` (text from a field, or a widget's value) as a value of parameter ``name``.

    Returns ``(value, None)`` or ``(None, message)``; a message is for ``i18n.message``.
    """
    p = PARAMS[name]
    value = raw
    if isinstance(raw, str) and p.kind in ("int", "float"):
        text = raw.strip().replace(",", "").replace("_", "")
        if not text:
            return None, ("msg_empty", {})
        try:
            value = float(text)
        except ValueError:
            return None, _range_msg("msg_integer" if p.kind == "int" else "msg_number", p)
        if not math.isfinite(value):
            return None, _range_msg("msg_number", p)
        if p.kind == "int":
            if not value.is_integer():
                return None, _range_msg("msg_integer", p)
            value = int(value)
    elif isinstance(raw, str) and p.kind == "bool":
        value = {"true": True, "false": False}.get(raw.strip().lower(), raw)
    try:
        return p.check(value), None
    except ValueError:
        if p.kind in ("int", "float") and not isinstance(value, bool):
            return None, _range_msg("msg_range", p)
        return None, f"expected {p.allowed()}"


def parse_seed(raw: Any):
    """A seed from a text field: a whole number in [0, 2**63 − 1]."""
    text = str(raw).strip().replace(",", "").replace("_", "")
    if not re.fullmatch(r"\d+", text) or int(text) > MAX_SEED:
        return None, ("msg_seed", {})
    return int(text), None


def parse_count(raw: Any, low: int, high: int, key: str):
    """A whole number in [low, high] from a text field (replications, months)."""
    text = str(raw).strip()
    if not re.fullmatch(r"\d+", text) or not low <= int(text) <= high:
        return None, (key, {"low": low, "high": high})
    return int(text), None


# -- checking what a browser sent --
def offered(value: Any, choices) -> bool:
    """Whether ``value``, sent by a browser, is one of the ``choices`` the server offered.

    Anything a client sends over the websocket can be forged, so a selector's value is used only
    when it equals one of the strings the page offered; nothing else about it is looked at (a
    value that is not offered never reaches the file system).
    """
    return isinstance(value, str) and any(value == c for c in choices if isinstance(c, str))


def not_offered(what: str):
    """The message for a refused value (it does not repeat the value)."""
    return lambda lang: i18n.tr("msg_not_offered", lang, what=i18n.tr(what, lang))


# -- checking the whole set --
@dataclass
class Validation:
    """Result of checking every input: a scenario to build, or messages by field."""

    scenario: Scenario | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    errors: dict[str, Any] = field(default_factory=dict)  # field → message
    general: Any = None  # a message not tied to one field

    @property
    def ok(self) -> bool:
        return self.scenario is not None and self.seed is not None and not self.errors


def field_of(message: str, keys) -> str | None:
    """The input a scenario error is about: the first of ``keys`` the message names."""
    best = None
    for key in keys:
        m = re.search(rf"(?<![\w.]){re.escape(key)}(?!\w)", message)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), key)
    return best[1] if best else None


def validate(scenario_ref: str | None, regime: str | None, edits: dict, seed_raw) -> Validation:
    """Check the inputs: ``edits`` maps parameter names to what a person entered."""
    out = Validation()
    for name, raw in edits.items():
        if name not in PARAMS:
            out.general = f"unknown parameter {name!r}"
            continue
        value, msg = parse(name, raw)
        if msg is not None:
            out.errors[name] = msg
        else:
            out.overrides[name] = value
    if regime is not None:
        out.overrides["regime"] = regime
    out.seed, msg = parse_seed(seed_raw)
    if msg is not None:
        out.errors["seed"] = msg
    if any(k in PARAMS for k in out.errors):
        return out
    try:
        out.scenario = load(scenario_ref, out.overrides)
    except InputError as exc:
        text = str(exc)
        where = field_of(text, [k for k in out.overrides if k != "regime"])
        if where is None and "regime" in out.overrides and field_of(text, ["regime"]):
            where = "regime"
        if where is None:
            out.general = text
        else:
            out.errors[where] = text
    return out
