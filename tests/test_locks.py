"""The two lock files agree with pyproject.toml's ranges, and the README with the lock files."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ["constraints.txt", "constraints-latest.txt"]


def pins(name: str) -> dict[str, str]:
    out = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            package, _, version = line.partition("==")
            assert version, f"{name}: {line!r} is not pinned with =="
            out[canonicalize_name(package)] = version
    return out


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = [Requirement(r) for r in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        found += [Requirement(r) for r in extra if not r.startswith("gpps[")]
    return found


@pytest.mark.parametrize("lock", LOCKS)
def test_every_requirement_is_pinned_within_its_range(lock):
    pinned = pins(lock)
    for req in requirements():
        name = canonicalize_name(req.name)
        assert name in pinned, f"{lock} does not pin {req.name}"
        assert req.specifier.contains(pinned[name], prereleases=True), (
            f"{lock}: {req.name}=={pinned[name]} is outside pyproject.toml's {req}"
        )


def test_the_readme_states_the_tested_versions_of_both_locks():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(constraints[\w-]*\.txt)` \| (3\.\d+) \| (.+) \|$", readme, re.M)
    assert [r[0] for r in rows] == LOCKS and [r[1] for r in rows] == ["3.11", "3.13"]
    for lock, _python, versions in rows:
        pinned = pins(lock)
        stated = re.findall(r"([A-Za-z][\w ]*?) (\d[\w.]*)", versions)
        assert len(stated) >= 4
        for package, version in stated:
            name = canonicalize_name(package.replace("EMA Workbench", "ema_workbench"))
            assert pinned.get(name) == version, f"README: {package} {version}; {lock}: {name}"


def test_the_latest_lock_says_how_it_is_refreshed():
    text = (ROOT / "constraints-latest.txt").read_text(encoding="utf-8")
    assert ".ci/lock-latest" in text and (ROOT / ".ci" / "lock-latest").exists()
    assert ".ci/lock-latest" in (ROOT / "README.md").read_text(encoding="utf-8")
