"""Every Markdown file's relative links and file references point at something in the
repository (web links are not followed); ``docs/results.md`` is what the code generates."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Top-level folders of the repository a file reference may start with.
TOP = ("sim", "docs", "tests", "scenarios", "experiments", "benchmarks", ".ci")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(
    r"(?<![\w./-])((?:" + "|".join(re.escape(t) for t in TOP) + r")/[\w./-]*[\w/])"
)
#: Placeholders in a reference (``experiments/NAME.toml``) or patterns (``part-*.parquet``).
PLACEHOLDER = re.compile(r"[A-Z]{3,}|[*{}]")


def markdown_files() -> list[Path]:
    """The repository's Markdown files: those git tracks, and any other outside hidden folders
    (virtual environments such as .venv and .venv313) and results/."""
    try:
        names = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "*.md"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        files = [ROOT / n for n in names]
    except (OSError, subprocess.CalledProcessError):
        files = []
    files += [
        p
        for p in ROOT.rglob("*.md")
        if "results" not in p.relative_to(ROOT).parts
        and not any(part.startswith(".") for part in p.relative_to(ROOT).parts)
    ]
    return sorted({p for p in files if p.is_file()})


def ignored(ref: str) -> bool:
    """Whether git ignores ``ref``: a folder the tests write (``tests/dashboard/artifacts/``)."""
    try:
        return subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", ref]).returncode == 0
    except OSError:
        return False


def dangling(path: Path) -> list[str]:
    """Links and file references of ``path`` that point at nothing in the repository."""
    text = path.read_text(encoding="utf-8")
    bad = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # http(s), mailto, an anchor on the page
        where = target.split("#", 1)[0]
        if not (path.parent / where).exists():
            bad.append(f"link {target}")
    for ref in REFERENCE.findall(text):
        if PLACEHOLDER.search(ref):
            continue
        if not (ROOT / ref.rstrip(".")).exists() and not ignored(ref):
            bad.append(f"file {ref}")
    return bad


def test_the_checker_finds_a_dangling_link_and_reference(tmp_path):
    page = ROOT / "docs" / "_probe_links.md"
    page.write_text(
        "[ok](ODD.md) [gone](nowhere.md) see `sim/metrics.py` and sim/no_such.py; "
        "[web](https://example.org/x.md) `experiments/NAME.toml`\n",
        encoding="utf-8",
    )
    try:
        assert dangling(page) == ["link nowhere.md", "file sim/no_such.py"]
    finally:
        page.unlink()


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_dangling_link_or_file_reference(path):
    assert dangling(path) == []


def test_results_doc_is_what_the_code_generates():
    pytest.importorskip("pyarrow")
    from sim import docs_results

    text = docs_results.PATH.read_text(encoding="utf-8")
    assert text == docs_results.generate(), "run `python -m sim.docs_results` to refresh it"
