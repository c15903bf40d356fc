"""`gpps calibrate`: run ABC-SMC for a targets file into a results folder, resumably.

The folder holds, as each generation completes (every file written whole, then renamed)::

    metadata.json          gpps version, targets, free parameters and priors, settings, scales
    history.csv            generation, tolerance, simulations, accepted, acceptance rate, ESS
    generations/gen_NNN.parquet   each population: parameters, weights, distances, simulated values
    posterior.parquet      the last complete population
    predictive.csv         per target: observed figure, 5/50/95% of the posterior predictive
    report.md, marginals.png, pairs.png

A killed calibration started again with the same command continues after its last complete
generation and ends with the same files as one that was never stopped.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import InputError
from ..experiments.executors import open_executor
from ..experiments.seeds import run_seed
from ..output import owned, write_csv
from ..schema import Column as C
from ..schema import Table
from . import abc
from .targets import Calibration

PREDICTIVE_DRAWS = 100

_POPULATION = (
    C("{parameter}", "float", "the parameter's", "each free parameter's value (integers rounded)"),
    C("{unit_parameter}", "float", "0-1", "its position in the unit cube (the prior is uniform)"),
    C("weight", "float", "share", "importance weight; the weights of a population sum to 1"),
    C("distance", "float", "distance units", "distance of its run from the targets"),
    C("{simulated}", "float", "the measure's", "each target's simulated value (target order)",
      nullable=True),
)  # fmt: skip
#: The tables ``gpps calibrate`` writes (``sim.schema``).
TABLES = [
    Table("generations/gen_{n}.parquet", "calibrate", "One population of ABC-SMC.", _POPULATION),
    Table("posterior.parquet", "calibrate", "The last complete population.", _POPULATION),
    Table(
        "history.csv",
        "calibrate",
        "One row per generation.",
        (
            C("generation", "int", "", "0 = drawn from the prior"),
            C(
                "epsilon",
                "float",
                "distance units",
                "tolerance; empty for generation 0",
                nullable=True,
            ),
            C("simulations", "int", "runs", "runs made for this generation"),
            C("accepted", "int", "particles", "particles kept"),
            C("acceptance_rate", "float", "share", "accepted / simulations"),
            C("ess", "float", "particles", "effective sample size, 1 / sum of squared weights"),
        ),
    ),  # fmt: skip
    Table(
        "predictive.csv",
        "calibrate",
        "One row per target: the posterior predictive check.",
        (
            C("case", "str", "", "the case's scenario"),
            C("target", "str", "", "the target's name"),
            C("measure", "str", "", "the measure of a run that matches it"),
            C(
                "observed_low",
                "float",
                "the measure's",
                "the observed figure, or its range's low end (empty: none)",
                nullable=True,
            ),
            C(
                "observed_high",
                "float",
                "the measure's",
                "the observed figure, or its range's high end (empty: none)",
                nullable=True,
            ),
            C(
                "predictive_5",
                "float",
                "the measure's",
                "5% quantile of the posterior predictive",
                nullable=True,
            ),
            C("predictive_50", "float", "the measure's", "median", nullable=True),
            C("predictive_95", "float", "the measure's", "95% quantile", nullable=True),
            C("covered_90", "bool", "", "whether the 90% interval meets the observed figure"),
            C("source", "str", "", "where the figure comes from"),
        ),
    ),  # fmt: skip
    Table(
        "synthetic.csv",
        "calibrate --synthetic",
        "One row per synthetic data set and free parameter.",
        (
            C("dataset", "int", "", "the data set's number"),
            C("parameter", "str", "", "the free parameter"),
            C("truth", "float", "the parameter's", "the value the data were made with"),
            C("low_5", "float", "the parameter's", "posterior 5% quantile"),
            C("high_95", "float", "the parameter's", "posterior 95% quantile"),
            C("covered", "bool", "", "whether the 90% interval holds the truth"),
            C("width_ratio", "float", "share", "posterior 90% width over the prior's"),
            C("declared_informed", "bool", "", "whether the targets file declares it informed"),
        ),
    ),
]


def _config(cal: Calibration, settings: abc.Settings) -> dict:
    return {
        "gpps_version": __version__,
        "targets_file": cal.label,
        "description": cal.description,
        "cases": [
            {
                "scenario": c.scenario,
                "steps": c.steps,
                "targets": [
                    {
                        "name": t.name,
                        "measure": t.measure,
                        "low": t.low if math.isfinite(t.low) else None,
                        "high": t.high if math.isfinite(t.high) else None,
                        "source": t.source,
                        "confidence": t.confidence,
                    }
                    for t in c.targets
                ],
            }
            for c in cal.cases
        ],
        "free": {
            n: {"shape": p.shape, "low": p.low, "high": p.high, "reason": p.reason}
            for n, p in cal.priors.items()
        },
        "settings": asdict(settings),
    }


def _replace(path: Path, write) -> None:
    """Write ``path`` through a temporary file beside it, then rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def _write_json(path: Path, data: dict) -> None:
    _replace(
        path,
        lambda p: p.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", "utf-8"),
    )


