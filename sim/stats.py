"""The one confidence interval of a mean used everywhere results are summarised."""

from __future__ import annotations

import math

import numpy as np

#: Coverage of every interval gpps reports.
LEVEL = 0.95


def mean_interval(values, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean and Student-t interval of the mean of ``values`` (NaNs dropped).

    With one value the interval is undefined (NaN); with none, so is the mean.
    """
    from scipy import stats

    x = np.asarray([v for v in values if v == v], dtype=float)
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if len(x) == 1:
        return m, math.nan, math.nan
    h = float(stats.t.ppf(0.5 + level / 2, len(x) - 1)) * float(x.std(ddof=1)) / math.sqrt(len(x))
    return m, m - h, m + h
