"""``gpps analyze``: results folder → CSV tables, PNG figures and a Markdown report.

- comparison of the swept combinations (regimes) with 95% intervals, and paired differences
  against the first level of the regime factor;
- Sobol or Morris indices with confidence intervals per outcome and combination (SALib);
- response plots: each outcome against each numeric factor, by combination;
- optionally scenario discovery with PRIM (``discover.py``).
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError, suggest
from sim.output import title
from sim.schema import Column as C
from sim.schema import Table
from sim.stats import LEVEL, mean_interval

from .discover import discover_section
from .runner import META, TRAILER
from .sensitivity import indices_section
from .spec import Spec, parse
from .store import Store
from .tables import group_label, markdown_table, pyplot

_OUTCOME = C("outcome", "str", "", "outcome name")
_STATS = (
    C("mean", "float", "the outcome's", "mean", nullable=True),
    C("sd", "float", "the outcome's", "standard deviation", nullable=True),
    C("ci_low", "float", "the outcome's", "95% t interval of the mean, low end", nullable=True),
    C("ci_high", "float", "the outcome's", "95% t interval of the mean, high end", nullable=True),
)
_SWEPT = C("{swept}", "any", "the factor's", "one column per swept factor (its level)")
_INDICES = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu", "mu_star", "mu_star_conf", "sigma"),
}
#: Columns of the PRIM trajectory (``discovery_trajectory.csv``).
TRAJECTORY = ("coverage", "density", "id", "k", "mass", "mean", "n", "res_dim")
#: The tables ``gpps analyze`` writes in ``analysis/`` (``sim.schema``).
TABLES = [
    Table(
        "analysis/comparison.csv",
        "analyze",
        "One row per combination of the swept factors and outcome, over its successful runs.",
        (_SWEPT, _OUTCOME, C("n", "int", "runs", "runs with a value"), *_STATS),
    ),
    Table(
        "analysis/differences.csv",
        "analyze",
        "Paired differences against the first level of the compared factor (regime if swept), "
        "matched on sample point, replication and the other swept factors.",
        (
            C("{compared}", "any", "", "the compared factor: the level"),
            C("{others}", "any", "", "one column per other swept factor"),
            C("reference", "any", "", "the reference level"),
            _OUTCOME,
            C("n_pairs", "int", "pairs", "matched pairs"),
            *_STATS,
            C("share_above", "float", "share", "share of pairs above 0", nullable=True),
        ),
    ),
    Table(
        "analysis/failures.csv",
        "analyze",
        "Failed runs by error (only when a run failed).",
        (C("error", "str", "", "the error"), C("runs", "int", "runs", "runs that failed with it")),
    ),
    Table(
        "analysis/response_{outcome}.csv",
        "analyze",
        "An outcome against each numeric factor: binned means per group.",
        (
            C("factor", "str", "", "the factor on the x axis"),
            C("group", "str", "", "combination of the other swept factors"),
            C("x", "float", "the factor's", "bin middle (or the value)"),
            C("n", "int", "runs", "runs in the bin"),
            *_STATS,
        ),
    ),
    Table(
        "analysis/{design}_indices.csv",
        "analyze",
        "Sobol (S1, S1_conf, ST, ST_conf) or Morris (mu, mu_star, mu_star_conf, sigma) indices "
        "per combination, outcome and sampled factor, with 95% confidence half-widths.",
        (
            _SWEPT,
            _OUTCOME,
            C("factor", "str", "", "sampled factor (empty: skipped, see note)", nullable=True),
            C("{indices}", "float", "", "the design's indices", nullable=True),
            C("note", "str", "", "why a combination was skipped", nullable=True),
        ),
    ),
    Table(
        "analysis/{design}_noise.csv",
        "analyze",
        "Per combination and outcome: spread of the point means and the share of their "
        "variance that is run-to-run noise (sum_S1 for Sobol designs).",
        (
            _SWEPT,
            _OUTCOME,
            C("mean", "float", "the outcome's", "mean of the point means", nullable=True),
            C("sd_point_means", "float", "the outcome's", "their s.d.", nullable=True),
            C("noise_share", "float", "share", "noise share of their variance", nullable=True),
            C("{sum_S1}", "float", "", "Sobol only: sum of S1", nullable=True),
        ),
    ),
    Table(
        "analysis/discovery_points.csv",
        "analyze",
        "Scenario discovery (--discover): each design point, and whether the comparison holds.",
        (
            C("{sampled_values}", "float", "the factor's", "one column per sampled factor"),
            C("holds", "int", "", "1 where the comparison holds, else 0"),
        ),
    ),
    Table(
        "analysis/discovery_box.csv",
        "analyze",
        "The PRIM box: limits of each restricted factor.",
        (
            C("factor", "str", "", "factor"),
            C("low", "float", "the factor's", "box low end"),
            C("high", "float", "the factor's", "box high end"),
            C("full_low", "float", "the factor's", "sampled range, low end"),
            C("full_high", "float", "the factor's", "sampled range, high end"),
        ),
    ),
    Table(
        "analysis/discovery_trajectory.csv",
        "analyze",
        "PRIM's peeling trajectory: one row per box.",
        tuple(C(n, "float", "", f"PRIM's {n}", nullable=True) for n in TRAJECTORY),
    ),
]


def analyze(
    results: str | Path,
    out: str | Path | None = None,
    discover: str | None = None,
    threshold: float = 0.8,
    only: list[str] | None = None,
) -> Path:
    """Write the analysis of ``results`` into ``out`` (default ``results/analysis``);
    ``only`` restricts it to some outcomes.

    Every input is checked before anything is written (``check_inputs``); the analysis is then
    written into a temporary folder that replaces ``out`` only once it is whole, so a failure
    leaves no partial analysis and an earlier one intact.
    """
    inputs = check_inputs(results, out, discover, threshold, only)
    final = inputs.out
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        _write(inputs, tmp)
        if final.exists():
            old = final.with_name(f".{final.name}.old-{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final / "report.md"


@dataclass
class Inputs:
    """What ``analyze`` reads, checked."""

    store: Store
    manifest: dict
    spec: Spec
    runs: pd.DataFrame
    design: pd.DataFrame
    outcomes: list[str]
    out: Path
    discover: str | None
    threshold: float


def check_inputs(
    results: str | Path,
    out: str | Path | None,
    discover: str | None,
    threshold: float,
    only: list[str] | None,
) -> Inputs:
    """Read and check everything ``analyze`` needs; an ``InputError`` names the file or option
    and what is wrong. Nothing is written."""
    if not (isinstance(threshold, int | float) and math.isfinite(threshold)) or not (
        0 < threshold <= 1
    ):
        raise InputError(
            f"--threshold = {threshold}: allowed: a number in (0, 1] (the share of points in "
            "PRIM's box where the comparison holds)"
        )
    cmp = None
    if discover is not None:
        from .discover import parse_comparison

        cmp = parse_comparison(discover)
    store = Store(results)
    if not store.root.is_dir():
        raise InputError(f"{store.root}: no such results folder (expected the --out of a sweep)")
    manifest = store.manifest()
    try:
        where = manifest.get("spec_path")
        spec = parse(manifest["spec"], where if isinstance(where, str) else "<spec>", False)
    except InputError as exc:
        raise InputError(f"{store.manifest_path}: key 'spec': {exc}") from None
    out = Path(out) if out is not None else store.root / "analysis"
    if out.exists() and not out.is_dir():
        raise InputError(f"--out = {out}: is a file; allowed: a folder for the analysis")
    if out.is_dir() and any(out.iterdir()) and not (out / "report.md").is_file():
        raise InputError(
            f"--out = {out}: a folder that holds something else than an analysis; allowed: a "
            "new or empty folder, or an earlier analysis (it is replaced)"
        )
    runs = store.read("runs")
    if runs.empty:
        raise InputError(f"{store.root}: no runs recorded yet; run the sweep first")
    missing = [f.name for f in spec.factors if f.mode != "held" and f.name not in runs]
    if missing:
        raise InputError(
            f"{store.root / 'runs'}: no column {missing[0]!r} (a factor of the spec in "
            f"{store.manifest_path.name}): the runs are not this sweep's"
        )
    design = store.read_design()
    _check_design(store, manifest, spec, design)
    outcomes = outcome_columns(runs, spec)
    for name in only or []:
        if name not in outcomes:
            raise InputError(
                f"--outcomes: unknown outcome {name!r}{suggest(name, outcomes)}; "
                f"allowed: {', '.join(outcomes)}"
            )
    if only is not None and not only:
        raise InputError(f"--outcomes: no outcome named; allowed: {', '.join(outcomes)}")
    outcomes = [o for o in outcomes if o in only] if only else outcomes
    if cmp is not None:
        from .discover import holds_table

        if cmp.outcome not in outcomes:
            raise InputError(
                f"--discover = '{cmp}': unknown outcome {cmp.outcome!r}"
                f"{suggest(cmp.outcome, outcomes)}; allowed: {', '.join(outcomes) or 'none'}"
            )
        holds_table(spec, runs[runs["status"] == "ok"], design, cmp)  # its factor and levels
    return Inputs(store, manifest, spec, runs, design, outcomes, out, discover, threshold)


def _check_design(store: Store, manifest: dict, spec: Spec, design: pd.DataFrame) -> None:
    """The design table matches the manifest's spec: its points and sampled columns."""
    from .preflight import n_points

    path = store.root / "design.parquet"
    points = n_points(spec)
    if len(design) != points or design["sample_id"].tolist() != list(range(points)):
        raise InputError(
            f"{path}: {len(design)} rows; expected sample_id 0 to {points - 1} ({points} points "
            f"of the {spec.design} design in {store.manifest_path.name})"
        )
    for f in spec.sampled:
        for col in (f.name, f"u_{f.name}"):
            if col not in design or not pd.api.types.is_numeric_dtype(design[col]):
                raise InputError(
                    f"{path}: no numeric column {col!r} (factor {f.name!r} of the spec in "
                    f"{store.manifest_path.name})"
                )


