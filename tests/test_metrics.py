"""Outcome functions against known answers."""

from __future__ import annotations

import math
from collections import deque

import pytest

from sim import metrics
from sim.stats import mean_interval


class FakeOrg:
    core_posts = 1.0
    post_cost = 10.0

    def __init__(
        self,
        gov: dict,
        private: float,
        costs: float,
        cash: float,
        ties=(),
        drift=0.0,
        outside=0.0,
        origin="grassroots",
        founded_by=None,
    ):
        self.history = deque()
        self.month = {
            "gov": gov,
            "private": private,
            "outside": outside,
            "costs": costs,
            "designed": 0.0,
        }
        self.cash = cash
        self.ties = set(ties)
        self.drift = drift
        self.origin = origin
        self.founded_by = founded_by

    from sim.agents.organization import SocialOrganization as _S

    trailing = _S.trailing
    survival_months = _S.survival_months


def test_independence_is_measured_over_providers_and_idle_organizations_apart():
    a = FakeOrg({"buyer:x": 60.0, "buyer:y": 20.0}, 20.0, 100.0, 160.0, ties=["x"], drift=0.5)
    f = FakeOrg({"buyer:x": 90.0}, 5.0, 100.0, 10.0, origin="founded", founded_by="x", outside=5.0)
    idle = FakeOrg({}, 50.0, 50.0, 30.0, outside=10.0)
    out = metrics.independence([a, f, idle])
    # providers a (gov 80 of 100) and f (gov 90 of 100); the idle one is counted apart
    assert out["provider_gov_share_mean"] == pytest.approx((0.8 + 0.9) / 2)
    assert out["provider_gov_share_weighted"] == pytest.approx(170 / 200)
    assert out["provider_gov_share_over_90"] == pytest.approx(0.5)
    assert out["provider_founder_share_mean"] == pytest.approx(0.9)
    assert out["provider_largest_buyer_share_mean"] == pytest.approx((0.6 + 0.9) / 2)
    # diversity 1 - (0.6² + 0.2² + 0.2²) = 0.56 for a; 1 - (0.81 + 0.0025 + 0.0025) for f
    assert out["provider_revenue_diversity_mean"] == pytest.approx((0.56 + 0.185) / 2)
    assert out["provider_mission_drift_mean"] == pytest.approx(0.25)
    # a: reserves 160 / (costs 100 - private 20) = 2 months; f: 10 / 90
    assert out["provider_survival_months_median"] == pytest.approx((2.0 + 10 / 90) / 2)
    assert out["tied_org_share"] == pytest.approx(1 / 3)
    assert out["idle_orgs"] == 1
    assert out["idle_reserve_months_median"] == pytest.approx(30 / 10)  # cash / core-team cost
    assert out["idle_survival_months_median"] == pytest.approx(120.0)  # no net burn


def test_without_providers_the_provider_outcomes_are_undefined_not_zero():
    out = metrics.independence([FakeOrg({}, 5.0, 10.0, 30.0)])
    assert math.isnan(out["provider_gov_share_mean"]) and out["idle_orgs"] == 1


def test_summary_of_ratio_outcomes_is_a_ratio_of_sums_not_a_mean_of_ratios():
    series = {name: [0.0, 0.0] for name in metrics.SERIES}
    series["qa_hours"] = [10.0, 30.0]
    series["service_outlay_yuan"] = [1e4, 3e4]
    series["hours_delivered"] = [20.0, 40.0]
    series["need_total"] = [40.0, 40.0]
    s = metrics.summarise(series)
    assert s["qa_hours_per_10k_yuan"] == pytest.approx(1e4 * 40 / 4e4)
    assert s["cost_per_hour"] == pytest.approx(4e4 / 60)
    assert s["need_met_share"] == pytest.approx(0.75)
    assert math.isnan(s["bids_per_award"])  # no awards: undefined, not zero


def test_last12_and_sum_summaries():
    series = {name: [float(i) for i in range(24)] for name in metrics.SERIES}
    s = metrics.summarise(series)
    assert s["active_orgs"] == pytest.approx(sum(range(12, 24)) / 12)
    assert s["entries"] == pytest.approx(sum(range(24)))
    assert s["quality_mean"] == pytest.approx(11.5)


def test_interval_known_answer():
    m, lo, hi = mean_interval([1.0, 2.0, 3.0, 4.0])
    # mean 2.5, sd 1.2910, t(3; 0.975) = 3.182446 (tables: 3.182) → half-width 2.0543
    assert m == pytest.approx(2.5)
    assert hi - m == pytest.approx(3.182446 * 1.2909944 / 2, rel=1e-6)
    assert lo == pytest.approx(2 * m - hi)
    m1, lo1, hi1 = mean_interval([5.0, float("nan")])
    assert m1 == 5.0 and math.isnan(lo1) and math.isnan(hi1)


def test_step_outcomes_on_a_model_are_consistent():
    from sim.model import GppsModel

    m = GppsModel(rng=3, regime="contract")
    for _ in range(3):
        m.step()
    o = m.outcomes
    assert o["outlay_service"] == pytest.approx(
        o["outlay_government"] + o["outlay_private_providers"]
    )
    assert o["outlay_government"] == pytest.approx(
        o["outlay_general"] + o["outlay_lottery"] + o["outlay_earmarked"]
    )
    assert 0 <= o["need_met_share"] <= 1
    assert o["qa_hours"] <= o["hours_delivered"]
    assert 0 < o["contract_value_hhi"] <= 1
    assert set(metrics.OUTCOME_NAMES) <= set(o)


def test_outcome_names_are_unique_snake_case():
    names = metrics.OUTCOME_NAMES
    assert len(names) == len(set(names))
    assert all(n == n.lower() and " " not in n for n in names)
    assert set(metrics.HEADLINE) <= set(names)


def test_intervals_of_bounded_outcomes_stay_in_their_range():
    values = [1.0, 1.0, 1.0, 0.9]  # the t interval of this mean reaches above 1
    m, lo, hi = mean_interval(values)
    assert hi > 1
    m, lo, hi = mean_interval(values, bounds=(0.0, 1.0))
    assert 0.9 <= lo <= m <= hi <= 1.0
    assert mean_interval(values, bounds=(0.0, 1.0)) == (m, lo, hi)  # reproducible
    assert metrics.BY_NAME["need_met_share"].bounds == (0.0, 1.0)
    assert metrics.BY_NAME["satisfaction_local_migrant_gap"].bounds is None
    assert metrics.BY_NAME["cost_per_qa_hour"].bounds is None
