"""Every table that ``gpps run``, ``compare``, ``sweep`` and ``analyze`` write, read back with
pandas, has exactly the columns and types its declared schema (``sim.schema``) gives."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim import metrics, schema
from sim.cli import main
from sim.events import EVENT_COLUMNS, RENAMED

pytest.importorskip("pyarrow")

from sim.experiments import analyze, designs  # noqa: E402
from sim.experiments.spec import load as load_spec  # noqa: E402

NOT_TABLES = {".json", ".md", ".png"}
SCENARIO = (
    'name = "tiny"\n[params]\nn_residents = 200\nsteps = 4\n'
    '[[schedule]]\nstep = 2\nregime = "contract"\n'
)
SPECS = {
    # a regime comparison over a Latin hypercube, with scenario discovery
    "latin": (
        'model = "sim.experiments.testfunctions:regimes"\nseed = 11\n[design]\n'
        'method = "latin"\nsamples = 8\n[factors]\nx = { low = 0.0, high = 1.0 }\ny = 2.0\n'
        'regime = ["contract", "administrative_dependence"]\n',
        ["--discover", "contract beats administrative_dependence on quality"],
    ),
    # Sobol indices, with runs that fail
    "sobol": (
        'model = "sim.experiments.testfunctions:flaky"\nseed = 3\nreplications = 2\n'
        '[design]\nmethod = "sobol"\nsamples = 8\n[factors]\nx = { low = 0.0, high = 1.0 }\n'
        "z = { low = 0.0, high = 1.0 }\nfail_above = 0.9\n",
        [],
    ),
    # Morris, two swept factors (one mixing integer and fractional levels), a recorded series
    "morris": (
        'model = "sim.experiments.testfunctions:walk"\nseed = 5\n[design]\nmethod = "morris"\n'
        "samples = 2\nlevels = 4\n[factors]\ndrift = { low = 0.0, high = 1.0 }\n"
        'steps = 4\nscale = [3, 4.5]\nlabel = ["a", "b"]\n[record]\nfinal = ["final"]\n'
        'series = ["position"]\n',
        [],
    ),
}


def tables_in(root: Path) -> dict[str, pd.DataFrame]:
    """Every table in a results folder as pandas reads it: CSV files, Parquet files, and the
    sweep's dataset folders read whole."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.name.startswith(".") or path.suffix in NOT_TABLES:
            continue
        if path.is_dir() and rel in ("runs", "series"):
            out[f"{rel}/"] = pd.read_parquet(path)
        elif path.suffix == ".csv":
            out[rel] = pd.read_csv(path)
        elif path.suffix == ".parquet" and path.parent == root:
            out[rel] = pd.read_parquet(path)
        elif path.is_file() and path.parent.name not in ("runs", "series"):
            raise AssertionError(f"{rel}: a file no schema describes")
    return out


def check_all(root: Path, expand: dict, *commands: str) -> set[str]:
    seen = set()
    for rel, df in tables_in(root).items():
        table = schema.find(rel, *commands)
        table.check(df, expand)
        seen.add(table.path)
    return seen


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("schemas") / "tiny.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


CLI = {
    "{outcome}": metrics.OUTCOME_NAMES,
    "{component}": metrics.COMPONENTS,
}


@pytest.mark.parametrize("command", ["run", "compare"])
def test_run_and_compare_files_match_their_schemas(tmp_path, scenario, command):
    extra = ["--replications", "2"] if command == "compare" else []
    assert main([command, str(scenario), "--out", str(tmp_path / "out"), *extra]) == 0
    seen = check_all(tmp_path / "out", CLI, command)
    declared = {t.path for t in schema.tables() if command in t.commands}
    assert seen == declared  # every declared table written, even without rows


def test_every_event_row_has_exactly_the_declared_columns():
    from sim.run import run

    for regime in ("contract", "grant", "vouchers", "administrative_dependence", "in_house"):
        result = run("baseline", seed=2, steps=13, regime=regime, n_residents=200)
        for name, rows in result.events.items():
            declared = [c.name for c in EVENT_COLUMNS[name]]
            for row in rows:
                assert [RENAMED.get(k, k) for k in row] == declared, (regime, name)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_sweep_and_analyze_files_match_their_schemas(tmp_path, name):
    text, options = SPECS[name]
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "res"
    argv = ["sweep", str(path), "--out", str(out), "--workers", "1", "--no-progress"]
    assert main(argv) == (1 if name == "sobol" else 0)  # the sobol spec's runs fail at x > 0.9
    assert main(["analyze", str(out), *options]) == 0
    spec = load_spec(path)
    swept = [f.name for f in spec.swept]
    compared = analyze.column_factor(swept)
    finals = {"latin": ["quality", "cost"], "sobol": ["y", "draw"], "morris": ["final"]}[name]
    expand = {
        "{factor}": list(designs.build(spec).run(0).params),
        "{outcome}": finals,
        "{sampled}": [c for f in spec.sampled for c in (f.name, f"u_{f.name}")],
        "{sampled_values}": [f.name for f in spec.sampled],
        "{swept}": swept,
        "{compared}": [compared] if compared else [],
        "{others}": [s for s in swept if s != compared],
        "{indices}": list(analyze._INDICES.get(spec.design, ())),
        "{sum_S1}": ["sum_S1"] if spec.design == "sobol" else [],
    }
    seen = check_all(out, expand, "sweep", "analyze")
    assert {"runs/", "design.parquet", "analysis/comparison.csv"} <= seen
    if name == "latin":
        assert "analysis/discovery_box.csv" in seen and "analysis/differences.csv" in seen
    if name == "sobol":
        assert {"analysis/failures.csv", "analysis/{design}_indices.csv"} <= seen
    if name == "morris":
        assert {"series/", "analysis/{design}_noise.csv"} <= seen
