"""Tables of the dashboard (pandas) and the CSV files it offers for download."""

from __future__ import annotations

import csv
import io
import math

import pandas as pd

from sim import metrics
from sim.output import fmt_number

from .i18n import name_label, origin_label, outcome_label, regime_label, tr

fmt = fmt_number  # as the CLI prints numbers


def money(v) -> str:
    """Yuan, to the yuan."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{v:,.0f}"


#: What a spreadsheet reads as the start of a formula: a text cell starting with one of
#: these is written with a leading apostrophe (shown as text, never run).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Text for a CSV cell that a spreadsheet shows as text, not as a formula (a name such as
    ``=HYPERLINK(...)`` or ``@SUM(...)`` gets a leading apostrophe)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_value(v):
    if isinstance(v, str):
        return safe_text(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    if hasattr(v, "item"):
        return _csv_value(v.item())
    return v


def csv_bytes(rows: list[dict], columns: list[str] | None = None) -> bytes:
    """Rows as UTF-8 CSV (NaN as an empty cell, floats written exactly, text that a
    spreadsheet would take for a formula with a leading apostrophe)."""
    columns = columns or (list(rows[0]) if rows else [])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow([_csv_value(row.get(c, "")) for c in columns])
    return buf.getvalue().encode("utf-8")


# -- the current run --
def series_rows(series: dict[str, list[float]], meta: dict) -> list[dict]:
    """One row per month: scenario, regime, seed, month and every series of ``metrics.SERIES``."""
    n = max((len(v) for v in series.values()), default=0)
    rows = []
    for t in range(n):
        row = {**meta, "step": t + 1}
        row.update({k: (v[t] if t < len(v) else math.nan) for k, v in series.items()})
        rows.append(row)
    return rows


def series_csv(series: dict[str, list[float]], meta: dict) -> bytes:
    columns = list(meta) + ["step"] + list(series)
    return csv_bytes(series_rows(series, meta), columns)


def organization_rows(model) -> list[dict]:
    """Every organization of the run (exited ones too), language-neutral (call under the lock).

    Revenue is over the last twelve months, by source: each buyer, and private giving.
    """
    from sim.agents import SocialOrganization

    buyers = [b.name for b in model.buyers]
    rows = []
    for o in model.agents_by_type.get(SocialOrganization, []):
        t = o.trailing()
        by_buyer = {b: float(t["gov"].get(f"buyer:{b}", 0.0)) for b in buyers}
        other = float(sum(v for k, v in t["gov"].items() if k.removeprefix("buyer:") not in buyers))
        gov = sum(by_buyer.values()) + other
        total = gov + float(t["private"])
        rows.append(
            {
                "organization": o.name,
                "origin": o.origin,
                "status": "active" if o.active else "exited",
                "lots_served": len(o.arrangements),
                **{f"revenue_{b}": by_buyer[b] for b in buyers},
                **({"revenue_other_government": other} if other else {}),
                "revenue_private": float(t["private"]),
                "revenue_total": total,
                "government_share": gov / total if total > 0 else math.nan,
                "reputation": float(o.reputation),
                "staff": float(o.staff),
                "cash": float(o.cash),
                "mission_drift": float(o.drift),
            }
        )
    return rows


def organizations_frame(rows: list[dict], buyers: list[str], lang: str) -> pd.DataFrame:
    """The organizations table as shown: translated headers, formatted numbers."""
    out = []
    for r in rows:
        if r["status"] == "exited":
            status = tr("status_exited", lang)
        elif r["lots_served"]:
            status = tr("status_serving", lang, n=r["lots_served"])
        else:
            status = tr("status_idle", lang)
        row = {
            tr("col_org", lang): name_label(r["organization"], lang),
            tr("col_origin", lang): origin_label(r["origin"], lang),
            tr("col_status", lang): status,
        }
        for b in buyers:
            row[tr("col_from", lang, buyer=name_label(b, lang))] = money(r[f"revenue_{b}"])
        row[tr("col_private", lang)] = money(r["revenue_private"])
        row[tr("col_total", lang)] = money(r["revenue_total"])
        share = r["government_share"]
        row[tr("col_gov_share", lang)] = "-" if not math.isfinite(share) else f"{share:.0%}"
        row[tr("col_reputation", lang)] = f"{r['reputation']:.2f}"
        row[tr("col_staff", lang)] = f"{r['staff']:.1f}"
        row[tr("col_cash", lang)] = money(r["cash"])
        row[tr("col_drift", lang)] = f"{r['mission_drift']:.2f}"
        out.append(row)
    return pd.DataFrame(out)


# -- compare --
def compare_frame(rows: list[dict], outcomes: list[str], lang: str) -> pd.DataFrame:
    """One row per regime; each cell ``mean [low, high]`` of a headline outcome."""
    arms = list(dict.fromkeys(r["regime"] for r in rows))
    cell = {(r["regime"], r["outcome"]): r for r in rows}
    out = []
    for arm in arms:
        row = {tr("col_regime", lang): regime_label(None if arm == "as_written" else arm, lang)}
        for name in outcomes:
            r = cell.get((arm, name))
            if r is None:
                continue
            text = fmt(r["mean"])
            if math.isfinite(r["ci_low"]):  # a narrow column breaks before the interval only
                text += f" [{fmt(r['ci_low'])},\u00a0{fmt(r['ci_high'])}]"
            row[outcome_label(name, lang)] = text
        out.append(row)
    return pd.DataFrame(out)


# -- play the buyer --
def play_frame(you: dict, rule: dict, lang: str, outcomes=None) -> pd.DataFrame:
    """Your outcomes next to the automatic rule's."""
    rows = []
    for name in outcomes or metrics.HEADLINE:
        a, b = you.get(name, math.nan), rule.get(name, math.nan)
        diff = a - b if math.isfinite(a) and math.isfinite(b) else math.nan
        rows.append(
            {
                tr("col_outcome", lang): outcome_label(name, lang),
                tr("col_you", lang): fmt(a),
                tr("col_rule", lang): fmt(b),
                tr("col_diff", lang): ("+" if diff > 0 else "") + fmt(diff),
            }
        )
    return pd.DataFrame(rows)