def _write(inputs: Inputs, out: Path) -> None:
    """Write the tables, figures and report of checked ``inputs`` into ``out``."""
    spec, runs, outcomes, manifest = inputs.spec, inputs.runs, inputs.outcomes, inputs.manifest
    ok = runs[runs["status"] == "ok"]
    swept = [f.name for f in spec.swept]

    sections = [_header(manifest, runs, outcomes)]
    sections.append(_failures(runs, out))
    if not outcomes:
        sections.append("No numeric outcomes were recorded.\n")
    else:
        sections.append(_comparison(ok, swept, outcomes, out))
        if spec.design in ("sobol", "morris"):
            sections.append(indices_section(spec, ok, inputs.design, outcomes, out))
        sections.append(_responses(spec, ok, outcomes, out))
    if inputs.discover:
        sections.append(
            discover_section(spec, ok, inputs.design, inputs.discover, inputs.threshold, out)
        )
    report = out / "report.md"
    report.write_text("\n".join(s for s in sections if s), encoding="utf-8")


def outcome_columns(runs: pd.DataFrame, spec: Spec) -> list[str]:
    """Numeric columns that are neither bookkeeping nor parameters."""
    params = {f.name for f in spec.factors} | {"scenario", "steps"}
    skip = set(META) | set(TRAILER) | params
    return [c for c in runs.columns if c not in skip and pd.api.types.is_numeric_dtype(runs[c])]


