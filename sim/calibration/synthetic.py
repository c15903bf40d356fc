"""Identifiability on synthetic data: can a calibration find parameters that are known?

For each of ``datasets`` data sets, true values of the free parameters are drawn from their
priors, the case is run once at them (its own seed), and the run's measures replace the
observed figures as point targets. The calibration then runs as usual (``engine.calibrate``,
one folder per data set, each resumable). Reported per parameter: how often the posterior
90% interval covers the truth, and the posterior's width over the prior's.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from ..experiments.executors import open_executor
from ..experiments.seeds import run_seed
from ..output import write_csv
from . import abc
from .engine import calibrate
from .report import narrowing
from .targets import Calibration


def with_observed(cal: Calibration, observed) -> Calibration:
    """``cal`` with every target replaced by the point value ``observed`` (target order)."""
    it = iter(float(x) for x in observed)
    cases = tuple(
        dataclasses.replace(
            c,
            targets=tuple(
                dataclasses.replace(t, low=(v := next(it)), high=v, source="synthetic")
                for t in c.targets
            ),
        )
        for c in cal.cases
    )
    return dataclasses.replace(cal, cases=cases, label=f"{cal.label} (synthetic)")


def check(
    cal: Calibration,
    datasets: int,
    settings: abc.Settings,
    out: Path,
    workers: int | None = 1,
    dask: str | None = None,
    progress: bool = True,
) -> list[dict]:
    """Calibrate ``datasets`` synthetic data sets; one row per data set and parameter."""
    out = Path(out)
    rows = []
    for i in range(datasets):
        rng = np.random.default_rng(np.random.SeedSequence(settings.seed, spawn_key=(3, i)))
        truth_unit = rng.random(len(cal.free))
        with open_executor(workers, dask, model=abc.SIMULATE) as pool:
            sampler = abc.Sampler(cal, settings, pool)
            truth = sampler.values(truth_unit)[0]
            observed = sampler.run(truth_unit[None, :], [run_seed(settings.seed, 3, i)])[0]
        if not np.all(np.isfinite(observed)):
            continue  # a data set the case cannot measure (e.g. no tender): not a test
        folder = calibrate(
            with_observed(cal, observed),
            out / f"dataset_{i:02d}",
            dataclasses.replace(settings, seed=run_seed(settings.seed, 4, i)),
            workers=workers,
            dask=dask,
            progress=progress,
        )
        posterior = pd.read_parquet(folder / "posterior.parquet")
        for r in narrowing(cal, posterior):
            n = r["parameter"]
            rows.append(
                {
                    "dataset": i,
                    "parameter": n,
                    "truth": truth[n],
                    "low_5": r["low_5"],
                    "high_95": r["high_95"],
                    "covered": r["low_5"] <= truth[n] <= r["high_95"],
                    "width_ratio": r["width_ratio"],
                    "declared_informed": n in cal.informed,
                }
            )
    write_csv(out / "synthetic.csv", rows)
    return rows


def summary(cal: Calibration, rows: list[dict]) -> dict:
    """Coverage over data sets (all parameters, and each), and for the parameters the targets
    file declares informed, their largest median width ratio."""
    frame = pd.DataFrame(rows)
    per = frame.groupby("parameter").agg(
        coverage=("covered", "mean"), width_median=("width_ratio", "median")
    )
    informed = per.loc[[n for n in cal.informed if n in per.index]]
    return {
        "datasets": int(frame["dataset"].nunique()),
        "coverage": float(frame["covered"].mean()),
        "per_parameter": per.reset_index().to_dict("records"),
        "informed_width_max": float(informed["width_median"].max()) if len(informed) else None,
    }
