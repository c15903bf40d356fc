"""Sobol and Morris indices (SALib) per outcome and swept combination, with intervals."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sim.output import title

from .designs import problem
from .seeds import design_seed
from .spec import Spec
from .tables import group_label, markdown_table, pyplot


def indices(spec: Spec, ok: pd.DataFrame, design: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """One row per (combination, factor): S1, ST with confidence, or Morris mu*, sigma.

    The outcome is averaged over replications at each sample point; a combination with a
    missing point (a failed run) is skipped, with the reason in column ``note``.
    """
    prob, swept = problem(spec), [f.name for f in spec.swept]
    points = design.sort_values("sample_id")
    unit = points[[f"u_{n}" for n in prob["names"]]].to_numpy()
    rows = []
    for key, group in ok.groupby(swept, sort=False) if swept else [((), ok)]:
        key = dict(zip(swept, key if isinstance(key, tuple) else (key,), strict=True))
        y = group.groupby("sample_id")[outcome].mean().reindex(points["sample_id"]).to_numpy()
        missing = int(np.isnan(y).sum())
        if missing:
            note = (
                f"skipped: {missing} of {len(y)} points have no value "
                "(failed runs, or an outcome undefined in every replication there)"
            )
            rows.append({**key, "outcome": outcome, "factor": None, "note": note})
            continue
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            res = _analyze(spec, prob, unit, y)
        for i, name in enumerate(prob["names"]):
            rows.append({**key, "outcome": outcome, "factor": name, **{k: res[k][i] for k in res}})
    return pd.DataFrame(rows)


def noise(spec: Spec, ok: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Per combination: spread of the point means the indices decompose, and the share of
    their variance that is run-to-run noise (from the replications; NaN with one).

    With noise share v the indices can explain at most 1 - v: each S1 shrinks by the factor
    1 - v and each ST gains about v, so where v is high the indices say little."""
    swept, reps = [f.name for f in spec.swept], spec.replications
    rows = []
    for key, group in ok.groupby(swept, sort=False) if swept else [((), ok)]:
        key = dict(zip(swept, key if isinstance(key, tuple) else (key,), strict=True))
        by_point = group.groupby("sample_id")[outcome]
        means = by_point.mean()
        var_means = float(means.var(ddof=1)) if means.notna().sum() > 1 else np.nan
        share = np.nan
        if reps > 1:
            within = float(by_point.var(ddof=1).mean())
            share = min(1.0, within / reps / var_means) if var_means > 0 else np.nan
        rows.append(
            {
                **key,
                "outcome": outcome,
                "mean": float(means.mean()),
                "sd_point_means": float(np.sqrt(var_means)),
                "noise_share": share,
            }
        )
    return pd.DataFrame(rows)


def _analyze(spec: Spec, prob: dict, unit: np.ndarray, y: np.ndarray) -> dict:
    seed = design_seed(spec.seed)
    if spec.design == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(prob, y, calc_second_order=spec.second_order, seed=seed)
        return {k: np.asarray(res[k]) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    from SALib.analyze import morris

    res = morris.analyze(prob, unit, y, num_levels=spec.levels, seed=seed)
    return {k: np.asarray(res[k]) for k in ("mu", "mu_star", "mu_star_conf", "sigma")}


def indices_section(
    spec: Spec, ok: pd.DataFrame, design: pd.DataFrame, outcomes: list[str], out: Path
) -> str:
    """Write ``{sobol,morris}_indices.csv`` and one bar chart per outcome; return Markdown."""

    from .analyze import _INDICES

    table = pd.concat([indices(spec, ok, design, o) for o in outcomes], ignore_index=True)
    csv = f"{spec.design}_indices.csv"
    swept = [f.name for f in spec.swept]
    columns = [*swept, "outcome", "factor", *_INDICES[spec.design], "note"]
    table.reindex(columns=columns).to_csv(out / csv, index=False)  # the declared columns
    spread = pd.concat([noise(spec, ok, o) for o in outcomes], ignore_index=True)
    if spec.design == "sobol" and "S1" in table:
        sums = table.groupby([*swept, "outcome"], sort=False)["S1"].sum(min_count=1)
        spread = spread.merge(sums.rename("sum_S1").reset_index(), how="left")
    elif spec.design == "sobol":  # every combination skipped: the column, empty
        spread["sum_S1"] = np.nan
    spread_csv = f"{spec.design}_noise.csv"
    spread.to_csv(out / spread_csv, index=False)
    first, total, conf = (
        ("S1", "ST", ("S1_conf", "ST_conf"))
        if spec.design == "sobol"
        else ("mu_star", "sigma", ("mu_star_conf", None))
    )
    plt = pyplot()
    lines = [
        f"## {spec.design.capitalize()} indices\n",
        f"From SALib, in the unit cube of each factor's range, with 95% bootstrap intervals "
        f"([{csv}]({csv})). Outcomes are averaged over replications at each point.\n",
        f"How much there is to explain ([{spread_csv}]({spread_csv})): sd_point_means is the "
        "spread of the point means the indices decompose; noise_share the part of their "
        "variance that is run-to-run noise (within-point variance over replications, n/a with "
        "one replication). With noise share v each S1 shrinks by the factor 1 - v and each ST "
        "gains about v: where v is high the indices say little about the factors.\n",
        markdown_table(spread),
    ]
    for outcome in outcomes:
        t = table[(table["outcome"] == outcome) & table["factor"].notna()]
        if t.empty:
            continue
        labels = group_label(t, swept).to_numpy()
        groups = list(dict.fromkeys(labels))
        factors = list(dict.fromkeys(t["factor"]))
        fig, axes = plt.subplots(1, 2, figsize=(9, 0.6 + 0.45 * len(factors) * len(groups)))
        for ax, col, err in zip(axes, (first, total), conf, strict=True):
            for j, g in enumerate(groups):
                sub = t[labels == g].set_index("factor").reindex(factors)
                pos = np.arange(len(factors)) * (len(groups) + 1) + j
                xerr = sub[err].to_numpy() if err else None
                ax.barh(pos, sub[col].to_numpy(), xerr=xerr, label=str(g), capsize=2)
            ax.set_yticks(np.arange(len(factors)) * (len(groups) + 1) + (len(groups) - 1) / 2)
            ax.set_yticklabels(factors)
            ax.set_xlabel(col)
            ax.invert_yaxis()
        if len(groups) > 1:
            axes[1].legend(fontsize="x-small")
        fig.suptitle(title(outcome))
        fig.tight_layout()
        png = f"{spec.design}_{outcome}.png"
        fig.savefig(out / png, dpi=110)
        plt.close(fig)
        cols = [*swept, "factor", first, conf[0], total, *([conf[1]] if conf[1] else [])]
        lines += [f"### {outcome}\n", f"![{outcome}]({png})\n", markdown_table(t[cols])]
    skipped = table[table["factor"].isna()] if "note" in table else table.iloc[:0]
    if len(skipped):
        lines += ["Skipped:\n", markdown_table(skipped[[*swept, "outcome", "note"]])]
    return "\n".join(lines)