def mean_ci(values: pd.Series) -> dict:
    """n, mean, sd and a t interval for the mean."""
    v = values.dropna().to_numpy(dtype=float)
    mean, low, high = mean_interval(v)
    sd = float(v.std(ddof=1)) if len(v) > 1 else np.nan
    return {"n": len(v), "mean": mean, "sd": sd, "ci_low": low, "ci_high": high}


def _header(manifest: dict, runs: pd.DataFrame, outcomes: list[str]) -> str:
    counts = manifest.get("runs", {})
    failed = int((runs["status"] != "ok").sum())
    return (
        f"# Experiment {manifest['name']}\n\n"
        f"- spec: `{manifest.get('spec_path')}` (sha256 `{manifest['spec_hash'][:12]}`)\n"
        f"- design: {manifest['design']['method']}, {manifest['design']['points']} points x "
        f"{manifest['design']['combinations']} combinations x "
        f"{manifest['design']['replications']} replications\n"
        f"- runs: {len(runs)} recorded of {counts.get('total')}, {failed} failed; "
        f"status {manifest.get('status')}\n"
        f"- gpps {manifest['versions'].get('gpps')}, git {manifest.get('git_revision')}, "
        f"{manifest.get('started')} to {manifest.get('finished')}\n"
        f"- outcomes: {', '.join(outcomes) or 'none'}\n"
    )


