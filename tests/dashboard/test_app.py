"""Headless tests of the Solara page (``solara.render``, no browser).

They check the wiring: buttons step the session's own model, inputs show their messages, the
language switch relabels the page, a failing handler leaves a message and a live page. They
cannot see whether the browser draws anything: ``test_browser.py`` does that.
"""

from __future__ import annotations

import threading
import time

import pytest

from .conftest import require

solara = require("solara")
v = require("ipyvuetify")


@pytest.fixture(autouse=True)
def threads_done():
    """Wait for the threads a test started (a comparison, the play timer): a thread still
    running when the interpreter exits aborts it. The timers that close a closed page's seat
    later are daemons, and not waited for."""
    from sim.dashboard.session import EXPIRY_THREAD

    before = set(threading.enumerate())
    yield
    for t in threading.enumerate():
        if t not in before and t is not threading.current_thread() and t.name != EXPIRY_THREAD:
            t.join(timeout=60)


def render():
    from sim.dashboard.app import Page

    box, rc = solara.render(Page(), handle_error=False)
    return rc


def buttons(rc, text):
    return [
        b
        for b in rc.find(v.Btn).widgets
        if any(c == text for c in b.children if isinstance(c, str))
    ]


def texts(rc, cls):
    return [
        " ".join(str(c) for c in w.children)
        for w in rc.find(v.Html).widgets
        if w.class_ and cls in w.class_.split()
    ]


def chart_points(rc) -> list[int]:
    """Points in the last series of each outcome chart the page sends to the browser."""
    from solara.components.echarts import EchartsWidget

    return [
        len(w.option["series"][-1]["data"])
        for w in rc.find(EchartsWidget).widgets
        if w.option.get("xAxis", {}).get("type") == "value"
    ]


def month(rc) -> str:
    return texts(rc, "gpps-month")[0]


def shows(rc, text) -> bool:
    """Wait until the month line reads ``text`` (a render may finish in another thread)."""
    return wait_for(lambda: month(rc) == text)


