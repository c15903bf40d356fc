"""Scenario discovery: where in factor space does a comparison hold? PRIM from EMA Workbench.

A comparison reads ``A beats B on OUTCOME`` (or ``A > B on OUTCOME``; ``A < B on OUTCOME`` for
outcomes where lower is better). ``A`` and ``B`` are two values of one swept factor (a regime).
At each sample point (and combination of the other swept factors) the outcome is averaged over
replications for A and for B; the comparison holds where A's mean is the better one. PRIM then
finds a box of factor ranges with a high share of points where it holds (density) that still
holds most of them (coverage).
"""

from __future__ import annotations

import inspect
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError

from .spec import Spec
from .tables import markdown_table, pyplot

_PATTERN = re.compile(r"^\s*(\S+)\s+(beats|>|<)\s+(\S+)\s+on\s+([A-Za-z_]\w*)\s*$")


@dataclass(frozen=True)
class Comparison:
    better: str
    worse: str
    outcome: str
    lower_is_better: bool = False

    def __str__(self) -> str:
        op = "<" if self.lower_is_better else "beats"
        return f"{self.better} {op} {self.worse} on {self.outcome}"


def parse_comparison(text: str) -> Comparison:
    m = _PATTERN.match(text)
    if not m:
        raise InputError(
            f"--discover = {text!r}: allowed: 'A beats B on OUTCOME', 'A > B on OUTCOME' "
            "or 'A < B on OUTCOME'"
        )
    a, op, b, outcome = m.groups()
    return Comparison(a, b, outcome, lower_is_better=op == "<")


def holds_table(spec: Spec, ok: pd.DataFrame, design: pd.DataFrame, cmp: Comparison):
    """Factor values per point (X) and whether the comparison holds there (y, 0 or 1)."""
    if cmp.outcome not in ok.columns:
        raise InputError(f"--discover: unknown outcome {cmp.outcome!r}")
    factor = next(
        (f for f in spec.swept if {cmp.better, cmp.worse} <= {str(v) for v in f.values}), None
    )
    if factor is None:
        swept = "; ".join(f"{f.name} = {list(f.values)}" for f in spec.swept) or "none"
        raise InputError(
            f"--discover = '{cmp}': no swept factor has both {cmp.better!r} and {cmp.worse!r} "
            f"(swept: {swept})"
        )
    others = [f.name for f in spec.swept if f.name != factor.name]
    keys = ["sample_id", *others]
    level = ok[factor.name].astype(str)
    a = ok[level == cmp.better].groupby(keys)[cmp.outcome].mean()
    b = ok[level == cmp.worse].groupby(keys)[cmp.outcome].mean()
    both = pd.concat({"a": a, "b": b}, axis=1).dropna().reset_index()
    y = (both["a"] < both["b"]) if cmp.lower_is_better else (both["a"] > both["b"])
    sampled = [f.name for f in spec.sampled]
    x = both[keys].merge(design[["sample_id", *sampled]], on="sample_id", how="left")
    x = x[[*sampled, *others]]
    for col in others:
        if not pd.api.types.is_numeric_dtype(x[col]) or x[col].dtype == bool:
            x[col] = x[col].astype(str).astype(object)
    return x.reset_index(drop=True), y.to_numpy(dtype=int), factor.name


