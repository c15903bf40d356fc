"""Bad input: one line naming file, key, value and what is allowed; exit 2; nothing written.

Every case runs ``gpps run <file> --force --out <a results folder>`` and checks that the
folder (with its sentinel file) and everything else under ``tmp_path`` is untouched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main

REPO = Path(__file__).resolve().parent.parent


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every folder and file under ``root`` (hidden ones too), with file contents."""
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """An earlier results folder that a bad command must leave as it is."""
    out = tmp_path / "results"
    out.mkdir()
    (out / "sentinel.txt").write_text("an earlier result\n", encoding="utf-8")
    (out / "series.csv").write_text("step,x\n1,2\n", encoding="utf-8")
    return out


def run_bad(argv: list[str], tmp_path: Path, results: Path, capsys) -> str:
    """Run the CLI on bad input; return its one stderr line after the common checks."""
    before = snapshot(tmp_path)
    cwd = os.getcwd()
    os.chdir(tmp_path)  # a default --out would land here
    try:
        code = main(argv)
    finally:
        os.chdir(cwd)
    captured = capsys.readouterr()
    assert code == 2, captured
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert snapshot(tmp_path) == before  # no folder created, earlier results untouched
    assert (results / "sentinel.txt").read_text(encoding="utf-8") == "an earlier result\n"
    return lines[0]


