"""``analyze``: indices, comparisons with intervals, response plots, PRIM discovery, report."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from sim.errors import InputError
from sim.experiments.__main__ import main
from sim.experiments.analyze import analyze
from sim.experiments.runner import run_sweep

REGIMES = """
model = "sim.experiments.testfunctions:regimes"
seed = 3
replications = 2
common_random_numbers = true
design = {{ method = "{method}", samples = {samples} }}
[factors]
regime = ["administrative_dependence", "contract"]
x = {{ low = 0.0, high = 1.0 }}
y = {{ low = 1.0, high = 100.0, dist = "loguniform" }}
"""


@pytest.fixture(scope="module")
def latin_results(tmp_path_factory):
    from sim.experiments.spec import load

    tmp = tmp_path_factory.mktemp("analyze")
    path = tmp / "regimes.toml"
    path.write_text(REGIMES.format(method="latin", samples=300))
    run_sweep(load(path), tmp / "results", workers=1, progress=False)
    return tmp / "results"


def links_exist(report) -> list[str]:
    text = report.read_text()
    links = re.findall(r"\]\(([^)]+)\)", text)
    assert links and all((report.parent / link).is_file() for link in links)
    return links


def test_comparison_and_paired_differences_with_intervals(latin_results):
    report = analyze(latin_results)
    links = links_exist(report)
    assert {"comparison.csv", "differences.csv", "response_quality.png"} <= set(links)
    comp = pd.read_csv(report.parent / "comparison.csv").set_index(["regime", "outcome"])
    admin = comp.loc[("administrative_dependence", "quality")]
    assert admin["ci_low"] < 1.0 < admin["ci_high"] and admin["n"] == 600
    diff = pd.read_csv(report.parent / "differences.csv").set_index("outcome")
    # contract - admin = x - 0.6 + noise, x uniform on [0, 1]: mean -0.1, holds above 0.6
    assert diff.loc["quality", "ci_low"] < -0.1 < diff.loc["quality", "ci_high"]
    assert diff.loc["quality", "share_above"] == pytest.approx(0.4, abs=0.05)
    assert diff.loc["cost", "mean"] == 0.0  # cost does not depend on the regime
    responses = pd.read_csv(report.parent / "response_quality.csv")
    assert set(responses["group"]) == {"administrative_dependence", "contract"}


def test_discovery_finds_the_region_where_contract_wins(latin_results, tmp_path):
    report = analyze(
        latin_results, tmp_path, "contract beats administrative_dependence on quality", 0.95
    )
    text = report.read_text()
    assert "## Scenario discovery" in text and "coverage" in text and "density" in text
    box = pd.read_csv(tmp_path / "discovery_box.csv").set_index("factor")
    assert list(box.index) == ["x"]  # y is irrelevant
    assert box.loc["x", "low"] == pytest.approx(0.6, abs=0.05)
    trajectory = pd.read_csv(tmp_path / "discovery_trajectory.csv")
    assert {"coverage", "density", "mass"} <= set(trajectory.columns)
    links_exist(report)


def test_discovery_lower_is_better_and_bad_comparisons(latin_results, tmp_path):
    report = analyze(latin_results, tmp_path, "contract < administrative_dependence on quality")
    box = pd.read_csv(tmp_path / "discovery_box.csv").set_index("factor")
    # holds for x < 0.6; the widest box [0, h] with density 0.6 / h >= 0.8 has h <= 0.75
    assert 0.57 <= box.loc["x", "high"] <= 0.77 and "holds at" in report.read_text()
    for bad, match in [
        ("contract wins", "allowed"),
        ("contract beats grant on quality", "no swept factor"),
        ("contract beats administrative_dependence on nope", "unknown outcome"),
    ]:
        with pytest.raises(InputError, match=match):
            analyze(latin_results, tmp_path, bad)


def test_sobol_report_per_regime_via_cli(tmp_path, capsys):
    spec = tmp_path / "sob.toml"
    spec.write_text(REGIMES.format(method="sobol", samples=64))
    out = tmp_path / "results"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    assert main(["analyze", str(out)]) == 0
    report = out / "analysis" / "report.md"
    assert f"report: {report}" in capsys.readouterr().out
    assert "sobol_quality.png" in links_exist(report)
    table = pd.read_csv(out / "analysis" / "sobol_indices.csv")
    contract = table[(table["regime"] == "contract") & (table["outcome"] == "quality")]
    st = contract.set_index("factor")["ST"]
    assert st["x"] > 0.9 and abs(st["y"]) < 0.05  # quality depends on x only under contract
    assert {"S1_conf", "ST_conf"} <= set(table.columns)


def test_analyze_needs_a_results_folder(tmp_path):
    with pytest.raises(InputError, match=r"no manifest\.json"):
        analyze(tmp_path)
