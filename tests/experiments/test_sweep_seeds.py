"""Seeds: derived from the master seed and the run's key only, 63-bit, distinct."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim.experiments import designs
from sim.experiments.seeds import design_seed, run_seed


@given(st.integers(0, 2**64), st.integers(0, 300))
def test_run_seed_is_the_spawned_child_seed(master, k):
    child = np.random.SeedSequence(master).spawn(k + 1)[k]
    hi, lo = child.generate_state(2, np.uint32)
    assert run_seed(master, k) == ((int(hi) << 32) | int(lo)) >> 1


def test_seeds_are_63_bit_and_distinct():
    seeds = [run_seed(12345, k) for k in range(20_000)]
    assert len(set(seeds)) == len(seeds)
    assert all(0 <= s < 2**63 for s in seeds)
    assert run_seed(1, 0) != run_seed(2, 0)
    assert design_seed(1) != design_seed(2) and 0 <= design_seed(1) < 2**32


SPEC = """
model = "sim.experiments.testfunctions:linear"
seed = 77
replications = 3
{crn}
design = {{ method = "latin", samples = 4 }}
[factors]
regime = ["a", "b"]
x1 = {{ low = 0.0, high = 1.0 }}
"""


def test_seed_does_not_depend_on_order_or_on_what_is_skipped(make_spec):
    d = designs.build(make_spec(SPEC.format(crn="")))
    everything = {r.run_id: r.seed for r in d.runs()}
    some = {r.run_id: r.seed for r in d.runs(skip=set(range(0, d.n_runs, 2)))}
    assert all(everything[k] == s for k, s in some.items())
    assert [d.run(k).seed for k in reversed(range(d.n_runs))] == list(everything.values())[::-1]
    assert everything == {k: run_seed(77, k) for k in everything}


def test_common_random_numbers_share_seeds_across_combinations(make_spec):
    crn = designs.build(make_spec(SPEC.format(crn="common_random_numbers = true"), "crn"))
    seeds = {}
    for r in crn.runs():
        seeds.setdefault((r.sample_id, r.replication), set()).add(r.seed)
    assert all(len(s) == 1 for s in seeds.values())
    assert len({next(iter(s)) for s in seeds.values()}) == len(seeds)
    plain = designs.build(make_spec(SPEC.format(crn=""), "plain"))
    assert len({r.seed for r in plain.runs()}) == plain.n_runs
