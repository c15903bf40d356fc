"""`gpps run` and `gpps compare` under faults: a second writer, a killed earlier run's
temporaries, a full or unwritable disk. Each ends in one line and exit 2, nothing half-written,
earlier results intact."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
from pathlib import Path

import pytest

from sim import output
from sim.cli import main

SMALL = ["--steps", "3", "--replications", "2"]


def gpps(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def one_line_error(code: int, err: str, command: str) -> str:
    """The error line of ``gpps COMMAND`` (progress lines of the runs may come before it)."""
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if not line.startswith("compare: ")]
    assert len(lines) == 1 and lines[0].startswith(f"gpps {command}: error: "), err
    return lines[0]


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_second_command_writing_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "cmp"
    with open(tmp_path / ".cmp.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running compare holds it
        code, _, err = gpps("compare", *SMALL, "--out", out)
    assert "another gpps command is writing" in one_line_error(code, err, "compare")
    assert not out.exists()


def test_temporaries_a_killed_command_left_are_removed_and_no_lock_stays(tmp_path):
    out = tmp_path / "cmp"
    stale = tmp_path / ".cmp.k1ll3d"  # what atomic_dir leaves if the process is killed
    (stale / "events").mkdir(parents=True)
    (stale / "runs.csv").write_text("half", encoding="utf-8")
    code, _, err = gpps("compare", *SMALL, "--out", out)
    assert code == 0, err
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp"]


@pytest.mark.parametrize("command", [["compare", *SMALL], ["run", "baseline", "--steps", "3"]])
@pytest.mark.parametrize("fault", [errno.ENOSPC, errno.EROFS])
def test_a_full_or_read_only_disk_is_one_line_and_keeps_earlier_results(
    tmp_path, monkeypatch, command, fault
):
    out = tmp_path / "res"
    code, _, err = gpps(*command, "--out", out)
    assert code == 0, err
    before = files(out)
    real = output.write_csv
    calls = []

    def failing(path, rows, columns=None):
        calls.append(path)
        if len(calls) == 2:  # part of the way through
            raise OSError(fault, "injected", str(path))
        return real(path, rows, columns)

    monkeypatch.setattr(output, "write_csv", failing)
    code, _, err = gpps(*command, "--out", out, "--force")
    line = one_line_error(code, err, command[0])
    assert "cannot write" in line and "earlier results are kept" in line
    assert files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_an_unwritable_place_is_refused_before_any_run(tmp_path, monkeypatch):
    import sim.compare

    def no_runs(*args, **kwargs):
        raise AssertionError("runs started")

    monkeypatch.setattr(sim.compare, "replicate", no_runs)
    real_access = output.os.access
    monkeypatch.setattr(
        output.os, "access", lambda p, mode: False if Path(p) == tmp_path else real_access(p, mode)
    )
    code, _, err = gpps("compare", *SMALL, "--out", tmp_path / "new" / "cmp")
    assert "permission denied" in one_line_error(code, err, "compare")
    assert list(tmp_path.iterdir()) == []


def test_a_world_without_need_says_which_outcomes_have_no_value_and_why(tmp_path):
    import json

    scenario = tmp_path / "empty.toml"
    scenario.write_text(
        'name = "empty"\ndescription = "nobody needs the service"\n'
        "[params]\nneed_prevalence = 0.0\nsteps = 4\n",
        encoding="utf-8",
    )
    out = tmp_path / "res"
    code, stdout, err = gpps("run", scenario, "--regime", "contract", "--out", out)
    assert code == 0, err
    footnote = " ".join(stdout.split("- : ", 1)[1].split())  # the footnote, unwrapped
    assert footnote.startswith("no value in these runs for") and "Share of need met" in footnote
    undefined = json.loads((out / "metadata.json").read_text(encoding="utf-8"))["undefined"]
    assert undefined["contract"]["need_met_share"] == "need total was 0 in every month"
    assert "provider_gov_share_mean" in undefined["contract"]
    import csv

    with open(out / "summary.csv", newline="", encoding="utf-8") as f:
        row = next(csv.DictReader(f))
    assert row["need_met_share"] == ""  # an empty cell, explained in the metadata
    assert not any(v.lower() == "nan" for v in row.values())
