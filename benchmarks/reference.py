"""A plain per-resident reference of the residents' monthly update, for checking the fast path.

``experience`` and ``talk`` implement ``sim.population.Population.experience`` and ``.talk``
from their docstrings, one resident and one service line at a time, in Python floats. They
read and write the same ``Population`` arrays and never call the vectorised code, so
``tests/test_reference_residents.py`` can compare the two on the same inputs.
"""

from __future__ import annotations

import math

import numpy as np


def experience(pop, params: dict, rng: np.random.Generator) -> None:
    """Residents judge the service they got against their expectation, and may complain.

    Per resident ``i`` and line ``j``: a resident with need on a line is served if the line
    has a provider. A served resident judges ``clip(0.5 + slope × (quality + taste −
    expectation), 0, 1)``; satisfaction with the line is that judgement times the share of
    the need met (capped at 1), zero if unserved, undefined (NaN) without need. Overall
    satisfaction is the need-weighted mean over lines (undefined without any need). The
    expectation moves ``expectation_adapt`` of the way to the need-weighted mean quality
    perceived on the lines served. The opinion of a served line's provider becomes the mean
    of the old opinion and the judgement. A served resident whose judgement is below
    ``complaint_threshold`` complains with probability ``complaint_propensity``: one uniform
    draw per (resident, line), resident by resident, line by line.
    """
    n, n_lines = pop.need.shape
    slope, adapt = params["satisfaction_slope"], params["expectation_adapt"]
    threshold, propensity = params["complaint_threshold"], params["complaint_propensity"]
    line_sat = np.full((n, n_lines), math.nan)
    satisfaction = np.full(n, math.nan)
    opinion = pop.opinion.copy()
    complained = np.zeros((n, n_lines), dtype=bool)
    draws = [[rng.random() for _ in range(n_lines)] for _ in range(n)]
    for i in range(n):
        expectation = float(pop.expectation[i])
        total_need = weighted = served_need = perceived_sum = 0.0
        for j in range(n_lines):
            need = float(pop.need[i, j])
            if need <= 0:
                continue
            served = pop.provider[i, j] >= 0
            perceived = float(pop.quality[i, j]) + float(pop.taste[i])
            judged = min(max(0.5 + slope * (perceived - expectation), 0.0), 1.0)
            met = min(float(pop.received[i, j]) / need, 1.0)
            sat = met * judged if served else 0.0
            line_sat[i, j] = sat
            total_need += need
            weighted += sat * need
            if served:
                served_need += need
                perceived_sum += perceived * need
                opinion[i, j] = 0.5 * pop.opinion[i, j] + 0.5 * judged
                complained[i, j] = judged < threshold and draws[i][j] < propensity
        if total_need > 0:
            satisfaction[i] = weighted / total_need
        if served_need > 0:
            pop.expectation[i] = expectation + adapt * (perceived_sum / served_need - expectation)
    pop.line_satisfaction = line_sat
    pop.satisfaction = satisfaction
    pop.opinion = opinion
    pop.complained = complained


def talk(pop, weight: float) -> None:
    """Word of mouth: opinions move toward those of neighbours who share the provider.

    Per resident and line: if at least one neighbour has the same provider on the line (and
    there is one), the opinion moves ``weight`` of the way to the mean of those neighbours'
    opinions of last month; everyone updates at once.
    """
    if weight <= 0:
        return
    n, n_lines = pop.opinion.shape
    old = pop.opinion
    new = old.copy()
    for i in range(n):
        neighbours = pop.network.neighbours(i).tolist()
        for j in range(n_lines):
            mine = pop.provider[i, j]
            if mine < 0:
                continue
            peers = [float(old[k, j]) for k in neighbours if pop.provider[k, j] == mine]
            if peers:
                mean = sum(peers) / len(peers)
                new[i, j] = (1 - weight) * old[i, j] + weight * mean
    pop.opinion = new
