"""The per-step shortcuts give exactly what the plain computations they replace give.

Each shortcut (kept sums, watched ledger queries, one-pass data collection, scalar helpers in
place of numpy calls on a few numbers, sums over the pairs with need) is compared bit for bit
with the formula it replaced, on random or model-made inputs.
"""

from __future__ import annotations

import math
from collections import deque

import mesa
import numpy as np
import pytest

from sim import kernels, metrics
from sim.agents.producer import Producer, _clip
from sim.ledger import Ledger
from sim.market import _Complaints
from sim.model import GppsModel
from sim.population import Population
from tests.helpers import batch_run, forget_model, scenario


def _same(a: float, b: float) -> bool:
    """Equal as numbers and in the sign of zero, or both NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


# -- the ledger -------------------------------------------------------------------------------
def _scan(led: Ledger, src: str = "", dst: str = "", kind: str = "") -> float:
    """``Ledger.flow`` as it was: a scan of every flow of the step."""
    return sum(
        v
        for (s, d, k), v in led.flows.items()
        if s.startswith(src) and d.startswith(dst) and k.startswith(kind)
    )


QUERIES = [
    ("buyer:", "", ""),
    ("buyer:", "", "lapse"),
    ("donors", "", ""),
    ("", "governance:", ""),
    ("", "", "governance:contract:tendering"),
    ("fund:general", "", "appropriation"),
    ("", "org:", "pay"),
]


def test_watched_flow_queries_add_the_same_flows_in_the_same_order():
    rng = np.random.default_rng(5)
    accounts = ["buyer:a", "buyer:b", "donors", "fund:general", "org:1", "org:2", "governance:a"]
    kinds = ["lapse", "appropriation", "governance:contract:tendering", "payment:x", "wages"]
    led = Ledger()
    for step in range(1, 6):
        led.begin_step(step)
        for i in range(300):
            src, dst = rng.choice(accounts, 2, replace=False)
            amount = float(rng.lognormal(3, 2)) * (0 if i % 37 == 0 else 1)
            led.transfer(str(src), str(dst), amount, str(rng.choice(kinds)))
            if i % 50 == 0:  # queries asked first in mid-step, then again
                for q in QUERIES[: 1 + (i // 50 + step) % len(QUERIES)]:
                    assert _same(led.flow(*q), _scan(led, *q))
        for q in QUERIES + [("", "", ""), ("nobody", "", "")]:
            assert _same(led.flow(*q), _scan(led, *q)), q
    led.flows[("buyer:a", "org:9", "payment:z")] += 5.0  # written other than by a transfer
    for q in QUERIES:
        assert _same(led.flow(*q), _scan(led, *q)), q
    led.begin_step(99)
    assert led.flow("buyer:") == 0


# -- organizations' trailing twelve months ----------------------------------------------------
class _Books(Producer):
    def __init__(self):
        self.history = deque(maxlen=12)
        self.month = {}
        self.new_month()


def _plain_trailing(p) -> dict:
    months = list(p.history) + [p.month]
    gov: dict[str, float] = {}
    for m in months:
        for k, v in m["gov"].items():
            gov[k] = gov.get(k, 0.0) + v
    total = {"private": 0.0, "costs": 0.0, "designed": 0.0, "outside": 0.0}
    for m in months:  # month by month, oldest first (not sum(): compensated from Python 3.12)
        for k in total:
            total[k] += m[k]
    return {"gov": gov, **total, "months": len(months)}


def test_trailing_keeps_the_past_months_sums_and_sees_a_changed_history():
    rng = np.random.default_rng(2)
    p = _Books()
    for _ in range(30):
        p.new_month()
        for _ in range(int(rng.integers(0, 6))):
            source = str(rng.choice(["private", "outside", "buyer:a", "buyer:b", "buyer:c"]))
            p.record_revenue(source, float(rng.lognormal(5, 2)), float(rng.random()))
            assert p.trailing() == _plain_trailing(p)
            p.month["costs"] += float(rng.lognormal(5, 2))
            assert p.trailing() == _plain_trailing(p)
    p.history[-1] = {
        "gov": {"buyer:z": 1.0},
        "private": 2.0,
        "outside": 1.5,
        "costs": 3.0,
        "designed": 0.5,
    }
    assert p.trailing() == _plain_trailing(p)
    p.history.clear()
    assert p.trailing() == _plain_trailing(p)


# -- scalar helpers in place of numpy on a few numbers ----------------------------------------
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-300, -5e-324, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("bounds", [(0.0, 1.0), (0.5, 2.0), (0.0, 120.0)])
def test_clip_is_numpys_clip(bounds):
    values = SPECIAL + list(np.random.default_rng(1).uniform(-3, 130, 500))
    for x in values:
        for v in (float(x), np.float64(x)):
            assert _same(_clip(v, *bounds), float(np.clip(v, *bounds))), v


def test_small_sums_means_medians_and_deviations_are_numpys():
    rng = np.random.default_rng(3)
    for n in range(1, 21):
        for _ in range(200):
            x = list(rng.normal(size=n) * 10.0 ** rng.uniform(-8, 8, size=n))
            assert _same(metrics._sum(x), float(np.sum(x)))
            assert _same(metrics._mean(x), float(np.mean(x)))
            assert _same(metrics._median(x), float(np.median(x)))
            assert _same(metrics._std(x), float(np.std(x)))
            scale = abs(float(np.sum(x))) + 1.0
            expected = float(((np.array(x) / scale) ** 2).sum())
            assert _same(metrics._sum_of_squares(x, scale), expected)
    assert math.isnan(metrics._median([1.0, math.nan, 2.0]))
    assert metrics._sum([]) == float(np.sum([]))
    for n in (1, 7, 8, 9, 1000, 44_000):
        x = rng.uniform(0, 1, size=n)
        assert _same(metrics._array_mean(x), float(x.mean()))


# -- residents --------------------------------------------------------------------------------
@pytest.mark.parametrize("blocks", [1, 250])
@pytest.mark.parametrize("unserved", [0.0, 0.3])
def test_opinion_sums_per_provider_are_the_sums(unserved, blocks):
    """Per provider, run by run: the sums bincount makes, to rounding (opinions are in [0, 1],
    so there is no cancellation), and the same counts."""
    s = scenario({}, n_residents=3000, population=15000, n_service_lines=2)
    pop = Population(s.params, s.lines, seed=5)
    rng = np.random.default_rng(5)
    # providers in blocks of consecutive residents (as lots are), or scattered (blocks of 1)
    provider = np.repeat(rng.integers(0, 7, size=(3000 // blocks, 2)), blocks, axis=0)
    provider[rng.random(provider.shape) < unserved] = -1
    pop.set_provider(slice(None), provider)
    pop.opinion[:] = rng.uniform(0, 1, size=pop.opinion.shape)
    total, count = pop.opinion_of(9)
    served = provider.ravel() >= 0
    prov, opinion = provider.ravel()[served], pop.opinion.ravel()[served]
    np.testing.assert_allclose(
        total, np.bincount(prov, weights=opinion, minlength=9), rtol=1e-12, atol=0
    )
    assert np.array_equal(count, np.bincount(prov, minlength=9))


def test_satisfied_residents_after_experience_are_the_defined_satisfactions():
    s = scenario({}, n_residents=3000, population=15000, n_service_lines=3, migrant_share=0.3)
    pop = Population(s.params, s.lines, seed=6)
    rng = np.random.default_rng(6)
    pop.set_provider(slice(None), rng.integers(-1, 4, size=pop.provider.shape))
    pop.received[:] = pop.need * rng.uniform(0, 1.3, size=pop.need.shape)
    pop.quality[:] = rng.uniform(0, 1, size=pop.need.shape)
    pop.experience(s.params, rng)
    fast, (loc, mig, communities, count) = pop.satisfied()
    pop.satisfaction = pop.satisfaction.copy()  # not the one experience left: read as it is
    plain, groups = pop.satisfied()
    every = np.flatnonzero(~np.isnan(pop.satisfaction))
    assert np.array_equal(fast, plain) and np.array_equal(plain, pop.satisfaction[every])
    for a, b in zip((loc, mig, count), groups[:2] + groups[3:]):
        assert np.array_equal(a, b)
    # one run per community (residents are numbered community by community): each sum is
    # the run's, the same numbers as bincount's to rounding
    sums = np.bincount(pop.community[every], weights=fast)
    assert len(communities.starts) == len(count)
    np.testing.assert_allclose(communities.sums(fast, len(count)), sums, rtol=1e-12, atol=0)
    np.testing.assert_allclose(groups[2].sums(plain, len(count)), sums, rtol=1e-12, atol=0)
    assert np.array_equal(fast[loc], pop.satisfaction[every[~pop.migrant[every]]])
    assert np.array_equal(fast[mig], pop.satisfaction[every[pop.migrant[every]]])
    assert np.array_equal(count, np.bincount(pop.community[every]))


def test_hours_delivered_and_quality_adjusted_are_the_sums():
    rng = np.random.default_rng(7)
    received = rng.lognormal(0, 2, size=(5000, 3)) * (rng.random((5000, 3)) < 0.3)
    quality = rng.random((5000, 3))
    every = np.arange(received.size)
    hours, adjusted = kernels.delivered(received.ravel(), quality.ravel(), every)
    assert hours == pytest.approx(received.sum(), rel=1e-13)
    assert adjusted == pytest.approx((received * quality).sum(), rel=1e-13)
    assert math.fsum(received.ravel()) == pytest.approx(hours, rel=1e-13)
    # over the pairs that received anything: the same sums, to the last bit (a pair that
    # received nothing adds exactly 0.0 to each)
    some = np.flatnonzero(received.ravel() > 0)
    assert kernels.delivered(received.ravel(), quality.ravel(), some) == (hours, adjusted)


@pytest.mark.parametrize("regime", ["contract", "vouchers", "administrative_dependence"])
def test_a_month_delivers_only_to_pairs_with_need(regime):
    """What ``step_outcomes`` relies on to sum hours over the pairs with need only."""
    m = GppsModel(rng=3, n_residents=1500, population=60_000, regime=regime)
    for _ in range(14):
        m.step()
        pop = m.population
        without = np.ones(pop.need.size, dtype=bool)
        without[pop.need_pairs] = False
        assert not pop.received.ravel()[without].any()
        assert np.isfinite(pop.quality).all()
        pairs = np.arange(pop.need.size)
        every = kernels.delivered(pop.received.ravel(), pop.quality.ravel(), pairs)
        assert (m.outcomes["hours_delivered"], m.outcomes["qa_hours"]) == every
    forget_model(m)


def test_reassigning_a_block_of_residents_is_reassigning_their_indices():
    s = scenario({}, n_residents=2000, population=10000, n_service_lines=2)
    pops = [Population(s.params, s.lines, seed=8) for _ in range(2)]
    rng = np.random.default_rng(8)
    start = rng.integers(0, 3, size=pops[0].provider.shape)
    for pop in pops:
        pop.set_provider(slice(None), start)
    for lo, hi, line, provider in [
        (0, 500, 0, 2),
        (100, 900, 1, 1),
        (1500, 2000, 0, 5),
        (7, 8, 1, 0),
    ]:
        block = np.arange(lo, hi)
        scattered = rng.permutation(block)  # the same residents, not in order: no block
        pops[0].reassign(block, line, provider, prior=0.25)
        pops[1].reassign(scattered, line, provider, prior=0.25)
        pops[0].unassign(block[: (hi - lo) // 3], 1 - line)
        pops[1].unassign(rng.permutation(block[: (hi - lo) // 3]), 1 - line)
        assert np.array_equal(pops[0].provider, pops[1].provider)
        assert np.array_equal(pops[0].opinion, pops[1].opinion)


def test_complaint_counts_are_count_nonzero():
    rng = np.random.default_rng(4)
    complained = rng.random((3000, 3)) < 0.01
    counts = _Complaints(complained)
    for lo, hi, line in [(0, 3000, 0), (10, 11, 1), (500, 2999, 2), (7, 7, 0)]:
        expected = np.count_nonzero(complained[lo:hi, line])
        assert counts.count(slice(lo, hi), line) == expected
    idx = np.array([3, 99, 1200])
    assert counts.count(idx, 1) == np.count_nonzero(complained[idx, 1])


def test_the_complaints_a_month_found_are_those_in_its_array():
    m = GppsModel(rng=5, n_residents=1500, population=60_000, complaint_propensity=0.5)
    found = 0
    for _ in range(24):
        m.step()
        pop = m.population
        assert np.array_equal(pop.complaint_pairs(), np.flatnonzero(pop.complained))
        found += len(pop.complaint_pairs())
    assert found > 0
    pop.complained = pop.complained.copy()  # set otherwise: read from the array
    pop.complained[0, 0] = True
    assert np.array_equal(pop.complaint_pairs(), np.flatnonzero(pop.complained))
    forget_model(m)


def test_persons_in_counts_residents_of_the_communities():
    m = GppsModel(rng=3, n_residents=500, population=2500, n_communities=5)
    pop = m.population
    for communities in ([0], [1, 3], {4, 0, 2}, range(5)):
        counts = np.bincount(pop.community, minlength=5)
        expected = float(counts[list(communities)].sum()) * pop.persons
        assert m.persons_in(communities) == expected
    forget_model(m)


# -- data collection --------------------------------------------------------------------------
def test_outcome_collector_collects_what_mesas_reporters_collect():
    m = GppsModel(rng=5, n_residents=400, population=2000, steps=14)
    plain = mesa.DataCollector(model_reporters=metrics.reporters())
    assert isinstance(m.datacollector, mesa.DataCollector)
    for _ in range(14):
        m.step()
        plain.collect(m)
    fast = m.datacollector.model_vars
    assert list(fast) == list(plain.model_vars) == metrics.SERIES
    for name in metrics.SERIES:
        assert len(fast[name]) == 14
        assert all(_same(a, b) for a, b in zip(fast[name], plain.model_vars[name])), name
    frame = m.datacollector.get_model_vars_dataframe()
    assert frame.shape == (14, len(metrics.SERIES))
    forget_model(m)


def test_batch_run_reads_the_collected_series():
    params = {"n_residents": 300, "population": 1500, "steps": 3}
    rows = batch_run(GppsModel, params, [1, 2], max_steps=3, display_progress=False)
    assert len(rows) == 2
    for row, seed in zip(rows, [1, 2]):
        assert set(metrics.SERIES) <= set(row)
        m = GppsModel(rng=seed, **params)
        for _ in range(3):
            m.step()
        last = {name: values[-1] for name, values in m.datacollector.model_vars.items()}
        assert all(_same(row[name], last[name]) for name in metrics.SERIES)
        assert row["need_total"] > 0
        # the last collected row: Mesa 3.3 names it by index, Mesa >= 3.4 by model time
        assert row["Step"] == (3.0 if hasattr(m.datacollector, "_collection_steps") else 2)
        forget_model(m)


@pytest.mark.parametrize("buffered", [False, True])
def test_draws_at_few_positions_are_the_full_draws_with_the_same_state_after(buffered):
    from sim.population import _draws_at

    for seed, k in [(1, 0), (2, 1), (3, 7), (4, 150), (5, 5000)]:  # the last: all drawn
        full, few = np.random.default_rng(seed), np.random.default_rng(seed)
        if buffered:  # a bounded 32-bit draw leaves half a 64-bit output buffered
            full.integers(0, 10), few.integers(0, 10)
        size = 200_000
        where = np.sort(np.random.default_rng(seed + 99).choice(size, k, replace=False))
        assert np.array_equal(_draws_at(few, where, size), full.random(size).take(where))
        assert few.bit_generator.state == full.bit_generator.state
        assert few.integers(0, 10**9) == full.integers(0, 10**9)
    other, same = (np.random.Generator(np.random.MT19937(7)) for _ in range(2))
    where = np.array([5, 70, 900])
    assert np.array_equal(_draws_at(other, where, 1000), same.random(1000).take(where))


# -- residents made when asked for ------------------------------------------------------------
def _agents_and_outputs(m, steps: int, ask_at: int | None):
    for k in range(steps):
        if k == ask_at:
            assert len(m.agents) > len(m.residents)  # Mesa's view makes the residents
        m.step()
    ids = {t.__name__: sorted(a.unique_id for a in s) for t, s in m.agents_by_type.items()}
    out = (ids, dict(m.datacollector.model_vars), m.events)
    forget_model(m)
    return out


@pytest.mark.parametrize("ask_at", [0, 7, None])
def test_residents_made_when_asked_for_are_those_made_at_once(monkeypatch, ask_at):
    from sim.agents import Resident, resident

    params = {"n_residents": 300, "population": 1500, "steps": 20, "entry_rate": 1.0}
    params["regime"] = "contract"  # tenders, and entrants after the residents are asked for
    lazy = GppsModel(rng=4, **params)
    assert not lazy.residents.made
    got = _agents_and_outputs(lazy, 20, ask_at)
    monkeypatch.setattr(resident, "_reserve_ids", lambda model, n: False)  # made at once
    eager = GppsModel(rng=4, **params)
    assert eager.residents.made
    assert [(r.unique_id, r.index) for r in eager.residents] == [(i + 1, i) for i in range(300)]
    expected = _agents_and_outputs(eager, 20, None)
    assert got[0] == expected[0] and got[0]["Resident"] == list(range(1, 301))
    assert got[0]["SocialOrganization"][0] > 300  # other agents numbered after the residents
    assert got[2] == expected[2] and got[2]["entries"]  # the same entrants, ids alike (above)
    for name, values in expected[1].items():
        assert all(_same(a, b) for a, b in zip(got[1][name], values)), name
    one = GppsModel(rng=4, **params)
    r = one.residents[17]
    assert (
        isinstance(r, Resident)
        and r.unique_id == 18
        and r.community == one.population.community[17]
    )
    assert one.residents.made and len(one.agents_by_type[Resident]) == 300
    forget_model(one)


def test_importing_the_model_does_not_load_numba():
    import subprocess
    import sys

    code = (
        "import sys, sim.run; print('numba' in sys.modules, 'sim.kernels' in sys.modules); "
        "import sim.kernels; sim.kernels.talk; print('numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True"]  # the kernels wait for first use
    code = (
        "import sys, threading, sim.model\n"
        "models = []\n"
        "def build(seed): models.append(sim.model.GppsModel(rng=seed, n_residents=200))\n"
        "threads = [threading.Thread(target=build, args=(s,)) for s in range(4)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(len(models), 'numba' in sys.modules, type(sys.modules['sim.kernels']).__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["4", "True", "module"]  # built models load them, once


# -- the social network -----------------------------------------------------------------------
def _network_as_it_was(community, degree, cross_share, rng):
    """``build_network`` with ``np.unique`` and a lexsort of (src, dst)."""
    n = len(community)
    k = rng.poisson(degree / 2.0, size=n)
    src = np.repeat(np.arange(n, dtype=np.int64), k)
    sizes = np.bincount(community)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    c = community[src]
    within = starts[c] + np.floor(rng.random(len(src)) * sizes[c]).astype(np.int64)
    anyone = rng.integers(0, n, size=len(src))
    dst = np.where(rng.random(len(src)) < cross_share, anyone, within)
    keep = src != dst
    a, b = src[keep], dst[keep]
    pairs = np.unique(np.minimum(a, b) * n + np.maximum(a, b))
    lo, hi = pairs // n, pairs % n
    s, d = np.concatenate([lo, hi]), np.concatenate([hi, lo])
    order = np.lexsort((d, s))
    return s[order].astype(np.int32), d[order].astype(np.int32)


@pytest.mark.parametrize("n", [1, 2, 7, 300, 5000])
@pytest.mark.parametrize("seed", [1, 2])
def test_network_sorted_by_keys_is_the_lexsorted_unique_ties(n, seed):
    from sim.population import build_network
    from sim.rng import stream

    community = np.sort(np.random.default_rng(seed).integers(0, 4, n)).astype(np.int32)
    net = build_network(community, 8.0, 0.1, stream(seed, "network"))
    src, dst = _network_as_it_was(community, 8.0, 0.1, stream(seed, "network"))
    assert net.src.dtype == net.dst.dtype == np.int32
    assert np.array_equal(net.src, src) and np.array_equal(net.dst, dst)
    assert np.array_equal(np.diff(net.indptr), np.bincount(src, minlength=n))


# -- a run's summary ----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_summaries_of_all_series_at_once_are_those_of_each_series(seed):
    rng = np.random.default_rng(seed)
    names = metrics._SUMMARY_ROWS[0]
    for steps in (1, 5, 12, 13, 120, 300):
        series = {}
        for name in names:
            x = rng.lognormal(0, 3, steps) * rng.choice([1, -1], steps)
            kind = rng.integers(0, 5)
            if kind == 1:
                x[rng.random(steps) < 0.3] = np.nan
            elif kind == 2:
                x[:] = np.nan
            elif kind == 3:
                x[rng.random(steps) < 0.1] = np.inf
            elif kind == 4:
                x[-12:] = np.nan
            series[name] = x.tolist()
        together, each = metrics.summarise(series), metrics._summarise_each(series)
        assert together.keys() == each.keys()
        assert all(_same(together[k], each[k]) for k in each), steps
    uneven = {name: [1.0] * (3 if k % 2 else 4) for k, name in enumerate(names)}
    assert metrics.summarise(uneven) == metrics._summarise_each(uneven)


def test_the_ledgers_net_flows_are_the_transfers_net():
    """``Ledger.net`` (read by the check) is derived from the flows; it is each account's
    transfers in less out, up to rounding."""
    rng = np.random.default_rng(9)
    accounts = ["buyer:a", "buyer:b", "donors", "fund:general", "org:1", "org:2", "economy"]
    led = Ledger()
    led.begin_step(1)
    expected = dict.fromkeys(accounts, 0.0)
    for _ in range(500):
        src, dst = (str(a) for a in rng.choice(accounts, 2, replace=False))
        amount = float(rng.lognormal(3, 2))
        led.transfer(src, dst, amount, str(rng.choice(["wages", "payment:x", "lapse"])))
        expected[src] -= amount
        expected[dst] += amount
    net = led.net
    for account in accounts:
        assert net[account] == pytest.approx(expected[account], rel=1e-12, abs=1e-9)