def _failures(runs: pd.DataFrame, out: Path) -> str:
    bad = runs[runs["status"] != "ok"]
    if bad.empty:
        return ""
    table = bad.groupby("error").size().rename("runs").reset_index()
    table = table.sort_values("runs", ascending=False)
    table.to_csv(out / "failures.csv", index=False)
    return (
        "## Failed runs\n\n" + markdown_table(table.head(10)) + "\n[failures.csv](failures.csv)\n"
    )


def _comparison(ok: pd.DataFrame, swept: list[str], outcomes: list[str], out: Path) -> str:
    rows = []
    for key, group in ok.groupby(swept, sort=False) if swept else [((), ok)]:
        key = key if isinstance(key, tuple) else (key,)
        for outcome in outcomes:
            rows.append(
                {
                    **dict(zip(swept, key, strict=True)),
                    "outcome": outcome,
                    **mean_ci(group[outcome]),
                }
            )
    table = pd.DataFrame(rows)
    table.to_csv(out / "comparison.csv", index=False)
    column = column_factor(swept)
    text = [
        "## Comparison of combinations\n",
        f"Mean of each outcome over all runs of a combination, with a {LEVEL:.0%} t interval "
        "([comparison.csv](comparison.csv)).\n",
        markdown_table(_wide(table, swept, column)),
    ]
    figure = _comparison_figure(table, swept, column, outcomes, out)
    if figure:
        text.append(f"\n![comparison]({figure})\n")
    diffs = _differences(ok, swept, outcomes)
    if diffs is not None:
        diffs.to_csv(out / "differences.csv", index=False)
        factor = diffs.columns[0]
        text += [
            f"\nPaired differences against {factor} = {diffs['reference'].iloc[0]}, matched on "
            f"sample point, replication and the other swept factors, one row per combination "
            "of the other swept factors ([differences.csv](differences.csv)).\n",
            markdown_table(_wide(diffs, [factor, *_others(swept, factor)], factor)),
        ]
    return "\n".join(text)


def column_factor(swept: list[str]) -> str | None:
    """The swept factor whose levels are compared side by side: ``regime`` if swept."""
    if not swept:
        return None
    return "regime" if "regime" in swept else swept[-1]


def _others(swept: list[str], factor: str | None) -> list[str]:
    return [s for s in swept if s != factor]