def prim_box(x: pd.DataFrame, y: np.ndarray, threshold: float) -> dict:
    """Run PRIM for one box; pick the widest-coverage box on the trajectory that meets the
    density threshold (else the densest). Returns the box limits and its statistics."""
    # integer factors as floats: PRIM's pasting writes midpoints such as 2.5 into the box
    # limits, which pandas 2 refuses for an int64 column (TypeError)
    ints = [c for c in x.columns if pd.api.types.is_integer_dtype(x[c])]
    x = x.astype(dict.fromkeys(ints, "float64"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        if "threshold" in inspect.signature(prim.Prim).parameters:  # EMA Workbench 2.x
            p = prim.Prim(x, y, threshold=threshold, mass_min=0.05)
        else:  # EMA Workbench 3 takes no threshold
            p = prim.Prim(x, y, mass_min=0.05)
        box = p.find_box()
    traj = box.peeling_trajectory.reset_index(drop=True)
    if box.mean < threshold:
        # EMA Workbench 2.x replaces a box that misses the threshold by the whole space (a "dump
        # box" whose trajectory is the first row); 3.x returns it as found: do as 2.x did
        traj = traj.iloc[:1]
    meets = traj[traj["density"] >= threshold]
    i = int(meets["coverage"].idxmax() if len(meets) else traj["density"].idxmax())
    lims, init = box.box_lims[i], p.box_init
    limits = []
    for col in lims.columns:
        lo, hi = lims[col].iloc[0], lims[col].iloc[1]
        if lo != init[col].iloc[0] or hi != init[col].iloc[1]:
            limits.append(
                {
                    "factor": col,
                    "low": lo,
                    "high": hi,
                    "full_low": init[col].iloc[0],
                    "full_high": init[col].iloc[1],
                }
            )
    stats = traj.loc[i, ["coverage", "density", "mass", "res_dim"]].to_dict()
    return {"limits": pd.DataFrame(limits), "stats": stats, "trajectory": traj, "chosen": i}


def discover_section(
    spec: Spec, ok: pd.DataFrame, design: pd.DataFrame, text: str, threshold: float, out: Path
) -> str:
    """Write ``discovery_*.csv`` and a trade-off plot; return the Markdown section."""

    cmp = parse_comparison(text)
    x, y, factor = holds_table(spec, ok, design, cmp)
    head = [f"## Scenario discovery: {cmp}\n"]
    if len(y) == 0:
        return "\n".join([*head, "No point has successful runs of both levels.\n"])
    base = float(y.mean())
    head.append(
        f"The comparison holds at {y.sum()} of {len(y)} points ({base:.0%}), comparing "
        f"{factor} = {cmp.better} with {cmp.worse} at the same factor values, mean over "
        "replications.\n"
    )
    if base in (0.0, 1.0) or x.shape[1] == 0:
        why = "it holds everywhere or nowhere" if base in (0.0, 1.0) else "no factor varies"
        return "\n".join([*head, f"No PRIM box: {why}.\n"])
    found = prim_box(x, y, threshold)
    pd.concat([x, pd.Series(y, name="holds")], axis=1).to_csv(
        out / "discovery_points.csv", index=False
    )
    found["limits"].to_csv(out / "discovery_box.csv", index=False)
    from .analyze import TRAJECTORY

    found["trajectory"].reindex(columns=list(TRAJECTORY)).to_csv(
        out / "discovery_trajectory.csv", index=False
    )
    plt = pyplot()
    traj = found["trajectory"]
    fig, ax = plt.subplots(figsize=(5, 4))
    pts = ax.scatter(traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis", s=12)
    ax.scatter(
        *traj.loc[found["chosen"], ["coverage", "density"]],
        s=80,
        facecolors="none",
        edgecolors="red",
        label="reported box",
    )
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.legend(fontsize="small")
    fig.colorbar(pts, label="restricted dimensions")
    fig.tight_layout()
    fig.savefig(out / "discovery_tradeoff.png", dpi=110)
    plt.close(fig)
    s = found["stats"]
    head += [
        f"PRIM (EMA Workbench, density threshold {threshold:g}) box: coverage {s['coverage']:.2f}"
        f", density {s['density']:.2f}, mass {s['mass']:.2f}, {int(s['res_dim'])} restricted "
        "factors:\n",
        markdown_table(found["limits"]) if len(found["limits"]) else "(no restriction)\n",
        "Peeling trajectory: [discovery_trajectory.csv](discovery_trajectory.csv), "
        "![trade-off](discovery_tradeoff.png); box: [discovery_box.csv](discovery_box.csv); "
        "points: [discovery_points.csv](discovery_points.csv).\n",
    ]
    return "\n".join(head)