def write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# (id, TOML text, fragments the one-line message must hold besides the file name)
CASES = [
    ("malformed", 'name = "x"\n[params\n', ["malformed TOML", "line 2"]),
    ("unknown_top_key", 'nmae = "x"\n', ["nmae", '"x"', "did you mean 'name'"]),
    (
        "unknown_params_key",
        "[params]\nmonitoring_capacty = 0.5\n",
        ["params.monitoring_capacty", "0.5", "did you mean 'monitoring_capacity'", "expected"],
    ),
    (
        "unknown_buyer_key",
        '[[buyers]]\nname = "b"\nweight_pric = 0.5\n',
        ["buyers[0].weight_pric", "0.5", "did you mean 'weight_price'"],
    ),
    (
        "unknown_schedule_key",
        '[[schedule]]\nstep = 3\nregime = "grant"\nbuyers = "*"\n',
        ["schedule[0].buyers", "did you mean 'buyer'"],
    ),
    (
        "string_for_number",
        '[params]\npopulation = "many"\n',
        ["params.population", '"many"', "expected a number in [10, 1e+09]"],
    ),
    (
        "float_for_int",
        "[params]\nn_residents = 100.5\n",
        ["params.n_residents", "100.5", "expected an integer"],
    ),
    (
        "whole_float_for_int",
        "[params]\nsteps = 12.0\n",
        ["params.steps", "12.0", "expected an integer in [1, 1200]"],
    ),
    (
        "bool_for_number",
        "[params]\npopulation = true\n",
        ["params.population", "= true", "expected a number"],
    ),
    (
        "number_for_bool",
        "[params]\nfixed_price = 1\n",
        ["params.fixed_price", "= 1", "true or false"],
    ),
    (
        "nan",
        "[params]\nmeasurability = nan\n",
        ["params.measurability", "= nan", "expected a finite number in [0, 1]"],
    ),
    (
        "inf",
        "[params]\npopulation = inf\n",
        ["params.population", "= inf", "expected a finite number"],
    ),
    (
        "minus_inf_for_int",
        "[params]\nn_buyers = -inf\n",
        ["params.n_buyers", "= -inf", "finite"],
    ),
    (
        "nan_in_buyer",
        '[[buyers]]\nname = "b"\nmonitoring_capacity = nan\n',
        ["buyers[0].monitoring_capacity", "= nan", "finite"],
    ),
    (
        "out_of_range",
        "[params]\nmeasurability = 1.5\n",
        ["params.measurability", "1.5", "in [0, 1]"],
    ),
    (
        "below_range_int",
        "[params]\nn_communities = 0\n",
        ["params.n_communities", "= 0", "in [1, 500]"],
    ),
    (
        "unknown_regime_in_params",
        '[params]\nregime = "contrct"\n',
        ["params.regime", '"contrct"', "did you mean 'contract'", "in_house"],
    ),
    (
        "unknown_regime_in_buyer",
        '[[buyers]]\nname = "b"\nregime = "grnt"\n',
        ["buyers[0].regime", '"grnt"', "did you mean 'grant'"],
    ),
    (
        "unknown_regime_in_schedule",
        '[[schedule]]\nstep = 3\nregime = "contrct"\n',
        ["schedule[0].regime", '"contrct"', "did you mean 'contract'"],
    ),
    (
        "schedule_step_out_of_range",
        '[params]\nsteps = 24\n[[schedule]]\nstep = 500\nregime = "grant"\n',
        ["schedule[0].step", "500", "[0, 23]"],
    ),
    (
        "schedule_unknown_buyer",
        '[params]\nn_buyers = 2\n[[schedule]]\nstep = 3\nbuyer = "buyer_3"\nregime = "grant"\n',
        ["schedule[0].buyer", '"buyer_3"', "buyer_1, buyer_2"],
    ),
    (
        "contract_without_eligible_organization",
        '[params]\nregime = "contract"\nn_independent_orgs = 0\nfounded_per_buyer = 0\n'
        "entry_rate = 0\n",
        ["params.regime", '"contract"', "n_independent_orgs = 0", "entry_rate = 0"],
    ),
    (
        "scheduled_contract_without_eligible_organization",
        "[params]\nn_independent_orgs = 0\nfounded_per_buyer = 0\nentry_rate = 0.0\n"
        '[[schedule]]\nstep = 24\nregime = "contract"\n',
        ["schedule[0].regime", '"contract"', "no [[organizations]]"],
    ),
    (
        "budget_below_one_post",
        "[params]\nbudget_general_per_capita = 0.1\nbudget_lottery_per_capita = 0\n",
        ["params.budget_general_per_capita", "= 0.1:", "one post", "expected at least"],
    ),
    (
        "buyer_budget_below_one_post",
        '[[buyers]]\nname = "poor"\n'
        "budget_general_per_capita = 0.2\nbudget_lottery_per_capita = 0\n",
        ["buyers[0].budget_general_per_capita", "= 0.2:", "'poor'", "one post"],
    ),
    (
        "more_residents_than_people",
        "[params]\nn_residents = 2000\npopulation = 100\n",
        ["params.n_residents", "= 2000", "population = 100"],
    ),
    (
        "all_tender_weights_zero",
        "[params]\nweight_price = 0\nweight_quality = 0\nweight_reputation = 0\nweight_ties = 0\n",
        ["params.weight_price", "= 0", "weight_ties", "> 0"],
    ),
    (
        "buyer_names_unknown_service_line",
        '[[buyers]]\nname = "b"\nservice_lines = ["elder_cair"]\n',
        ["buyers[0].service_lines", '"elder_cair"', "did you mean 'elder_care'"],
    ),
    (
        "buyer_service_lines_not_a_list",
        '[[buyers]]\nname = "b"\nservice_lines = "elder_care"\n',
        ["buyers[0].service_lines", '"elder_care"', "a list of strings"],
    ),
    (
        "buyer_community_out_of_range",
        '[params]\nn_communities = 4\n[[buyers]]\nname = "b"\ncommunities = [9]\n',
        ["buyers[0].communities", "[9]", "[0, 3]"],
    ),
    (
        "duplicate_buyer",
        '[[buyers]]\nname = "b"\n[[buyers]]\nname = "b"\n',
        ["buyers[1].name", '"b"'],
    ),
    (
        "founded_by_unknown_buyer",
        '[params]\nn_buyers = 2\n[[organizations]]\nname = "o"\norigin = "founded"\n'
        'founded_by = "buyer_9"\n',
        ["organizations[0].founded_by", '"buyer_9"', "buyer_1, buyer_2"],
    ),
    (
        "founded_by_missing",
        '[[organizations]]\nname = "o"\norigin = "founded"\n',
        ["organizations[0].founded_by", "(missing)", "buyer_1"],
    ),
    (
        "unknown_origin",
        '[[organizations]]\nname = "o"\norigin = "grasroots"\n',
        ["organizations[0].origin", '"grasroots"', "did you mean 'grassroots'"],
    ),
    (
        "organization_without_name",
        '[[organizations]]\norigin = "external"\n',
        ["organizations[0].name", "(missing)", "non-empty string"],
    ),
    ("params_not_a_table", "params = 3\n", ["params = 3", "a table"]),
    ("buyers_not_an_array", "buyers = 3\n", ["buyers = 3", "[[buyers]]"]),
    ("name_not_a_string", "name = 3\n", ["name = 3", "a string"]),
    ("dimension_not_a_string", "[dimensions]\nbuyer = 3\n", ["dimensions.buyer = 3", "string"]),
]


