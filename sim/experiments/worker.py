"""What a worker does: call the model for a chunk of runs, catching each run's error.

A model is any importable ``module:function`` taking ``(params, seed)`` and returning a dict of
numbers, or a tuple ``(finals, series)`` where ``series`` maps names to lists of numbers. A
spec names the function, so a spec is trusted code; a result of another shape is a
``ShapeError``, and the sweep refuses to start when its first run gives one (``probe``).
After each run the worker drops the Mesa 3.3.1 ``Agent._ids`` entries the run left behind, so
memory stays flat over thousands of runs.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from numbers import Real

from sim.errors import InputError


class ShapeError(TypeError):
    """The model returned something else than the documented shape; ``key`` and ``name``: the
    ``record`` key and the outcome it names that the model did not return."""

    def __init__(self, message: str, key: str | None = None, name: str | None = None):
        super().__init__(message)
        self.key, self.name = key, name


@dataclass(frozen=True)
class Record:
    """What to keep: final outcomes (``None``: all returned), series names, series stride."""

    final: tuple[str, ...] | None = None
    series: tuple[str, ...] = ()
    every: int = 1


@cache
def resolve(ref: str) -> Callable:
    """Import ``module:function``; raises ``InputError`` with the reason."""
    module_name, _, attr = ref.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"model = {ref!r}: cannot import module {module_name!r} ({exc})") from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise InputError(f"model = {ref!r}: module {module_name!r} has no function {attr!r}")
    return fn


def run_chunk(ref: str, record: Record, tasks: list[tuple[int, dict, int]]) -> list[dict]:
    """Run ``(run_id, params, seed)`` tasks; one result dict per run, failures included."""
    fn = resolve(ref)
    return [_run_one(fn, record, *task) for task in tasks]


def _run_one(fn: Callable, record: Record, run_id: int, params: dict, seed: int) -> dict:
    out = {"run_id": run_id, "status": "ok", "error": None, "traceback": None}
    before = _mesa_models()
    start = time.perf_counter()
    try:
        finals, series = _split(fn(dict(params), seed))
        out["finals"] = _finals(finals, record.final)
        out["series"] = _series(series, record.series, record.every)
    except Exception as exc:  # a run that raises is recorded, and the sweep goes on
        kind = type(exc).__name__
        if isinstance(exc, ShapeError):
            out["shape"] = str(exc).splitlines()[0]
            out["missing"] = (exc.key, exc.name) if exc.key else None
            kind = "TypeError"  # as recorded before shapes had their own error
        out.update(status="error", error=f"{kind}: {exc}".splitlines()[0])
        out.update(traceback=traceback.format_exc(), finals={}, series={})
    finally:
        _forget_mesa_models(before)
    out["elapsed_s"] = time.perf_counter() - start
    return out


def _split(result) -> tuple[Mapping, Mapping]:
    if isinstance(result, tuple) and len(result) == 2:
        finals, series = result
    else:
        finals, series = result, {}
    if not isinstance(finals, Mapping) or not isinstance(series, Mapping):
        raise ShapeError(
            f"model returned {type(result).__name__}; expected a dict of numbers "
            "or a tuple (finals, series)"
        )
    for name, values in series.items():
        if isinstance(values, str | bytes | Mapping) or not hasattr(values, "__iter__"):
            raise ShapeError(f"series {name!r} is {type(values).__name__}, not a list of numbers")
    return finals, series


def _number(name: str, value) -> float:
    if not isinstance(value, Real):
        raise ShapeError(f"outcome {name!r} is {type(value).__name__}, not a number")
    return float(value)


def _finals(finals: Mapping, wanted: tuple[str, ...] | None) -> dict[str, float]:
    names = list(finals) if wanted is None else wanted
    missing = [n for n in names if n not in finals]
    if missing:
        raise ShapeError(
            f"outcome {missing[0]!r} not returned (returned: {', '.join(map(str, finals))})",
            "record.final",
            missing[0],
        )
    return {n: _number(n, finals[n]) for n in names}


def _series(series: Mapping, wanted: tuple[str, ...], every: int) -> dict[str, list[float]]:
    missing = [n for n in wanted if n not in series]
    if missing:
        raise ShapeError(
            f"series {missing[0]!r} not returned (returned: {', '.join(map(str, series))})",
            "record.series",
            missing[0],
        )
    return {n: [_number(n, v) for v in list(series[n])[::every]] for n in wanted}


def _mesa_models() -> set[int]:
    mesa = sys.modules.get("mesa")
    ids = getattr(getattr(mesa, "Agent", None), "_ids", None)
    return {id(m) for m in ids} if ids is not None else set()


def _forget_mesa_models(before: set[int]) -> None:
    """Drop the ``mesa.Agent._ids`` entries of models created since ``before`` (Mesa 3.3.1)."""
    mesa = sys.modules.get("mesa")
    ids = getattr(getattr(mesa, "Agent", None), "_ids", None)
    if ids is None:
        return
    for model in [m for m in ids if id(m) not in before]:
        ids.pop(model, None)