def _wide(table: pd.DataFrame, keys: list[str], column: str | None = None) -> pd.DataFrame:
    """One row per outcome (and combination of the swept factors other than ``column``), one
    column per level of ``column`` (or per combination when ``column`` is None):
    ``mean [low, high]``."""
    rows = _others(keys, column) if column else []
    cols = [column] if column else keys
    cells = table.assign(
        group=group_label(table, cols),
        cell=[_cell(*v) for v in table[["mean", "ci_low", "ci_high"]].itertuples(index=False)],
    )
    index = ["outcome", *rows]
    wide = cells.pivot_table(index=index, columns="group", values="cell", aggfunc="first")
    order = cells[index].drop_duplicates()
    rank = {o: i for i, o in enumerate(dict.fromkeys(table["outcome"]))}
    order = order.sort_values("outcome", key=lambda c: c.map(rank), kind="stable")
    wide = wide.reindex(
        index=pd.MultiIndex.from_frame(order) if rows else order["outcome"],
        columns=list(dict.fromkeys(cells["group"])),
    )
    return wide.reset_index().rename_axis(columns=None).fillna("n/a")


def _cell(mean: float, low: float, high: float) -> str:
    if np.isnan(mean):
        return "n/a"
    return f"{mean:.4g}" if np.isnan(low) else f"{mean:.4g} [{low:.4g}, {high:.4g}]"


def _differences(ok: pd.DataFrame, swept: list[str], outcomes: list[str]) -> pd.DataFrame | None:
    """Level minus reference level of the regime factor, paired run by run, for each
    combination of the other swept factors."""
    if not swept:
        return None
    factor = column_factor(swept)
    levels = list(dict.fromkeys(ok[factor]))
    if len(levels) < 2:
        return None
    others = _others(swept, factor)
    keys = ["sample_id", "replication", *others]
    ref = ok[ok[factor] == levels[0]].set_index(keys)
    rows = []
    for level in levels[1:]:
        other = ok[ok[factor] == level].set_index(keys)
        for outcome in outcomes:
            d = (other[outcome] - ref[outcome]).dropna()
            # one level by name, not as a list: pandas 2 warns on a length-1 list (keys
            # become tuples in pandas 3); the keys are made tuples below either way
            by = others[0] if len(others) == 1 else others
            parts = d.groupby(level=by, sort=False) if others else [((), d)]
            for key, part in parts:
                key = key if isinstance(key, tuple) else (key,)
                stats = mean_ci(part)
                rows.append(
                    {
                        factor: level,
                        **dict(zip(others, key, strict=True)),
                        "reference": levels[0],
                        "outcome": outcome,
                        "n_pairs": stats.pop("n"),
                        **stats,
                        "share_above": float((part > 0).mean()) if len(part) else np.nan,
                    }
                )
    return pd.DataFrame(rows)


def _comparison_figure(
    table: pd.DataFrame, swept: list[str], column: str | None, outcomes: list[str], out: Path
) -> str | None:
    """``comparison.png``: one panel per outcome, mean and interval of each combination, the
    levels of ``column`` side by side within each combination of the other swept factors."""
    if not swept or table.empty:
        return None
    plt = pyplot()
    others = _others(swept, column)
    levels = list(dict.fromkeys(table[column]))
    xs = list(dict.fromkeys(group_label(table, others))) if others else [""]
    ncols = min(3, len(outcomes))
    nrows = -(-len(outcomes) // ncols)
    width = max(4.0, 0.45 * len(xs) * max(1, len(levels) / 3) + 1.5)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, 3.2 * nrows), squeeze=False)
    step = 0.8 / len(levels)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        t = table[table["outcome"] == outcome]
        labels = group_label(t, others) if others else pd.Series("", index=t.index)
        for j, level in enumerate(levels):
            sub = t[t[column] == level].assign(_x=labels[t[column] == level])
            sub = sub.set_index("_x").reindex(xs)
            pos = np.arange(len(xs)) - 0.4 + step * (j + 0.5)
            m = sub["mean"].to_numpy(dtype=float)
            err = np.nan_to_num(
                np.vstack([m - sub["ci_low"].to_numpy(float), sub["ci_high"].to_numpy(float) - m])
            )
            ax.errorbar(pos, m, yerr=err, fmt="o", ms=3, capsize=2, label=str(level))
        ax.set_title(title(outcome), fontsize="small")
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)
        ax.set_xticks(np.arange(len(xs)))
        ax.set_xticklabels(
            xs, rotation=30 if others else 0, ha="right" if others else "center", fontsize="x-small"
        )
        ax.tick_params(axis="y", labelsize="x-small")
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(
        handles,
        names,
        loc="upper center",
        ncol=min(len(levels), 6),
        fontsize="small",
        title=column,
        title_fontsize="small",
    )
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / (3.2 * nrows)))
    fig.savefig(out / "comparison.png", dpi=100)
    plt.close(fig)
    return "comparison.png"