@pytest.mark.parametrize("text, fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_scenario_is_one_line_exit_2_nothing_written(
    text, fragments, tmp_path, results, capsys
):
    path = write(tmp_path, text)
    argv = ["run", str(path), "--steps", "12", "--out", str(results), "--force"]
    line = run_bad(argv, tmp_path, results, capsys)
    assert line.startswith(f"gpps run: error: {path}: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)


def test_missing_scenario_file(tmp_path, results, capsys):
    path = tmp_path / "nowhere.toml"
    line = run_bad(["run", str(path), "--out", str(results), "--force"], tmp_path, results, capsys)
    assert str(path) in line and "no such file" in line and "baseline" in line


def test_misspelt_shipped_scenario_is_suggested(tmp_path, results, capsys):
    line = run_bad(["compare", "baselin", "--out", str(results)], tmp_path, results, capsys)
    assert "baselin" in line and "did you mean 'baseline'" in line


def test_a_folder_is_not_a_scenario(tmp_path, results, capsys):
    line = run_bad(["run", str(results), "--out", str(results)], tmp_path, results, capsys)
    assert "is a folder" in line


def test_a_file_that_is_not_text(tmp_path, results, capsys):
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00name")
    line = run_bad(["run", str(path), "--out", str(results), "--force"], tmp_path, results, capsys)
    assert str(path) in line and "UTF-8" in line


@pytest.mark.parametrize(
    "argv, fragments",
    [
        (["run", "baseline", "--steps", "0"], ["--steps = 0", "[1, 1200]"]),
        (["run", "baseline", "--steps", "twelve"], ["--steps = twelve", "integer"]),
        (["run", "baseline", "--seed", "-1"], ["--seed = -1", "integer >= 0"]),
        (["compare", "baseline", "--replications", "0"], ["--replications = 0", "[1, 10000]"]),
        (
            ["run", "baseline", "--regime", "contrct"],
            ["--regime = contrct", "did you mean 'contract'"],
        ),
        (["run"], ["scenario"]),
    ],
    ids=["steps_0", "steps_text", "seed_negative", "replications_0", "regime_typo", "no_file"],
)
def test_bad_command_line_value(argv, fragments, tmp_path, results, capsys):
    line = run_bad(argv + ["--out", str(results), "--force"], tmp_path, results, capsys)
    assert line.startswith("gpps")
    for fragment in fragments:
        assert fragment in line, (fragment, line)


def no_market_file(tmp_path: Path) -> Path:
    """A valid in-house scenario in which no organization exists or may enter."""
    return write(
        tmp_path,
        '[params]\nregime = "in_house"\nn_independent_orgs = 0\nfounded_per_buyer = 0\n'
        "entry_rate = 0\n",
        "in_house_only.toml",
    )


def test_regime_override_that_contradicts_the_file(tmp_path, results, capsys):
    path = no_market_file(tmp_path)
    argv = ["run", str(path), "--regime", "contract", "--out", str(results), "--force"]
    line = run_bad(argv, tmp_path, results, capsys)
    assert f'{path}: regime (run override) = "contract"' in line, line


def test_compare_checks_every_regime_before_running(tmp_path, results, capsys):
    path = no_market_file(tmp_path)
    argv = ["compare", str(path), "--steps", "12", "--replications", "2"]
    line = run_bad(argv + ["--out", str(results), "--force"], tmp_path, results, capsys)
    assert "run override" in line and "expected an organization" in line


def test_non_empty_out_without_force(tmp_path, results, capsys):
    line = run_bad(
        ["run", "baseline", "--steps", "12", "--out", str(results)], tmp_path, results, capsys
    )
    assert f"--out = {results}" in line and "--force" in line


def test_out_that_is_a_file(tmp_path, results, capsys):
    target = tmp_path / "file.txt"
    target.write_text("keep me\n", encoding="utf-8")
    line = run_bad(["run", "baseline", "--out", str(target), "--force"], tmp_path, results, capsys)
    assert "not a folder" in line


def test_out_that_holds_the_scenario_file(tmp_path, results, capsys):
    path = write(results, "[params]\nsteps = 12\n", "mine.toml")
    line = run_bad(["run", str(path), "--out", str(results), "--force"], tmp_path, results, capsys)
    assert "holds the scenario file" in line


def test_out_that_holds_the_working_folder(tmp_path, results, capsys):
    line = run_bad(
        ["run", "baseline", "--out", str(tmp_path), "--force"], tmp_path, results, capsys
    )
    assert "holds the current folder" in line


def test_no_traceback_reaches_the_user(tmp_path):
    """The installed entry point, in a fresh interpreter: one line, status 2, no traceback."""
    bad = write(tmp_path, "[params]\nmeasurability = nan\n")
    results = tmp_path / "results"
    results.mkdir()
    (results / "sentinel.txt").write_text("x", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for argv in (
        ["run", str(bad), "--out", str(results), "--force"],
        ["run", "baseline", "--steps", "0", "--out", str(results), "--force"],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "sim.cli", *argv],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.splitlines()) == 1, proc.stderr
        assert proc.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "results"]
    assert sorted(p.name for p in results.iterdir()) == ["sentinel.txt"]
