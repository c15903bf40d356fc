"""Charts the participant's browser draws: ECharts options (plain data) built from a run.

The server sends numbers and labels, not images: the browser draws them with its own fonts
(Chinese needs no font on the server), and a step costs the server milliseconds. Labels, units,
better directions and bounds come from ``sim.metrics`` (``OUTCOMES``) through ``i18n``; the
PNG downloads are still drawn with matplotlib (``plots``), only when someone asks for one.

Axes do not autoscale to the data's wiggles: shares and 0-1 scores span their bounds, other
outcomes start at zero and end at a rounded ceiling (``y_range``), so a change of 0.0001
stays flat. Values are rounded to four significant digits: what a chart needs, less to send.
"""

from __future__ import annotations

import math

import numpy as np

from sim import metrics

from .i18n import name_label, origin_label, outcome_label, regime_label, tr

#: Outcomes drawn for each group of ``metrics.OUTCOMES`` (names missing there are skipped).
#: Bids are counted per lot awarded (``bids_per_award``), the unit "Play the buyer" shows.
GROUP_PLOTS = {
    "efficiency": (
        "qa_hours_per_10k_yuan",
        "cost_per_qa_hour",
        "need_met_share",
        "governance_cost_share",
    ),
    "quality": (
        "quality_mean",
        "quality_nonmeasurable",
        "satisfaction_mean",
        "satisfaction_local_migrant_gap",
    ),
    "independence": (
        "provider_gov_share_mean",
        "provider_largest_buyer_share_mean",
        "provider_revenue_diversity_mean",
        "provider_mission_drift_mean",
    ),
    "market": ("active_orgs", "bids_per_award", "contract_value_hhi", "incumbent_reaward_rate"),
}
GROUPS = tuple(GROUP_PLOTS)
GROUP_COLOURS = {
    "efficiency": "#1f77b4",
    "quality": "#2ca02c",
    "independence": "#d62728",
    "market": "#9467bd",
}
ORIGIN_COLOURS = {
    "founded": "#d62728",
    "grassroots": "#2ca02c",
    "external": "#1f77b4",
    "in_house": "#7f7f7f",
}
REGIME_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
RULE_COLOUR = "#7f7f7f"
#: Units of outcomes that are a difference of two [0, 1] values: drawn on a range around 0.
_SIGNED_UNITS = {"difference of 0-1 scores"}
#: Room above the largest value: a value at a round number does not sit on the axis' end.
HEADROOM = 1.1
_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
_TEXT = {"fontSize": 11, "color": "#333"}


