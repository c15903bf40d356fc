"""The dashboard trusts no client: a real server on 127.0.0.1 and a real websocket.

A page from another site cannot open the websocket (foreign ``Origin`` → 403), Solara's status
page is not served, and a forged value for a selector is refused without touching the file
system: only the shipped scenarios and the file named at start can be loaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.dashboard.conftest import ROOT, _wait_ready, require, stop

require("solara")
websockets = require("websockets")
from websockets.exceptions import InvalidStatus  # noqa: E402

from .wsclient import Page, open_ws, session_cookie  # noqa: E402

SECRET = "s3cr3t-token-9f1c"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A secret TOML file outside the project, and a scenario the facilitator names at start."""
    root = tmp_path_factory.mktemp("outside")
    (root / "secret.toml").write_text(f'api_token = "{SECRET}"\n', encoding="utf-8")
    (root / "folder").mkdir()
    named = root / "workshop_case.toml"
    named.write_text(
        'name = "workshop_case"\ndescription = "The case named at start: 7 organizations."\n'
        "[params]\nn_independent_orgs = 7\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture(scope="module")
def server(files, tmp_path_factory):
    """``python -m sim.dashboard NAMED --host 127.0.0.1 --port P``; stopped after the tests."""
    from sim.dashboard.server import free_port

    port = free_port("127.0.0.1")
    base = f"http://127.0.0.1:{port}/"
    log = tmp_path_factory.mktemp("log") / "server.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("GPPS_DASHBOARD_SCENARIO", None)
    cmd = [sys.executable, "-m", "sim.dashboard", str(files / "workshop_case.toml")]
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [*cmd, "--port", str(port), "--host", "127.0.0.1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_ready(base, proc, log)
        yield base, port, log
    finally:
        stop(proc)


def status_of(url: str, origin: str | None = None, method: str = "GET") -> int:
    req = urllib.request.Request(url, method=method, headers={"Origin": origin} if origin else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://127.0.0.1.evil.example:{port}", "http://127.0.0.1:1", "null"],
)
def test_a_websocket_from_a_foreign_origin_is_refused(server, origin):
    base, port, _ = server
    with pytest.raises(InvalidStatus) as err:
        with open_ws(base, origin.format(port=port), session_cookie(base)):
            pass
    assert err.value.response.status_code == 403


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_the_served_addresses_open_the_websocket(server, host):
    base, port, _ = server
    with open_ws(base, f"http://{host}:{port}", session_cookie(base)) as ws:
        assert ws.protocol.state.name == "OPEN"


def test_a_foreign_origin_gets_no_http_answer_either(server):
    base, port, _ = server
    assert status_of(base) == 200
    assert status_of(base, f"http://127.0.0.1:{port}") == 200
    assert status_of(base, "http://evil.example") == 403
    assert (
        status_of(base + "_solara/api/close/abc?session_id=x", "http://evil.example", "POST") == 403
    )


@pytest.mark.parametrize("path", ["resourcez", "resourcez?verbose", "resourcez/?verbose=1"])
def test_the_status_page_is_not_served(server, path):
    base, _, _ = server
    assert status_of(base + path) == 404


@pytest.fixture(scope="module")
def page(server):
    base, port, _ = server
    with open_ws(base, f"http://127.0.0.1:{port}", session_cookie(base)) as ws:
        p = Page(ws)
        p.start()
        assert p.find("gpps-scenario") is not None, "the page has no scenario selector"
        yield p


def scenario_shown(page: Page) -> str:
    """The first line of the running model's description, as the page shows it."""
    running = page.state[page.find("gpps-running")]
    return str(running.get("children"))


FORGED = [
    "{outside}/secret.toml",
    "{outside}/folder",
    "{outside}/missing.toml",
    "pyproject.toml",
    "../pyproject.toml",
    "/etc/passwd",
    "baseline ",
    "",
]


def test_forged_scenario_values_are_refused_and_leak_nothing(page, files, server):
    select = page.find("gpps-scenario")
    offered = [i["value"] if isinstance(i, dict) else i for i in page.state[select]["items"]]
    assert "baseline" in offered and str(files / "workshop_case.toml") in offered
    answers = []
    for i, forged in enumerate(FORGED):
        value = forged.format(outside=files)
        page.texts.clear()
        choice = ("luocun_2008", "baseline")[i % 2]
        page.set(select, v_model=choice)  # a valid choice clears the last notice
        assert page.until(choice)
        page.pump(0.3)
        page.texts.clear()
        page.set(select, v_model=value)
        page.until("not one of the choices this page offered", 10.0)
        page.pump(0.5)  # anything that would follow the answer
        seen = page.all_text()
        assert SECRET not in seen and "api_token" not in seen
        for oracle in ("no such file", "is a folder", "malformed TOML", "unknown key"):
            assert oracle not in seen, (value, oracle)
        assert "not one of the choices this page offered" in seen, value
        # the same answer whatever the path: nothing tells whether it exists
        answers.append(seen.count("not one of the choices"))
    assert len(set(answers)) == 1
    # a value of another type is refused the same way
    for i, value in enumerate((["baseline"], 7, None, {"path": "/etc/passwd"})):
        page.texts.clear()
        choice = ("luocun_2008", "baseline")[i % 2]
        page.set(select, v_model=choice)
        assert page.until(choice)
        page.pump(0.3)
        page.texts.clear()
        page.set(select, v_model=value)
        page.until("not one of the choices this page offered", 10.0)
        assert "not one of the choices this page offered" in page.all_text(), value
        assert "Error" not in page.all_text()
    _, _, log = server
    assert SECRET not in log.read_text(encoding="utf-8")


def test_offered_scenarios_still_load(page, files):
    select = page.find("gpps-scenario")
    page.texts.clear()
    page.set(select, v_model=str(files / "workshop_case.toml"))
    assert page.until("The case named at start")
    page.texts.clear()
    page.set(select, v_model="jiangxi_2006")
    assert page.until("jiangxi_2006")
    assert "not one of the choices" not in page.all_text()


def test_allowed_origins_are_the_printed_addresses():
    from sim.dashboard.server import addresses, origins

    local = origins("127.0.0.1", 8765)
    assert {"http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765"} <= local
    assert not any("evil" in o or o.endswith(":8766") for o in local)
    room = addresses("0.0.0.0", 8765)
    assert "http://0.0.0.0:8765/" not in room and "http://127.0.0.1:8765/" in room
    assert {a.rstrip("/").lower() for a in room} <= origins("0.0.0.0", 8765)
    assert origins("192.0.2.7", 80) == {"http://192.0.2.7:80", "http://192.0.2.7"}


def test_a_room_server_prints_a_numeric_lan_address_first():
    from sim.dashboard.server import lan_first

    shown = [
        "http://laptop:8765/",
        "http://[fd00::2]:8765/",
        "http://192.0.2.2:8765/",
        "http://127.0.0.1:8765/",
        "http://localhost:8765/",
        "http://[::1]:8765/",
    ]
    assert lan_first(shown) == [
        "http://192.0.2.2:8765/",
        "http://laptop:8765/",
        "http://[fd00::2]:8765/",
        "http://localhost:8765/",
        "http://127.0.0.1:8765/",
        "http://[::1]:8765/",
    ]


@pytest.mark.parametrize(
    "value, ok",
    [("baseline", True), ("baseline ", False), (["baseline"], False), (None, False), ("x", False)],
)
def test_a_selector_value_counts_only_when_offered(value, ok):
    from sim.dashboard.controls import offered

    assert offered(value, ["baseline", "luocun_2008"]) is ok