def _responses(spec: Spec, ok: pd.DataFrame, outcomes: list[str], out: Path) -> str:
    """One PNG and one CSV per outcome: binned means against each numeric factor, by group."""
    factors = [f.name for f in spec.sampled] + [
        f.name
        for f in spec.swept
        if all(isinstance(v, int | float) for v in f.values)
        and not any(isinstance(v, bool) for v in f.values)
    ]
    if not factors or ok.empty:
        return ""
    swept = [f.name for f in spec.swept]
    logs = {f.name for f in spec.sampled if f.dist == "loguniform"}
    plt = pyplot()
    lines = [
        "## Responses\n",
        "Outcome against each numeric factor, by combination "
        f"(binned means with {LEVEL:.0%} intervals).\n",
    ]
    for outcome in outcomes:
        rows = []
        fig, axes = plt.subplots(
            1, len(factors), figsize=(3.6 * len(factors), 3.2), squeeze=False, sharey=True
        )
        for ax, factor in zip(axes[0], factors, strict=True):
            others = [s for s in swept if s != factor]
            labels = group_label(ok, others)
            for label, g in ok.groupby(labels, sort=False):
                binned = _binned(g[factor], g[outcome])
                for r in binned:
                    rows.append({"factor": factor, "group": label, **r})
                line = ax.errorbar(
                    [r["x"] for r in binned],
                    [r["mean"] for r in binned],
                    yerr=_yerr(binned),
                    label=str(label),
                    marker="o",
                    ms=3,
                    capsize=2,
                )
                ax.scatter(g[factor], g[outcome], s=4, alpha=0.25, color=line[0].get_color())
            ax.set_xlabel(factor)
            if factor in logs:
                ax.set_xscale("log")
        axes[0][0].set_ylabel(title(outcome))
        for ax in axes[0]:
            ax.ticklabel_format(axis="y", style="plain", useOffset=False)
        if swept and len(ok.groupby(group_label(ok, swept))) > 1:
            axes[0][-1].legend(fontsize="x-small")
        fig.tight_layout()
        fig.savefig(out / f"response_{outcome}.png", dpi=110)
        plt.close(fig)
        pd.DataFrame(rows).to_csv(out / f"response_{outcome}.csv", index=False)
        lines.append(
            f"- {outcome}: [response_{outcome}.png](response_{outcome}.png), "
            f"[response_{outcome}.csv](response_{outcome}.csv)"
        )
    return "\n".join(lines) + "\n"


def _binned(x: pd.Series, y: pd.Series, bins: int = 8) -> list[dict]:
    # an integer factor with few values (e.g. 0-8 organizations) is shown value by value
    if x.nunique() <= bins or (pd.api.types.is_integer_dtype(x) and x.nunique() <= 3 * bins):
        groups = y.groupby(x)
    else:
        groups = y.groupby(pd.qcut(x, bins, duplicates="drop"), observed=True)
    out = []
    for key, values in groups:
        mid = key.mid if isinstance(key, pd.Interval) else key
        out.append({"x": float(mid), **mean_ci(values)})
    return out


def _yerr(binned: list[dict]) -> np.ndarray:
    m = np.array([r["mean"] for r in binned])
    lo = np.array([r["ci_low"] for r in binned])
    hi = np.array([r["ci_high"] for r in binned])
    return np.nan_to_num(np.vstack([m - lo, hi - m]))
