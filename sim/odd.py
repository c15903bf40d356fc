"""Generated tables of ``docs/ODD.md``: parameters, outcomes, validation checks, scenarios.

The tables come from ``sim.params.PARAMS``, ``sim.metrics.OUTCOMES``, ``sim.validate.PATTERNS``
and the shipped scenario files. Each sits between two marker lines, ``<!-- NAME:start -->`` and
``<!-- NAME:end -->``, NAME being ``params``, ``outcomes``, ``patterns`` or ``scenarios``.
``python -m sim.odd`` rewrites them; ``python -m sim.odd --check`` only reports whether they are
out of date (exit status 1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .metrics import OUTCOMES
from .params import PARAMS, Param

ROOT = Path(__file__).resolve().parent.parent

_SUMMARY = {
    "mean": "mean over months",
    "last12": "mean of the last 12 months",
    "sum": "sum over months",
}


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _num(x) -> str:
    """A number as short as possible but exact: ``%g`` when it round-trips, else ``repr``."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    short = f"{x:g}"
    return short if float(short) == x else repr(x)


def _default(p: Param) -> str:
    if p.kind == "choice":
        return f"`{p.default}`"
    return _num(p.default)


def _options(p: Param) -> tuple[str, ...]:
    """Allowed values; of a registry, only the entries the ``sim`` package itself registers."""
    options = p.options
    if not callable(p.choices):
        return options
    from .regimes import REGIMES

    return tuple(o for o in options if o not in REGIMES or REGIMES[o].__module__.startswith("sim."))


def _range(p: Param) -> str:
    if p.kind == "choice":
        return ", ".join(f"`{o}`" for o in _options(p))
    if p.kind == "bool":
        return "true, false"
    low = "-∞" if p.low is None else _num(p.low)
    high = "∞" if p.high is None else _num(p.high)
    return f"[{low}, {high}]"


def parameter_table() -> str:
    """Every parameter of ``sim.params.PARAMS``, in declaration order, as a Markdown table."""
    rows = [
        "| Name | Default | Unit | Range | Scope | Description | Source |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in PARAMS.values():
        cells = [
            f"`{p.name}`",
            _default(p),
            p.unit or "–",
            _range(p),
            p.scope,
            p.description,
            p.source,
        ]
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows)


def _summary(o) -> str:
    if o.summary == "ratio":
        scale = "" if o.scale == 1.0 else f" × {_num(o.scale)}"
        return f"Σ `{o.num}` / Σ `{o.den}`{scale}"
    return _SUMMARY.get(o.summary, o.summary)


def outcome_table() -> str:
    """Every outcome of ``sim.metrics.OUTCOMES`` as a Markdown table."""
    rows = [
        "| Name | Group | Unit | Run summary | Description |",
        "|---|---|---|---|---|",
    ]
    for o in OUTCOMES:
        cells = [f"`{o.name}`", o.group, o.unit, _summary(o), o.description]
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows)


def _target(low: float, high: float) -> str:
    lo = "-∞" if low == float("-inf") else _num(low)
    hi = "∞" if high == float("inf") else _num(high)
    return f"[{lo}, {hi}]"


def pattern_table() -> str:
    """Every check of ``sim.validate.PATTERNS`` (``gpps validate``) as a Markdown table."""
    from .validate import PATTERNS

    rows = [
        "| Pattern | Check | Runs (scenario/regime, overrides) | Measure "
        "| Target (95% interval inside) |",
        "|---|---|---|---|---|",
    ]
    for p in PATTERNS:
        for c in p.checks:
            cells = [
                f"{p.number} `{p.name}`",
                c.label,
                "; ".join(f"`{a.describe()}`" for a in c.arms),
                c.what,
                _target(c.low, c.high),
            ]
            rows.append("| " + " | ".join(_cell(x) for x in cells) + " |")
    return "\n".join(rows)


def scenario_table() -> str:
    """The shipped scenarios (``scenarios/*.toml``) with the first line of their description."""
    from .scenario import describe_all

    rows = ["| Scenario | Description |", "|---|---|"]
    for name, description in describe_all():
        rows.append(f"| `{_cell(name)}` | {_cell(description)} |")
    return "\n".join(rows)


TABLES = {
    "params": parameter_table,
    "outcomes": outcome_table,
    "patterns": pattern_table,
    "scenarios": scenario_table,
}


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def section(text: str, name: str) -> str:
    """The text between the markers of table ``name`` (without the surrounding newlines)."""
    start, end = _markers(name)
    if text.count(start) != 1 or text.count(end) != 1:
        raise ValueError(f"expected one {start} and one {end} line")
    i = text.index(start) + len(start)
    j = text.index(end)
    if j < i:
        raise ValueError(f"{end} comes before {start}")
    return text[i:j].strip("\n")


def refresh(text: str) -> str:
    """``text`` with every generated table replaced by its current version."""
    for name, make in TABLES.items():
        start, end = _markers(name)
        section(text, name)  # checks the markers
        head, rest = text.split(start)
        _, tail = rest.split(end)
        text = f"{head}{start}\n{make()}\n{end}{tail}"
    return text


def _path(path: str | Path) -> Path:
    path = Path(path)
    return path if path.is_absolute() else ROOT / path


def update(path: str | Path = "docs/ODD.md") -> bool:
    """Rewrite the generated tables of ``path`` (relative to the repository); True if changed."""
    path = _path(path)
    old = path.read_text(encoding="utf-8")
    new = refresh(old)
    if new != old:
        path.write_text(new, encoding="utf-8")
    return new != old


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.odd", description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default="docs/ODD.md", help="the ODD document")
    parser.add_argument(
        "--check", action="store_true", help="report whether the tables are out of date; no write"
    )
    args = parser.parse_args(argv)
    path = _path(args.path)
    if args.check:
        stale = refresh(path.read_text(encoding="utf-8")) != path.read_text(encoding="utf-8")
        print(f"{path}: tables {'out of date' if stale else 'up to date'}")
        return 1 if stale else 0
    changed = update(path)
    print(f"{path}: tables {'refreshed' if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
