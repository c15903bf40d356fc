"""Experiment specs: a TOML file → a validated, hashable ``Spec``.

Top-level keys: ``model`` (``module:function``, default the gpps model, which also needs
``scenario`` and ``steps``), ``series_model``, ``seed``, ``replications``,
``common_random_numbers``, ``design`` (``method`` factorial | latin | sobol | morris,
``samples``, ``second_order``, ``levels``), ``[factors]`` and ``[record]`` (``final``,
``series``, ``every``). A factor given as a list is swept, a table ``{low, high, dist}`` is
sampled, a scalar is held. See ``experiments/_example_known_function.toml``.
``steps`` is required for the gpps model, except when ``scenario`` is a swept list: left out
there, each scenario runs for its own ``steps`` (e.g. a 36-month case next to a 120-month one).
Every error is an ``InputError`` naming the file, the key, the value and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import InputError, suggest
from sim.params import PARAMS

DEFAULT_MODEL = "sim.run:sweep_entry"
DEFAULT_SERIES_MODEL = "sim.run:sweep_entry_series"
DESIGNS = ("factorial", "latin", "sobol", "morris")
DISTS = ("uniform", "loguniform")

_TOP_KEYS = (
    "name",
    "description",
    "model",
    "series_model",
    "scenario",
    "steps",
    "seed",
    "replications",
    "common_random_numbers",
    "design",
    "factors",
    "record",
)
_DESIGN_KEYS = ("method", "samples", "second_order", "levels")
_RANGE_KEYS = ("low", "high", "dist", "kind")
_RECORD_KEYS = ("final", "series", "every")
_TYPE_NAMES = {
    int: "an integer",
    str: "a string",
    bool: "true or false",
    float: "a number",
    list: "a list",
    dict: "a table",
}
_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


@dataclass(frozen=True)
class Factor:
    """One factor. ``mode`` is ``list`` (swept), ``range`` (sampled) or ``held``."""

    name: str
    mode: str
    values: tuple = ()
    low: float = 0.0
    high: float = 1.0
    dist: str = "uniform"
    integer: bool = False

    def from_unit(self, u: float) -> float | int:
        """Map ``u`` in [0, 1] to this range's value under its distribution."""
        top = self.high + 1 if self.integer else self.high
        if self.dist == "loguniform":
            x = math.exp(math.log(self.low) + u * (math.log(top) - math.log(self.low)))
        else:
            x = self.low + u * (top - self.low)
        return min(math.floor(x), int(self.high)) if self.integer else float(x)


@dataclass(frozen=True)
class Spec:
    """A validated experiment."""

    path: Path
    name: str
    model: str
    series_model: str | None
    seed: int
    replications: int
    design: str
    factors: tuple[Factor, ...]
    scenario: str | None = None
    steps: int | None = None
    samples: int | None = None
    second_order: bool = False
    levels: int = 4
    common_random_numbers: bool = False
    record_final: tuple[str, ...] | None = None
    record_series: tuple[str, ...] = ()
    record_every: int = 1
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def swept(self) -> list[Factor]:
        return [f for f in self.factors if f.mode == "list"]

    @property
    def sampled(self) -> list[Factor]:
        return [f for f in self.factors if f.mode == "range"]

    @property
    def held(self) -> list[Factor]:
        return [f for f in self.factors if f.mode == "held"]

    @property
    def is_gpps(self) -> bool:
        return self.model == DEFAULT_MODEL

    @property
    def hash(self) -> str:
        """SHA-256 of the spec's content (not its layout, comments or description)."""
        return spec_hash(self.raw)


