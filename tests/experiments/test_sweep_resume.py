"""Resume after a real ``kill -9``; a changed spec is refused unless forced."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pyarrow.parquet as pq
import pytest

from sim.errors import InputError
from sim.experiments.runner import run_sweep
from sim.experiments.spec import load
from sim.experiments.store import Store

ROOT = Path(__file__).resolve().parents[2]

SPEC = """
model = "sim.experiments.testfunctions:slow"
seed = 8
replications = 2
[factors]
sleep = 0.03
x = [{xs}]
[record]
final = ["draw", "x"]
"""


def write(tmp_path: Path, n: int = 40, name: str = "slow") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(SPEC.format(xs=", ".join(str(i / 10) for i in range(n // 2))))
    return path


def runs_of(path: Path) -> pd.DataFrame:
    return Store(path).read().drop(columns=["elapsed_s"])


@pytest.mark.parametrize("workers", ["1", "2"])
def test_kill_9_then_the_same_command_finishes_only_the_missing_runs(tmp_path, workers):
    spec_path, out = write(tmp_path), tmp_path / "results"
    cmd = [
        sys.executable,
        "-m",
        "sim.experiments",
        "sweep",
        str(spec_path),
        "--out",
        str(out),
        "--workers",
        workers,
        "--chunk-size",
        "2",
        "--no-progress",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True) as proc:
        deadline = time.monotonic() + 30
        while len(list((out / "runs").glob("part-*.parquet"))) < 4:
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.01)
        children = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
        _gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, "pool workers outlived their killed parent"
        # what the killed sweep's helpers (resource tracker, forkserver) wrote after it died
        assert "leaked semaphore" not in proc.stderr.read()

    parts = sorted((out / "runs").glob("part-*.parquet"))
    for part in parts:
        pq.read_table(part)  # every file on disk is whole
    recorded = sum(pq.read_metadata(p).num_rows for p in parts)
    assert 7 <= recorded < 40  # the first part holds the one run checked before the others

    again = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert f"{recorded} resumed from earlier" in again.stdout
    assert f"{40 - recorded} run now" in again.stdout

    resumed = runs_of(out)
    assert resumed["run_id"].tolist() == list(range(40))
    assert not list(out.rglob(".tmp-*"))
    fresh = tmp_path / "fresh"
    run_sweep(load(spec_path), fresh, workers=1, progress=False)
    pd.testing.assert_frame_equal(resumed, runs_of(fresh))
    manifest = Store(out).manifest()
    assert manifest["status"] == "complete" and len(manifest["sessions"]) == 2
    assert manifest["sessions"][0]["finished"] is None  # the killed session


def test_resume_skips_done_runs_and_cleans_temporaries(tmp_path):
    spec, out = load(write(tmp_path, n=8)), tmp_path / "r"
    first = run_sweep(spec, out, workers=1, progress=False)
    (out / ".tmp-123-part-0000000008.parquet").write_bytes(b"half a file")
    (out / "runs" / ".tmp-123-part-0000000000.parquet").write_bytes(b"half a file")
    second = run_sweep(spec, out, workers=1, progress=False)
    assert first.ran == 8 and second.ran == 0 and second.already == 8
    assert not list(out.rglob(".tmp-*"))
    assert runs_of(out)["run_id"].tolist() == list(range(8))


def test_changed_spec_is_refused_unless_forced(tmp_path):
    path, out = write(tmp_path, n=4), tmp_path / "r"
    run_sweep(load(path), out, workers=1, progress=False)
    path.write_text(path.read_text().replace("seed = 8", "seed = 9"))
    with pytest.raises(InputError) as info:
        run_sweep(load(path), out, workers=1, progress=False)
    message = str(info.value)
    assert "spec changed" in message and "--force" in message and str(path) in message
    assert "\n" not in message
    summary = run_sweep(load(path), out, workers=1, progress=False, force=True)
    assert summary.ran == 4 and Store(out).manifest()["spec"]["seed"] == 9


def test_a_description_change_is_not_a_spec_change(tmp_path):
    path, out = write(tmp_path, n=4), tmp_path / "r"
    run_sweep(load(path), out, workers=1, progress=False)
    path.write_text('description = "now documented"\n' + path.read_text())
    assert run_sweep(load(path), out, workers=1, progress=False).already == 4
