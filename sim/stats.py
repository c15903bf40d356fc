"""The one confidence interval of a mean used everywhere results are summarised."""

from __future__ import annotations

import math

import numpy as np

#: Coverage of every interval gpps reports.
LEVEL = 0.95


#: Bootstrap resamples for intervals of bounded outcomes (a fixed generator: reproducible).
BOOTSTRAP = 4000


def mean_interval(
    values, level: float = LEVEL, bounds: tuple[float, float] | None = None
) -> tuple[float, float, float]:
    """Mean and interval of the mean of ``values`` (NaNs dropped): Student-t, or, for an
    outcome with ``bounds`` (a share, a 0-1 score), the bootstrap percentile interval, which
    stays inside the range.

    With one value the interval is undefined (NaN); with none, so is the mean.
    """
    from scipy import stats

    x = np.asarray([v for v in values if v == v], dtype=float)
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if len(x) == 1:
        return m, math.nan, math.nan
    if bounds is not None:
        rng = np.random.default_rng(len(x))
        means = x[rng.integers(len(x), size=(BOOTSTRAP, len(x)))].mean(axis=1)
        lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
        return m, max(float(lo), bounds[0]), min(float(hi), bounds[1])
    h = float(stats.t.ppf(0.5 + level / 2, len(x) - 1)) * float(x.std(ddof=1)) / math.sqrt(len(x))
    return m, m - h, m + h