def rounded(x, digits: int = 4):
    """``x`` to ``digits`` significant digits; ``None`` for NaN or infinity (a gap in a line)."""
    if x is None or not math.isfinite(x):
        return None
    if x == 0:
        return 0.0
    return round(float(x), digits - 1 - math.floor(math.log10(abs(x))))


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k that is at least ``x`` (> 0)."""
    k = math.floor(math.log10(x))
    for s in _STEPS:
        top = s * 10.0**k
        if top >= x * (1 - 1e-12):
            return float(f"{top:.12g}")
    return 10.0 ** (k + 1)


def y_range(name: str, *runs) -> tuple[float, float]:
    """A fixed y range for outcome ``name`` drawn with the values of ``runs``: its bounds where
    it has them (shares, 0-1 scores), a range symmetric around 0 for a difference of scores,
    else from 0 to a rounded ceiling at least 10% above the values."""
    o = metrics.BY_NAME.get(name)
    if o is not None and o.bounds is not None:
        return o.bounds
    values = [x for run in runs for x in run if x is not None and math.isfinite(x)]
    top = max((abs(x) for x in values), default=0.0)
    if o is not None and o.unit in _SIGNED_UNITS:
        half = min(nice_ceiling(max(HEADROOM * top, 0.1)), 1.0)
        return (-half, half)
    high = nice_ceiling(HEADROOM * top) if top > 0 else 1.0
    low = min(values, default=0.0)
    return (-nice_ceiling(-HEADROOM * low) if low < 0 else 0.0, high)


def tick_step(low: float, high: float) -> float:
    """A round distance between the y ticks of [low, high]: 3 to 6 intervals of 1, 2, 2.5 or
    5 × 10^k (0.25 on [0, 1])."""
    span = high - low
    for n in (4, 5, 3, 6):
        step = span / n
        mantissa = step / 10.0 ** math.floor(math.log10(step))
        if any(math.isclose(mantissa, m, rel_tol=1e-9) for m in (1.0, 2.0, 2.5, 5.0, 10.0)):
            return float(f"{step:.12g}")
    return span / 4


def better_key(name: str) -> str:
    """``better_higher``, ``better_lower`` or ``better_none`` (a key of ``i18n.TEXT``)."""
    o = metrics.BY_NAME.get(name)
    return f"better_{o.better}" if o is not None and o.better else "better_none"


def _points(values) -> list:
    return [[t + 1, rounded(v)] for t, v in enumerate(values)]


def _sparse(values) -> bool:
    """Whether a series is defined in too few months to draw as a line (e.g. bids, which exist
    only in months with a tender): then it is drawn as points."""
    finite = sum(1 for v in values if v is not None and math.isfinite(v))
    return finite < max(2, 0.5 * len(values))


def _line(name: str, values, colour: str, dashed: bool = False) -> dict:
    sparse = _sparse(values)
    return {
        "type": "line",
        "name": name,
        "data": _points(values),
        "color": colour,
        "showSymbol": sparse,
        "symbolSize": 5,
        "connectNulls": False,
        "lineStyle": {
            "width": 0 if sparse else (1.5 if dashed else 2),
            "type": "dashed" if dashed else "solid",
        },
        "emphasis": {"disabled": True},
    }


def outcome_chart(
    name: str,
    values,
    lang: str,
    colour: str = "#1f77b4",
    rule=None,
    months: int | None = None,
) -> dict:
    """One outcome month by month; ``rule``: the automatic rule's run beside a player's."""
    rule = list(rule) if rule is not None else None
    low, high = y_range(name, values, rule or [])
    n = max(len(values), len(rule or []), months or 0, 12)
    series = []
    if rule is not None:
        series.append(_line(tr("col_rule", lang), rule, RULE_COLOUR, dashed=True))
    series.append(
        _line(
            tr("col_you", lang) if rule is not None else outcome_label(name, lang), values, colour
        )
    )
    option = {
        "animation": False,
        "textStyle": {"fontFamily": "sans-serif"},
        "grid": {"left": 6, "right": 14, "top": 10, "bottom": 22, "containLabel": True},
        "tooltip": {"trigger": "axis", "confine": True},
        "xAxis": {
            "type": "value",
            "min": 0,
            "max": n,
            "minInterval": 1,
            "splitNumber": 4,
            "name": tr("month_axis", lang),
            "nameLocation": "middle",
            "nameGap": 22,
            "nameTextStyle": _TEXT,
            "axisLabel": {"fontSize": 10},
            "splitLine": {"show": False},
        },
        "yAxis": {
            "type": "value",
            "min": low,
            "max": high,
            "interval": tick_step(low, high),
            "axisLabel": {"fontSize": 10, "hideOverlap": True},
            "splitLine": {"lineStyle": {"color": "#e6e6e6"}},
        },
        "series": series,
    }
    if rule is not None:
        option["legend"] = {"top": 0, "right": 0, "itemWidth": 16, "textStyle": {"fontSize": 10}}
        option["grid"]["top"] = 26
    if not any(v is not None and math.isfinite(v) for v in values):
        # before the first month, or no value yet (e.g. no contract has ended to re-award)
        text = tr("no_data" if not len(values) else "no_value", lang)
        option["graphic"] = {
            "type": "text",
            "left": "center",
            "top": "middle",
            "style": {"text": text, "fill": "#666", "fontSize": 12},
        }
    return option


def group_charts(group: str, series: dict, lang: str, rule: dict | None = None) -> dict[str, dict]:
    """The charts of one group of ``GROUP_PLOTS``, by outcome name."""
    colour = GROUP_COLOURS.get(group, "#1f77b4")
    return {
        name: outcome_chart(
            name, series.get(name, []), lang, colour, None if rule is None else rule.get(name, [])
        )
        for name in GROUP_PLOTS[group]
        if name in series
    }


# -- network --
def network_data(model) -> dict:
    """Buyers, providers and ties of the model now, as plain data (call under the lock)."""
    from sim.agents import SocialOrganization

    def revenue(prod) -> float:
        t = prod.trailing()
        return float(sum(t["gov"].values()) + t["private"])

    buyers = [{"name": b.name, "regime": b.regime.name} for b in model.buyers]
    orgs = [
        {
            "name": o.name,
            "origin": o.origin,
            "revenue": revenue(o),
            "ties": sorted(o.ties),
            "active": o.active,
        }
        for o in model.agents_by_type.get(SocialOrganization, [])
        if o.active
    ]
    in_house = [
        {"name": b.in_house.name, "buyer": b.name, "revenue": revenue(b.in_house)}
        for b in model.buyers
    ]
    arrangements = []
    for b in model.buyers:
        for a in b.arrangements():
            arrangements.append(
                {
                    "buyer": b.name,
                    "provider": a.provider.name,
                    "in_house": a.provider.origin == "in_house",
                    "regime": a.regime.name,
                    "value": float(a.unit_price() * a.units),
                }
            )
    return {
        "month": model.steps,
        "buyers": buyers,
        "orgs": orgs,
        "in_house": in_house,
        "arrangements": arrangements,
    }


#: Most organizations in one column of the network view (more go into several columns).
PER_COLUMN = 25


def network_layout(data: dict) -> tuple[list[dict], dict[str, tuple[float, float]], float]:
    """The organizations ordered by origin, each node's position ``(x, y)``, ``y`` in (0, 1)
    from the top, and the x of the last column: buyers at x = 0, their in-house units at
    x = -1, organizations in columns of at most ``PER_COLUMN`` from x = 1.2."""
    order = {"founded": 0, "grassroots": 1, "external": 2}
    orgs = sorted(data["orgs"], key=lambda o: order.get(o["origin"], 3))
    pos: dict[str, tuple[float, float]] = {}
    for items, x in ((data["buyers"], 0.0), (data["in_house"], -1.0)):
        for i, item in enumerate(items):
            pos[item["name"]] = (x, (i + 0.5) / max(len(items), 1))
    n_cols = max(1, math.ceil(len(orgs) / PER_COLUMN))
    rows = math.ceil(len(orgs) / n_cols) if orgs else 1
    for k, o in enumerate(orgs):
        pos[o["name"]] = (1.2 + 0.6 * (k // rows), (k % rows + 0.5) / rows)
    return orgs, pos, 1.2 + 0.6 * (n_cols - 1)


def network_chart(data: dict, lang: str) -> dict:
    """Buyers (squares) in the middle, their in-house units (diamonds) to the left,
    organizations (circles, coloured by origin, sized by revenue) to the right; solid links
    are running purchases (colour: regime, width: value), dashed ones affiliation ties."""
    buyers, in_house = data["buyers"], data["in_house"]
    orgs, pos, right = network_layout(data)
    labelled = len(orgs) <= 40
    scale = 1.0 if len(orgs) <= PER_COLUMN else 0.45
    revenues = [o["revenue"] for o in orgs + in_house if o["revenue"] > 0]
    top = max(revenues, default=0.0)

    def size(rev):
        return scale * (8 + 30 * math.sqrt(max(rev, 0.0) / top)) if top > 0 else 8

    origins = ["founded", "grassroots", "external"]
    categories = [
        {"name": tr("buyer", lang), "itemStyle": {"color": "#333333"}, "symbol": "rect"},
        {"name": tr("in_house", lang), "itemStyle": {"color": ORIGIN_COLOURS["in_house"]}},
        *(
            {"name": origin_label(o, lang), "itemStyle": {"color": ORIGIN_COLOURS[o]}}
            for o in origins
        ),
    ]
    index: dict[str, int] = {}
    nodes = []

    def node(key, shown, category, symbol, symbol_size, label_position):
        index[key] = len(nodes)
        x, y = pos[key]
        nodes.append(
            {
                "id": key,
                "name": shown,
                "value": [round(x, 3), round(y, 3)],
                "category": category,
                "symbol": symbol,
                "symbolSize": round(symbol_size, 1),
                "label": {
                    "show": label_position is not None,
                    "position": label_position or "right",
                },
            }
        )

    for b in buyers:
        node(b["name"], name_label(b["name"], lang), 0, "rect", 18, "top")
    for h in in_house:
        shown = f"{tr('in_house', lang)}: {name_label(h['buyer'], lang)}"
        node(h["name"], shown, 1, "diamond", size(h["revenue"]), "bottom")
    for o in orgs:
        category = 2 + origins.index(o["origin"]) if o["origin"] in origins else 4
        node(
            o["name"],
            name_label(o["name"], lang),
            category,
            "circle",
            size(o["revenue"]),
            "right" if labelled else None,
        )
    regimes = regime_colours(data)
    values = [a["value"] for a in data["arrangements"]]
    vmax = max(values, default=1.0) or 1.0
    links = []
    for o in orgs:
        for buyer in o["ties"]:
            if buyer in index:
                links.append(
                    {
                        "source": index[buyer],
                        "target": index[o["name"]],
                        "lineStyle": {
                            "type": "dashed",
                            "color": "#555555",
                            "width": 1,
                            "opacity": 0.6,
                        },
                    }
                )
    for a in data["arrangements"]:
        if a["buyer"] in index and a["provider"] in index:
            links.append(
                {
                    "source": index[a["buyer"]],
                    "target": index[a["provider"]],
                    "lineStyle": {
                        "color": regimes[a["regime"]],
                        "width": round(1 + 6 * a["value"] / vmax, 1),
                        "opacity": 0.6,
                    },
                }
            )
    return {
        "animation": False,
        "textStyle": {"fontFamily": "sans-serif"},
        "tooltip": {"confine": True},
        "legend": [
            {"data": [c["name"] for c in categories], "bottom": 0, "textStyle": {"fontSize": 11}}
        ],
        # nodes on hidden axes: symbols keep their shape whatever the chart's size
        "grid": {"left": 70, "right": 150 if labelled else 30, "top": 30, "bottom": 80},
        "xAxis": {"type": "value", "show": False, "min": -1.0, "max": right},
        "yAxis": {"type": "value", "show": False, "min": 0, "max": 1, "inverse": True},
        "series": [
            {
                "type": "graph",
                "coordinateSystem": "cartesian2d",
                "roam": False,
                "categories": categories,
                "data": nodes,
                "links": links,
                "label": {"fontSize": 11},
                "lineStyle": {"curveness": 0},
                "emphasis": {"focus": "adjacency"},
            }
        ],
    }


def regime_colours(data: dict) -> dict[str, str]:
    """A colour for each regime of the buyers and running purchases in network ``data``."""
    regimes = sorted(
        {a["regime"] for a in data["arrangements"]} | {b["regime"] for b in data["buyers"]}
    )
    return {r: REGIME_COLOURS[i % len(REGIME_COLOURS)] for i, r in enumerate(regimes)}


def regime_legend(data: dict, lang: str) -> list[tuple[str, str]]:
    """(colour, label) of each regime's links in the network chart."""
    return [(c, regime_label(r, lang)) for r, c in regime_colours(data).items()]