def options_frame(options: list[dict], lang: str) -> pd.DataFrame:
    """The bids (or partners) of a pending decision, best-scored first, as the buyer sees them."""
    rows = []
    for o in options:
        if o["kind"] == "in_house":
            continue
        rows.append(
            {
                tr("col_option", lang): name_label(o["org"].name, lang),
                tr("col_price", lang): fmt(o["price"]),
                tr("col_quality", lang): f"{o['quality']:.2f}",
                tr("col_reputation", lang): f"{o['reputation']:.2f}",
                tr("col_ties", lang): tr("tie_yes" if o["tie"] else "tie_no", lang),
                tr("col_score", lang): "-" if o.get("score") is None else f"{o['score']:.3f}",
            }
        )
    return pd.DataFrame(rows)


# -- the facilitator's view of the room --
def room_frame(rows: list[dict], lang: str, outcomes=None) -> pd.DataFrame:
    """Every participant's session as the facilitator sees it (names as given: text)."""
    from .i18n import scenario_label

    out = []
    for r in rows:
        regimes = " + ".join(regime_label(x, lang) for x in r["regime"].split("+") if x)
        row = {
            tr("col_name", lang): r["name"] or tr("no_name", lang),
            tr("col_group", lang): group_label(r.get("group"), lang),
            tr("col_tab", lang): tr("tab_open" if r["open"] else "tab_gone", lang),
            tr("scenario", lang): scenario_label(r["scenario"], lang),
            tr("col_regime", lang): regimes,
            tr("col_month", lang): f"{r['month']} / {r['months']}",
        }
        for name in outcomes or metrics.HEADLINE:
            row[outcome_label(name, lang)] = fmt(r[name])
        out.append(row)
    return pd.DataFrame(out)


