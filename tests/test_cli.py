"""`gpps run`, `gpps compare` and `gpps scenarios` end to end, on small settings."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import socket
import tomllib
from pathlib import Path

import numpy as np
import pytest

from sim import __version__
from sim.cli import main
from sim.experiments.seeds import replication_seeds
from sim.regimes import REGIMES as _REGISTRY

REPO = Path(__file__).resolve().parent.parent
REGIMES = list(_REGISTRY)
STEPS, REPS = 12, 2


def gpps(*argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """`gpps run` twice with the same command and seed, into two folders."""
    root = tmp_path_factory.mktemp("run")
    outs = []
    for name in ("a", "b"):
        code, out, err = gpps(
            "run", "baseline", "--steps", STEPS, "--seed", 7, "--out", root / name
        )
        assert code == 0, err
        outs.append((root / name, out, err))
    return outs


@pytest.fixture(scope="module")
def compares(tmp_path_factory):
    """`gpps compare` twice with the same command and seed, into two folders: serially, and on
    two worker processes."""
    root = tmp_path_factory.mktemp("compare")
    outs = []
    for name, workers in (("a", 1), ("b", 2)):
        code, out, err = gpps(
            "compare",
            "--steps",
            STEPS,
            "--replications",
            REPS,
            "--seed",
            5,
            "--out",
            root / name,
            "--workers",
            workers,
        )
        assert code == 0, err
        outs.append((root / name, out, err))
    return outs


# -- run -----------------------------------------------------------------------------------------
def test_run_writes_the_expected_files(runs):
    out, stdout, stderr = runs[0]
    names = set(files(out))
    assert {"series.csv", "summary.csv", "metadata.json", "outcomes.png"} <= names
    events = [n for n in names if n.startswith("events/") and n.endswith(".csv")]
    assert "events/awards.csv" in events and "events/accounts.csv" in events
    assert len(rows(out / "series.csv")) == STEPS
    (summary,) = rows(out / "summary.csv")
    assert summary["seed"] == "7" and summary["regime"] == "as_written"
    head = stdout.splitlines()
    assert head[0] == f"baseline: one run, seed 7, {STEPS} months"
    # baseline sets no regime of its own: the default one ran, and the header says which
    assert head[1] == "regime held: administrative dependence (every buyer)"
    assert "Quality-adjusted hours per 10,000 yuan" in stdout  # labels, not machine names
    assert "qa_hours_per_10k_yuan" not in stdout
    assert "results in" in stderr and "s;" in stderr  # timing goes to the console only
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp folder left


def test_run_twice_gives_byte_identical_files(runs):
    (a, _, _), (b, _, _) = runs
    fa, fb = files(a), files(b)
    assert fa.keys() == fb.keys()
    for name in fa:
        assert fa[name] == fb[name], name


def test_run_metadata_holds_seed_params_version_and_no_machine_detail(runs):
    out = runs[0][0]
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["gpps_version"] == __version__
    assert meta["seeds"] == [7]
    assert meta["command"]["seed"] == 7 and meta["command"]["steps"] == STEPS
    assert meta["params"]["steps"] == STEPS
    assert meta["params"]["measurability"] == 0.5
    assert meta["scenario_source"] == "scenarios/baseline.toml"
    assert_portable(out)


def assert_portable(out: Path) -> None:
    """No absolute path, host name or user folder in any text file."""
    forbidden = {str(out), str(out.parent), str(REPO), os.getcwd(), str(Path.home())}
    host = socket.gethostname()
    for name, data in files(out).items():
        if name.endswith(".png"):
            for text in forbidden:
                assert text.encode() not in data, (name, text)
            continue
        text = data.decode("utf-8")
        for bad in forbidden:
            assert bad not in text, (name, bad)
        if name == "metadata.json" and len(host) >= 4:
            assert host not in text
        assert '"/' not in text and ",/" not in text, name


def test_run_with_a_regime_keeps_the_steps_override(tmp_path):
    """--regime and --steps together: the run is --steps long, every buyer on the regime."""
    code, _, err = gpps(
        "run", "baseline", "--steps", STEPS, "--regime", "contract", "--out", tmp_path / "out"
    )
    assert code == 0, err
    series = rows(tmp_path / "out" / "series.csv")
    assert len(series) == STEPS
    assert {r["regime"] for r in series} == {"contract"}
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["command"]["regime"] == "contract"
    assert {b["regime"] for b in meta["buyers"]} == {"contract"}


def test_run_of_a_file_given_by_absolute_path_records_only_its_name(tmp_path):
    scenario = tmp_path / "deep" / "my_case.toml"
    scenario.parent.mkdir()
    scenario.write_text('name = "my_case"\n[params]\nmonitoring_capacity = 0.6\n', encoding="utf-8")
    code, _, err = gpps("run", scenario, "--steps", STEPS, "--out", tmp_path / "out")
    assert code == 0, err
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["scenario_source"] == "my_case.toml"
    assert meta["command"]["scenario"] == "my_case.toml"
    assert meta["params"]["monitoring_capacity"] == 0.6
    assert_portable(tmp_path / "out")


def test_schedule_after_a_shortened_run_is_dropped(tmp_path):
    scenario = tmp_path / "late.toml"
    scenario.write_text('[[schedule]]\nstep = 60\nregime = "contract"\n', encoding="utf-8")
    code, _, err = gpps("run", scenario, "--steps", STEPS, "--out", tmp_path / "out")
    assert code == 0, err
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["schedule"] == []


def test_non_empty_out_needs_force_and_force_replaces_it(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "sentinel.txt").write_text("earlier\n", encoding="utf-8")
    code, stdout, err = gpps("run", "baseline", "--steps", STEPS, "--out", out)
    assert code == 2 and stdout == ""
    assert len(err.splitlines()) == 1 and "--force" in err
    assert sorted(p.name for p in out.iterdir()) == ["sentinel.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]

    code, _, err = gpps("run", "baseline", "--steps", STEPS, "--out", out, "--force")
    assert code == 0, err
    assert not (out / "sentinel.txt").exists()
    assert (out / "series.csv").is_file() and (out / "metadata.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temp or old folder left


def test_an_empty_out_folder_needs_no_force(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    code, _, err = gpps("run", "baseline", "--steps", STEPS, "--out", out)
    assert code == 0, err
    assert (out / "summary.csv").is_file()


# -- compare -------------------------------------------------------------------------------------
def test_compare_writes_the_expected_files(compares):
    out = compares[0][0]
    names = set(files(out))
    assert {"runs.csv", "summary.csv", "series.csv", "metadata.json", "outcomes.png"} <= names
    assert any(n.startswith("events/") and n.endswith(".csv") for n in names)
    runs_ = rows(out / "runs.csv")
    assert len(runs_) == len(REGIMES) * REPS
    assert sorted({r["regime"] for r in runs_}) == sorted(REGIMES)
    assert len(rows(out / "series.csv")) == len(REGIMES) * REPS * STEPS
    summary = rows(out / "summary.csv")
    assert {"regime", "outcome", "mean", "ci_low", "ci_high", "n"} <= set(summary[0])
    assert {r["n"] for r in summary} == {str(REPS)}


def test_compare_summary_says_why_a_value_is_missing(compares):
    text = (compares[0][0] / "summary.md").read_text(encoding="utf-8")
    assert "[-, -]" not in text and "| - |" not in text
    in_house = next(line for line in text.splitlines() if line.startswith("| in_house |"))
    assert "n/a (no organization had revenue from the buyers)" in in_house


def test_compare_twice_gives_byte_identical_files_whatever_the_workers(compares):
    (a, _, _), (b, _, _) = compares
    fa, fb = files(a), files(b)
    assert fa.keys() == fb.keys()
    for name in fa:
        assert fa[name] == fb[name], name


def test_a_sweep_with_the_same_master_seed_reproduces_compares_runs(compares, tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    spec = tmp_path / "as_sweep.toml"
    spec.write_text(
        f"""description = "gpps compare as a sweep"
