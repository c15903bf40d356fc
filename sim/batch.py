"""``batch_run``: Mesa's batch runner for the gpps model, counting and seeding as its users
expect on every Mesa version.

``mesa.batch_run(GppsModel, ...)`` works, with three surprises: on Mesa 3.3 ``max_steps=12``
runs 13 months (and labels the 13th ``Step 12``) unless the model's own ``steps`` is given; a
run without a seed draws a fresh one, so two identical calls differ (Mesa 3.3 takes seeds only
as an ``rng`` parameter); and each row holds one month's values, not the run summary that
``gpps run`` reports. ``batch_run`` here runs exactly ``max_steps`` months, takes the seeds as
``rng`` (one run per seed and combination), labels rows by month (1 = the first) and, with
``summary=True``, gives one row per run holding its run summary.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from . import metrics


def _combinations(parameters: Mapping[str, Any]) -> list[dict]:
    """Every combination of the values (a string or a scalar is one value), as Mesa makes them."""
    options = []
    for name, values in parameters.items():
        if isinstance(values, str) or not isinstance(values, Iterable):
            values = [values]
        options.append([(name, v) for v in values])
    return [dict(c) for c in itertools.product(*options)]


def batch_run(
    parameters: Mapping[str, Any],
    rng: Iterable[int],
    max_steps: int | None = None,
    data_collection_period: int = -1,
    summary: bool = False,
) -> list[dict]:
    """Run the gpps model once per seed of ``rng`` and combination of ``parameters``.

    ``max_steps`` months (the scenario's ``steps`` if ``None``). Rows are Mesa's:
    ``RunId``, ``iteration`` (the seed's index), ``Step`` (the month), the combination, ``rng``
    (the seed) and every series (``sim.metrics.SERIES``) for the months collected: the last
    (``data_collection_period=-1``) or every ``k``-th. ``summary=True`` gives instead one
    row per run with every outcome summarised over the run (``Step`` is the last month).
    """
    from .run import run

    seeds = list(rng)
    if not seeds:
        raise ValueError("rng: give at least one seed (one run per seed and combination)")
    rows = []
    run_id = 0
    for iteration, seed in enumerate(seeds):
        for kwargs in _combinations(parameters):
            given = dict(kwargs)
            scenario = given.pop("scenario", None)
            steps = max_steps if max_steps is not None else given.pop("steps", None)
            given.pop("steps", None)
            result = run(scenario, seed=int(seed), steps=steps, **given)
            months = len(result.series[metrics.SERIES[0]])
            head = {"RunId": run_id, "iteration": iteration}
            if summary:
                rows.append({**head, "Step": months, **kwargs, "rng": seed, **result.summary})
            else:
                period = months if data_collection_period == -1 else data_collection_period
                collected = list(range(period, months + 1, period))
                if not collected or collected[-1] != months:
                    collected.append(months)
                for month in collected:
                    values = {k: result.series[k][month - 1] for k in metrics.SERIES}
                    rows.append({**head, "Step": month, **kwargs, "rng": seed, **values})
            run_id += 1
    return rows