def spec_hash(raw: dict) -> str:
    body = {k: v for k, v in raw.items() if k != "description"}
    text = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def load(path: str | Path) -> Spec:
    """Read and validate a spec file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such spec file (expected a TOML experiment spec)")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: malformed TOML: {exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text file") from None
    return parse(raw, path)


def parse(raw: dict, path: str | Path = "spec", check_files: bool = True) -> Spec:
    """Validate a parsed TOML document (``check_files``: that a scenario file exists)."""
    return _Parser(raw, Path(path), check_files).spec()


def _show(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Parser:
    def __init__(self, raw: dict, path: Path, check_files: bool = True):
        self.raw, self.path, self.check_files = raw, path, check_files

    def fail(self, key: str, value: Any, allowed: str) -> InputError:
        return InputError(f"{self.path}: {key} = {_show(value)}: {allowed}")

    def unknown(self, key: str, known: tuple[str, ...], where: str = "") -> InputError:
        full = f"{where}{key}"
        return InputError(
            f"{self.path}: unknown key '{full}'{suggest(key, known)}; allowed: {', '.join(known)}"
        )

    def get(self, table: dict, key: str, kind: type | tuple, default: Any, where: str = "") -> Any:
        if key not in table:
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        is_bool = isinstance(value, bool)
        if (is_bool and bool not in kinds) or not isinstance(value, kinds):
            names = " or ".join(_TYPE_NAMES[k] for k in kinds)
            raise self.fail(where + key, value, f"must be {names}")
        return value

    def spec(self) -> Spec:
        raw = self.raw
        for key in raw:
            if key not in _TOP_KEYS:
                raise self.unknown(key, _TOP_KEYS)
        name = self.get(raw, "name", str, self.path.stem)
        if not re.fullmatch(r"[\w.-]+", name):
            raise self.fail("name", name, "must be letters, digits, '_', '-' or '.'")
        model = self.get(raw, "model", str, DEFAULT_MODEL)
        series_model = self.get(raw, "series_model", str, None)
        for key, ref in (("model", model), ("series_model", series_model)):
            if ref is not None and not _REF.match(ref):
                raise self.fail(key, ref, "must be an importable 'module:function'")
        if series_model is None and model == DEFAULT_MODEL:
            series_model = DEFAULT_SERIES_MODEL
        seed = self.get(raw, "seed", int, None)
        if seed is None:
            raise InputError(f"{self.path}: missing key 'seed' (the master seed, an integer >= 0)")
        if seed < 0:
            raise self.fail("seed", seed, "must be an integer >= 0")
        reps = self.get(raw, "replications", int, 1)
        if reps < 1:
            raise self.fail("replications", reps, "must be an integer >= 1")
        crn = self.get(raw, "common_random_numbers", bool, False)
        scenario = self.get(raw, "scenario", str, None)
        steps = self.get(raw, "steps", int, None)
        gpps = model == DEFAULT_MODEL
        if steps is not None and steps < 1:
            raise self.fail("steps", steps, "must be an integer >= 1")
        if steps is not None and gpps:
            self.check_param("steps", steps)
        factors = self.factors(self.get(raw, "factors", dict, {}), gpps)
        if gpps:
            swept_scenarios = any(f.name == "scenario" and f.mode == "list" for f in factors)
            if steps is None and not swept_scenarios:
                # with a swept scenario list, leaving steps out runs each for its own length
                raise InputError(f"{self.path}: missing key 'steps' (months to simulate, >= 1)")
            if scenario is None and "scenario" not in {f.name for f in factors}:
                raise InputError(f"{self.path}: missing key 'scenario' (the base scenario)")
        if (
            self.check_files
            and scenario is not None
            and scenario.endswith(".toml")
            and not (Path(scenario).is_file() or (self.path.parent / scenario).is_file())
        ):
            raise self.fail("scenario", scenario, "no such scenario file")
        design, samples, second_order, levels = self.design(raw.get("design", "factorial"))
        self.check_design(design, samples, factors)
        final, series, every = self.record(self.get(raw, "record", dict, {}))
        return Spec(
            path=self.path,
            name=name,
            model=model,
            series_model=series_model,
            seed=seed,
            replications=reps,
            design=design,
            factors=tuple(factors),
            scenario=scenario,
            steps=steps,
            samples=samples,
            second_order=second_order,
            levels=levels,
            common_random_numbers=crn,
            record_final=final,
            record_series=series,
            record_every=every,
            raw=raw,
        )

    def design(self, value: Any) -> tuple[str, int | None, bool, int]:
        if isinstance(value, str):
            value = {"method": value}
        if not isinstance(value, dict):
            raise self.fail("design", value, "must be a method name or a [design] table")
        for key in value:
            if key not in _DESIGN_KEYS:
                raise self.unknown(key, _DESIGN_KEYS, "design.")
        method = self.get(value, "method", str, "factorial", "design.")
        if method not in DESIGNS:
            raise self.fail(
                "design.method",
                method,
                f"must be one of {', '.join(DESIGNS)}" + suggest(method, DESIGNS),
            )
        samples = self.get(value, "samples", int, None, "design.")
        second = self.get(value, "second_order", bool, False, "design.")
        levels = self.get(value, "levels", int, 4, "design.")
        if method == "factorial" and samples is not None:
            raise self.fail("design.samples", samples, "factorial takes no samples (lists only)")
        if method != "factorial":
            if samples is None or samples < 1:
                raise self.fail("design.samples", samples, f"{method} needs an integer >= 1")
            if method == "sobol" and samples & (samples - 1):
                raise self.fail("design.samples", samples, "sobol needs a power of two")
        if levels < 2:
            raise self.fail("design.levels", levels, "must be an integer >= 2")
        if second and method != "sobol":
            raise self.fail("design.second_order", second, f"applies to sobol only, not {method}")
        if "levels" in value and method != "morris":
            raise self.fail("design.levels", levels, f"applies to morris only, not {method}")
        return method, samples, second, levels

    def check_design(self, design: str, samples: int | None, factors: list[Factor]) -> None:
        ranges = [f for f in factors if f.mode == "range"]
        if design == "factorial":
            if ranges:
                f = ranges[0]
                raise self.fail(
                    f"factors.{f.name}",
                    {"low": f.low, "high": f.high},
                    "design factorial sweeps lists; a range needs design latin, sobol or morris",
                )
        elif not ranges:
            raise InputError(
                f"{self.path}: design = {design!r} samples ranges, but every factor is a list "
                "or a scalar; give at least one factor as {low = ..., high = ...} "
                "or use design = 'factorial'"
            )

    def factors(self, table: dict, gpps: bool) -> list[Factor]:
        known = ("scenario", *PARAMS)
        out = []
        for name, value in table.items():
            key = f"factors.{name}"
            if gpps and name == "steps":
                raise self.fail(key, value, "set steps with the top-level key 'steps'")
            if gpps and name not in known:
                raise self.fail(key, value, "unknown factor" + suggest(name, known))
            if isinstance(value, dict):
                out.append(self.range(name, value, gpps))
            elif isinstance(value, list):
                if not value:
                    raise self.fail(key, value, "a swept list needs at least one value")
                vals = [self.scalar(name, v, gpps, f"{key}[{i}]") for i, v in enumerate(value)]
                if len(set(map(repr, vals))) != len(vals):
                    raise self.fail(key, value, "values must be distinct")
                out.append(Factor(name, "list", tuple(_unify(vals, self.fail, key, value))))
            else:
                out.append(Factor(name, "held", (self.scalar(name, value, gpps, key),)))
        return out

    def scalar(self, name: str, value: Any, gpps: bool, key: str) -> Any:
        if gpps and name != "scenario":
            return self.check_param(name, value, key)
        if not isinstance(value, (str, int, float, bool)):
            raise self.fail(key, value, "must be a string, number or boolean")
        if gpps and not isinstance(value, str):
            raise self.fail(key, value, "must be a scenario name or path")
        return value

    def check_param(self, name: str, value: Any, key: str | None = None) -> Any:
        try:
            return PARAMS[name].check(value)
        except ValueError as exc:
            raise self.fail(key or name, value, f"must be {exc}") from None

    def range(self, name: str, table: dict, gpps: bool) -> Factor:
        key = f"factors.{name}"
        for k in table:
            if k not in _RANGE_KEYS:
                raise self.unknown(k, _RANGE_KEYS, key + ".")
        for k in ("low", "high"):
            if k not in table:
                raise self.fail(key, table, "a range needs both low and high")
            v = table[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise self.fail(f"{key}.{k}", v, "must be a finite number")
        low, high = table["low"], table["high"]
        dist = self.get(table, "dist", str, "uniform", key + ".")
        if dist not in DISTS:
            raise self.fail(f"{key}.dist", dist, "must be one of " + ", ".join(DISTS))
        if gpps:
            if "kind" in table:
                raise self.fail(f"{key}.kind", table["kind"], "the parameter's kind is fixed")
            p = PARAMS.get(name) if name != "scenario" else None
            if p is None or p.kind not in ("float", "int"):
                what = "a list" if p is None or p.kind != "bool" else "a list [true, false]"
                raise self.fail(key, table, f"only numeric parameters take a range; use {what}")
            for k in ("low", "high"):
                try:
                    p.check(table[k])
                except ValueError:
                    raise self.fail(
                        f"{key}.{k}", table[k], f"must be within {name}'s bounds {p.allowed()}"
                    ) from None
            integer = p.kind == "int"
        else:
            kind = self.get(table, "kind", str, "float", key + ".")
            if kind not in ("float", "int"):
                raise self.fail(f"{key}.kind", kind, "must be 'float' or 'int'")
            integer = kind == "int"
        if integer and not (float(low).is_integer() and float(high).is_integer()):
            raise self.fail(key, table, "an integer parameter needs integer low and high")
        if not low < high:
            raise self.fail(key, table, "low must be less than high")
        if dist == "loguniform" and low <= 0:
            raise self.fail(f"{key}.low", low, "loguniform needs low > 0")
        return Factor(name, "range", low=low, high=high, dist=dist, integer=integer)

    def record(self, table: dict) -> tuple[tuple[str, ...] | None, tuple[str, ...], int]:
        for k in table:
            if k not in _RECORD_KEYS:
                raise self.unknown(k, _RECORD_KEYS, "record.")
        final = self.get(table, "final", list, None, "record.")
        series = self.get(table, "series", list, [], "record.")
        every = self.get(table, "every", int, 1, "record.")
        for key, names in (("record.final", final or []), ("record.series", series)):
            for n in names:
                if not isinstance(n, str) or not re.fullmatch(r"[A-Za-z_]\w*", n):
                    raise self.fail(key, n, "outcome names are snake_case identifiers")
        if every < 1:
            raise self.fail("record.every", every, "must be an integer >= 1")
        return (tuple(final) if final is not None else None), tuple(series), every


def _unify(vals: list, fail, key: str, value: Any) -> list:
    """Make a list's values one type: ints and floats mixed become floats."""
    kinds = {type(v) for v in vals}
    if kinds == {int, float}:
        return [float(v) for v in vals]
    if len(kinds) > 1:
        raise fail(key, value, "values must all be of one type")
    return vals
