"""Helpers for the sweep-engine tests: write a spec file, load it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.experiments.spec import load


@pytest.fixture
def make_spec(tmp_path: Path):
    """``make_spec(toml_text, name="exp")`` → a loaded ``Spec`` from a file in ``tmp_path``."""

    def make(text: str, name: str = "exp"):
        path = tmp_path / f"{name}.toml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return load(path)

    return make
