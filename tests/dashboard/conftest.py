"""Fixtures of the dashboard tests: a dashboard server on a free port, a headless Chromium.

Browser tests use Debian's Chromium (``/usr/bin/chromium``, or ``$GPPS_CHROMIUM``) driven by
Playwright, with no browser download and no network. Under ``CI=true`` a missing Chromium,
Playwright or Solara fails the tests; elsewhere they are skipped with the reason. Screenshots
and the server's log go to ``tests/dashboard/artifacts/`` (ignored by git).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import sim

#: The folder holding the ``sim`` package the tests import: the server runs the same code.
ROOT = Path(sim.__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1600, "height": 1000}
SERVER_START_SECONDS = 90


def _server_renderer() -> None:
    """Headless renders here walk the page as the server's renderer does (``REACTON_FAST``,
    one of ``server.SOLARA_ENV``)."""
    from sim.dashboard.server import SOLARA_ENV

    os.environ.setdefault("REACTON_FAST", SOLARA_ENV["REACTON_FAST"])


_server_renderer()


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def unavailable(reason: str):
    """Fail under CI (the browser tests must run there), skip elsewhere."""
    if in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require(module: str):
    """Import ``module`` or fail (CI) / skip (elsewhere)."""
    try:
        return __import__(module)
    except ImportError:
        unavailable(f"{module} is not installed (pip install -e '.[dashboard]')")


def chromium_path() -> str | None:
    path = os.environ.get("GPPS_CHROMIUM") or "/usr/bin/chromium"
    if os.path.exists(path):
        return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


def stop(proc: subprocess.Popen) -> None:
    """Stop a server started in its own process group, and everything it started."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def _wait_ready(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"dashboard server exited with {proc.returncode}:\n{log.read_text()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(
        f"dashboard server not ready after {SERVER_START_SECONDS}s:\n{log.read_text()}"
    )


@contextlib.contextmanager
def dashboard_server(log_name: str = "server.log"):
    """``python -m sim.dashboard --facilitator`` on a free localhost port, its output in
    ``ARTIFACTS / log_name``; yields its address and stops it after."""
    require("solara")
    from sim.dashboard.server import free_port

    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port("127.0.0.1")
    url = f"http://127.0.0.1:{port}/"
    log = ARTIFACTS / log_name
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("GPPS_DASHBOARD_SCENARIO", None)
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "sim.dashboard", "--facilitator"),
                *("--port", str(port), "--host", "127.0.0.1"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with everything it started
        )
    try:
        _wait_ready(url, proc, log)
        yield url
    finally:
        stop(proc)


def printed(log_name: str, what: str) -> str:
    """The facilitator's or projector's address a server printed (``what``: ``facilitator``
    or ``projector``)."""
    import re

    text = (ARTIFACTS / log_name).read_text(encoding="utf-8")
    found = re.search(rf"{what}: (http://\S+)", text)
    assert found, text
    return found.group(1)


@pytest.fixture(scope="session")
def dashboard_url():
    """The dashboard server of the tests (``dashboard_server``)."""
    with dashboard_server() as url:
        yield url


@pytest.fixture(scope="session")
def facilitator_url(dashboard_url):
    """The facilitator's address the server printed (with its secret token)."""
    return printed("server.log", "facilitator")


@pytest.fixture(scope="session")
def room_url():
    """A server of its own for the workshop room's tests: what its facilitator pushes
    reaches every seat of that server, and no other test's."""
    with dashboard_server("server_room.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright (no download, no network)."""
    path = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright; no browser download)")
    if path is None:
        unavailable("Chromium is not installed (apt-get install chromium)")
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
    except Exception as exc:
        pw.stop()
        unavailable(f"Chromium at {path} did not start: {exc}")
    try:
        yield b
    finally:
        b.close()
        pw.stop()


@pytest.fixture
def new_page(browser, dashboard_url, request):
    """``new_page(viewport=None)`` opens the dashboard in a fresh browser context (a new
    session), 1600×1000 unless ``viewport`` says otherwise."""
    contexts = []

    def make(viewport=None):
        context = browser.new_context(viewport=viewport or VIEWPORT, accept_downloads=True)
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.outside = []  # requests that leave the dashboard server (there must be none)
        page.failed = []
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(("data:", "blob:", dashboard_url))
                else page.outside.append(r.url)
            ),
        )
        page.on("requestfailed", lambda r: page.failed.append(r.url))
        page.goto(dashboard_url)
        page.locator(".gpps-month").wait_for(timeout=60_000)
        return page

    yield make
    _close(contexts, request)


def _close(contexts, request) -> None:
    """Close a test's browser contexts, with a screenshot of each page if the test failed."""
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failed-{i}{j}.png"))
                except Exception:
                    pass
    for context in contexts:
        context.close()


@pytest.fixture
def room_page(browser, room_url, request):
    """``room_page(address=None, viewport=None, wait=".gpps-month")`` opens an address of the
    room's server (its participants' page by default) in a fresh browser context."""
    contexts = []

    def make(address=None, viewport=None, wait=".gpps-month"):
        context = browser.new_context(viewport=viewport or VIEWPORT, accept_downloads=True)
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(address or room_url)
        if wait:
            page.locator(wait).first.wait_for(timeout=60_000)
        return page

    yield make
    _close(contexts, request)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