def wait_for(predicate, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def text_field(rc, label):
    """The text field labelled ``label``, or of parameter ``label``."""
    found = [
        w
        for w in rc.find(v.TextField).widgets
        if w.label == label or f"gpps-input-{label}" in (w.class_ or "").split()
    ]
    assert len(found) == 1, [w.label for w in rc.find(v.TextField).widgets]
    return found[0]


def test_step_and_reset_drive_the_pages_own_model():
    rc = render()
    assert shows(rc, "Month 0 of 120")
    buttons(rc, "Step")[0].click()
    buttons(rc, "Step")[0].click()
    assert shows(rc, "Month 2 of 120")
    assert wait_for(lambda: chart_points(rc) == [2] * 16)  # every outcome chart, two months
    buttons(rc, "Reset")[0].click()
    assert shows(rc, "Month 0 of 120")
    rc.close()


def test_two_pages_do_not_share_a_model():
    a, b = render(), render()
    buttons(a, "Step")[0].click()
    buttons(a, "Step")[0].click()
    assert shows(a, "Month 2 of 120")
    assert shows(b, "Month 0 of 120")
    buttons(b, "Step")[0].click()
    assert shows(b, "Month 1 of 120") and month(a) == "Month 2 of 120"
    a.close()
    b.close()


def test_an_invalid_input_shows_its_message_and_keeps_the_model():
    rc = render()
    buttons(rc, "Step")[0].click()
    field = text_field(rc, "n_independent_orgs")
    field.v_model = "-3"
    field.fire_event("focusout")
    field = text_field(rc, "n_independent_orgs")
    assert field.error and field.messages == ["expected a value in [0, 10000]"]
    assert shows(rc, "Month 1 of 120")
    buttons(rc, "Reset")[0].click()
    assert shows(rc, "Month 1 of 120")  # the running model is kept
    alerts = [" ".join(map(str, a.children)) for a in rc.find(v.Alert).widgets]
    assert any("Fix the inputs marked in red" in a for a in alerts)
    buttons(rc, "Step")[0].click()
    assert shows(rc, "Month 2 of 120")
    rc.close()


def test_a_bad_seed_is_refused_beside_the_field():
    rc = render()
    field = text_field(rc, "Seed")
    field.v_model = "-4"
    field.fire_event("focusout")
    field = text_field(rc, "Seed")
    assert field.error and field.messages == ["expected a whole number >= 0"]
    rc.close()


def test_the_language_switch_relabels_the_page():
    rc = render()
    buttons(rc, "中文")[0].click()
    tabs = [t.children[0] for t in rc.find(v.Tab).widgets]
    assert tabs == ["结果", "关系网络", "社会组织", "模式比较", "扮演购买主体"]
    assert shows(rc, "第 0 月（共 120 月）")
    assert buttons(rc, "单步") and buttons(rc, "重置")
    labels = {w.label for w in rc.find(v.Select).widgets}
    assert {"情景", "购买模式"} <= labels
    buttons(rc, "English")[0].click()
    assert shows(rc, "Month 0 of 120")
    rc.close()


def test_a_failing_handler_leaves_a_message_and_a_live_page(monkeypatch):
    from sim.dashboard.session import RunSession

    rc = render()
    original = RunSession.step

    def broken(self, months=1):
        raise RuntimeError("boom")

    monkeypatch.setattr(RunSession, "step", broken)
    buttons(rc, "Step")[0].click()
    alerts = [" ".join(map(str, a.children)) for a in rc.find(v.Alert).widgets]
    assert any("Something went wrong: RuntimeError: boom" in a for a in alerts)
    monkeypatch.setattr(RunSession, "step", original)
    buttons(rc, "Step")[0].click()
    assert shows(rc, "Month 1 of 120")
    rc.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_tab_renders(lang):
    rc = render()
    if lang == "zh":
        buttons(rc, "中文")[0].click()
    buttons(rc, "单步" if lang == "zh" else "Step")[0].click()
    tabs = rc.find(v.Tabs).widgets[0]
    for i in range(5):
        tabs.v_model = i
        time.sleep(0.05)
    rc.close()


def test_a_value_that_reaches_the_server_after_enter_still_counts():
    """A busy server can get the Enter before the field's new value: the late value counts."""
    rc = render()
    label = "n_independent_orgs"
    field = text_field(rc, label)
    field.fire_event("keyup.enter")  # Enter arrives first, with the old value "4"
    field.v_model = "-3"  # then the value typed
    assert wait_for(lambda: text_field(rc, label).messages == ["expected a value in [0, 10000]"])
    rc.close()


def test_typing_without_enter_changes_nothing():
    rc = render()
    label = "n_independent_orgs"
    field = text_field(rc, label)
    field.v_model = "-3"  # typed, not entered
    time.sleep(0.2)
    assert not text_field(rc, label).error
    field.fire_event("focusout")  # left the field: entered
    assert wait_for(lambda: text_field(rc, label).error)
    rc.close()


def test_a_closed_pages_model_is_freed_after_the_time_and_not_before(monkeypatch):
    """The page itself holds nothing of a closed tab's run: once its seat's time is up, the
    model is gone (a weak reference to it dies)."""
    import gc
    import weakref

    from sim.dashboard import app

    monkeypatch.setattr(app.SEATS, "keep", 0.5)
    before = {token for token, _, _ in app.SEATS.seats()}
    rc = render()
    buttons(rc, "Step")[0].click()
    assert shows(rc, "Month 1 of 120")
    (seat,) = [s for token, s, _ in app.SEATS.seats() if token not in before]
    model = weakref.ref(seat.run.model)
    del seat
    rc.close()  # the tab is gone
    # Outside a server, solara gives widgets dummy comms and keeps each one in a debugging
    # registry (solara.comm.orphan_comm_stacks) for good; with some library versions a closed
    # widget's comm still holds its handlers there. The server has real comms and no such
    # registry, so it is emptied here to see what the dashboard itself keeps.
    import solara.comm

    solara.comm.orphan_comm_stacks.clear()
    gc.collect()
    assert model() is not None  # kept for a reload
    assert wait_for(lambda: gc.collect() is not None and model() is None, timeout=10)


def alerts(rc) -> list[str]:
    return [" ".join(map(str, a.children)) for a in rc.find(v.Alert).widgets]


def test_the_facilitators_push_and_lock_reach_an_open_page_and_the_lock_holds(monkeypatch):
    """The facilitator's page pushes the setup it shows and locks the settings; an open
    participant's page follows within a moment (no polling: the room tells it), and a change
    the participant sends while locked is refused."""
    from sim.dashboard import app
    from sim.dashboard.room import Room

    monkeypatch.setenv(app.ENV_FACILITATOR, "the-token")
    monkeypatch.setattr(app, "ROOM", Room())
    person = render()
    assert shows(person, "Month 0 of 120")
    buttons(person, "Step")[0].click()
    assert shows(person, "Month 1 of 120")
    _, room = solara.render(app.Facilitator("the-token"), handle_error=False)
    room.find(v.Tabs).widgets[0].v_model = app.SETUP_TAB
    assert wait_for(lambda: any(w.label == "Seed" for w in room.find(v.TextField).widgets))
    field = text_field(room, "Seed")
    field.v_model = "8"
    field.fire_event("focusout")
    assert wait_for(lambda: any("seed 8" in t for t in texts(room, "gpps-setup-now")))
    room.find(v.Btn, class_="gpps-push").widget.click()
    assert shows(person, "Month 0 of 120")  # rebuilt from the pushed setup
    assert wait_for(lambda: any("for everyone: Baseline" in a for a in alerts(person)))
    assert "seed 8" in texts(person, "gpps-running")[0]
    room.find(v.Btn, class_="gpps-lock").widget.click()
    assert wait_for(lambda: any("Settings locked by the facilitator" in a for a in alerts(person)))
    field = text_field(person, "Seed")
    field.v_model = "3"
    field.fire_event("focusout")
    assert wait_for(lambda: any("locked the settings for this round" in a for a in alerts(person)))
    assert "seed 8" in texts(person, "gpps-running")[0]
    room.find(v.Btn, class_="gpps-unlock").widget.click()
    assert wait_for(lambda: not any("Settings locked" in a for a in alerts(person)))
    person.close()
    room.close()
    assert app.ROOM.listeners == 0  # the closed page stopped listening