# -- satisfaction --
def satisfaction_data(model) -> dict:
    """Satisfaction of residents with need, split into locals and migrants (under the lock)."""
    pop = model.population
    sat = np.asarray(pop.satisfaction, dtype=float)
    ok = np.isfinite(sat)
    return {
        "month": model.steps,
        "locals": sat[ok & ~pop.migrant].copy(),
        "migrants": sat[ok & pop.migrant].copy(),
    }


BINS = 20


def satisfaction_chart(data: dict, lang: str) -> dict:
    """Satisfaction of residents with need: locals and migrants, each as a share of its group."""
    edges = [i / BINS for i in range(BINS + 1)]
    series = []
    for key, colour in (("locals", "#1f77b4"), ("migrants", "#ff7f0e")):
        x = data[key]
        counts = [0] * BINS
        for v in x:
            counts[min(int(v * BINS), BINS - 1)] += 1
        n = len(x)
        name = f"{tr(key, lang)} (n={n})"
        series.append(
            {
                "type": "bar",
                "name": name,
                "data": [rounded(c / n) if n else 0 for c in counts],
                "color": colour,
                "itemStyle": {"opacity": 0.75},
                "barGap": "0%",
                "emphasis": {"disabled": True},
            }
        )
    option = {
        "animation": False,
        "textStyle": {"fontFamily": "sans-serif"},
        "grid": {"left": 8, "right": 12, "top": 34, "bottom": 24, "containLabel": True},
        "legend": {"top": 0, "textStyle": {"fontSize": 11}},
        "tooltip": {"trigger": "axis", "confine": True},
        "xAxis": {
            "type": "category",
            "data": [f"{edges[i]:g}" for i in range(BINS)],
            "name": tr("satisfaction_axis", lang),
            "nameLocation": "middle",
            "nameGap": 24,
            "nameTextStyle": _TEXT,
            "axisLabel": {"fontSize": 10, "interval": 3},
        },
        "yAxis": {
            "type": "value",
            "min": 0,
            "max": y_range("", *[s["data"] for s in series])[1],
            "axisLabel": {"fontSize": 10},
        },
        "series": series,
    }
    if not (len(data["locals"]) or len(data["migrants"])):
        option["graphic"] = {
            "type": "text",
            "left": "center",
            "top": "middle",
            "style": {"text": tr("no_residents", lang), "fill": "#666", "fontSize": 12},
        }
    return option


