"""The dashboard's PNG downloads: matplotlib ``Figure`` objects and PNG bytes.

The page itself shows ECharts charts (``charts``) that the browser draws; these figures are
drawn only when someone downloads one.

Data is taken from a model by the ``*_data`` functions (call them under the session's lock);
the ``*_figure`` functions only draw plain data, and ``png`` renders a figure. No pyplot: every
figure is its own object, safe to draw from the server's threads.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
import warnings
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
from matplotlib import font_manager, rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim import metrics

from .charts import (  # noqa: F401  (network_data, satisfaction_data: read by the page too)
    GROUP_COLOURS,
    GROUP_PLOTS,
    GROUPS,
    ORIGIN_COLOURS,
    PER_COLUMN,
    REGIME_COLOURS,
    network_data,
    network_layout,
    satisfaction_data,
)
from .i18n import name_label, origin_label, outcome_label, regime_label, tr, unit_label

_CJK_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of a font with Chinese glyphs, registered with matplotlib, or None."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    for name in (
        "Noto Sans CJK SC",
        "Noto Sans CJK JP",
        "WenQuanYi Micro Hei",
        "WenQuanYi Zen Hei",
    ):
        if name in known:
            return name
    files = [f for f in _CJK_FILES if os.path.exists(f)]
    if not files and shutil.which("fc-match"):
        try:
            found = subprocess.run(
                ["fc-match", "-f", "%{file}", ":lang=zh"],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and os.path.exists(found) and "DejaVu" not in found:
            files = [found]
    name = None
    for path in files:  # every file (a bold face too), named by the first that loads
        try:
            font_manager.fontManager.addfont(path)
            name = name or font_manager.FontProperties(fname=path).get_name()
        except (OSError, RuntimeError, ValueError):
            continue
    return name


def plot_lang(lang: str) -> str:
    """The language figures can be drawn in: Chinese only if a Chinese font exists."""
    return lang if lang != "zh" or cjk_font() else "en"


@contextmanager
def _style():
    fonts = ["DejaVu Sans"] + ([cjk_font()] if cjk_font() else [])
    with rc_context(
        {
            "font.family": fonts,  # a list of names falls back glyph by glyph
            "axes.unicode_minus": False,
            "axes.formatter.useoffset": False,
            "font.size": 9,
            "axes.titlesize": 9,
        }
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield


def png(fig: Figure, dpi: int = 80) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _new(figsize) -> Figure:
    # no constrained layout: it doubles the time to draw, and the play timer redraws often
    with _style():
        return Figure(figsize=figsize)


def _units() -> dict[str, str]:
    return {o.name: o.unit for o in metrics.OUTCOMES}


def _plot_series(ax, values, colour, label=None, lw=1.6, ls="-"):
    y = np.asarray(values, dtype=float)
    t = np.arange(1, len(y) + 1)
    finite = np.isfinite(y)
    sparse = finite.sum() < max(2, 0.5 * len(y))
    if sparse:  # e.g. bids per tender: defined only in months with a tender
        ax.plot(t[finite], y[finite], ls="none", marker="o", ms=3.5, color=colour, label=label)
    else:
        ax.plot(t, y, color=colour, lw=lw, ls=ls, label=label)


def outcomes_figure(
    series: dict, lang: str, title: str = "", compare: dict | None = None
) -> Figure:
    """Every group in one figure (the PNG download): one row per group."""
    lang = plot_lang(lang)
    with _style():
        fig = _new((15, 11))
        rows = fig.subplots(len(GROUPS), 4, squeeze=False)
        units = _units()
        for row, group in zip(rows, GROUPS):
            names = [n for n in GROUP_PLOTS[group] if n in series]
            for ax, name in zip(row, names):
                ax.set_title(
                    f"{tr(f'group_{group}', lang)}: {outcome_label(name, lang)}", fontsize=9
                )
                ax.set_ylabel(unit_label(units.get(name, ""), lang), fontsize=7)
                ax.grid(alpha=0.3)
                if compare is not None and name in compare:
                    _plot_series(ax, compare[name], "#7f7f7f", tr("col_rule", lang), ls="--")
                _plot_series(
                    ax,
                    series.get(name, []),
                    GROUP_COLOURS[group],
                    tr("col_you", lang) if compare else None,
                )
            for ax in row[len(names) :]:
                ax.set_visible(False)
        for ax in rows[-1]:
            ax.set_xlabel(tr("month_axis", lang), fontsize=8)
        if title:
            fig.suptitle(title, fontsize=12)
        fig.subplots_adjust(left=0.05, right=0.98, top=0.93, bottom=0.06, hspace=0.45, wspace=0.25)
    return fig


# -- network --
def network_figure(data: dict, lang: str) -> Figure:
    """Buyers (squares) in the middle, their in-house units (diamonds) to the left,
    organizations (circles, coloured by origin, sized by revenue) to the right; solid lines are
    running arrangements (coloured by regime, width by value), dashed ones affiliation ties."""
    lang = plot_lang(lang)
    buyers, in_house = data["buyers"], data["in_house"]
    orgs, from_top, right = network_layout(data)
    pos = {name: (x, 1.0 - y) for name, (x, y) in from_top.items()}  # y up
    labelled = len(orgs) <= 40
    scale = 1.0 if len(orgs) <= PER_COLUMN else 0.3
    revenues = [o["revenue"] for o in orgs + in_house if o["revenue"] > 0]
    top = max(revenues, default=1.0)

    def size(rev):
        return scale * (40 + 900 * math.sqrt(max(rev, 0.0) / top)) if top > 0 else 40

    with _style():
        fig = _new((8.5, 6.0))
        ax = fig.subplots()
        ax.set_axis_off()
        regimes = sorted(
            {a["regime"] for a in data["arrangements"]} | {b["regime"] for b in buyers}
        )
        colour = {r: REGIME_COLOURS[i % len(REGIME_COLOURS)] for i, r in enumerate(regimes)}
        values = [a["value"] for a in data["arrangements"]]
        vmax = max(values, default=1.0) or 1.0
        for o in orgs:
            for buyer in o["ties"]:
                if buyer in pos:
                    (x0, y0), (x1, y1) = pos[buyer], pos[o["name"]]
                    ax.plot(
                        [x0, x1], [y0, y1], ls="--", lw=1.0, color="#555555", alpha=0.6, zorder=1
                    )
        for a in data["arrangements"]:
            if a["buyer"] in pos and a["provider"] in pos:
                (x0, y0), (x1, y1) = pos[a["buyer"]], pos[a["provider"]]
                ax.plot(
                    [x0, x1],
                    [y0, y1],
                    lw=0.8 + 5 * a["value"] / vmax,
                    color=colour[a["regime"]],
                    alpha=0.55,
                    zorder=2,
                    solid_capstyle="round",
                )
        for b in buyers:
            x, y = pos[b["name"]]
            ax.scatter([x], [y], marker="s", s=320, color="#333333", zorder=3)
            ax.annotate(
                name_label(b["name"], lang),
                (x, y),
                xytext=(0, 12),
                textcoords="offset points",
                ha="center",
                fontsize=8,
                fontweight="bold",
            )
        for h in in_house:
            x, y = pos[h["name"]]
            ax.scatter(
                [x],
                [y],
                marker="D",
                s=size(h["revenue"]),
                color=ORIGIN_COLOURS["in_house"],
                edgecolor="white",
                zorder=3,
            )
            ax.annotate(
                tr("in_house", lang),
                (x, y),
                xytext=(-10, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                fontsize=7,
            )
        for o in orgs:
            x, y = pos[o["name"]]
            ax.scatter(
                [x],
                [y],
                s=size(o["revenue"]),
                color=ORIGIN_COLOURS.get(o["origin"], "#bcbd22"),
                edgecolor="white",
                zorder=3,
            )
            if labelled:
                ax.annotate(
                    name_label(o["name"], lang),
                    (x, y),
                    xytext=(12, 0),
                    textcoords="offset points",
                    ha="left",
                    va="center",
                    fontsize=7,
                )
        ax.set_xlim(-1.9, right + 1.1)
        ax.set_ylim(-0.08, 1.08)
        handles = [
            Line2D([], [], marker="s", ls="none", color="#333333", label=tr("buyer", lang)),
            Line2D(
                [],
                [],
                marker="D",
                ls="none",
                color=ORIGIN_COLOURS["in_house"],
                label=tr("in_house", lang),
            ),
        ]
        for origin in ("founded", "grassroots", "external"):
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    ls="none",
                    color=ORIGIN_COLOURS[origin],
                    label=origin_label(origin, lang),
                )
            )
        for r in regimes:
            handles.append(
                Line2D(
                    [],
                    [],
                    color=colour[r],
                    lw=3,
                    label=f"{tr('tie_arrangement', lang)}: {regime_label(r, lang)}",
                )
            )
        handles.append(Line2D([], [], color="#555555", ls="--", label=tr("tie_affiliation", lang)))
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.01),
            ncol=2,
            fontsize=7,
            frameon=False,
        )
        ax.set_title(
            f"{tr('network_title', lang)} ({tr('at_month', lang, n=data['month'])})\n"
            f"{tr('node_size', lang)}",
            fontsize=9,
        )
        fig.subplots_adjust(left=0.01, right=0.99, top=0.92, bottom=0.2)
    return fig


# -- compare --
def compare_figure(rows: list[dict], outcomes: list[str], lang: str, title: str = "") -> Figure:
    """One panel per outcome: each regime's mean with its 95% interval."""
    lang = plot_lang(lang)
    arms = list(dict.fromkeys(r["regime"] for r in rows))
    cell = {(r["regime"], r["outcome"]): r for r in rows}
    ncol = 5
    nrow = max(1, math.ceil(len(outcomes) / ncol))
    with _style():
        fig = _new((15, 3.2 * nrow + 0.6))
        axes = list(fig.subplots(nrow, ncol, squeeze=False).flat)
        labels = [regime_label(None if a == "as_written" else a, lang) for a in arms]
        short = [lab.split(" (")[0] for lab in labels]
        for k, (ax, name) in enumerate(zip(axes, outcomes)):
            for i, arm in enumerate(arms):
                r = cell.get((arm, name))
                if r is None or not np.isfinite(r["mean"]):
                    continue
                err = None
                if np.isfinite(r["ci_low"]):
                    err = [[r["mean"] - r["ci_low"]], [r["ci_high"] - r["mean"]]]
                ax.barh(
                    i,
                    r["mean"],
                    xerr=err,
                    color=REGIME_COLOURS[i % len(REGIME_COLOURS)],
                    alpha=0.8,
                    capsize=3,
                )
            ax.set_yticks(range(len(arms)), short if k % ncol == 0 else [], fontsize=8)
            ax.invert_yaxis()
            ax.set_title(outcome_label(name, lang), fontsize=9)
            ax.tick_params(axis="x", labelsize=7)
            ax.grid(axis="x", alpha=0.3)
        for ax in axes[len(outcomes) :]:
            ax.set_visible(False)
        if title:
            fig.suptitle(title, fontsize=11)
        fig.subplots_adjust(
            left=0.11,
            right=0.98,
            top=1 - 0.7 / fig.get_figheight(),
            bottom=0.08,
            hspace=0.45,
            wspace=0.18,
        )
    return fig


def colours(png_bytes: bytes) -> tuple[int, int]:
    """(distinct colours, strongly coloured pixels) of a PNG: a blank or grey-only image has
    few of the first and none of the second. Used by the tests."""
    from PIL import Image

    img = Image.open(io.BytesIO(png_bytes)).convert("RGB")
    arr = np.asarray(img).reshape(-1, 3).astype(int)
    distinct = len(np.unique(arr[:, 0] * 65536 + arr[:, 1] * 256 + arr[:, 2]))
    saturated = int(((arr.max(axis=1) - arr.min(axis=1)) > 60).sum())
    return distinct, saturated
