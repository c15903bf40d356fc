"""A calibration's report: which parameters the data inform, the fit, and figures."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .abc import weighted_quantile
from .targets import Calibration

#: A parameter is *informed* when its posterior 90% interval is at most this share of its
#: prior's 90% interval (both measured where the prior is uniform: the unit cube).
INFORMED_WIDTH = 0.6


def narrowing(cal: Calibration, posterior) -> list[dict]:
    """Per free parameter: posterior median and 90% interval, and its width over the prior's."""
    w = posterior["weight"].to_numpy(float)
    rows = []
    for n in cal.free:
        u = posterior[f"unit_{n}"].to_numpy(float)
        x = posterior[n].to_numpy(float)
        lo_u, hi_u = weighted_quantile(u, w, 0.05), weighted_quantile(u, w, 0.95)
        ratio = (hi_u - lo_u) / 0.9
        prior = cal.priors[n]
        rows.append(
            {
                "parameter": n,
                "prior": f"{prior.shape} [{prior.low:g}, {prior.high:g}]",
                "median": weighted_quantile(x, w, 0.5),
                "low_5": weighted_quantile(x, w, 0.05),
                "high_95": weighted_quantile(x, w, 0.95),
                "width_ratio": ratio,
                "informed": ratio <= INFORMED_WIDTH,
            }
        )
    return rows


def _fmt(x: float) -> str:
    if x != x:
        return "-"
    return f"{x:.3g}"


def write_report(out: Path, cal: Calibration, posterior, history, predictive, why: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = narrowing(cal, posterior)
    w = posterior["weight"].to_numpy(float)
    # marginals: posterior histogram by weight over the prior's range (flat where uniform)
    n = len(cal.free)
    cols = min(n, 3)
    fig, axes = plt.subplots(
        math.ceil(n / cols), cols, figsize=(4 * cols, 3 * math.ceil(n / cols)), squeeze=False
    )
    for ax, name in zip(axes.flat, cal.free, strict=False):
        prior = cal.priors[name]
        edges = prior.from_unit(np.linspace(0, 1, 21))
        ax.hist(posterior[name], bins=edges, weights=w, density=True, color="C0", alpha=0.7,
                label="posterior")  # fmt: skip
        dens = np.full(2, 1 / (prior.high - prior.low)) if prior.shape == "uniform" else None
        if dens is not None:
            ax.plot([prior.low, prior.high], dens, color="k", lw=1, label="prior")
        else:
            xs = np.geomspace(prior.low, prior.high, 100)
            ax.plot(xs, 1 / (xs * math.log(prior.high / prior.low)), color="k", lw=1,
                    label="prior")  # fmt: skip
            ax.set_xscale("log")
        ax.set_title(name, fontsize=10)
        if dens is not None:
            ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8, frameon=False)
    fig.suptitle(f"{Path(cal.label).stem}: prior and posterior marginals")
    fig.tight_layout()
    fig.savefig(out / ".marginals.png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    (out / ".marginals.png").replace(out / "marginals.png")
    # pairs of the most informed parameters
    top = [r["parameter"] for r in sorted(rows, key=lambda r: r["width_ratio"])[:4]]
    k = len(top)
    fig, axes = plt.subplots(k, k, figsize=(2.6 * k, 2.6 * k), squeeze=False)
    for i, a in enumerate(top):
        for j, b in enumerate(top):
            ax = axes[i][j]
            if i == j:
                ax.hist(posterior[a], bins=20, weights=w, color="C0")
            else:
                ax.scatter(posterior[b], posterior[a], s=6 + 300 * w, alpha=0.5, color="C0")
            if i == k - 1:
                ax.set_xlabel(b, fontsize=8)
            if j == 0:
                ax.set_ylabel(a, fontsize=8)
    fig.suptitle("posterior, most informed parameters")
    fig.tight_layout()
    fig.savefig(out / ".pairs.png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    (out / ".pairs.png").replace(out / "pairs.png")

    covered = sum(r["covered_90"] for r in predictive)
    lines = [
        f"# Calibration: {cal.description or cal.label}",
        "",
        f"Targets file `{cal.label}`; cases: {', '.join(c.scenario for c in cal.cases)}. "
        f"ABC-SMC, {len(history)} generations, "
        f"{sum(h['simulations'] for h in history)} runs; stopped because {why}.",
        "",
        "## Fit: posterior predictive check",
        "",
        f"{covered} of {len(predictive)} targets lie inside the 90% posterior predictive interval.",
        "",
        "| case | target | observed | predictive 90% interval (median) | covered | source |",
        "|---|---|---|---|---|---|",
    ]
    observed = [t.describe() for _, t in cal.targets]
    for r, obs in zip(predictive, observed, strict=True):
        lines.append(
            f"| {r['case']} | {r['target']} (`{r['measure']}`) | {obs} | "
            f"[{_fmt(r['predictive_5'])}, {_fmt(r['predictive_95'])}] "
            f"({_fmt(r['predictive_50'])}) | {'yes' if r['covered_90'] else '**no**'} | "
            f"{r['source']} |"
        )
    lines += [
        "",
        "## Parameters",
        "",
        f"*Informed*: the posterior 90% interval is at most {INFORMED_WIDTH:.0%} of the prior's "
        "(measured where the prior is uniform). The others the targets leave about as uncertain "
        "as before.",
        "",
        "| parameter | prior | posterior median | posterior 90% interval | width / prior's | "
        "informed |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['parameter']}` | {r['prior']} | {_fmt(r['median'])} | "
            f"[{_fmt(r['low_5'])}, {_fmt(r['high_95'])}] | {r['width_ratio']:.2f} | "
            f"{'**yes**' if r['informed'] else 'no'} |"
        )
    lines += [
        "",
        "## Generations",
        "",
        "| generation | tolerance | runs | accepted | acceptance | ESS |",
        "|---|---|---|---|---|---|",
    ]
    for h in history:
        eps = "∞" if h["epsilon"] is None else f"{h['epsilon']:.4g}"
        lines.append(
            f"| {h['generation']} | {eps} | {h['simulations']} | {h['accepted']} | "
            f"{h['acceptance_rate']:.1%} | {h['ess']:.0f} |"
        )
    lines += ["", "![marginals](marginals.png)", "", "![pairs](pairs.png)", ""]
    tmp = out / ".report.md.tmp"
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(out / "report.md")