# -- compare --
def compare_chart(rows: list[dict], name: str, lang: str) -> dict:
    """One outcome under every regime: the mean (bar) and its 95% interval (box)."""
    arms = list(dict.fromkeys(r["regime"] for r in rows))
    cell = {(r["regime"], r["outcome"]): r for r in rows}
    labels = [regime_label(None if a == "as_written" else a, lang) for a in arms]
    short = [lab.split(" (")[0] for lab in labels]
    means, boxes = [], []
    for i, arm in enumerate(arms):
        r = cell.get((arm, name))
        mean = rounded(r["mean"]) if r is not None else None
        colour = REGIME_COLOURS[i % len(REGIME_COLOURS)]
        means.append({"value": mean, "itemStyle": {"color": colour, "opacity": 0.75}})
        lo = rounded(r["ci_low"]) if r is not None else None
        hi = rounded(r["ci_high"]) if r is not None else None
        boxes.append([lo, lo, mean, hi, hi] if None not in (lo, hi, mean) else [])
    finite = [
        x for r in rows if r["outcome"] == name for x in (r["mean"], r["ci_high"], r["ci_low"])
    ]
    return _bars(
        short,
        y_range(name, finite),
        [
            {"type": "bar", "name": outcome_label(name, lang), "data": means, "barWidth": "55%"},
            {
                "type": "boxplot",
                "name": tr("interval", lang),
                "data": boxes,
                "boxWidth": [4, 10],
                "itemStyle": {"color": "rgba(0,0,0,0)", "borderColor": "#222", "borderWidth": 1.2},
            },
        ],
    )


