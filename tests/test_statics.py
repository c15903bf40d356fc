"""Comparative statics: each sign over 20 paired replications, for two master seeds.

A replication runs both settings with the same seed (common random numbers); the test
asserts that the 95% interval of the paired difference lies on the side the literature says.
"""

from __future__ import annotations

import pytest

from sim.regimes import REGIMES
from sim.regimes.administrative import AdministrativeDependence
from tests.helpers import paired, winning_price_ratio

C = {"regime": "contract"}
MASTERS = [11, 12]


@pytest.mark.parametrize("master", MASTERS)
def test_more_eligible_bidders_lower_the_winning_price_relative_to_the_ceiling(master):
    few = {**C, "n_independent_orgs": 1, "line_coverage": 1.0}
    many = {**C, "n_independent_orgs": 6, "line_coverage": 1.0}
    mean, lo, hi = paired(None, few, many, master, extract=winning_price_ratio)
    assert hi < 0, (mean, lo, hi)


@pytest.mark.parametrize("master", MASTERS)
def test_more_monitoring_means_less_undetected_shading(master):
    mean, lo, hi = paired(
        "shading_undetected",
        {**C, "monitoring_capacity": 0.05},
        {**C, "monitoring_capacity": 0.6},
        master,
    )
    assert hi < 0, (mean, lo, hi)


@pytest.mark.parametrize("master", MASTERS)
def test_lower_measurability_lowers_quality_under_contract(master):
    """Each part is shaded as much whatever its weight, and the part inspections check is
    shaded less: a less measurable service puts more of quality in the worse-kept part."""
    mean, lo, hi = paired(
        "quality_mean", {**C, "measurability": 0.8}, {**C, "measurability": 0.2}, master
    )
    assert hi < 0, (mean, lo, hi)


@pytest.mark.parametrize("master", MASTERS)
def test_measurability_does_not_lower_measurable_quality_under_contract(master):
    """The artefact of shading growing with the measurable share is gone: raising measurability
    from 0.5 to 1 does not lower measurable quality (paired difference not below −0.02)."""
    mean, lo, hi = paired(
        "quality_measurable", {**C, "measurability": 0.5}, {**C, "measurability": 1.0}, master
    )
    assert lo > -0.02, (mean, lo, hi)


@pytest.mark.parametrize("master", MASTERS)
def test_longer_terms_lower_tendering_cost_per_yuan(master):
    mean, lo, hi = paired(
        "tendering_cost_share",
        {**C, "contract_term_months": 6},
        {**C, "contract_term_months": 24},
        master,
    )
    assert hi < 0, (mean, lo, hi)


class _HardBudgetDesignation(AdministrativeDependence):
    """Administrative dependence with one rule changed: losses are not covered."""

    name = "test_hard_designation"
    covers_losses = False


def _designated_unit_cost(result) -> float:
    return result.summary["cost_per_hour"]


@pytest.mark.parametrize("master", MASTERS)
def test_covered_losses_raise_unit_cost(master):
    REGIMES[_HardBudgetDesignation.name] = _HardBudgetDesignation
    try:
        mean, lo, hi = paired(
            "cost_per_hour",
            {"regime": _HardBudgetDesignation.name, "post_rate": 6000.0},
            {"regime": "administrative_dependence", "post_rate": 6000.0},
            master,
        )
    finally:
        REGIMES.pop(_HardBudgetDesignation.name)
    assert lo > 0, (mean, lo, hi)


def _private_per_public(result) -> float:
    """Private donations to providers per yuan of public outlay."""
    s = result.summary
    return s["outlay_private_providers"] / s["outlay_government"]


@pytest.mark.parametrize("master", MASTERS)
def test_less_crowd_out_means_more_private_money_for_providers(master):
    """Public money cuts funded providers' fundraising (Andreoni & Payne 2011): without
    crowd-out they raise more per yuan of public money."""
    mean, lo, hi = paired(
        None, {**C, "crowd_out": 0.7}, {**C, "crowd_out": 0.0}, master, extract=_private_per_public
    )
    assert lo > 0, (mean, lo, hi)


@pytest.mark.parametrize("master", MASTERS)
def test_more_local_giving_means_fewer_single_bid_awards_in_a_thin_market(master):
    """Donations keep the sole independent's cash, and with it the lots it can finance (at the
    baseline's scale and length: the effect builds up over years of losing tenders)."""
    full = {"n_residents": 2000, "population": 100_000, "steps": 120}
    thin = {**C, **full, "n_independent_orgs": 1, "line_coverage": 1.0, "entry_rate": 0.01}
    mean, lo, hi = paired(
        "single_bid_share",
        {**thin, "donor_pool_per_capita": 0.3},
        {**thin, "donor_pool_per_capita": 3.0},
        master,
    )
    assert hi < 0, (mean, lo, hi)
