"""What ``gpps run`` and ``gpps compare`` print: plain labels, units and which direction is
better (``sim.metrics``), laid out to fit the terminal. The files keep the machine names."""

from __future__ import annotations

import math
import shutil
import textwrap

from . import metrics
from .output import fmt_number as number

#: Outcome groups in the order they are printed.
GROUPS = ("efficiency", "quality", "independence", "market")
ARROWS = {"higher": "↑", "lower": "↓", None: ""}
LEGEND = "↑ higher is better, ↓ lower is better"
_GAP = "  "


def width() -> int:
    """Columns of the terminal (``COLUMNS`` first; 100 when unknown), at least 60."""
    return max(60, shutil.get_terminal_size((100, 24)).columns)


def wrap(text: str, columns: int, indent: str = "    ") -> list[str]:
    """``text`` in lines of at most ``columns`` characters, later lines indented."""
    return textwrap.wrap(text, width=columns, subsequent_indent=indent, break_on_hyphens=False)


def regime_label(name: str) -> str:
    """A regime (or ``as_written``) in words."""
    return "as written" if name == "as_written" else name.replace("_", " ")


def regimes_held(scenario, regime: str | None) -> str:
    """The regime each buyer held in a run: ``regime`` for every buyer all run, or the
    scenario's buyers' regimes and their scheduled changes."""
    if regime is not None:
        return f"{regime_label(regime)}, every buyer, the whole run (--regime)"
    held = {}
    for b in scenario.buyers:
        held.setdefault(b["regime"], []).append(b["name"])
    every = len(held) == 1
    text = "; ".join(
        regime_label(r) + (" (every buyer)" if every else f" ({', '.join(names)})")
        for r, names in held.items()
    )
    for item in scenario.schedule:
        if item["regime"]:
            who = "every buyer" if item["buyer"] == "*" else item["buyer"]
            text += f"; {regime_label(item['regime'])} from month {item['step'] + 1} ({who})"
    return text


def heading(o: metrics.Outcome) -> str:
    """An outcome's label, its unit where the label does not say it, and its arrow."""
    unit = "" if o.unit.lower() in o.label.lower() else f" ({o.unit})"
    arrow = ARROWS[o.better]
    return f"{o.label}{unit}" + (f"\u00a0{arrow}" if arrow else "")  # the arrow stays on


def _by_group(outcomes: list[str]) -> list[tuple[str, list[metrics.Outcome]]]:
    found = [metrics.BY_NAME[n] for n in outcomes]
    groups = list(GROUPS) + sorted({o.group for o in found} - set(GROUPS))
    return [
        (g, [o for o in found if o.group == g]) for g in groups if any(o.group == g for o in found)
    ]


def comparison(rows: list[dict], outcomes: list[str], columns: int) -> list[str]:
    """The comparison's headline outcomes, a table per outcome group: one row per regime, one
    column per outcome (mean [95% interval]), as many columns side by side as fit ``columns``."""
    arms = list(dict.fromkeys(r["regime"] for r in rows))
    cell = {}
    for r in rows:
        txt = number(r["mean"])
        if not math.isnan(r["ci_low"]):
            txt += f" [{number(r['ci_low'])}, {number(r['ci_high'])}]"
        cell[(r["regime"], r["outcome"])] = txt
    first = max(len(regime_label(a)) for a in arms)
    lines = []
    for group, found in _by_group(outcomes):
        widths = {o.name: max(16, *(len(cell[(a, o.name)]) for a in arms)) for o in found}
        room = columns - first
        fit = max(1, room // (len(_GAP) + max(widths.values())))
        size = -(-len(found) // -(-len(found) // fit))  # as many per table, tables balanced
        chunks = [found[i : i + size] for i in range(0, len(found), size)]
        for chunk in chunks:
            share = room // len(chunk) - len(_GAP)  # columns widened to share the room, to 26
            for o in chunk:
                widths[o.name] = max(widths[o.name], min(share, 26))
            heads = {o.name: wrap(heading(o), widths[o.name], "") for o in chunk}
            depth = max(len(h) for h in heads.values())
            lines.append("")
            for i in range(depth):
                title = group.capitalize() if i == 0 else ""
                parts = [title.ljust(first)]
                for o in chunk:
                    h = heads[o.name]
                    text = h[i - (depth - len(h))] if i >= depth - len(h) else ""
                    parts.append(text.rjust(widths[o.name]))
                lines.append(_GAP.join(parts).rstrip())
            for a in arms:
                parts = [regime_label(a).ljust(first)]
                parts += [cell[(a, o.name)].rjust(widths[o.name]) for o in chunk]
                lines.append(_GAP.join(parts).rstrip())
    return lines


def summary(values: dict[str, float], outcomes: list[str], columns: int) -> list[str]:
    """One run's outcomes: label, arrow, value and unit, grouped by outcome group."""
    found = [o for _, group in _by_group(outcomes) for o in group]
    first = max(len(o.label) for o in found)
    lines = []
    for group, members in _by_group(outcomes):
        lines += ["", group.capitalize()]
        for o in members:
            arrow = ARROWS[o.better] or " "
            text = f"  {o.label.ljust(first)} {arrow} {number(values[o.name]):>9}  {o.unit}"
            lines += wrap(text, columns, " " * (first + 17))
    return lines
