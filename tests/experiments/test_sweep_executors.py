"""Serial, process pool and a Dask LocalCluster give the same table; failures are recorded."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.errors import InputError
from sim.experiments.__main__ import main
from sim.experiments.runner import run_sweep
from sim.experiments.store import Store

SPEC = """
model = "sim.experiments.testfunctions:flaky"
seed = 31
replications = 2
design = { method = "latin", samples = 12 }
[factors]
fail_above = [0.7, 0.9]
x = { low = 0.0, high = 1.0 }
"""


def table(path) -> pd.DataFrame:
    return Store(path).read("runs").drop(columns=["elapsed_s"])


def test_same_results_serial_pool_and_dask(make_spec, tmp_path):
    spec = make_spec(SPEC)
    serial = run_sweep(spec, tmp_path / "serial", workers=1, progress=False)
    run_sweep(spec, tmp_path / "pool", workers=2, progress=False, chunk_size=5)
    run_sweep(spec, tmp_path / "dask", dask="local", workers=2, progress=False, chunk_size=3)
    expected = table(tmp_path / "serial")
    assert len(expected) == serial.total == 12 * 2 * 2 and expected["run_id"].is_unique
    pd.testing.assert_frame_equal(table(tmp_path / "pool"), expected)
    pd.testing.assert_frame_equal(table(tmp_path / "dask"), expected)
    assert expected["seed"].is_unique and expected["draw"].notna().any()
    names = [Store(tmp_path / d).manifest()["sessions"][0]["executor"] for d in ("pool", "dask")]
    assert names[0].startswith("process pool") and names[1].startswith("dask")


def test_dask_scheduler_address(make_spec, tmp_path):
    from distributed import LocalCluster

    spec = make_spec(SPEC)
    run_sweep(spec, tmp_path / "serial", workers=1, progress=False)
    with LocalCluster(n_workers=1, processes=True, dashboard_address=None) as cluster:
        run_sweep(spec, tmp_path / "remote", dask=cluster.scheduler_address, progress=False)
    pd.testing.assert_frame_equal(table(tmp_path / "remote"), table(tmp_path / "serial"))


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(make_spec, tmp_path):
    spec = make_spec(SPEC)
    summary = run_sweep(spec, tmp_path / "r", workers=1, progress=False, chunk_size=4)
    runs = Store(tmp_path / "r").read()
    bad = runs["x"] > runs["fail_above"]
    assert bad.any() and (~bad).any()
    assert summary.failed == int(bad.sum()) and summary.complete
    assert (runs.loc[bad, "status"] == "error").all()
    assert runs.loc[bad, "error"].str.fullmatch(r"ValueError: x = [\d.]+ is too large").all()
    assert runs.loc[bad, "traceback"].str.contains("testfunctions.py").all()
    assert runs.loc[bad, ["y", "draw"]].isna().all().all()
    assert (runs.loc[~bad, "status"] == "ok").all() and runs.loc[~bad, "y"].notna().all()
    manifest = Store(tmp_path / "r").manifest()
    assert manifest["status"] == "complete"
    assert manifest["runs"] == {"total": 48, "recorded": 48, "failed": summary.failed, "missing": 0}


def test_cli_summary_on_stdout_progress_on_stderr(tmp_path, capsys):
    spec = tmp_path / "cli.toml"
    spec.write_text(SPEC)
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "1"])
    out, err = capsys.readouterr()
    assert code == 1  # some runs failed on purpose
    assert out.startswith("sweep cli: 48/48 runs recorded") and "failed" in out
    assert "48/48" in err and "failed=" in err  # tqdm bar with the failure count


@pytest.mark.parametrize("ret", ["text", ("a", "b"), {"y": "z"}])
def test_a_model_returning_the_wrong_shape_is_a_recorded_failure(ret):
    from sim.experiments.worker import Record, _run_one

    res = _run_one(lambda p, s: ret, Record(), 0, {}, 1)
    assert res["status"] == "error" and res["error"].startswith("TypeError")


def test_records_requested_outcomes_and_series(make_spec, tmp_path):
    spec = make_spec(
        """
        model = "sim.experiments.testfunctions:walk"
        seed = 4
        replications = 3
        [factors]
        steps = 9
        drift = [0.0, 1.0]
        [record]
        final = ["final"]
        series = ["position"]
        every = 2
        """
    )
    run_sweep(spec, tmp_path / "w", workers=1, progress=False)
    store = Store(tmp_path / "w")
    runs, series = store.read("runs"), store.read("series")
    assert len(runs) == 6 and set(series["run_id"]) == set(runs["run_id"])
    per_run = series.groupby("run_id")
    assert (per_run.size() == 5).all()  # steps 0, 2, 4, 6, 8 of 9
    assert (per_run["step"].max() == 4).all()
    assert runs["status"].eq("ok").all() and runs["final"].notna().all()


def test_a_missing_outcome_is_refused_before_anything_is_written(make_spec, tmp_path):
    spec = make_spec(
        """
        model = "sim.experiments.testfunctions:linear"
        seed = 4
        [factors]
        x1 = [1, 2]
        [record]
        final = ["y", "nope"]
        """
    )
    with pytest.raises(InputError, match=r"record.final = 'nope': the model's first run"):
        run_sweep(spec, tmp_path / "m", workers=1, progress=False)
    assert not (tmp_path / "m").exists()


def test_runs_lost_with_a_dead_worker_are_left_for_the_next_attempt(make_spec, tmp_path):
    spec = make_spec(
        """
        model = "sim.experiments.testfunctions:crash"
        seed = 1
        [factors]
        x = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        crash_at = 11
        """
    )
    summary = run_sweep(spec, tmp_path / "c", workers=2, progress=False, chunk_size=1)
    assert summary.lost >= 1 and not summary.complete and "BrokenProcessPool" in summary.line()
    store = Store(tmp_path / "c")
    runs = store.read()
    assert 11 not in runs["x"].tolist() and runs["status"].eq("ok").all()
    assert len(runs) + summary.lost == 12
    assert store.manifest()["status"] == "incomplete"
    assert len(list((tmp_path / "c/runs").glob("part-*.parquet"))) > 1  # not compacted


def test_the_gpps_model_through_the_engine(make_spec, tmp_path):
    pytest.importorskip("sim.run")
    spec = make_spec(
        """
        scenario = "baseline"
        steps = 3
        seed = 2
        replications = 2
        [factors]
        regime = ["contract", "administrative_dependence"]
        n_residents = 50
        [record]
        final = ["qa_hours_per_10k_yuan", "cost_per_hour"]
        series = ["qa_hours_per_10k_yuan"]
        """
    )
    summary = run_sweep(spec, tmp_path / "g", workers=1, progress=False)
    store = Store(tmp_path / "g")
    runs, series = store.read("runs"), store.read("series")
    assert summary.failed == 0, runs["error"].dropna().tolist()
    assert runs[["qa_hours_per_10k_yuan", "cost_per_hour"]].notna().all().all()
    assert (series.groupby("run_id").size() == 3).all() and len(runs) == 4