def _frame(cal: Calibration, sampler: abc.Sampler, gen: abc.Generation):
    import pandas as pd

    values = sampler.values(gen.unit) if len(gen.unit) else []
    cols: dict = {n: [v[n] for v in values] for n in cal.free}
    for k, n in enumerate(cal.free):
        cols[f"unit_{n}"] = gen.unit[:, k] if len(gen.unit) else []
    cols["weight"] = gen.weights
    cols["distance"] = gen.distances
    for k, (_, target) in enumerate(cal.targets):
        cols[f"sim_{k}_{target.measure}"] = gen.simulated[:, k] if len(gen.unit) else []
    return pd.DataFrame(cols)


def _read_generation(path: Path, cal: Calibration, t: int, eps: float, evaluations: int):
    import pandas as pd

    f = pd.read_parquet(path)
    unit = f[[f"unit_{n}" for n in cal.free]].to_numpy(float)
    sims = [c for c in f.columns if c.startswith("sim_")]
    return abc.Generation(
        t,
        eps,
        unit,
        f["weight"].to_numpy(float),
        f["distance"].to_numpy(float),
        f[sims].to_numpy(float),
        evaluations,
    )


def _progress_line(gen: abc.Generation, total: int, started: float, budget: int) -> None:
    elapsed = time.perf_counter() - started
    rate = total / elapsed if elapsed > 0 else math.nan
    eta = (budget - total) / rate if rate and rate == rate else math.nan
    print(
        f"gpps calibrate: generation {gen.t}: tolerance {gen.epsilon:.4g}, acceptance "
        f"{gen.acceptance:.1%}, ESS {gen.ess:.0f}, {total} of at most {budget} runs, "
        f"{elapsed:.0f}s elapsed" + (f", at most {eta:.0f}s left" if eta == eta else ""),
        file=sys.stderr,
        flush=True,
    )


