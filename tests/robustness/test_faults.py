"""A file system that cannot take what is written (full, read-only, forbidden), injected by
patching the writer: one line, exit 2, no temporary file or lock left, earlier results kept,
and the same command resumes once there is room."""

from __future__ import annotations

import errno
import os

import pytest

import sim.experiments.store as store_module
from sim.experiments import analyze as analyze_module

from .conftest import assert_refused, run_cli, snapshot
from .test_sweep_input import FINE, spec_text

ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
EROFS = OSError(errno.EROFS, os.strerror(errno.EROFS))


def failing_after(n: int, exc: OSError, real):
    """A stand-in for ``real`` that works ``n`` times, then raises ``exc``."""
    calls = {"n": 0}

    def fake(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > n:
            raise exc
        return real(*args, **kwargs)

    return fake


@pytest.mark.parametrize("exc", [ENOSPC, EROFS], ids=["full", "read-only"])
def test_a_disk_that_takes_nothing_leaves_nothing(tmp_path, capsys, monkeypatch, exc):
    spec = tmp_path / "fine.toml"
    spec.write_text(spec_text(FINE), encoding="utf-8")
    out = tmp_path / "out"
    monkeypatch.setattr(store_module.pq, "write_table", failing_after(0, exc, None))
    line = assert_refused(
        ["sweep", spec, "--out", out, "--workers", "1", "--no-progress"],
        capsys,
        tmp_path,
        exc.strerror,
    )
    assert "cannot be written" in line
    assert not out.exists()


def test_a_disk_that_fills_during_a_sweep_keeps_the_runs_done_and_resumes(
    tmp_path, capsys, monkeypatch
):
    spec = tmp_path / "fine.toml"
    spec.write_text(spec_text({**FINE, "factors": {"x": list(range(8))}}), encoding="utf-8")
    out = tmp_path / "out"
    argv = ["sweep", spec, "--out", out, "--workers", "1", "--chunk-size", "2", "--no-progress"]
    real = store_module.pq.write_table
    # the design, then three parts (the first run, then two chunks), then the disk is full
    monkeypatch.setattr(store_module.pq, "write_table", failing_after(4, ENOSPC, real))
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert "No space left on device" in err
    assert not list(out.rglob(".tmp-*")) and not (out / ".lock").exists()
    parts = sorted(p.name for p in (out / "runs").glob("part-*.parquet"))
    assert len(parts) == 3
    monkeypatch.setattr(store_module.pq, "write_table", real)
    code, stdout, err = run_cli(argv, capsys)
    assert code == 0, err
    # the 5 runs recorded before the disk filled (1 + 2 + 2) are kept, not run again
    assert "8/8 runs recorded (3 run now" in stdout and "5 resumed from earlier" in stdout


def test_a_folder_this_user_cannot_write_is_refused_first(tmp_path, capsys, monkeypatch):
    spec = tmp_path / "fine.toml"
    spec.write_text(spec_text(FINE), encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    real = os.access
    monkeypatch.setattr(
        store_module.os, "access", lambda p, mode: False if str(p) == str(locked) else real(p, mode)
    )
    assert_refused(["sweep", spec, "--out", locked / "out"], capsys, tmp_path, "is not writable")


def test_an_analysis_that_cannot_be_written_keeps_the_earlier_one(tmp_path, capsys, monkeypatch):
    spec = tmp_path / "fine.toml"
    spec.write_text(spec_text(FINE), encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli(["sweep", spec, "--out", out, "--workers", "1", "--no-progress"], capsys)[0] == 0
    assert run_cli(["analyze", out], capsys)[0] == 0
    before = snapshot(tmp_path)
    real = analyze_module._write

    def half(inputs, where):
        (where / "comparison.csv").write_text("half\n")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(where / "report.md"))

    monkeypatch.setattr(analyze_module, "_write", half)
    assert_refused(["analyze", out], capsys, tmp_path, "No space left on device")
    assert snapshot(tmp_path) == before
    monkeypatch.setattr(analyze_module, "_write", real)


def test_an_interrupted_sweep_says_so_with_true_counts_and_leaves_no_lock(tmp_path, monkeypatch):
    """Ctrl+C mid-sweep: exit 130, the manifest says ``interrupted`` with the runs recorded."""
    import sim.experiments.runner as runner
    from sim.cli import main
    from sim.experiments.store import Store

    spec = tmp_path / "s.toml"
    spec.write_text(
        'description = "interrupted"\nsteps = 3\nseed = 1\nreplications = 6\n'
        'scenario = "baseline"\n[design]\nmethod = "factorial"\n',
        encoding="utf-8",
    )
    real, calls = runner._record, []

    def record(store, summary, bar, chunk, *rest, **kwargs):
        calls.append(len(chunk))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(store, summary, bar, chunk, *rest, **kwargs)

    monkeypatch.setattr(runner, "_record", record)
    out = tmp_path / "out"
    code = main(["sweep", str(spec), "--workers", "1", "--chunk-size", "2", "--out", str(out)])
    assert code == 130
    manifest = Store(out).manifest()
    assert manifest["status"] == "interrupted"
    # the run checked first, and the chunk recorded next (2 runs, or the last one alone: the
    # executor hands chunks back as they finish)
    assert manifest["runs"]["recorded"] == len(Store(out).read()) == 1 + calls[1]
    assert calls[0] == 1 and calls[1] in (1, 2)
    assert not (out / ".lock").exists()
    # kill -9 leaves the manifest saying "running" and an empty lock file no process holds
    manifest["status"] = "running"
    Store(out).save_manifest(manifest)
    (out / ".lock").write_text("", encoding="utf-8")
    (out / "runs" / ".tmp-part-000009.parquet").write_bytes(b"half")
    assert Store(out).manifest()["status"] == "interrupted"
    assert not (out / ".lock").exists()
    assert not list((out / "runs").glob(".tmp-*"))
