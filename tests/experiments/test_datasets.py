"""A sweep's ``runs/`` and ``series/`` folders are Parquet datasets as they are: pandas, pyarrow,
polars and DuckDB read each whole, with the rows and columns ``Store.read`` gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiments.runner import run_sweep
from sim.experiments.store import Store

duckdb = pytest.importorskip("duckdb")
pl = pytest.importorskip("polars")
pq = pytest.importorskip("pyarrow.parquet")


def readers(folder) -> dict[str, pd.DataFrame]:
    """The folder read by each of the four, as pandas frames."""
    folder = str(folder)
    return {
        "pandas": pd.read_parquet(folder),
        "pyarrow": pq.read_table(folder).to_pandas(),
        "polars": pl.read_parquet(folder).to_pandas(),
        "duckdb": duckdb.sql(f"select * from read_parquet('{folder}')").df(),
    }


def same(got: pd.DataFrame, want: pd.DataFrame, keys: list[str]) -> None:
    assert list(got.columns) == list(want.columns)
    got = got.sort_values(keys, kind="stable").reset_index(drop=True)
    assert len(got) == len(want)
    for col in want.columns:
        a, b = got[col], want[col]
        if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            assert np.allclose(a.to_numpy(float), b.to_numpy(float), equal_nan=True), col
        else:
            assert a.astype(object).where(a.notna(), None).tolist() == (
                b.astype(object).where(b.notna(), None).tolist()
            ), col


def test_a_finished_sweep_reads_as_two_datasets_with_every_reader(make_spec, tmp_path):
    spec = make_spec(
        """
        model = "sim.experiments.testfunctions:walk"
        seed = 4
        replications = 3
        [factors]
        steps = 5
        drift = [0, 1.5]
        [record]
        final = ["final"]
        series = ["position"]
        """
    )
    out = tmp_path / "res"
    run_sweep(spec, out, workers=1, progress=False, chunk_size=1)
    store = Store(out)
    assert [p.name for p in (out / "runs").iterdir()] == ["part-0000000000.parquet"]
    for table, keys in (("runs", ["run_id"]), ("series", ["run_id", "outcome", "step"])):
        want = store.read(table)
        assert len(want) == (6 if table == "runs" else 30)
        for name, got in readers(out / table).items():
            try:
                same(got, want, keys)
            except AssertionError as exc:
                raise AssertionError(f"{name} reading {table}: {exc}") from None


def test_parts_of_a_sweep_not_yet_compacted_share_one_schema(make_spec, tmp_path, monkeypatch):
    """Before compaction (a running or stopped sweep) a chunk whose runs all failed, and a
    factor mixing integer and fractional levels, still give every part the same columns."""
    spec = make_spec(
        """
        model = "sim.experiments.testfunctions:flaky"
        seed = 2
        [factors]
        x = [0, 0.25, 1, 0.5]
        fail_above = 0.6
        """
    )
    monkeypatch.setattr(Store, "compact", lambda self: None)
    out = tmp_path / "res"
    summary = run_sweep(spec, out, workers=1, progress=False, chunk_size=1)
    assert summary.failed == 1
    parts = sorted((out / "runs").glob("part-*.parquet"))
    assert len(parts) == 4
    schemas = {str(pq.read_schema(p).remove_metadata()) for p in parts}
    assert len(schemas) == 1, schemas
    want = Store(out).read()
    assert want.loc[want["x"] == 1, "y"].isna().all() and want["y"].notna().sum() == 3
    for name, got in readers(out / "runs").items():
        try:
            same(got, want, ["run_id"])
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None
