"""Calibration (ABC-SMC): the sampler recovers a known posterior; a calibration is a pure
function of its inputs and seed, whatever the workers; a killed one resumes to the same end;
bad targets files get one line."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.calibration import abc
from sim.calibration.engine import calibrate
from sim.calibration.targets import Calibration, Case, Target, build, load
from sim.cli import main
from sim.errors import InputError
from sim.params import CASE_SETTINGS, PARAMS, PRIORS, Prior

TINY = abc.Settings(particles=12, budget=60, max_generations=3, seed=7)


class NormalMean(abc.Sampler):
    """x ~ N(theta, 1), one observation x = 0, prior theta ~ U[-5, 5]: the posterior is
    N(0, 1) truncated to [-5, 5], which ABC approaches as its tolerance falls."""

    def run(self, unit, seeds):
        theta = self.priors[0].from_unit(np.asarray(unit)[:, 0])
        noise = [np.random.default_rng(s).standard_normal() for s in seeds]
        return (theta + np.asarray(noise))[:, None]


def _toy() -> Calibration:
    case = Case("toy", None, (Target("x", "x", 0.0, 0.0, "", "seen"),))
    return Calibration("toy", "", (case,), ("theta",), {"theta": Prior("uniform", -5, 5, "")})


def test_abc_smc_recovers_a_known_posterior():
    settings = abc.Settings(particles=400, budget=20_000, max_generations=8, seed=3)
    sampler = NormalMean(_toy(), settings, pool=None)
    gens = list(abc.smc(sampler, settings))
    last = gens[-1][0]
    theta = sampler.priors[0].from_unit(last.unit[:, 0])
    mean = float(np.sum(last.weights * theta))
    sd = float(np.sqrt(np.sum(last.weights * (theta - mean) ** 2)))
    # with the final tolerance t the ABC posterior is N(0, 1) convolved with U[-t, t]
    tol = last.epsilon * abc.scales(_toy(), gens[0][0].simulated)[0]
    assert len(gens) >= 5 and tol < 0.6
    assert abs(mean) < 0.15, mean
    assert math.sqrt(1 + tol**2 / 3) * 0.85 < sd < math.sqrt(1 + tol**2 / 3) * 1.15, (sd, tol)
    assert gens[-1][0].epsilon < gens[1][0].epsilon  # tolerances fall


def test_a_target_whose_runs_do_not_vary_gets_a_finite_distance_unit():
    """Where every prior-predictive run gives the same value, a tenth of the observed figure is
    the unit, and one unit where that figure is 0 (as a synthetic data set can give): never a
    unit so small that every distance is astronomically large."""
    same = np.full((20, 1), 3.0)
    case = Case("c", None, (Target("x", "x", 6.0, 6.0, "", "seen"),))
    six = Calibration("c", "", (case,), ("theta",), {"theta": Prior("uniform", 0, 1, "")})
    assert abc.scales(six, same)[0] == pytest.approx(0.6)
    assert abc.scales(_toy(), same)[0] == 1.0
    assert abc.distances(_toy(), same, abc.scales(_toy(), same))[0] == pytest.approx(3.0)


def test_weights_undo_the_proposal():
    """A population drawn from the prior and perturbed keeps the prior in expectation: the
    weighted mean of a uniform prior's position stays near 0.5 when distances are all 0."""

    class Flat(abc.Sampler):
        def run(self, unit, seeds):
            return np.zeros((len(seeds), 1))

    settings = abc.Settings(particles=300, budget=3000, max_generations=4, seed=5)
    gens = list(abc.smc(Flat(_toy(), settings, pool=None), settings))
    last = gens[-1][0]
    u = last.unit[:, 0]
    assert abs(float(np.sum(last.weights * u)) - 0.5) < 0.05
    assert abs(float(np.sum(last.weights * (u - 0.5) ** 2)) - 1 / 12) < 0.015


def _tiny_case(tmp_path):
    text = """
description = "tiny"
free = ["bid_capacity", "capacity_share"]
[priors.capacity_share]
low = 0.03
high = 0.3
reason = "test"
[[case]]
scenario = "jiangxi_2006"
steps = 2
[[case.target]]
name = "bidders"
measure = "bidders_first_tender"
value = 9
source = "test"
confidence = "seen"
"""
    path = tmp_path / "tiny.toml"
    path.write_text(text, encoding="utf-8")
    return load(str(path))


def _posterior(folder):
    return pd.read_parquet(folder / "posterior.parquet")


