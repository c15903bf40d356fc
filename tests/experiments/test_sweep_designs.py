"""Designs: sizes, bounds and the properties each sampler promises; SALib's known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiments import designs
from sim.experiments.runner import run_sweep
from sim.experiments.sensitivity import indices
from sim.experiments.store import Store

RANGES = """
[factors]
a = { low = -2.0, high = 3.0 }
b = { low = 1, high = 1000, dist = "loguniform" }
c = { low = 2, high = 6, kind = "int" }
"""


def spec_text(design: str, reps: int = 1, extra: str = "") -> str:
    return (
        f'model = "sim.experiments.testfunctions:linear"\nseed = 11\nreplications = {reps}\n'
        f"design = {design}\n{extra}{RANGES}"
    )


def test_factorial_size_and_combinations(make_spec):
    spec = make_spec(
        """
        model = "sim.experiments.testfunctions:linear"
        seed = 5
        replications = 3
        [factors]
        x1 = [1, 2, 3]
        x2 = [10.0, 20.0]
        mode = ["a", "b"]
        noise = 0.5
        """
    )
    d = designs.build(spec)
    assert d.n_runs == 3 * 2 * 2 * 3
    runs = list(d.runs())
    assert [r.run_id for r in runs] == list(range(d.n_runs))
    combos = {(r.params["x1"], r.params["x2"], r.params["mode"]) for r in runs}
    assert len(combos) == 12
    assert all(r.params["noise"] == 0.5 for r in runs)
    for r in runs:
        assert r.run_id == (r.sample_id * 12 + r.combo_id) * 3 + r.replication


def _in_bounds(design):
    for r in design.runs():
        a, b, c = r.params["a"], r.params["b"], r.params["c"]
        assert -2.0 <= a <= 3.0 and 1 <= b <= 1000
        assert isinstance(c, int) and 2 <= c <= 6


def test_latin_hypercube_has_one_point_per_stratum(make_spec):
    n = 40
    d = designs.build(make_spec(spec_text(f'{{ method = "latin", samples = {n} }}')))
    assert d.unit.shape == (n, 3) and d.n_runs == n
    for column in d.unit.T:
        assert sorted(np.floor(column * n).astype(int)) == list(range(n))
    _in_bounds(d)


@pytest.mark.parametrize("second_order", [False, True])
def test_sobol_saltelli_size(make_spec, second_order):
    n, dims = 16, 3
    text = spec_text(
        f'{{ method = "sobol", samples = {n}, second_order = {str(second_order).lower()} }}'
    )
    d = designs.build(make_spec(text))
    assert d.n_samples == n * (2 * dims + 2 if second_order else dims + 2)
    _in_bounds(d)


def test_morris_trajectories_move_one_factor_at_a_time(make_spec):
    n, dims = 6, 3
    d = designs.build(make_spec(spec_text(f'{{ method = "morris", samples = {n}, levels = 4 }}')))
    assert d.n_samples == n * (dims + 1)
    for t in d.unit.reshape(n, dims + 1, dims):
        moved = (np.abs(np.diff(t, axis=0)) > 1e-12).sum(axis=1)
        assert list(moved) == [1] * dims
    assert set(np.round(d.unit.ravel(), 9)) <= {0.0, round(1 / 3, 9), round(2 / 3, 9), 1.0}


def test_distributions_map_the_unit_cube(make_spec):
    d = designs.build(make_spec(spec_text('{ method = "latin", samples = 400 }')))
    pts = [d.point(i) for i in range(d.n_samples)]
    cs = [p["c"] for p in pts]
    assert set(cs) == {2, 3, 4, 5, 6} and max(cs.count(v) for v in set(cs)) <= 81
    logs = np.log10([p["b"] for p in pts])
    assert abs(np.median(logs) - 1.5) < 0.1  # log-uniform on [1, 1000]: median 10**1.5


def test_lists_are_crossed_with_every_sampled_point(make_spec):
    text = spec_text('{ method = "latin", samples = 5 }', reps=2).replace(
        "[factors]", '[factors]\nregime = ["x", "y", "z"]'
    )
    d = designs.build(make_spec(text))
    assert d.n_runs == 5 * 3 * 2
    by_sample = {}
    for r in d.runs():
        by_sample.setdefault(r.sample_id, set()).add((r.params["regime"], r.params["a"]))
    for pairs in by_sample.values():
        assert {p[0] for p in pairs} == {"x", "y", "z"} and len({p[1] for p in pairs}) == 1


def test_design_is_reproducible_and_depends_on_the_seed(make_spec):
    text = spec_text('{ method = "sobol", samples = 8 }')
    a = designs.build(make_spec(text, "a")).unit
    b = designs.build(make_spec(text, "b")).unit
    c = designs.build(make_spec(text.replace("seed = 11", "seed = 12"), "c")).unit
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_sobol_indices_of_ishigami(make_spec, tmp_path):
    pi = math.pi
    spec = make_spec(
        f"""
        model = "sim.experiments.testfunctions:ishigami"
        seed = 2024
        design = {{ method = "sobol", samples = 1024 }}
        [factors]
        x1 = {{ low = {-pi}, high = {pi} }}
        x2 = {{ low = {-pi}, high = {pi} }}
        x3 = {{ low = {-pi}, high = {pi} }}
        """
    )
    run_sweep(spec, tmp_path / "ish", workers=1, progress=False)
    store = Store(tmp_path / "ish")
    table = indices(spec, store.read(), store.read_design(), "y").set_index("factor")
    assert table.loc["x1", "S1"] == pytest.approx(0.314, abs=0.07)
    assert table.loc["x2", "S1"] == pytest.approx(0.442, abs=0.07)
    assert table.loc["x3", "S1"] == pytest.approx(0.0, abs=0.07)
    assert table.loc["x3", "ST"] == pytest.approx(0.244, abs=0.07)  # analytic total index
    assert (table["S1_conf"] > 0).all()


def test_morris_elementary_effects_of_a_linear_function(make_spec, tmp_path):
    spec = make_spec(
        """
        model = "sim.experiments.testfunctions:linear"
        seed = 9
        design = { method = "morris", samples = 10, levels = 4 }
        [factors]
        x1 = { low = 0.0, high = 1.0 }
        x2 = { low = 0.0, high = 1.0 }
        x3 = { low = 0.0, high = 2.0 }
        """
    )
    run_sweep(spec, tmp_path / "m", workers=1, progress=False)
    store = Store(tmp_path / "m")
    table = indices(spec, store.read(), store.read_design(), "y").set_index("factor")
    # y = 1*x1 + 2*x2 + 3*x3; per unit of each factor's range: 1, 2, 3*2
    assert table["mu_star"].to_numpy() == pytest.approx([1.0, 2.0, 6.0])
    assert table["sigma"].to_numpy() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)
