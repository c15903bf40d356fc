"""Declared schemas of the tables gpps writes: each column's name, type, unit and meaning.

Each module declares the tables it writes next to the code that writes them (``sim.output``,
``sim.events``, ``sim.experiments.store``, ``sim.experiments.analyze``); ``TABLES`` gathers
them, ``docs/results.md`` is generated from them (``python -m sim.docs_results``) and the tests
read every file written and ``check`` it against its table.

A column named ``{placeholder}`` stands for a run of columns: ``{outcome}`` one per outcome
(``sim.metrics.OUTCOMES``, or a sweep model's own), ``{component}`` one per per-month
component (``sim.metrics.COMPONENTS``), ``{factor}`` one per factor of a sweep's spec,
``{u_factor}`` one per sampled factor (its unit-cube coordinate); in a calibration's
populations ``{parameter}`` one per free parameter, ``{unit_parameter}`` its unit-cube
coordinate (``unit_NAME``) and ``{simulated}`` one per target (``sim_K_MEASURE``).
"""

from __future__ import annotations

from dataclasses import dataclass

#: The types a column may have.
KINDS = ("int", "float", "str", "bool", "any")


@dataclass(frozen=True)
class Column:
    """One column: ``kind`` is one of ``KINDS``; ``nullable`` columns may have empty cells."""

    name: str
    kind: str
    unit: str = ""
    description: str = ""
    nullable: bool = False


@dataclass(frozen=True)
class Table:
    """One file (or dataset folder) of a results folder; ``path`` may hold ``{name}``."""

    path: str
    command: str
    description: str
    columns: tuple[Column, ...]

    @property
    def commands(self) -> list[str]:
        return self.command.split(", ")

    def names(self, expand: dict[str, list[str]] | None = None) -> list[str]:
        """The column names in order, placeholders replaced by ``expand[placeholder]``."""
        out = []
        for c in self.columns:
            if c.name.startswith("{"):
                out += (expand or {}).get(c.name, [])
            else:
                out.append(c.name)
        return out

    def check(self, df, expand: dict[str, list[str]] | None = None) -> None:
        """Raise ``AssertionError`` unless ``df`` has exactly these columns, each of its type."""
        names = self.names(expand)
        assert list(df.columns) == names, f"{self.path}: columns {list(df.columns)} != {names}"
        kinds = {}
        for c in self.columns:
            for name in (expand or {}).get(c.name, []) if c.name.startswith("{") else [c.name]:
                kinds[name] = c
        for name in names:
            problem = _mismatch(df[name], kinds[name])
            assert problem is None, f"{self.path}: column {name!r}: {problem}"


def _mismatch(values, column: Column) -> str | None:
    """Why ``values`` (a pandas Series, as read) do not fit ``column``, or ``None``."""
    import pandas as pd

    kind, dtype = column.kind, values.dtype
    present = values.dropna()
    if not column.nullable and len(present) < len(values):
        return "empty cells in a column that has a value in every row"
    if kind == "any" or len(present) == 0:
        return None
    if kind == "bool":
        ok = pd.api.types.is_bool_dtype(dtype) or present.map(type).eq(bool).all()
    elif kind == "int":
        ok = pd.api.types.is_integer_dtype(dtype) or (
            pd.api.types.is_float_dtype(dtype) and column.nullable and (present % 1 == 0).all()
        )
    elif kind == "float":
        ok = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    else:  # str
        ok = present.map(type).eq(str).all()
    return None if ok else f"type {dtype} where the schema says {kind}"


def tables() -> list[Table]:
    """Every table gpps writes, in the order ``docs/results.md`` lists them."""
    from . import output
    from .calibration import engine, posterior
    from .experiments import analyze, store

    return [*output.TABLES, *posterior.TABLES, *store.TABLES, *analyze.TABLES, *engine.TABLES]


def find(path: str, *commands: str) -> Table:
    """The table written at ``path`` (a file name inside a results folder) by one of
    ``commands`` (any command if none is named)."""
    import fnmatch

    for t in tables():
        pattern = t.path
        for holder in ("{outcome}", "{table}", "{design}", "{n}"):
            pattern = pattern.replace(holder, "*")
        if fnmatch.fnmatch(path, pattern) and (not commands or set(commands) & set(t.commands)):
            return t
    raise KeyError(path)
