"""Bad input to ``gpps analyze``: broken, truncated or foreign files and bad options.

Each case asserts the README's promise (``assert_refused``): exit 2, one line on stderr naming
the file or option and what is wrong, no traceback, no analysis written (not even a partial
one), and the earlier analysis intact.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.experiments.store import MANIFEST_KEYS

from .conftest import assert_refused, run_cli, snapshot

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SPEC = """\
model = "sim.experiments.testfunctions:regimes"
seed = 11
[design]
method = "latin"
samples = 8
[factors]
x = { low = 0.0, high = 1.0 }
y = 2.0
regime = ["contract", "administrative_dependence"]
"""
DISCOVER = "contract beats administrative_dependence on quality"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A finished sweep and its analysis (the earlier result every case must keep)."""
    from sim.cli import main

    root = tmp_path_factory.mktemp("sweep")
    (root / "exp.toml").write_text(SPEC, encoding="utf-8")
    out = root / "results"
    assert main(["sweep", str(root / "exp.toml"), "--out", str(out), "--workers", "1",
                 "--no-progress"]) == 0  # fmt: skip
    assert main(["analyze", str(out), "--discover", DISCOVER]) == 0
    assert (out / "analysis" / "report.md").is_file()
    return out


def table_file(root: Path, table: str) -> Path:
    """The file holding ``table``: the runs dataset's one part (compacted), or the design."""
    if table == "design":
        return root / "design.parquet"
    (part,) = (root / table).glob("part-*.parquet")
    return part


class Copy:
    """A fresh copy of the results folder (hypothesis runs many examples per test)."""

    def __init__(self, results: Path):
        self.tmp = Path(tempfile.mkdtemp(prefix="gpps-analyze-"))
        self.root = self.tmp / "results"
        shutil.copytree(results, self.root)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.tmp, ignore_errors=True)


def refused(capsys, copy: Copy, match: str, *extra) -> str:
    return assert_refused(["analyze", copy.root, *extra], capsys, copy.tmp, match)


def test_the_copy_analyzes_and_replaces_its_analysis_whole(results, capsys):
    with Copy(results) as c:
        (c.root / "analysis" / "stale.txt").write_text("from before\n")
        code, out, err = run_cli(["analyze", c.root], capsys)
        assert code == 0, err
        assert out.strip() == f"report: {c.root / 'analysis' / 'report.md'}"
        assert not (c.root / "analysis" / "stale.txt").exists()
        assert not [p for p in c.tmp.rglob(".*") if p.name != ".lock"]


# -- broken files ----------------------------------------------------------------------------
@SETTINGS
@given(table=st.sampled_from(["runs", "design"]), cut=st.floats(0.0, 0.999))
def test_a_truncated_parquet_file_is_refused(results, capsys, table, cut):
    with Copy(results) as c:
        path = table_file(c.root, table)
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * cut)])
        refused(capsys, c, f"{path}: not a readable Parquet file")


@SETTINGS
@given(table=st.sampled_from(["runs", "design"]), data=st.binary(max_size=2000))
def test_a_random_parquet_file_is_refused(results, capsys, table, data):
    with Copy(results) as c:
        path = table_file(c.root, table)
        path.write_bytes(data)
        refused(capsys, c, f"{path}: not a readable Parquet file")


@pytest.mark.parametrize("table, other", [("runs", "design"), ("design", "runs")])
def test_another_table_in_place_of_one_is_refused(results, capsys, table, other):
    with Copy(results) as c:
        path = table_file(c.root, table)
        shutil.copy(table_file(c.root, other), path)
        refused(capsys, c, f"{path}: ")


def test_a_missing_design_file_is_refused(results, capsys):
    with Copy(results) as c:
        (c.root / "design.parquet").unlink()
        refused(capsys, c, "design.parquet: missing")


def test_a_design_of_another_size_is_refused(results, capsys):
    import pandas as pd

    with Copy(results) as c:
        path = c.root / "design.parquet"
        pd.read_parquet(path).head(3).to_parquet(path)
        refused(capsys, c, "design.parquet: 3 rows; expected sample_id 0 to 7")


@SETTINGS
@given(cut=st.floats(0.0, 0.99))
def test_a_truncated_manifest_is_refused(results, capsys, cut):
    with Copy(results) as c:
        path = c.root / "manifest.json"
        text = path.read_text(encoding="utf-8")
        path.write_text(text[: int(len(text) * cut)], encoding="utf-8")
        refused(capsys, c, f"{path}: not valid JSON")


