"""Bad specs fail before any run with one line naming file, key, value and what is allowed."""

from __future__ import annotations

import pytest

from sim.errors import InputError
from sim.experiments.__main__ import main
from sim.experiments.spec import load

GOOD = """
scenario = "baseline"
steps = 12
seed = 1
replications = 2
design = { method = "latin", samples = 8 }
[factors]
regime = ["contract", "administrative_dependence"]
measurability = { low = 0.2, high = 0.8 }
n_buyers = 3
"""


def error(make_spec, text: str) -> str:
    with pytest.raises(InputError) as info:
        make_spec(text)
    message = str(info.value)
    assert "\n" not in message and "exp.toml" in message
    return message


def test_good_spec_parses(make_spec):
    spec = make_spec(GOOD)
    assert [f.name for f in spec.swept] == ["regime"]
    assert [(f.name, f.low, f.high) for f in spec.sampled] == [("measurability", 0.2, 0.8)]
    assert spec.held[0].values == (3,)
    assert spec.is_gpps and spec.series_model == "sim.run:sweep_entry_series"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("measurability = {", "measurabilty = {"), ["factors.measurabilty", "'measurability'"]),
        (("high = 0.8", "high = 1.5"), ["factors.measurability.high = 1.5", "[0, 1]"]),
        (("replications = 2", "replications = 0"), ["replications = 0", ">= 1"]),
        (("seed = 1", 'seed = "one"'), ["seed = 'one'", "an integer"]),
        (("n_buyers = 3", "n_buyers = 2.5"), ["factors.n_buyers = 2.5", "integer"]),
        (('"contract",', '"contracts",'), ["factors.regime[0] = 'contracts'", "contract"]),
        (('method = "latin"', 'method = "sobl"'), ["design.method", "'sobol'"]),
        (("samples = 8", "samples = 10"), ["design.method", "power of two"]),
        (("replications = 2", "replicates = 2"), ["'replicates'", "'replications'"]),
        (("steps = 12", "steps = 0"), ["steps = 0", ">= 1"]),
        (("regime = [", "regime = { low = 1, high = 2 } #"), ["factors.regime", "a list"]),
    ],
)
def test_bad_spec_names_key_value_and_what_is_allowed(make_spec, change, expected):
    old, new = change
    text = GOOD.replace(old, new)
    if "power of two" in expected:
        text = text.replace('method = "latin"', 'method = "sobol"')
        expected = ["design.samples = 10", "power of two"]
    message = error(make_spec, text)
    for part in expected:
        assert part in message, message


def test_sampled_design_needs_ranges(make_spec):
    text = GOOD.replace("measurability = { low = 0.2, high = 0.8 }", "measurability = [0.2, 0.8]")
    assert "every factor is a list" in error(make_spec, text)


def test_factorial_refuses_ranges(make_spec):
    text = GOOD.replace('design = { method = "latin", samples = 8 }', 'design = "factorial"')
    message = error(make_spec, text)
    assert "factors.measurability" in message and "latin, sobol or morris" in message


def test_missing_file_and_malformed_toml(tmp_path):
    with pytest.raises(InputError, match=r"nope\.toml: no such spec file"):
        load(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("seed = [1,\n")
    with pytest.raises(InputError, match=r"bad\.toml: malformed TOML"):
        load(bad)


def test_custom_model_accepts_any_factor_names(make_spec):
    spec = make_spec(
        """
        model = "sim.experiments.testfunctions:linear"
        seed = 3
        design = { method = "morris", samples = 4, levels = 4 }
        [factors]
        anything_goes = { low = 1, high = 5, kind = "int" }
        mixed = [1, 2.5]
        """
    )
    assert spec.sampled[0].integer and spec.swept[0].values == (1.0, 2.5)
    assert spec.series_model is None


def test_hash_ignores_description_and_layout(make_spec):
    a = make_spec(GOOD, "a")
    b = make_spec('description = "same"\n' + GOOD.replace("seed = 1", "seed   =   1 # c"), "b")
    c = make_spec(GOOD.replace("seed = 1", "seed = 2"), "c")
    assert a.hash == b.hash != c.hash


def test_cli_prints_one_line_and_exits_2_before_any_run(tmp_path, capsys):
    spec = tmp_path / "typo.toml"
    spec.write_text(GOOD.replace("regime =", "regim ="))
    out = tmp_path / "results"
    assert main(["sweep", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "typo.toml" in err and "did you mean 'regime'" in err
    assert not out.exists()


def test_unimportable_model_fails_before_any_run(tmp_path, capsys):
    spec = tmp_path / "nomodel.toml"
    spec.write_text('model = "no_such_module_xyz:f"\nseed = 1\n[factors]\nx = [1, 2]\n')
    out = tmp_path / "results"
    assert main(["sweep", str(spec), "--out", str(out)]) == 2
    assert "no_such_module_xyz" in capsys.readouterr().err
    assert not out.exists()


def test_swept_scenarios_may_leave_steps_out(make_spec, tmp_path):
    """Without ``steps``, each swept scenario runs for its own length."""
    from sim.experiments.designs import build
    from sim.experiments.runner import run_sweep
    from sim.experiments.store import Store

    text = """
    seed = 4
    [factors]
    scenario = ["jiangxi_2006", "thin_market"]
    n_residents = 50
    [record]
    final = ["quality_mean"]
    series = ["quality_mean"]
    """
    spec = make_spec(text)
    assert spec.steps is None and "steps" not in build(spec).run(0).params
    with pytest.raises(InputError, match="missing key 'steps'"):
        make_spec(text.replace('["jiangxi_2006", "thin_market"]', '"baseline"'))
    run_sweep(spec, tmp_path / "r", workers=1, progress=False)
    store = Store(tmp_path / "r")
    runs, series = store.read("runs"), store.read("series")
    lengths = series.groupby("run_id").size().rename("n").reset_index().merge(runs, on="run_id")
    assert dict(zip(lengths["scenario"], lengths["n"], strict=True)) == {
        "jiangxi_2006": 36,
        "thin_market": 120,
    }
