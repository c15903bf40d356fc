"""Helpers of the robustness suite: run the CLI in-process, and check a refusal.

A refusal is the README's promise for bad input: exit status 2, one line on stderr naming what
is wrong, no traceback, nothing written, and no earlier result lost.
"""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from sim.cli import main


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` (hidden ones too) → a hash of its bytes."""
    if not root.exists():
        return {}
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """``gpps ARGV`` in this process: (status, stdout, stderr)."""
    capsys.readouterr()
    code = main([str(a) for a in argv])
    got = capsys.readouterr()
    return code, got.out, got.err


def assert_refused(argv, capsys, watch: Path, match: str | None = None) -> str:
    """``gpps ARGV`` exits 2 with one line on stderr and leaves ``watch`` as it was."""
    before = snapshot(watch)
    code, out, err = run_cli(argv, capsys)
    lines = err.strip().splitlines()
    assert code == 2, (code, out, err)
    assert len(lines) == 1, err
    assert lines[0].startswith(f"gpps {argv[0]}: error: "), err
    assert "Traceback" not in err + out
    if match is not None:
        assert match in lines[0], lines[0]
    assert snapshot(watch) == before, "a refused command changed the files"
    return lines[0]


@pytest.fixture
def write(tmp_path):
    """``write(name, text)`` → a file in ``tmp_path`` with dedented ``text``."""

    def make(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return make