def test_a_calibration_is_the_same_on_any_number_of_workers(tmp_path):
    cal = _tiny_case(tmp_path)
    one = calibrate(cal, tmp_path / "one", TINY, workers=1, progress=False)
    two = calibrate(cal, tmp_path / "two", TINY, workers=2, progress=False)
    pd.testing.assert_frame_equal(_posterior(one), _posterior(two))
    assert (one / "predictive.csv").read_text() == (two / "predictive.csv").read_text()
    assert (one / "history.csv").read_text() == (two / "history.csv").read_text()
    history = pd.read_csv(one / "history.csv")
    assert history["simulations"].sum() <= TINY.budget
    assert {"report.md", "marginals.png", "pairs.png", "metadata.json"} <= {
        p.name for p in one.iterdir()
    }


def test_a_killed_calibration_resumes_to_the_same_end(tmp_path, monkeypatch):
    cal = _tiny_case(tmp_path)
    whole = calibrate(cal, tmp_path / "whole", TINY, progress=False)
    real = abc.next_generation
    calls = {"n": 0}

    def dies_in_generation_2(*a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(abc, "next_generation", dies_in_generation_2)
    with pytest.raises(KeyboardInterrupt):
        calibrate(cal, tmp_path / "killed", TINY, progress=False)
    assert not (tmp_path / "killed" / "posterior.parquet").exists()
    assert (tmp_path / "killed" / "generations" / "gen_001.parquet").exists()
    monkeypatch.setattr(abc, "next_generation", real)
    resumed = calibrate(cal, tmp_path / "killed", TINY, progress=False)
    pd.testing.assert_frame_equal(_posterior(whole), _posterior(resumed))
    assert (whole / "report.md").read_text() == (resumed / "report.md").read_text()
    # another calibration in the same folder is refused
    other = abc.Settings(particles=12, budget=60, max_generations=3, seed=8)
    with pytest.raises(InputError, match="holds a different calibration"):
        calibrate(cal, tmp_path / "killed", other, progress=False)


def test_calibrate_command_runs_a_shipped_case_end_to_end(tmp_path, capsys):
    out = tmp_path / "jx"
    args = ["calibrate", "jiangxi_2006", "--budget", "40", "--particles", "10",
            "--generations", "2", "--workers", "2", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "posterior predictive" in text and "bidders_first_tender" in text
    assert "generation 0" in capsys.readouterr().err
    assert main(args) == 0  # complete: nothing to do, nothing lost
    assert (out / "report.md").read_text(encoding="utf-8") == text
    # every table written has its declared columns and types
    from sim.schema import find

    free = ["bid_capacity", "bid_staff_days", "capacity_share", "initial_reserve_months"]
    cal = load("jiangxi_2006")
    expand = {
        "{parameter}": free,
        "{unit_parameter}": [f"unit_{n}" for n in free],
        "{simulated}": [f"sim_{k}_{t.measure}" for k, (_, t) in enumerate(cal.targets)],
    }
    files = [
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.suffix in (".csv", ".parquet")
    ]
    assert {"history.csv", "predictive.csv", "posterior.parquet"} <= set(files)
    for name in files:
        read = pd.read_parquet if name.endswith(".parquet") else pd.read_csv
        find(name, "calibrate").check(read(out / name), expand)


GOOD = {
    "free": ["bid_capacity"],
    "case": [
        {
            "scenario": "jiangxi_2006",
            "target": [
                {"name": "x", "measure": "bidders_first_tender", "value": 9, "source": "s",
                 "confidence": "seen"}
            ],
        }
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    "change, message",
    [
        ({"fre": ["bid_capacity"]}, "unknown key (did you mean 'free'?)"),
        (
            {"free": ["bid_capacty"]},
            "free[0] = \"bid_capacty\": no prior for this parameter (did you mean 'bid_capacity'?)",
        ),
        ({"free": ["steps"]}, "no prior for this parameter"),
        ({"target": {"confidence": "recalled"}}, "only figures read in a source (seen)"),
        ({"target": {"measure": "bidders_first_tendr"}}, "(did you mean 'bidders_first_tender'?)"),
        ({"target": {"value": "nine"}}, 'value = "nine": expected a number'),
        ({"target": {"low": 3, "high": 2, "value": None}}, "give value, or low"),
        ({"priors": {"bid_capacity": {"low": 2, "high": 1, "reason": "r"}}}, "expected low < high"),
        ({"priors": {"bid_capacity": {"low": -1, "high": 1, "reason": "r"}}}, "expected a range"),
        ({"priors": {"skill": {"low": 0.1, "high": 0.9, "reason": "r"}}}, "not free"),
        ({"case": [{"scenario": "jiangxi", "target": []}]}, "did you mean 'jiangxi_2006'"),
    ],
)
def test_bad_targets_get_one_line(change, message):
    import copy

    data = copy.deepcopy(GOOD)
    for key, value in change.items():
        if key == "target":
            data["case"][0]["target"][0].update(value)
        else:
            data[key] = value
    data.pop("free") if "fre" in change else None
    with pytest.raises(InputError) as exc:
        build(data, "t.toml")
    text = str(exc.value)
    assert text.startswith("t.toml: ") and "\n" not in text and message in text, text


def test_calibrate_command_bad_input_exits_2_without_traceback(tmp_path, capsys):
    assert main(["calibrate", str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gpps calibrate: error: ") and "no such targets file" in err
    bad = tmp_path / "bad.toml"
    bad.write_text("free = [", encoding="utf-8")
    assert main(["calibrate", str(bad)]) == 2
    assert "malformed TOML" in capsys.readouterr().err


def test_every_assumed_parameter_has_a_prior_or_is_a_case_setting():
    for name, p in PARAMS.items():
        if p.kind in ("float", "int") and p.source.lower().startswith("assumption"):
            assert name in PRIORS or name in CASE_SETTINGS, name
    for name, prior in PRIORS.items():
        p = PARAMS[name]
        assert p.kind in ("float", "int") and prior.reason, name
        assert (p.low is None or p.low <= prior.low) and (p.high is None or prior.high <= p.high)
        assert prior.low <= p.default <= prior.high, name
        u = np.linspace(0, 1, 5)
        assert np.allclose(prior.to_unit(prior.from_unit(u)), u)


def test_shipped_targets_files_load_and_name_sourced_figures():
    from sim.calibration.targets import shipped

    files = shipped()
    assert {"jiangxi_2006", "shanghai_2009_tendering"} <= set(files)
    for name in files:
        cal = load(name)
        assert all(t.confidence == "seen" and t.source for _, t in cal.targets)


def test_compare_with_a_posterior_draws_parameters_and_says_which_conclusions_are_robust(
    tmp_path, capsys
):
    from sim.calibration import posterior
    from sim.schema import find

    frame = pd.DataFrame(
        {
            "shading_aversion": [0.5, 3.0],
            "unit_shading_aversion": [0.28, 0.84],
            "weight": [0.5, 0.5],
            "distance": [0.0, 0.0],
        }
    )
    post = tmp_path / "posterior.parquet"
    frame.to_parquet(post, index=False)
    out = tmp_path / "cmp"
    args = ["compare", "baseline", "--steps", "12", "--replications", "4", "--per-draw", "2",
            "--posterior", str(post), "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "4 draws × 2 runs" in text and "share of posterior draws" in text
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 8 * runs["regime"].nunique()
    # each replication's parameters come from a draw, the same in every regime
    draws = posterior.draws(frame, ["shading_aversion"], 4, 20260501)
    assert {d["shading_aversion"] for d in draws} <= {0.5, 3.0}
    robust = pd.read_csv(out / "robustness.csv")
    find("robustness.csv", "compare --posterior").check(robust)
    assert set(robust["regime"]) == set(runs["regime"]) - {"administrative_dependence"}
    assert robust["share_favouring_regime"].between(0, 1).all()
    for _, r in robust.iterrows():
        share = r["share_favouring_regime"]
        assert r["conclusion"].startswith("robust") == (share >= 0.9 or share <= 0.1)
    assert "Conclusions over the posterior" in (out / "summary.md").read_text(encoding="utf-8")
    # a bad posterior is one line, exit 2
    assert (
        main(["compare", "--posterior", str(tmp_path / "nothing"), "--out", str(tmp_path / "x")])
        == 2
    )
    assert "no such file" in capsys.readouterr().err


def test_compare_in_groups_at_the_scenarios_own_values_judges_groups_as_draws(tmp_path, capsys):
    """``--per-draw`` without a posterior: groups of runs at the scenario's values, the same
    seeds as a posterior comparison with the same master seed, judged alike."""
    from sim.schema import find

    out = tmp_path / "cmp"
    args = ["compare", "baseline", "--steps", "12", "--replications", "3", "--per-draw", "2",
            "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "3 groups × 2 runs" in text and "share of groups of runs" in text
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 6 * runs["regime"].nunique()
    robust = pd.read_csv(out / "robustness.csv")
    find("robustness.csv", "compare --posterior").check(robust)
    assert (robust["draws"] == 3).all()
    assert "Conclusions over groups of runs" in (out / "summary.md").read_text(encoding="utf-8")
    # without --per-draw a comparison is as before: no groups, no robustness.csv
    assert main(["compare", "baseline", "--steps", "3", "--replications", "2", "--out",
                 str(tmp_path / "plain")]) == 0  # fmt: skip
    assert not (tmp_path / "plain" / "robustness.csv").exists()


def test_a_posterior_draw_sets_every_arm_of_a_replication_alike():
    from sim.compare import plan
    from sim.scenario import load as load_scenario

    draws = [{"shading_aversion": 0.5}, {"shading_aversion": 3.0}]
    seeds, tasks = plan(load_scenario("baseline"), 4, 1, draws)
    by_seed = {}
    for t in tasks:
        by_seed.setdefault(t.seed, set()).add(t.params["shading_aversion"])
    assert [by_seed[s] for s in seeds] == [{0.5}, {0.5}, {3.0}, {3.0}]


def test_a_small_synthetic_case_recovers_its_known_values(tmp_path):
    """The identifiability check end to end on a tiny case (3 data sets). The documented
    check asks 10 or more data sets to cover the truth in 75-100% of parameter-data sets; with
    3 data sets and tiny populations the tolerance here is looser: at least half."""
    from sim.calibration.synthetic import check, summary

    cal = _tiny_case(tmp_path)
    rows = check(cal, 3, abc.Settings(particles=10, budget=30, max_generations=2, seed=11),
                 tmp_path / "syn", progress=False)  # fmt: skip
    s = summary(cal, rows)
    assert s["datasets"] == 3 and len(rows) == 3 * len(cal.free)
    assert s["coverage"] >= 0.5, s
    syn = pd.read_csv(tmp_path / "syn" / "synthetic.csv")
    from sim.schema import find

    find("synthetic.csv", "calibrate --synthetic").check(syn)
    assert set(syn["parameter"]) == set(cal.free)
    assert (syn["low_5"] <= syn["high_95"]).all()


@pytest.mark.parametrize("wins, verdict", [(9, "robust: contract better"), (1,
    "robust: administrative_dependence better"), (5, "not robust")])  # fmt: skip
def test_a_conclusion_is_robust_at_nine_draws_in_ten_either_way(wins, verdict):
    from sim.calibration import posterior
    from sim.compare import Comparison
    from sim.run import RunResult

    seeds = list(range(10))

    def result(regime, seed, value):
        return RunResult(seed, "s", regime, {}, {}, {"qa_hours_per_10k_yuan": value})

    results = [result("administrative_dependence", s, 1.0) for s in seeds]
    results += [result("contract", s, 2.0 if s < wins else 0.5) for s in seeds]
    rows = posterior.robustness(Comparison(None, seeds, results), 1, ["qa_hours_per_10k_yuan"])
    assert len(rows) == 1 and rows[0]["share_favouring_regime"] == wins / 10
    assert rows[0]["conclusion"] == verdict


def test_a_pooled_calibration_runs_every_case_with_the_same_parameters(tmp_path):
    """Two cases in one targets file share the free parameters: each particle runs both (with
    the same seed) and the distance covers both cases' targets."""
    text = """
free = ["bid_capacity"]
[[case]]
scenario = "jiangxi_2006"
steps = 2
[[case.target]]
name = "bidders"
measure = "bidders_first_tender"
value = 9
source = "test"
confidence = "seen"
[[case]]
scenario = "thin_market"
steps = 2
[[case.target]]
name = "bids"
measure = "bids_per_awarded_lot_year_1"
value = 1.7
source = "test"
confidence = "seen"
"""
    path = tmp_path / "pooled.toml"
    path.write_text(text, encoding="utf-8")
    cal = load(str(path))
    seen = []

    class Recording(abc.Sampler):
        def run(self, unit, seeds):
            out = super().run(unit, seeds)
            seen.append((len(seeds), out.shape))
            return out

    settings = abc.Settings(particles=6, budget=12, max_generations=2, seed=2)
    gens = list(abc.smc(Recording(cal, settings, pool=None), settings))
    assert seen[0] == (6, (6, 2))  # one column per target of each case
    assert gens[-1][0].simulated.shape[1] == 2
    d = abc.distances(cal, gens[0][0].simulated, np.ones(2))
    assert np.all(d >= 0)


def test_a_sweep_under_a_posterior_draws_per_run_and_shares_draws_across_regimes(
    tmp_path, monkeypatch
):
    frame = pd.DataFrame(
        {
            "shading_aversion": [0.5, 3.0],
            "unit_shading_aversion": [0.28, 0.84],
            "weight": [0.5, 0.5],
            "distance": [0.0, 0.0],
        }
    )
    frame.to_parquet(tmp_path / "posterior.parquet", index=False)
    spec = tmp_path / "post.toml"
    spec.write_text(
        """
model = "sim.calibration.posterior:sweep_entry"
seed = 5
replications = 6
common_random_numbers = true
[factors]
scenario = "baseline"
steps = 3
n_residents = 200
posterior = "posterior.parquet"
regime = ["administrative_dependence", "contract"]
[record]
final = ["quality_mean", "posterior_shading_aversion"]
""",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(spec), "--out", "res"]) == 0
    runs = pd.read_parquet(tmp_path / "res" / "runs")
    drawn = runs.pivot(index="replication", columns="regime", values="posterior_shading_aversion")
    assert (drawn["contract"] == drawn["administrative_dependence"]).all()
    assert set(drawn["contract"]) == {0.5, 3.0}  # replications draw anew (seed 5: both)