scenario = "baseline"
steps = {STEPS}
seed = 5
replications = {REPS}
common_random_numbers = true
[design]
method = "factorial"
[factors]
regime = {json.dumps(REGIMES)}
""",
        encoding="utf-8",
    )
    code, _, err = gpps("sweep", spec, "--workers", 1, "--out", tmp_path / "sweep")
    assert code == 0, err
    swept = pd.read_parquet(tmp_path / "sweep" / "runs")  # the runs dataset, as it is
    compared = pd.read_csv(compares[0][0] / "runs.csv")
    assert len(swept) == len(compared) == len(REGIMES) * REPS
    outcomes = [c for c in compared.columns if c not in ("regime", "seed")]
    for regime in REGIMES:
        a = swept[swept["regime"] == regime].sort_values("replication")
        b = compared[compared["regime"] == regime]
        assert a["seed"].tolist() == b["seed"].tolist()
        for name in outcomes:
            x, y = a[name].to_numpy(dtype=float), b[name].to_numpy(dtype=float)
            assert ((x == y) | (np.isnan(x) & np.isnan(y))).all(), (regime, name)


def test_compare_metadata(compares):
    out = compares[0][0]
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["gpps_version"] == __version__
    assert meta["seeds"] == replication_seeds(5, REPS)
    assert meta["command"]["master_seed"] == 5
    assert meta["command"]["replications"] == REPS
    assert meta["params"]["steps"] == STEPS
    assert_portable(out)


def test_compare_prints_a_table_per_group_with_a_row_per_regime_and_intervals(compares):
    from sim import metrics
    from sim.console import regime_label

    stdout = compares[0][1]
    lines = stdout.splitlines()
    assert lines[0].startswith("baseline: mean [95% interval]")
    assert lines[1] == "↑ higher is better, ↓ lower is better"
    # per table: a row per regime, named in words, each with an interval where it has a value
    labels = [regime_label(r) for r in REGIMES]
    rows_ = [line for line in lines if line.startswith(tuple(labels))]
    groups = {metrics.BY_NAME[n].group for n in metrics.HEADLINE}
    tables = [line for line in lines if line.split(" ")[0].lower() in groups]
    assert len(rows_) == len(tables) * len(REGIMES) and len(tables) >= len(groups)
    assert all("[" in line and "]" in line for line in rows_ if line.startswith("contract"))
    words = set(stdout.split())
    for name in metrics.HEADLINE:  # plain labels (wrapped in their column), not machine names
        assert set(metrics.BY_NAME[name].label.split()) <= words and name not in stdout
    # a footnote for the "-" cells ("- : no value ...", wrapped lines indented)
    assert any(line.startswith("- : no value in these runs for") for line in lines)


@pytest.mark.parametrize("columns", [100, 72])
def test_run_and_compare_fit_the_terminal(tmp_path, capsys, monkeypatch, columns):
    """No printed line is wider than COLUMNS, headers and footnotes included (a scenario with
    a schedule: its own regimes are compared as written too)."""
    scenario = tmp_path / "switch.toml"
    scenario.write_text(
        'name = "switch"\n[params]\nn_residents = 200\nsteps = 4\n'
        '[[schedule]]\nstep = 2\nregime = "contract"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("COLUMNS", str(columns))
    for argv in (
        ["run", scenario, "--out", tmp_path / "r"],
        ["compare", scenario, "--replications", 2, "--out", tmp_path / "c"],
    ):
        assert main([str(a) for a in argv]) == 0
        out = capsys.readouterr().out
        assert out.count("\n") > 10
        wide = [line for line in out.splitlines() if len(line) > columns]
        assert not wide, wide
        assert "from month 3 (every buyer)" in " ".join(out.split())  # the regime held


def test_the_default_out_is_numbered_when_the_earlier_one_is_taken(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for folder in ("baseline-run", "baseline-run-2"):
        code, _, err = gpps("run", "baseline", "--steps", 2)
        assert code == 0, err
        assert err.strip().endswith(f"results in {Path('results') / folder}"), err
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == [
        "baseline-run",
        "baseline-run-2",
    ]
    code, _, err = gpps("run", "baseline", "--steps", 2, "--force")  # replaces the first
    assert code == 0 and err.strip().endswith(f"results in {Path('results') / 'baseline-run'}")
    assert len(list((tmp_path / "results").iterdir())) == 2


# -- scenarios -----------------------------------------------------------------------------------
def test_scenarios_lists_baseline_with_its_description():
    code, stdout, _ = gpps("scenarios")
    assert code == 0
    description = tomllib.loads((REPO / "scenarios" / "baseline.toml").read_text("utf-8"))[
        "description"
    ]
    line = next(line for line in stdout.splitlines() if line.split()[0] == "baseline")
    assert description.strip().splitlines()[0] in line


def test_help_and_version_return_zero():
    code, stdout, _ = gpps("--version")
    assert code == 0 and __version__ in stdout
    code, stdout, _ = gpps("run", "--help")
    assert code == 0 and "--force" in stdout


def test_event_tables_hold_plain_numbers_that_pandas_reads_as_numbers(compares):
    pd = pytest.importorskip("pandas")
    out = compares[0][0]
    for name in ("bids", "awards", "accounts", "tenders"):
        path = out / "events" / f"{name}.csv"
        text = path.read_text(encoding="utf-8")
        assert "np.float64" not in text and "np.int64" not in text, name
        table = pd.read_csv(path)
        for column in ("price", "score", "value", "cost", "revenue_government", "cash"):
            if column in table and len(table):
                assert pd.api.types.is_numeric_dtype(table[column]), (name, column)
