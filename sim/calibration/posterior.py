"""Comparisons under a calibration's posterior: parameter uncertainty carried into conclusions.

``gpps compare CASE --posterior FOLDER`` runs each of ``K`` posterior draws (parameter sets drawn
by weight from the calibration's last population) ``R`` times under every regime, with common
random numbers within a draw. The comparison's intervals then carry both run-to-run randomness
and what the case's figures leave unknown. For every outcome with a better direction, each
regime's conclusion against administrative dependence is the share of draws in which the mean
paired difference over the draw's ``R`` runs favours the regime; it is **robust** when that
share is at least 0.9 (the regime is better) or at most 0.1 (administrative dependence is).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError
from ..params import PARAMS
from ..schema import Column as C
from ..schema import Table

REFERENCE = "administrative_dependence"
ROBUST = 0.9  # a conclusion is robust at a share >= ROBUST or <= NOT_ROBUST
NOT_ROBUST = 0.1

#: The table ``gpps compare --posterior`` adds (``sim.schema``).
TABLES = [
    Table(
        "robustness.csv",
        "compare --posterior",
        "With --posterior: one row per outcome with a better direction and regime.",
        (
            C("outcome", "str", "", "outcome name"),
            C("better", "str", "", "higher or lower"),
            C("regime", "str", "", "the regime compared"),
            C("reference", "str", "", "the regime it is compared with"),
            C("draws", "int", "draws", "posterior draws with a value"),
            C(
                "mean_difference",
                "float",
                "the outcome's",
                "mean paired difference, regime - reference, over draws",
            ),
            C(
                "share_favouring_regime",
                "float",
                "share of draws",
                "draws whose mean paired difference favours the regime",
            ),
            C("conclusion", "str", "", "robust (share >= 0.9 or <= 0.1) or not robust"),
        ),
    )  # fmt: skip
]


def read(ref: str):
    """The posterior population (a DataFrame with the free parameters and ``weight``) of a
    calibration folder or a ``posterior.parquet`` file, and the free parameters' names."""
    import pandas as pd

    path = Path(ref)
    if path.is_dir():
        path = path / "posterior.parquet"
    if not path.is_file():
        raise InputError(
            f"--posterior = {ref}: no such file: expected a calibration folder (with "
            "posterior.parquet) or a posterior.parquet file"
        )
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise InputError(f"--posterior = {ref}: not a readable Parquet file: {exc}") from None
    free = [c[len("unit_") :] for c in frame.columns if c.startswith("unit_")]
    missing = [n for n in free if n not in frame.columns] + (
        [] if "weight" in frame.columns else ["weight"]
    )
    if not free or missing:
        raise InputError(
            f"--posterior = {ref}: not a gpps posterior: expected columns unit_NAME, NAME "
            f"and weight{' (missing ' + ', '.join(missing) + ')' if missing else ''}"
        )
    unknown = [n for n in free if n not in PARAMS]
    if unknown:
        raise InputError(f"--posterior = {ref}: unknown parameter {unknown[0]} in the posterior")
    w = frame["weight"].to_numpy(float)
    if not (np.all(w >= 0) and w.sum() > 0):
        raise InputError(f"--posterior = {ref}: weights must be non-negative, not all zero")
    return frame, free