def calibrate(
    cal: Calibration,
    out: Path,
    settings: abc.Settings,
    workers: int | None = 1,
    dask: str | None = None,
    progress: bool = True,
) -> Path:
    """Calibrate into ``out`` (resuming what a killed run of the same calibration left)."""
    out = Path(out)
    config = _config(cal, settings)
    with owned(out):
        meta_path = out / "metadata.json"
        history: list[dict] = []
        if meta_path.is_file():
            old = json.loads(meta_path.read_text("utf-8"))
            if old.get("config") != config:
                raise InputError(
                    f"--out = {out}: holds a different calibration (targets, free parameters, "
                    "priors or settings differ): expected its own folder"
                )
            if old.get("status") == "complete":
                if progress:
                    print(f"gpps calibrate: {out} is complete: nothing to do", file=sys.stderr)
                return out
            history = old.get("history", [])
        elif out.exists() and any(out.iterdir()):
            raise InputError(f"--out = {out}: folder is not empty: expected a new or empty folder")
        (out / "generations").mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with open_executor(workers, dask, model=abc.SIMULATE) as pool:
            sampler = abc.Sampler(cal, settings, pool)
            scale = None
            gen = None
            if history:  # resume after the last complete generation
                meta = json.loads(meta_path.read_text("utf-8"))
                scale = np.asarray(meta["scales"], float)
                h = history[-1]
                gen = _read_generation(
                    out / "generations" / f"gen_{h['generation']:03d}.parquet",
                    cal,
                    h["generation"],
                    h["epsilon"] if h["epsilon"] is not None else math.inf,
                    h["simulations"],
                )
                if progress:
                    print(
                        f"gpps calibrate: resuming after generation {gen.t} "
                        f"({sum(x['simulations'] for x in history)} runs done)",
                        file=sys.stderr,
                    )
            steps = abc.smc(sampler, settings, gen, scale, sum(h["simulations"] for h in history))
            while True:
                try:
                    gen, scale = next(steps)
                except StopIteration as stop:
                    why = stop.value
                    break
                path = out / "generations" / f"gen_{gen.t:03d}.parquet"
                frame = _frame(cal, sampler, gen)
                _replace(path, lambda p, f=frame: f.to_parquet(p, index=False))
                history.append(
                    {
                        "generation": gen.t,
                        "epsilon": gen.epsilon if math.isfinite(gen.epsilon) else None,
                        "simulations": gen.evaluations,
                        "accepted": len(gen.weights),
                        "acceptance_rate": gen.acceptance,
                        "ess": gen.ess,
                    }
                )
                _write_json(
                    meta_path,
                    {"config": config, "status": "running", "history": history,
                     "scales": scale.tolist()},
                )  # fmt: skip
                if progress:
                    _progress_line(gen, sum(h["simulations"] for h in history), started,
                                   settings.budget)  # fmt: skip
            predictive = posterior_predictive(cal, sampler, gen, settings)
        from .report import write_report

        _replace(out / "history.csv", lambda p: write_csv(p, history))
        posterior = _frame(cal, sampler, gen)
        _replace(out / "posterior.parquet", lambda p: posterior.to_parquet(p, index=False))
        _replace(out / "predictive.csv", lambda p: write_csv(p, predictive))
        write_report(out, cal, posterior, history, predictive, why)
        _write_json(
            meta_path,
            {"config": config, "status": "complete", "stopped_because": why, "history": history,
             "scales": scale.tolist()},
        )  # fmt: skip
    return out


def posterior_predictive(cal, sampler, gen, settings) -> list[dict]:
    """Per target: the observed figure against the 5%, 50% and 95% quantiles of new runs at
    ``PREDICTIVE_DRAWS`` parameter sets drawn from the posterior by weight (fresh seeds)."""
    rng = abc.batch_rng(settings.seed, 10_000, 0)
    idx = rng.choice(len(gen.weights), size=PREDICTIVE_DRAWS, p=gen.weights)
    seeds = [run_seed(settings.seed, 10_000, 0, i) for i in range(PREDICTIVE_DRAWS)]
    sim = sampler.run(gen.unit[idx], seeds)
    rows = []
    for k, (case, target) in enumerate(cal.targets):
        x = sim[:, k]
        x = x[np.isfinite(x)]
        q5, q50, q95 = np.quantile(x, [0.05, 0.5, 0.95]) if len(x) else (math.nan,) * 3
        covered = bool(len(x)) and q5 <= target.high and q95 >= target.low
        rows.append(
            {
                "case": case.scenario,
                "target": target.name,
                "measure": target.measure,
                "observed_low": target.low if math.isfinite(target.low) else None,
                "observed_high": target.high if math.isfinite(target.high) else None,
                "predictive_5": float(q5),
                "predictive_50": float(q50),
                "predictive_95": float(q95),
                "covered_90": covered,
                "source": target.source,
            }
        )
    return rows
