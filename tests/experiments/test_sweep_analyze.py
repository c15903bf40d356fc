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


def test_prim_box_with_an_integer_factor():
    """PRIM pastes quantile midpoints (e.g. 2.5) into an integer factor's limits; with an int64
    column pandas 2 raised TypeError there (a latin range over n_independent_orgs)."""
    import numpy as np

    from sim.experiments.discover import prim_box

    rng = np.random.default_rng(0)
    x = pd.DataFrame({"n": rng.integers(0, 9, 300), "u": rng.random(300), "v": rng.random(300)})
    y = ((x["n"] >= 3) & (x["u"] > 0.3)).to_numpy(dtype=int)
    flip = rng.random(300) < 0.1
    y[flip] = 1 - y[flip]
    found = prim_box(x, y, 0.8)
    limits = found["limits"].set_index("factor")
    assert {"n", "u"} <= set(limits.index) and "v" not in limits.index
    assert 2 <= limits.loc["n", "low"] <= 3 and 0.1 <= limits.loc["u", "low"] <= 0.4
    assert found["stats"]["density"] >= 0.8


def test_two_swept_factors_side_by_side_and_differences_per_combination(tmp_path):
    from sim.experiments.spec import load

    path = tmp_path / "two.toml"
    text = REGIMES.format(method="latin", samples=40)
    path.write_text(
        text.replace('y = { low = 1.0, high = 100.0, dist = "loguniform" }', "y = [1.0, 2.0]")
    )
    run_sweep(load(path), tmp_path / "r", workers=1, progress=False)
    report = analyze(tmp_path / "r")
    text = report.read_text()
    assert "| outcome | y | administrative_dependence | contract |" in text
    assert "comparison.png" in links_exist(report)
    diff = pd.read_csv(report.parent / "differences.csv")
    assert set(diff["y"]) == {1.0, 2.0} and (diff["n_pairs"] == 80).all()
    cost = diff[diff["outcome"] == "cost"]
    assert (cost["mean"] == 0.0).all()  # cost = y, the same under both regimes


def test_sobol_report_measures_run_to_run_noise(tmp_path):
    """y = x1 + 2 x2 + 0.5 e: the mean of 2 replications has noise variance 0.125 against
    5/12 from the factors (noise share 0.23); ``draw`` is pure noise (share 1)."""
    from sim.experiments.spec import load

    path = tmp_path / "noisy.toml"
    path.write_text(
        'model = "sim.experiments.testfunctions:linear"\nseed = 5\nreplications = 2\n'
        'design = { method = "sobol", samples = 256 }\n[factors]\n'
        "x1 = { low = 0.0, high = 1.0 }\nx2 = { low = 0.0, high = 1.0 }\nnoise = 0.5\n"
    )
    run_sweep(load(path), tmp_path / "r", workers=1, progress=False)
    report = analyze(tmp_path / "r")
    assert "sobol_noise.csv" in links_exist(report)
    spread = pd.read_csv(report.parent / "sobol_noise.csv").set_index("outcome")
    assert spread.loc["y", "noise_share"] == pytest.approx(0.125 / (5 / 12 + 0.125), abs=0.06)
    assert spread.loc["draw", "noise_share"] > 0.9
    assert spread.loc["y", "sum_S1"] == pytest.approx(1 - spread.loc["y", "noise_share"], abs=0.15)