def draws(frame, free: list[str], n: int, seed: int) -> list[dict]:
    """``n`` parameter sets drawn by weight (with replacement), from a generator of their own
    derived from ``seed`` (a comparison's master seed, or a sweep run's seed)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(5,)))
    w = frame["weight"].to_numpy(float)
    idx = rng.choice(len(frame), size=n, p=w / w.sum())
    out = []
    for i in idx:
        row = {}
        for name in free:
            v = frame[name].iloc[i]
            row[name] = int(round(float(v))) if PARAMS[name].kind == "int" else float(v)
        out.append(row)
    return out


def robustness(comp, per_draw: int, outcomes=None) -> list[dict]:
    """Per outcome with a better direction and regime: the share of posterior draws whose
    mean paired difference against administrative dependence favours the regime."""
    from .. import metrics

    by = comp.by_arm()
    if REFERENCE not in by:
        return []
    index = {s: k // per_draw for k, s in enumerate(comp.seeds)}
    n_draws = len(comp.seeds) // per_draw
    rows = []
    for name in outcomes or metrics.OUTCOME_NAMES:
        better = metrics.BY_NAME[name].better if name in metrics.BY_NAME else None
        if better is None:
            continue
        ref = {r.seed: r.summary[name] for r in by[REFERENCE]}
        for arm, results in by.items():
            if arm == REFERENCE:
                continue
            diffs: list[list[float]] = [[] for _ in range(n_draws)]
            for r in results:
                d = r.summary[name] - ref.get(r.seed, np.nan)
                if d == d:
                    diffs[index[r.seed]].append(d)
            means = [float(np.mean(d)) for d in diffs if d]
            if not means:
                continue
            favours = [(m > 0) if better == "higher" else (m < 0) for m in means]
            share = float(np.mean(favours))
            verdict = (
                f"robust: {arm} better"
                if share >= ROBUST
                else f"robust: {REFERENCE} better"
                if share <= NOT_ROBUST
                else "not robust"
            )
            rows.append(
                {
                    "outcome": name,
                    "better": better,
                    "regime": arm,
                    "reference": REFERENCE,
                    "draws": len(means),
                    "mean_difference": float(np.mean(means)),
                    "share_favouring_regime": share,
                    "conclusion": verdict,
                }
            )
    return rows


def summary_text(rows: list[dict], ref: str | None, draws: int, per_draw: int) -> str:
    """The robustness section of ``summary.md``: over posterior draws from ``ref``, or (``ref``
    None) over groups of runs at the scenario's own values."""
    from .. import metrics

    what = "draws" if ref else "groups"
    lines = [
        "",
        "## Conclusions over the posterior" if ref else "## Conclusions over groups of runs",
        "",
        (
            f"Parameters drawn from `{ref}`: {draws} draws, {per_draw} runs each under every "
            "regime (common random numbers within a draw)."
            if ref
            else f"The scenario's own values: {draws} groups of {per_draw} runs under every "
            "regime (common random numbers), judged as posterior draws are, so that the two "
            "can be set side by side."
        )
        + " For each outcome with a better direction, the "
        f"share of {what} in which the mean paired difference against {REFERENCE} favours the "
        f"regime; **robust** when at least {ROBUST:.0%} or at most {NOT_ROBUST:.0%} of {what} "
        "agree.",
        "",
        f"| outcome | regime | mean difference | share of {what} favouring the regime | "
        "conclusion |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        label = metrics.LABELS[r["outcome"]][0] if r["outcome"] in metrics.LABELS else ""
        c = r["conclusion"]
        lines.append(
            f"| {label} (`{r['outcome']}`, {r['better']} is better) | {r['regime']} | "
            f"{r['mean_difference']:.3g} | {r['share_favouring_regime']:.2f} | "
            f"{'**' + c + '**' if c.startswith('robust') else c} |"
        )
    return "\n".join(lines) + "\n"


def console_lines(rows: list[dict], outcomes, columns: int, drawn: bool = True) -> list[str]:
    """The headline outcomes' conclusions, one short line each, for the console (over
    posterior draws, or over groups of runs if not ``drawn``)."""
    from .. import console

    what = "posterior draws" if drawn else "groups of runs"
    out = [f"Against {REFERENCE}, share of {what} favouring each regime:"]
    for r in rows:
        if r["outcome"] not in outcomes:
            continue
        text = (
            f"  {r['outcome']} ({r['better']} is better), {r['regime']}: "
            f"{r['share_favouring_regime']:.2f}, {r['conclusion']}"
        )
        out += console.wrap(text, columns)
    return out


_FRAMES: dict[str, tuple] = {}  # a worker reads each posterior once


def sweep_entry(params: dict, seed: int) -> dict[str, float]:
    """A sweep model under a posterior: ``model = "sim.calibration.posterior:sweep_entry"``
    with a held factor ``posterior = "FOLDER"`` (a calibration's folder or posterior file,
    relative to where ``gpps sweep`` runs). Each run draws the free parameters by weight with a
    generator of its own seed, so runs that share a seed (common random numbers) share the draw;
    it returns the run summary and the values drawn, as ``posterior_NAME``."""
    from ..run import run

    p = dict(params)
    ref = p.pop("posterior", None)
    if not isinstance(ref, str):
        raise InputError("factor posterior: expected a calibration folder or posterior file")
    if ref not in _FRAMES:
        _FRAMES[ref] = read(ref)
    frame, free = _FRAMES[ref]
    both = sorted(set(free) & set(p))
    if both:
        raise InputError(
            f"factor {both[0]}: also drawn from the posterior {ref}: sweep it or draw it, not both"
        )
    draw = draws(frame, free, 1, seed)[0]
    scenario = p.pop("scenario", None)
    out = dict(run(scenario, seed=seed, **p, **draw).summary)
    out.update({f"posterior_{name}": float(value) for name, value in draw.items()})
    return out