@SETTINGS
@given(key=st.sampled_from(MANIFEST_KEYS))
def test_an_incomplete_manifest_is_refused(results, capsys, key):
    with Copy(results) as c:
        path = c.root / "manifest.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        del data[key]
        path.write_text(json.dumps(data), encoding="utf-8")
        refused(capsys, c, f"{path}: missing key {key!r}")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)


@SETTINGS
@given(key=st.sampled_from([*MANIFEST_KEYS, "spec_path"]), value=JSON)
def test_a_manifest_with_a_wrong_value_is_refused_or_read(results, capsys, key, value):
    with Copy(results) as c:
        path = c.root / "manifest.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        data[key] = value
        path.write_text(json.dumps(data), encoding="utf-8")
        before = snapshot(c.tmp)
        code, out, err = run_cli(["analyze", c.root], capsys)
        assert "Traceback" not in out + err
        if code == 0:  # a value analyze does not depend on (a name, a path shown in the report)
            assert key in ("name", "spec_path", "versions", "spec_hash", "runs"), key
            return
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert "manifest.json" in err, err
        assert snapshot(c.tmp) == before


@SETTINGS
@given(text=st.text(max_size=200))
def test_a_manifest_of_random_text_is_refused(results, capsys, text):
    with Copy(results) as c:
        path = c.root / "manifest.json"
        path.write_text(text, encoding="utf-8")
        refused(capsys, c, f"{path}: ")


def test_a_folder_without_a_manifest_is_refused(results, capsys, tmp_path):
    assert_refused(["analyze", tmp_path], capsys, tmp_path, "no manifest.json")
    assert_refused(["analyze", tmp_path / "nope"], capsys, tmp_path, "no such results folder")


# -- options ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["nan", "5", "-1", "0", "inf", "-inf", "1.0001"])
def test_a_threshold_outside_zero_to_one_is_refused(results, capsys, value):
    with Copy(results) as c:
        line = refused(capsys, c, "allowed: a number in (0, 1]", "--discover", DISCOVER,
                       f"--threshold={value}")  # fmt: skip
        assert line.startswith("gpps analyze: error: --threshold = ")


@SETTINGS
@given(names=st.lists(st.from_regex(r"[A-Za-z_][\w]{0,12}", fullmatch=True), min_size=1,
                      max_size=3))  # fmt: skip
def test_unknown_outcomes_are_refused_before_writing(results, capsys, names):
    names = [n for n in names if n not in ("quality", "cost")] or ["nope"]
    with Copy(results) as c:
        refused(capsys, c, f"--outcomes: unknown outcome {names[0]!r}", "--outcomes",
                ",".join(["quality", *names]))  # fmt: skip


def test_an_empty_outcome_list_is_refused(results, capsys):
    with Copy(results) as c:
        refused(capsys, c, "--outcomes: no outcome named", "--outcomes", " , ")


@SETTINGS
@given(text=st.text(max_size=80))
def test_a_malformed_comparison_is_refused(results, capsys, text):
    with Copy(results) as c:
        before = snapshot(c.tmp)
        code, out, err = run_cli(["analyze", c.root, f"--discover={text}"], capsys)
        assert "Traceback" not in out + err
        if code == 0:  # hypothesis found a well-formed comparison of this sweep
            return
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert err.startswith("gpps analyze: error: --discover"), err
        assert snapshot(c.tmp) == before


@pytest.mark.parametrize(
    "text, match",
    [
        ("contract beats administrative_dependence on qualty", "unknown outcome 'qualty'"),
        ("contract beats grant on quality", "no swept factor has both"),
        ("contract is better", "allowed: 'A beats B on OUTCOME'"),
        ("contract beats administrative_dependence on cost", "--discover"),
    ],
)
def test_a_comparison_this_sweep_cannot_answer_is_refused(results, capsys, text, match):
    with Copy(results) as c:
        extra = ["--outcomes", "quality"] if "cost" in text else []
        refused(capsys, c, match, "--discover", text, *extra)


def test_out_an_existing_file_or_a_foreign_folder_is_refused(results, capsys):
    with Copy(results) as c:
        target = c.tmp / "notes.txt"
        target.write_text("keep\n")
        refused(capsys, c, "is a file", "--out", target)
        folder = c.tmp / "docs"
        folder.mkdir()
        (folder / "mine.md").write_text("keep\n")
        refused(capsys, c, "holds something else than an analysis", "--out", folder)