def group_label(group: str | None, lang: str) -> str:
    """A group as the facilitator's pages show it (``None`` or ``""``: no group)."""
    return tr("group_name", lang, group=group) if group else tr("no_group", lang)


#: Columns of the debrief's CSV, before the outcomes.
DEBRIEF_COLUMNS = [
    "name",
    "group",
    "open",
    "scenario",
    "regime",
    "seed",
    "month",
    "months",
]
GAME_COLUMNS = [
    "game",
    "game_scenario",
    "game_regime",
    "game_buyer",
    "game_seed",
    "game_month",
    "game_months",
    "decisions",
    "as_the_rule",
]


def debrief_csv(rows: list[dict], outcomes=None) -> bytes:
    """The debrief as CSV: each seat's run and its headline outcomes at its month, then its
    game: your outcome, the rule's and the difference for each headline outcome."""
    names = list(outcomes or metrics.HEADLINE)
    out = []
    for r in rows:
        row = dict(r)
        for name in names:
            a, b = r.get(f"you_{name}", math.nan), r.get(f"rule_{name}", math.nan)
            row[f"diff_{name}"] = a - b if math.isfinite(a) and math.isfinite(b) else math.nan
        out.append(row)
    columns = [
        *DEBRIEF_COLUMNS,
        *names,
        *GAME_COLUMNS,
        *(f"{kind}_{n}" for n in names for kind in ("you", "rule", "diff")),
    ]
    return csv_bytes(out, columns)


def _game_state(r: dict, lang: str) -> str:
    if r["game"] == "none":
        return tr("game_none", lang)
    if r["game"] == "playing":
        return tr("game_playing", lang, n=r["game_month"], total=r["game_months"])
    return tr("game_finished", lang, n=r["decisions"], same=r["as_the_rule"])


def debrief_frame(rows: list[dict], lang: str, outcomes=None) -> pd.DataFrame:
    """Each participant's game against the automatic rule: you / rule for each outcome."""
    from .i18n import scenario_label

    out = []
    for r in rows:
        row = {
            tr("col_name", lang): r["name"] or tr("no_name", lang),
            tr("col_group", lang): group_label(r.get("group"), lang),
            tr("col_game", lang): _game_state(r, lang),
        }
        if r["game"] != "none":
            row[tr("scenario", lang)] = scenario_label(r["game_scenario"], lang)
            row[tr("col_regime", lang)] = regime_label(r["game_regime"] or None, lang)
            row[tr("col_seed", lang)] = str(r["game_seed"])
        for name in outcomes or metrics.HEADLINE:
            a, b = r.get(f"you_{name}", math.nan), r.get(f"rule_{name}", math.nan)
            row[outcome_label(name, lang)] = (
                f"{fmt(a)} / {fmt(b)}" if math.isfinite(a) or math.isfinite(b) else "-"
            )
        out.append(row)
    return pd.DataFrame(out)


def regime_frame(rows: list[dict], lang: str, outcomes=None) -> pd.DataFrame:
    """The room's regimes against outcomes: per regime the number of runs and each headline
    outcome's mean over the runs that have a value at their month."""
    names = list(outcomes or metrics.HEADLINE)
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(r["regime"], []).append(r)
    out = []
    for regime, runs in by.items():
        label = " + ".join(regime_label(x, lang) for x in regime.split("+") if x)
        row = {
            tr("col_regime", lang): label,
            tr("col_runs", lang): str(len(runs)),
            tr("col_months", lang): ", ".join(str(m) for m in sorted({x["month"] for x in runs})),
        }
        for name in names:
            values = [x[name] for x in runs if math.isfinite(x[name])]
            row[outcome_label(name, lang)] = fmt(sum(values) / len(values)) if values else "-"
        out.append(row)
    return pd.DataFrame(out)