def _bars(categories: list, value_range: tuple[float, float], series: list, font: int = 10):
    """A horizontal chart: one row per category, values on the x axis over ``value_range``."""
    low, high = value_range
    return {
        "animation": False,
        "textStyle": {"fontFamily": "sans-serif"},
        "grid": {"left": 6, "right": 16, "top": 8, "bottom": 4, "containLabel": True},
        "tooltip": {"trigger": "item", "confine": True},
        "xAxis": {
            "type": "value",
            "min": low,
            "max": high,
            "splitNumber": 4,
            "axisLabel": {"fontSize": font},
        },
        "yAxis": {
            "type": "category",
            "data": categories,
            "inverse": True,
            "axisLabel": {"fontSize": font},
        },
        "series": series,
    }


# -- the room (the facilitator's debrief and the projector) --
def _short_regimes(regime: str, lang: str) -> str:
    return " + ".join(regime_label(x, lang).split(" (")[0] for x in regime.split("+") if x)


def by_regime(rows: list[dict], name: str, lang: str) -> list[tuple[str, list[float]]]:
    """Each regime the room runs, with the value of ``name`` of each run (at its month)."""
    regimes = list(dict.fromkeys(r["regime"] for r in rows))
    return [
        (
            _short_regimes(reg, lang),
            [r[name] for r in rows if r["regime"] == reg and math.isfinite(r[name])],
        )
        for reg in regimes
    ]


def against_rule(rows: list[dict], name: str, lang: str) -> list[tuple[str, list[float]]]:
    """The finished games of "Play the buyer": the participants' values of ``name`` and the
    automatic rule's under the same seeds."""
    done = [r for r in rows if r.get("game") == "finished"]
    out = []
    for key, label in (("you", "room_players"), ("rule", "col_rule")):
        values = [r.get(f"{key}_{name}", math.nan) for r in done]
        out.append((tr(label, lang), [v for v in values if math.isfinite(v)]))
    return out


def spread_chart(groups: list[tuple[str, list[float]]], name: str, lang: str, font: int = 10):
    """One outcome across the room: a row per group (a regime, or the players and the rule),
    each value as a dot (no name: the projector shows this chart) and their mean as a bar.
    ``font``: the axis labels' size (larger on the projector)."""
    bars, dots = [], []
    for i, (_, values) in enumerate(groups):
        colour = REGIME_COLOURS[i % len(REGIME_COLOURS)]
        mean = rounded(sum(values) / len(values)) if values else None
        bars.append({"value": mean, "itemStyle": {"color": colour, "opacity": 0.45}})
        dots.extend([rounded(v), i] for v in values)
    return _bars(
        [label for label, _ in groups],
        y_range(name, [v for _, values in groups for v in values]),
        [
            {"type": "bar", "name": tr("room_mean", lang), "data": bars, "barWidth": "55%"},
            {
                "type": "scatter",
                "name": tr("room_runs", lang),
                "data": dots,
                "symbolSize": max(8, font - 2),
                "itemStyle": {"color": "#222", "opacity": 0.8},
            },
        ],
        font,
    )
