"""Help, ``scenarios`` and argument errors do not import the model (nor Mesa, nor the kernels)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ["sim.model", "sim.kernels", "sim.metrics", "mesa", "numba"]

PROBE = """
import contextlib, io, json, sys
from sim.cli import main
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    code = main(json.loads(sys.argv[1]))
heavy = [m for m in json.loads(sys.argv[2]) if m in sys.modules]
print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue(), "heavy": heavy}))
"""


@pytest.mark.parametrize(
    ("argv", "code", "expect"),
    [
        (["--help"], 0, "usage: gpps"),
        (["sweep", "--help"], 0, "--dask-wait"),
        (["scenarios"], 0, "baseline"),
        (["run", "baseline", "--steps", "0"], 2, "--steps = 0: expected an integer in [1, 1200]"),
        (["compare", "--replications", "x"], 2, "--replications = x"),
        (["frobnicate"], 2, "invalid choice: 'frobnicate'"),
        (["sweep", "x.toml", "--dask-wait", "x"], 2, "--dask-wait: invalid float value: 'x'"),
    ],
)
def test_help_scenarios_and_argument_errors_leave_the_model_unimported(argv, code, expect):
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(HEAVY)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["code"] == code
    assert expect in result["out"] + result["err"]
    assert result["heavy"] == []
    if code == 2:
        assert len(result["err"].strip().splitlines()) == 1 and "Traceback" not in result["err"]


def test_the_probe_sees_an_import_when_a_command_runs_the_model(tmp_path):
    """The check above can fail: a command that runs the model imports it."""
    argv = ["run", "baseline", "--steps", "1", "--out", str(tmp_path / "r")]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(HEAVY)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["code"] == 0, result["err"]
    assert result["heavy"] == HEAVY
