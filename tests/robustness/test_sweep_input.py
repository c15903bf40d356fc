"""Bad input to ``gpps sweep``: every spec is checked whole, and sizes estimated, before
anything is written; bad options and foreign folders are refused the same way.

Each case asserts the README's promise (``assert_refused``): exit 2, one line on stderr, no
traceback, nothing written, earlier results intact. The CLI runs in this process.
"""

from __future__ import annotations

import copy
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import metrics
from sim.experiments import preflight
from sim.params import PARAMS
from sim.scenario import shipped

from .conftest import assert_refused, run_cli, snapshot

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True)


def toml(value) -> str:
    """A value written as TOML (the subset specs use)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def spec_text(doc: dict) -> str:
    """A spec document (top-level keys, then tables) as TOML."""
    top = [f"{k} = {toml(v)}" for k, v in doc.items() if not isinstance(v, dict)]
    tables = []
    for k, v in doc.items():
        if isinstance(v, dict):
            tables += [f"[{k}]", *(f"{kk} = {toml(vv)}" for kk, vv in v.items())]
    return "\n".join(top + tables) + "\n"


def base() -> dict:
    """A small valid gpps spec (it is never run here)."""
    return {
        "scenario": "baseline",
        "steps": 12,
        "seed": 7,
        "factors": {"regime": ["contract", "administrative_dependence"], "measurability": 0.5},
        "record": {"final": ["qa_hours_per_10k_yuan", "quality_mean"]},
    }


def refuse(tmp_path, capsys, doc: dict, match: str, *extra) -> str:
    spec = tmp_path / "exp.toml"
    spec.write_text(spec_text(doc), encoding="utf-8")
    out = tmp_path / "out"
    line = assert_refused(
        ["sweep", spec, "--out", out, "--workers", "1", "--no-progress", *extra],
        capsys,
        tmp_path,
        match,
    )
    assert not out.exists()
    return line


def test_the_base_spec_is_valid_and_dry_run_writes_nothing(tmp_path, capsys):
    spec = tmp_path / "exp.toml"
    spec.write_text(spec_text(base()), encoding="utf-8")
    before = snapshot(tmp_path)
    code, out, err = run_cli(["sweep", spec, "--out", tmp_path / "out", "--dry-run"], capsys)
    assert code == 0, err
    assert 'regime: swept "contract", "administrative_dependence"' in out
    assert "estimate: 2 runs (1 points x 2 combinations x 1 replications)" in out
    assert "checked: 2 scenarios built" in out
    assert snapshot(tmp_path) == before


# -- outcomes, scenarios, contradictions -----------------------------------------------------
@SETTINGS
@given(name=NAMES.filter(lambda n: n not in metrics.OUTCOME_NAMES), series=st.booleans())
def test_an_unknown_recorded_outcome_is_refused(tmp_path, capsys, name, series):
    doc = base()
    key = "series" if series else "final"
    if series and name in metrics.SERIES:
        return
    doc["record"][key] = ["quality_mean", name] if not series else [name]
    refuse(tmp_path, capsys, doc, f"record.{key} = {json.dumps(name)}: unknown outcome")


@SETTINGS
@given(name=NAMES.filter(lambda n: n not in shipped()), swept=st.booleans())
def test_an_unknown_scenario_alone_or_in_a_swept_list_is_refused(tmp_path, capsys, name, swept):
    doc = base()
    if swept:
        del doc["scenario"]
        doc["factors"]["scenario"] = ["baseline", name]
    else:
        doc["scenario"] = name
    line = refuse(tmp_path, capsys, doc, f"{name}: no such file")
    assert ("factors.scenario" in line) is swept


WEIGHTS = ("weight_price", "weight_quality", "weight_reputation", "weight_ties")


@SETTINGS
@given(
    which=st.sampled_from(WEIGHTS),
    how=st.sampled_from(["held", "list", "range"]),
    top=st.floats(0.05, 1.0),
)
def test_tender_weights_all_zero_at_some_extreme_are_refused(tmp_path, capsys, which, how, top):
    doc = base()
    for w in WEIGHTS:
        doc["factors"][w] = 0.0
    if how == "list":
        doc["factors"][which] = [top, 0.0]
    elif how == "range":
        doc["factors"][which] = {"low": 0.0, "high": top}
        doc["design"] = {"method": "latin", "samples": 4}
    refuse(tmp_path, capsys, doc, "all tender weights are 0")


@SETTINGS
@given(population=st.integers(10, 1000), more=st.integers(1, 1000))
def test_more_resident_agents_than_persons_is_refused(tmp_path, capsys, population, more):
    doc = base()
    doc["factors"]["population"] = {"low": float(population), "high": 2_000_000.0}
    doc["factors"]["n_residents"] = [10, population + more]
    doc["design"] = {"method": "latin", "samples": 3}
    refuse(tmp_path, capsys, doc, "n_residents")


# -- sizes -----------------------------------------------------------------------------------
@SETTINGS
@given(reps=st.integers(preflight.MAX_RUNS // 2 + 1, 10**13))
def test_too_many_replications_are_refused_before_anything(tmp_path, capsys, reps):
    doc = base()
    doc["replications"] = reps
    refuse(tmp_path, capsys, doc, "allowed: at most 10,000,000 runs")


@pytest.mark.parametrize(
    "design",
    [
        {"method": "latin", "samples": 10**9},
        {"method": "sobol", "samples": 2**40},
        {"method": "morris", "samples": 10**8},
    ],
)
def test_huge_samples_are_refused_before_sampling(tmp_path, capsys, design):
    doc = base()
    doc["factors"]["measurability"] = {"low": 0.1, "high": 0.9}
    doc["design"] = design
    refuse(tmp_path, capsys, doc, "runs in one sweep; --ignore-limits runs it anyway")


def maxed_scenario(path) -> str:
    lines = ['name = "everything_at_max"', "[params]"]
    for name, p in PARAMS.items():
        if p.kind in ("int", "float") and p.high is not None and math.isfinite(p.high):
            lines.append(f"{name} = {int(p.high) if p.kind == 'int' else float(p.high)!r}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_a_scenario_with_every_parameter_at_its_maximum_is_refused(tmp_path, capsys, monkeypatch):
    doc = base()
    doc["scenario"] = maxed_scenario(tmp_path / "maxed.toml")
    # the same answer on a machine of any size: say it has 16 GiB available
    monkeypatch.setattr(preflight, "available_memory", lambda: 16 * 2**30)
    line = refuse(tmp_path, capsys, doc, "of memory")
    assert "allowed: 80% of the 16.0 GiB available here" in line


def test_the_override_flag_lifts_the_limits(tmp_path, capsys):
    doc = base()
    doc["replications"] = 10**12
    spec = tmp_path / "exp.toml"
    spec.write_text(spec_text(doc), encoding="utf-8")
    argv = ["sweep", spec, "--out", tmp_path / "out", "--dry-run", "--ignore-limits"]
    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    assert "estimate: 2,000,000,000,000 runs" in out
    assert not (tmp_path / "out").exists()


# -- the model's result ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "model, why",
    [
        ("a_list", "model returned list"),
        ("text", "model returned str"),
        ("nothing", "model returned NoneType"),
        ("words", "outcome 'y' is str, not a number"),
        ("triple", "model returned tuple"),
        ("series_not_a_mapping", "model returned tuple"),
        ("series_of_a_number", "series 's' is float"),
        ("series_of_words", "outcome 's' is str"),
    ],
)
def test_a_result_of_another_shape_is_refused_before_anything_is_written(
    tmp_path, capsys, model, why
):
    doc = {"model": f"tests.robustness.models:{model}", "seed": 3, "factors": {"x": [1, 2]}}
    if model.startswith("series_"):
        doc["record"] = {"series": ["s"]}
    line = refuse(tmp_path, capsys, doc, why)
    assert "documented shape" in line


def test_a_spec_naming_any_function_runs_it_but_writes_nothing_of_another_shape(tmp_path, capsys):
    # the spec is trusted code: subprocess.call runs `true` (the factor names are its
    # arguments); its result, 0, is not a mapping of numbers
    doc = {"model": "subprocess:call", "seed": 3, "factors": {"true": 1}}
    refuse(tmp_path, capsys, doc, "model returned int")


def test_a_missing_recorded_outcome_of_another_model_is_refused(tmp_path, capsys):
    doc = {"model": "tests.robustness.models:fine", "seed": 3, "factors": {"x": [1, 2]}}
    doc["record"] = {"final": ["y", "nope"]}
    refuse(tmp_path, capsys, doc, "record.final = 'nope': the model's first run")


# -- options and the results folder ----------------------------------------------------------
FINE = {"model": "tests.robustness.models:fine", "seed": 3, "factors": {"x": [1, 2, 3]}}


@pytest.fixture
def done(tmp_path, capsys):
    """A finished sweep of ``FINE`` in ``tmp_path / 'out'``."""
    spec = tmp_path / "fine.toml"
    spec.write_text(spec_text(FINE), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli(["sweep", spec, "--out", out, "--workers", "1", "--no-progress"], capsys)
    assert code == 0, err
    assert not (out / ".lock").exists()
    return spec, out


@pytest.mark.parametrize(
    "extra, match",
    [
        (["--workers", "0"], "--workers = 0: must be an integer >= 1"),
        (["--workers", "-1"], "--workers = -1: must be an integer >= 1"),
        (["--dask", "bogus"], "--dask = 'bogus': not a scheduler address"),
        (["--dask", "tcp://127.0.0.1:1"], "cannot reach a scheduler"),
        (["--dask", "tcp://127.0.0.1:99999"], "not a scheduler address"),
        (["--chunk-size", "0"], "--chunk-size = 0"),
    ],
)
def test_bad_options_leave_no_folder_and_no_lock(tmp_path, capsys, extra, match):
    spec = tmp_path / "fine.toml"
    spec.write_text(spec_text(FINE), encoding="utf-8")
    out = tmp_path / "new" / "out"
    assert_refused(["sweep", spec, "--out", out, "--no-progress", *extra], capsys, tmp_path, match)
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize(
    "extra",
    [["--workers", "0"], ["--dask", "bogus"], ["--dask", "tcp://127.0.0.1:1"], ["--force", "-x"]],
)
def test_bad_options_keep_earlier_results_intact(done, tmp_path, capsys, extra):
    spec, out = done
    assert_refused(["sweep", spec, "--out", out, *extra], capsys, tmp_path)
    assert not (out / ".lock").exists()


def test_out_an_existing_file_is_refused(tmp_path, capsys):
    spec = tmp_path / "fine.toml"
    spec.write_text(spec_text(FINE), encoding="utf-8")
    target = tmp_path / "notes.txt"
    target.write_text("keep me\n", encoding="utf-8")
    line = assert_refused(["sweep", spec, "--out", target], capsys, tmp_path, "is a file")
    assert str(target) in line


@pytest.mark.parametrize("other", ["notes.txt", "summary.csv", "events"])
def test_a_folder_holding_other_files_needs_force(tmp_path, capsys, other):
    spec = tmp_path / "fine.toml"
    spec.write_text(spec_text(FINE), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / other).mkdir() if other == "events" else (out / other).write_text("x\n")
    argv = ["sweep", spec, "--out", out, "--workers", "1", "--no-progress"]
    assert_refused(argv, capsys, tmp_path, "holds files that are not results of a sweep")
    code, _, err = run_cli([*argv, "--force"], capsys)
    assert code == 0, err
    assert (out / other).exists() and len(list((out / "runs").glob("part-*.parquet"))) == 1


def test_another_specs_results_need_force_and_stay_intact(done, tmp_path, capsys):
    spec, out = done
    other = tmp_path / "other.toml"
    other.write_text(spec_text({**FINE, "seed": 4}), encoding="utf-8")
    assert_refused(["sweep", other, "--out", out, "--workers", "1"], capsys, tmp_path, "--force")


def test_a_bad_spec_keeps_earlier_results_intact(done, tmp_path, capsys):
    spec, out = done
    spec.write_text(spec_text({**FINE, "replications": 10**12}), encoding="utf-8")
    assert_refused(["sweep", spec, "--out", out, "--workers", "1"], capsys, tmp_path, "runs")


def test_the_same_command_again_resumes_and_writes_no_debris(done, capsys):
    spec, out = done
    before = snapshot(out)
    code, stdout, err = run_cli(["sweep", spec, "--out", out, "--workers", "1"], capsys)
    assert code == 0, err
    assert "3/3 runs recorded" in stdout and "3 resumed from earlier" in stdout
    assert set(snapshot(out)) == set(before)


# -- any mutant ------------------------------------------------------------------------------
VALUES = st.sampled_from(
    [0, -1, 1, 2**63, 10**12, 0.0, -0.5, 1e308, math.inf, math.nan, "", "baseline", "x", True,
     [], [0], [1, 1], ["contract"], {}, {"low": 0, "high": 1}, {"low": 1, "high": 0},
     {"low": 0.0, "high": 1.0, "dist": "loguniform"}, [0.0, 1], ["a", 1], ["quality_mean"]]
)  # fmt: skip
WHERE = st.sampled_from(
    [("scenario",), ("steps",), ("seed",), ("replications",), ("common_random_numbers",),
     ("model",), ("design",), ("factors",), ("record",), ("design", "method"),
     ("design", "samples"), ("design", "second_order"), ("design", "levels"),
     ("factors", "population"), ("factors", "n_residents"), ("factors", "weight_price"),
     ("factors", "regime"), ("factors", "scenario"), ("factors", "steps"),
     ("factors", "evaluation"), ("record", "final"), ("record", "series"), ("record", "every")]
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=st.lists(st.tuples(WHERE, VALUES), min_size=1, max_size=3))
def test_any_spec_mutant_is_valid_or_refused_in_one_line_and_writes_nothing(
    tmp_path, capsys, edits
):
    doc = base()
    doc["design"] = {"method": "factorial"}
    for where, value in edits:
        table = doc
        for key in where[:-1]:
            if not isinstance(table.get(key), dict):
                table[key] = {}
            table = table[key]
        table[where[-1]] = copy.deepcopy(value)  # VALUES' objects are shared between examples
    spec = tmp_path / "mutant.toml"
    spec.write_text(spec_text(doc), encoding="utf-8")
    before = snapshot(tmp_path)
    code, out, err = run_cli(["sweep", spec, "--out", tmp_path / "o", "--dry-run"], capsys)
    assert "Traceback" not in out + err
    assert code in (0, 2), (code, err)
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and err.startswith("gpps sweep: error: "), err
    else:
        assert "estimate:" in out
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("manifest", ["", "{", "[]", '{"name": "x"}'])
def test_results_with_a_broken_manifest_are_refused_or_replaced_with_force(
    done, tmp_path, capsys, manifest
):
    spec, out = done
    (out / "manifest.json").write_text(manifest, encoding="utf-8")
    argv = ["sweep", spec, "--out", out, "--workers", "1", "--no-progress"]
    line = assert_refused(argv, capsys, tmp_path, "manifest.json")
    assert str(out / "manifest.json") in line
    code, stdout, err = run_cli([*argv, "--force"], capsys)
    assert code == 0, err
    assert "3/3 runs recorded (3 run now" in stdout


@pytest.mark.parametrize(
    "design, match",
    [
        ({"method": "latin", "samples": 4, "second_order": True}, "applies to sobol only"),
        ({"method": "sobol", "samples": 4, "levels": 6}, "applies to morris only"),
        ({"method": "latin", "samples": 4, "levels": 4}, "applies to morris only"),
    ],
)
def test_design_settings_of_another_method_are_refused(tmp_path, capsys, design, match):
    doc = base()
    doc["factors"]["measurability"] = {"low": 0.1, "high": 0.9}
    doc["design"] = design
    refuse(tmp_path, capsys, doc, match)
