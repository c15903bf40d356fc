"""The dashboard page (Solara). ``Page`` is what ``solara.server`` serves.

Every browser session renders its own ``Page`` and so builds its own ``RunSession``
(``solara.use_memo``): participants never share a model. State that must survive switching
tabs (the comparison, the play-the-buyer session) lives in ``Page``; each tab re-renders only
when the counter it reads changes (``inputs`` for the controls, ``ticks`` for the model).

Every event handler goes through ``guard``: an exception becomes a message at the top of the
page, and the running model is kept.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

import solara

from sim import metrics
from sim.params import PARAMS
from sim.regimes import REGIMES

from . import controls, plots, tables
from .i18n import LANG_NAMES, LANGS, message, regime_label, tr
from .session import (
    PlaySession,
    RunSession,
    compare_runs,
    compare_scenario,
    playable_regimes,
    scenario_choices,
    series_of,
)

log = logging.getLogger("sim.dashboard")

#: Environment variable that carries the scenario given to ``gpps dashboard SCENARIO``.
ENV_SCENARIO = "GPPS_DASHBOARD_SCENARIO"
SPEEDS = ("1", "3", "12")
TICK_SECONDS = 0.25
COMPARE_MIN_REPLICATIONS = 10
COMPARE_MAX_REPLICATIONS = 200

CSS = """
.gpps-error { color: #c62828; font-size: 12px; margin: -6px 0 8px 0; }
.gpps-hint { color: #555; font-size: 12px; }
.gpps-plot img { width: 100%; max-width: 760px; height: auto; }
.gpps-compare-plot img, .gpps-network img { max-width: 1200px; }
.gpps-h2 { font-size: 24px; font-weight: 500; margin: 4px 0; }
.gpps-h3 { font-size: 18px; font-weight: 500; margin: 10px 0 4px 0; }
.gpps-h4 { font-size: 15px; font-weight: 600; margin: 8px 0 4px 0; }
.gpps-intro { font-size: 14px; margin: 4px 0 10px 0; max-width: 980px; }
.gpps-label { font-size: 13px; color: rgba(0, 0, 0, 0.75); margin-top: 4px; }
.gpps-month { font-weight: 600; font-size: 15px; margin: 4px 0; }
.gpps-controls .v-input__slot { margin-bottom: 0; }
.gpps-controls .v-text-field { margin-bottom: 4px; }
.gpps-collapsible-title { justify-content: flex-start !important; text-transform: none !important;
  font-size: 15px !important; font-weight: 600; padding-left: 0 !important; }
"""


class Counter:
    """A reactive counter that handlers bump to make a part of the page re-render."""

    def __init__(self, reactive):
        self.reactive = reactive
        self._lock = threading.Lock()

    def bump(self) -> None:
        with self._lock:
            self.reactive.set(self.reactive.value + 1)

    @property
    def value(self) -> int:
        return self.reactive.value


def guard(session: RunSession, *counters: Counter):
    """Decorator for event handlers: report exceptions on the page, then re-render."""

    def wrap(fn: Callable) -> Callable:
        def handler(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # the page must never die
                log.exception("dashboard handler failed")
                text = " ".join(f"{type(exc).__name__}: {exc}".split())
                session.notice = lambda lang: tr("error", lang, msg=text)
            finally:
                for c in counters:
                    c.bump()

        return handler

    return wrap


def _png_or_error(draw: Callable[[], bytes], session: RunSession | None = None):
    """(PNG, None), or (None, message) if drawing failed: the page shows the message."""
    try:
        return draw(), None
    except Exception as exc:
        if session is not None and session.model is None:
            return None, None  # the browser session closed while drawing: nobody is looking
        log.exception("drawing a figure failed")
        return None, f"{type(exc).__name__}: {exc}"


#: Seconds after Enter or leaving a field during which a late value from the browser still
#: counts as what was entered (see ``TextInput``).
LATE_VALUE_SECONDS = 3.0


@solara.component
def TextInput(
    label: str,
    value="",
    on_value: Callable | None = None,
    continuous_update: bool = False,  # accepted for solara.InputText's signature; not used
    error=False,
    message: str | None = None,
    classes: list[str] | None = None,
):
    """A text field that sends its value on Enter or on leaving it, like ``solara.InputText``,
    and that does not lose a value the browser sends late.

    The browser holds back a field's value while earlier updates are unanswered (a busy
    server), but not the Enter or blur event, which can then arrive first and find the old
    value. Here the value that arrives within ``LATE_VALUE_SECONDS`` after the event is
    entered too. Sending every keystroke instead would let the server's answer to an earlier
    keystroke overwrite later typing.
    """
    from solara.alias import rv

    if isinstance(value, solara.Reactive):
        on_value = on_value or value.set
        value = value.value
    entered = solara.use_ref(value)
    event_at = solara.use_ref(-1e9)
    callback = solara.use_ref(on_value)
    callback.current = on_value  # the event listener below is set up once

    def enter(text):
        if text != entered.current:
            entered.current = text
            if callback.current is not None:
                callback.current(text)

    def on_v_model(text):  # the browser's value arrived (no re-render while typing)
        if time.monotonic() - event_at.current < LATE_VALUE_SECONDS:
            enter(text)

    messages = [error] if isinstance(error, str) and error else ([message] if message else [])
    field = rv.TextField(
        label=label,
        v_model=value,
        on_v_model=on_v_model,
        error=bool(error),
        messages=messages,
        class_=" ".join(classes or []),
        hide_details="auto",
    )

    def listen():
        widget = solara.get_widget(field)

        def on_event(widget, event, data):
            event_at.current = time.monotonic()
            enter(widget.v_model)

        for name in ("focusout", "keyup.enter"):
            widget.on_event(name, on_event)

        def stop():
            for name in ("focusout", "keyup.enter"):
                widget.on_event(name, on_event, remove=True)

        return stop

    solara.use_effect(listen, [])
    if value != entered.current and time.monotonic() - event_at.current >= LATE_VALUE_SECONDS:
        entered.current = value  # set from the server (e.g. restored to the scenario's value)
    return field


def Text(text: str, classes: str = ""):
    """A block of plain text (no Markdown: Solara's Markdown loads KaTeX from a CDN)."""
    return solara.Div(children=[text], classes=classes.split())


def Drawn(month: int, lang: str):
    """Which month the figures below show (they are drawn after the step answers)."""
    return solara.Div(
        children=[f"{tr('drawn', lang)} {month}"],
        classes=["gpps-hint", "gpps-drawn"],
        attributes={"data-month": str(month)},
    )


@solara.component
def Plot(png: bytes | None, error: str | None = None, classes: list[str] | None = None):
    with solara.Div(classes=["gpps-plot"] + (classes or [])):
        if png is not None:
            solara.Image(png, format="png")
        elif error:
            solara.Error(error)


# -- controls --
@solara.component
def ParamInput(session: RunSession, name: str, lang: str, on_change: Callable, version: int):
    value = session.value(name)
    base = session.base()
    c = controls.control(name, base.params.get(name) if base is not None else None)
    p = PARAMS[name]
    err = session.error(name)
    msg = message(err, lang) if err is not None else None
    label = controls.label(name, lang)
    classes = [f"gpps-param-{name}"]

    def changed(raw):
        on_change(name, raw)

    with solara.Tooltip(p.description):
        with solara.Column(gap="0px", classes=classes):
            if c.widget in ("slider_float", "slider_int"):
                number, _ = controls.parse(name, value) if isinstance(value, str) else (value, None)
                if not isinstance(number, (int, float)) or isinstance(number, bool):
                    number = p.default
                number = min(max(number, c.low), c.high)
                Text(f"{label}: {controls.show_value(number)}", "gpps-label")
                if c.widget == "slider_int":
                    solara.SliderInt(
                        "", value=int(number), min=int(c.low), max=int(c.high), on_value=changed
                    )
                else:
                    solara.SliderFloat(
                        "",
                        value=float(number),
                        min=c.low,
                        max=c.high,
                        step=c.step,
                        on_value=changed,
                    )
                if msg:
                    solara.Div(children=[msg], classes=["gpps-error"])
            elif c.widget == "text":
                shown = value if isinstance(value, str) else controls.show_value(value)
                hint = tr("range", lang, allowed=p.allowed().removeprefix("in "))
                TextInput(
                    label,
                    value=shown,
                    on_value=changed,
                    continuous_update=False,
                    error=msg or False,
                    message=msg or hint,
                )
            elif c.widget == "select":
                from .i18n import choice_label

                labels = [choice_label(o, lang) for o in c.options]
                current = labels[c.options.index(value)] if value in c.options else None

                def picked(text):
                    if text in labels:
                        changed(c.options[labels.index(text)])

                solara.Select(
                    label,
                    values=labels,
                    value=current,
                    on_value=picked,
                    classes=[f"gpps-select-{name}"],
                )
                if msg:
                    solara.Div(children=[msg], classes=["gpps-error"])
            elif c.widget == "switch":
                solara.Switch(label=label, value=bool(value), on_value=changed)
                if msg:
                    solara.Div(children=[msg], classes=["gpps-error"])


@solara.component
def Controls(session: RunSession, lang: str, inputs: Counter, ticks: Counter, playing):
    inputs.value  # re-render on input changes  # noqa: B018
    act = guard(session, inputs, ticks)

    @act
    def on_param(name, raw):
        session.set_param(name, raw)

    # the only scenarios a page can load: the shipped ones and the file named at start
    choices = scenario_choices(os.environ.get(ENV_SCENARIO))

    def on_scenario(ref):
        if not controls.offered(ref, choices):
            log.warning("refused a scenario that was not offered")
            session.notice = controls.not_offered("scenario")
            return
        session.set_scenario(ref)

    regimes: list[str | None] = [None, *REGIMES]
    regime_labels = [regime_label(r, lang) for r in regimes]
    base = session.base()

    with solara.Column(gap="4px", classes=["gpps-controls"]):
        solara.Select(
            tr("scenario", lang),
            values=choices,
            value=session.scenario_ref if session.scenario_ref in choices else None,
            on_value=act(on_scenario),
            classes=["gpps-scenario"],
        )
        if base is not None and base.description:
            solara.Div(children=[base.description.splitlines()[0]], classes=["gpps-hint"])
        if session.base_error():
            solara.Error(session.base_error())

        def on_regime(text):
            if text in regime_labels:
                session.set_regime(regimes[regime_labels.index(text)])

        solara.Select(
            tr("regime", lang),
            values=regime_labels,
            value=regime_label(session.regime, lang),
            on_value=act(on_regime),
            classes=["gpps-regime"],
        )
        err = session.error("regime")
        if err is not None:
            solara.Div(children=[message(err, lang)], classes=["gpps-error"])
        seed_err = session.error("seed")
        TextInput(
            tr("seed", lang),
            value=str(session.seed_raw),
            on_value=act(session.set_seed),
            continuous_update=False,
            error=message(seed_err, lang) if seed_err else False,
            message=message(seed_err, lang) if seed_err else None,
            classes=["gpps-seed"],
        )
        RunButtons(session, lang, inputs, ticks, playing)
        if session.check.general is not None:
            solara.Error(message(session.check.general, lang))
        if session.check.errors:
            solara.Warning(tr("fix_inputs", lang), dense=True)
        elif session.dirty:
            solara.Info(tr("changed", lang), dense=True)

        def featured():
            solara.Button(
                tr("restore", lang),
                on_click=act(session.restore),
                text=True,
                small=True,
                classes=["gpps-restore"],
            )
            for name in controls.FEATURED:
                if name in PARAMS:
                    ParamInput(session, name, lang, on_param, inputs.value)

        def everything():
            for section, names in controls.sections():
                rest = [n for n in names if n not in controls.FEATURED]
                if rest:
                    Collapsible(
                        tr(f"section_{section}", lang),
                        lambda rest=rest: [
                            ParamInput(session, n, lang, on_param, inputs.value) for n in rest
                        ],
                        version=inputs.value,
                        classes=[f"gpps-section-{section}"],
                    )

        Collapsible(
            tr("key_params", lang),
            featured,
            expanded=True,
            version=inputs.value,
            classes=["gpps-key-params"],
        )
        Collapsible(
            tr("all_params", lang), everything, version=inputs.value, classes=["gpps-all-params"]
        )


@solara.component
def Collapsible(
    title: str, content: Callable, expanded: bool = False, version: int = 0, classes=None
):
    """A panel whose content is only built while it is open (the full parameter list has
    about a hundred widgets; building them all would slow every page load)."""
    is_open = solara.use_reactive(expanded)
    with solara.Column(gap="0px", classes=["gpps-collapsible"] + (classes or [])):
        solara.Button(
            ("▾ " if is_open.value else "▸ ") + title,
            on_click=lambda: is_open.set(not is_open.value),
            text=True,
            classes=["gpps-collapsible-title"],
        )
        if is_open.value:
            with solara.Column(gap="2px", style="padding-left: 10px"):
                content()


@solara.component
def RunButtons(session: RunSession, lang: str, inputs: Counter, ticks: Counter, playing):
    ticks.value  # noqa: B018
    speed = solara.use_reactive(SPEEDS[0])

    def play_loop(cancel: threading.Event):
        """Step while playing; stops at the end of the run."""
        if not playing.value:
            return
        months = int(speed.value)
        while not cancel.is_set():
            try:
                done = session.step(months)
            except Exception as exc:
                log.exception("stepping failed")
                text = f"{type(exc).__name__}: {exc}"
                session.notice = lambda lang, text=text: tr("error", lang, msg=text)
                done = 0
            ticks.bump()
            if done == 0 or session.finished:
                playing.set(False)
                return
            cancel.wait(TICK_SECONDS)

    solara.use_thread(play_loop, dependencies=[playing.value, speed.value], intrusive_cancel=False)

    @guard(session, inputs, ticks)
    def reset():
        playing.set(False)
        session.reset()

    @guard(session, ticks)
    def step():
        playing.set(False)
        session.step(1)

    @guard(session, ticks)
    def toggle():
        playing.set(not playing.value and not session.finished)

    solara.Div(
        children=[tr("month", lang, n=session.month, total=session.total)], classes=["gpps-month"]
    )
    meta = session.meta()
    regimes = " + ".join(regime_label(r, lang) for r in meta["regime"].split("+") if r)
    solara.Div(
        children=[
            tr("running", lang, scenario=meta["scenario"], regime=regimes, seed=meta["seed"])
        ],
        classes=["gpps-hint", "gpps-running"],
    )
    with solara.Row(gap="6px"):
        solara.Button(tr("reset", lang), on_click=reset, icon_name="mdi-restore", outlined=True)
        solara.Button(
            tr("step", lang),
            on_click=step,
            icon_name="mdi-step-forward",
            disabled=session.finished,
            outlined=True,
        )
        solara.Button(
            tr("pause", lang) if playing.value else tr("play", lang),
            on_click=toggle,
            icon_name="mdi-pause" if playing.value else "mdi-play",
            color="primary",
            disabled=session.finished and not playing.value,
        )
    solara.Select(
        tr("speed", lang),
        values=list(SPEEDS),
        value=speed.value,
        on_value=lambda t: speed.set(t) if controls.offered(t, SPEEDS) else None,
        classes=["gpps-speed"],
    )
    if session.finished:
        solara.Info(tr("finished", lang), dense=True)


# -- the tabs --
@solara.component
def OutcomesTab(session: RunSession, lang: str, ticks: Counter):
    ticks.value  # noqa: B018

    def draw():
        with session.lock:
            if session.model is None:  # the session was closed
                return None
            series = series_of(session.model)
            month = session.month
        out = {"month": month}
        for group in plots.GROUPS:
            out[group] = _png_or_error(
                lambda g=group: plots.png(plots.group_figure(g, series, lang)), session
            )
        return out

    # drawn in a thread: a step answers at once, the figures follow (clicks in a row coalesce)
    images = solara.use_thread(
        draw, dependencies=[ticks.value, lang, session.model], intrusive_cancel=False
    ).value

    def csv():
        with session.lock:
            return tables.series_csv(series_of(session.model), session.meta())

    def all_png():
        with session.lock:
            series = series_of(session.model)
            meta = session.meta()
        title = f"{meta['scenario']}: {meta['regime']}, seed {meta['seed']}"
        return plots.png(plots.outcomes_figure(series, lang, title), dpi=90)

    with solara.Row(gap="8px", style="align-items: center"):
        solara.Text(tr("downloads", lang) + ":")
        solara.FileDownload(
            csv, filename="gpps_results.csv", label=tr("download_csv", lang), mime_type="text/csv"
        )
        solara.FileDownload(
            all_png,
            filename="gpps_outcomes.png",
            label=tr("download_png", lang),
            mime_type="image/png",
        )
    if images is None:
        solara.ProgressLinear(True)
        return
    Drawn(images["month"], lang)
    with solara.Div(classes=["gpps-plots"]):
        with solara.Columns([1, 1]):
            for group in plots.GROUPS[:2]:
                Plot(*images[group], classes=[f"gpps-plot-{group}"])
        with solara.Columns([1, 1]):
            for group in plots.GROUPS[2:]:
                Plot(*images[group], classes=[f"gpps-plot-{group}"])


@solara.component
def NetworkTab(session: RunSession, lang: str, ticks: Counter):
    ticks.value  # noqa: B018

    def draw():
        with session.lock:
            if session.model is None:  # the session was closed
                return None
            net = plots.network_data(session.model)
            sat = plots.satisfaction_data(session.model)
        return (
            net["month"],
            _png_or_error(lambda: plots.png(plots.network_figure(net, lang)), session),
            _png_or_error(lambda: plots.png(plots.satisfaction_figure(sat, lang)), session),
        )

    drawn = solara.use_thread(
        draw, dependencies=[ticks.value, lang, session.model], intrusive_cancel=False
    ).value

    def net_png():
        with session.lock:
            net = plots.network_data(session.model)
        return plots.png(plots.network_figure(net, lang), dpi=110)

    with solara.Row(gap="8px", style="align-items: center"):
        solara.Text(tr("downloads", lang) + ":")
        solara.FileDownload(
            net_png,
            filename="gpps_network.png",
            label=tr("download_network_png", lang),
            mime_type="image/png",
        )
    if drawn is None:
        solara.ProgressLinear(True)
        return
    month, network, satisfaction = drawn
    Drawn(month, lang)
    with solara.Columns([3, 2]):
        Plot(*network, classes=["gpps-network"])
        Plot(*satisfaction, classes=["gpps-satisfaction"])


@solara.component
def OrganizationsTab(session: RunSession, lang: str, ticks: Counter):
    ticks.value  # noqa: B018
    with session.lock:
        rows = tables.organization_rows(session.model)
        buyers = [b.name for b in session.model.buyers]
        meta = session.meta()

    def csv():
        return tables.csv_bytes([{**meta, **r} for r in rows])

    with solara.Row(gap="8px", style="align-items: center"):
        solara.Text(tr("downloads", lang) + ":")
        solara.FileDownload(
            csv,
            filename="gpps_organizations.csv",
            label=tr("download_orgs_csv", lang),
            mime_type="text/csv",
        )
    solara.Div(children=[tr("orgs_note", lang)], classes=["gpps-hint"])
    if rows:
        with solara.Div(classes=["gpps-orgs"]):
            solara.DataFrame(tables.organizations_frame(rows, buyers, lang), items_per_page=25)
    else:
        solara.Info(tr("no_orgs", lang))


class CompareState:
    """The comparison of a session: request, progress and result (kept across tab switches)."""

    def __init__(self):
        self.request: dict | None = None
        self.progress = (0, 0)
        self.result = None  # (Comparison, meta)
        self.cancelled = False
        self.error: str | None = None
        self.running = False


@solara.component
def CompareTab(
    session: RunSession, lang: str, state: CompareState, cmp_ver: Counter, inputs: Counter, start
):
    cmp_ver.value  # noqa: B018
    inputs.value  # noqa: B018
    reps_raw = solara.use_reactive(str(COMPARE_MIN_REPLICATIONS))
    months_raw = solara.use_reactive(str(session.total or PARAMS["steps"].default))
    reps, reps_err = controls.parse_count(
        reps_raw.value, COMPARE_MIN_REPLICATIONS, COMPARE_MAX_REPLICATIONS, "msg_replications"
    )
    high = int(PARAMS["steps"].high)
    months, months_err = controls.parse_count(months_raw.value, 1, high, "msg_months")

    Text(tr("compare_intro", lang), "gpps-intro")
    with solara.Row(gap="12px", style="align-items: flex-start"):
        with solara.Div(style="width: 180px"):
            TextInput(
                tr("replications", lang),
                value=reps_raw,
                continuous_update=False,
                classes=["gpps-replications"],
                error=message(reps_err, lang) if reps_err else False,
                message=message(reps_err, lang) if reps_err else None,
            )
        with solara.Div(style="width: 180px"):
            TextInput(
                tr("months", lang),
                value=months_raw,
                continuous_update=False,
                classes=["gpps-compare-months"],
                error=message(months_err, lang) if months_err else False,
                message=message(months_err, lang) if months_err else None,
            )
        solara.Button(
            tr("run_compare", lang),
            classes=["gpps-run-compare"],
            on_click=lambda: start(reps, months),
            color="primary",
            disabled=bool(reps_err or months_err) or state.running or not session.check.ok,
        )
        if state.running:
            solara.Button(
                tr("cancel", lang),
                on_click=lambda: setattr(state, "cancelled", True),
                outlined=True,
            )
    if not session.check.ok:
        solara.Warning(tr("fix_inputs", lang))
    elif reps is not None and months is not None:
        base = session.check.scenario
        n_arms = len(REGIMES) + (1 if base is not None and base.has_own_regimes else 0)
        Text(
            tr("compare_plan", lang, reps=reps, arms=n_arms, months=months, runs=reps * n_arms),
            "gpps-hint gpps-compare-plan",
        )
    i, n = state.progress
    if state.running:
        solara.Text(tr("compare_progress", lang, i=i, n=n))
        solara.ProgressLinear(value=100 * i / max(n, 1))
    if state.error:
        solara.Error(state.error)
    if state.cancelled and not state.running:
        solara.Info(tr("compare_cancelled", lang))
    if state.result is not None:
        CompareResult(state.result, lang)


@solara.component
def CompareResult(result, lang: str):
    comp, meta = result
    rows = solara.use_memo(lambda: comp.table(metrics.HEADLINE), [comp])
    title = tr(
        "compare_done", lang, reps=meta["replications"], months=meta["months"], seed=meta["seed"]
    )

    def draw():
        return _png_or_error(
            lambda: plots.png(plots.compare_figure(rows, metrics.HEADLINE, lang, meta["scenario"]))
        )

    png, err = solara.use_memo(draw, [comp, lang])
    Text(f"{meta['scenario']}: {title}", "gpps-h4")
    with solara.Div(classes=["gpps-compare-table"]):
        solara.DataFrame(tables.compare_frame(rows, metrics.HEADLINE, lang), items_per_page=20)
    with solara.Row(gap="8px", style="align-items: center"):
        solara.Text(tr("downloads", lang) + ":")
        solara.FileDownload(
            lambda: tables.csv_bytes(comp.table()),
            filename="gpps_compare.csv",
            label=tr("download_compare_csv", lang),
            mime_type="text/csv",
        )
        if png is not None:
            solara.FileDownload(
                png,
                filename="gpps_compare.png",
                label=tr("download_compare_png", lang),
                mime_type="image/png",
            )
    Plot(png, err, classes=["gpps-compare-plot"])


@solara.component
def PlayTab(session: RunSession, lang: str, play, play_ver: Counter, inputs: Counter):
    play_ver.value  # noqa: B018
    inputs.value  # noqa: B018
    act = guard(session, play_ver)
    game: PlaySession | None = play.value
    regimes = playable_regimes()
    regime = solara.use_reactive(regimes[0] if regimes else None)
    base = session.check.scenario or session.base()
    buyers = [b["name"] for b in base.buyers] if base is not None else []
    buyer = solara.use_reactive(buyers[0] if buyers else None)
    months_raw = solara.use_reactive("24")
    high = int(PARAMS["steps"].high)
    months, months_err = controls.parse_count(months_raw.value, 1, high, "msg_months")
    if buyer.value not in buyers and buyers:
        buyer.set(buyers[0])

    @act
    def start():
        if game is not None:
            game.close()
        if not session.check.ok:
            session.notice = ("fix_inputs", {})
            return
        play.set(PlaySession.start(session.check, regime.value, buyer.value, months))

    Text(tr("play_intro", lang), "gpps-intro")
    if game is None or game.finished:
        labels = [regime_label(r, lang) for r in regimes]
        with solara.Row(gap="12px", style="align-items: flex-start"):
            with solara.Div(style="width: 220px"):
                solara.Select(
                    tr("play_buyer", lang),
                    values=buyers,
                    value=buyer.value,
                    on_value=lambda b: buyer.set(b) if controls.offered(b, buyers) else None,
                    classes=["gpps-play-buyer"],
                )
            with solara.Div(style="width: 320px"):
                solara.Select(
                    tr("play_regime", lang),
                    values=labels,
                    value=regime_label(regime.value, lang) if regime.value else None,
                    on_value=lambda t: (
                        regime.set(regimes[labels.index(t)]) if t in labels else None
                    ),
                    classes=["gpps-play-regime"],
                )
            with solara.Div(style="width: 140px"):
                TextInput(
                    tr("months", lang),
                    value=months_raw,
                    continuous_update=False,
                    classes=["gpps-play-months"],
                    error=message(months_err, lang) if months_err else False,
                    message=message(months_err, lang) if months_err else None,
                )
            solara.Button(
                tr("play_restart" if game is not None else "play_start", lang),
                on_click=start,
                color="primary",
                disabled=bool(months_err) or not buyers or not session.check.ok,
                classes=["gpps-play-start"],
            )
        if not session.check.ok:
            solara.Warning(tr("fix_inputs", lang))
    # ``version``: the game is mutated in place, and a component whose arguments are unchanged
    # is not rendered again
    if game is not None and game.finished:
        PlayResults(game, lang, version=play_ver.value)
    elif game is not None:
        PlayDecision(game, lang, act, version=play_ver.value)


@solara.component
def PlayDecision(game: PlaySession, lang: str, act, version: int = 0):
    with game.lock:
        pending = game.pending
        month = game.month
        if pending is None:
            return
        options = list(pending.options)
        lot = pending.lot
        line = game.model.lines[lot.line]["name"]
    rule = PlaySession.rule_choice(options)
    kind = tr("kind_tender" if pending.kind == "tender" else "kind_negotiation", lang)
    Text(
        tr("play_tender", lang, month=month, kind=kind, line=line, community=lot.community),
        "gpps-h3 gpps-tender",
    )
    solara.Text(tr("decisions_made", lang, n=len(game.decisions)), classes=["gpps-decisions"])
    bids = [i for i, o in enumerate(options) if o["kind"] != "in_house"]
    in_house = next((i for i, o in enumerate(options) if o["kind"] == "in_house"), None)
    if bids:
        with solara.Div(classes=["gpps-bids"]):
            solara.DataFrame(tables.options_frame(options, lang), items_per_page=20)
        if rule is not None:
            solara.Info(tr("rule_pick", lang, org=options[rule]["org"].name), dense=True)
    else:
        solara.Info(tr("no_bids", lang), dense=True)
    with solara.Row(gap="6px", style="flex-wrap: wrap"):
        for i in bids:
            solara.Button(
                tr("award", lang, org=options[i]["org"].name),
                on_click=act(lambda i=i: game.choose(i)),
                color="primary",
                classes=["gpps-award"],
            )
        if in_house is not None:
            solara.Button(
                tr("choose_in_house", lang),
                on_click=act(lambda: game.choose(in_house)),
                outlined=True,
                classes=["gpps-in-house"],
            )
        solara.Button(
            tr("no_award", lang),
            on_click=act(lambda: game.choose(None)),
            outlined=True,
            classes=["gpps-no-award"],
        )
        solara.Button(tr("finish_rule", lang), on_click=act(game.finish_with_rule), text=True)


@solara.component
def PlayResults(game: PlaySession, lang: str, version: int = 0):
    you, rule, you_series, rule_series = solara.use_memo(game.results, [game])

    def draw():
        out = []
        for group in ("efficiency", "quality"):
            out.append(
                _png_or_error(
                    lambda g=group: plots.png(plots.group_figure(g, you_series, lang, rule_series))
                )
            )
        return out

    images = solara.use_memo(draw, [game, lang])
    Text(tr("play_done", lang, months=game.month, n=len(game.decisions)), "gpps-h3 gpps-play-done")
    if not game.decisions:
        solara.Warning(tr("play_no_decision", lang))
    with solara.Div(classes=["gpps-play-results"]):
        solara.DataFrame(tables.play_frame(you, rule, lang), items_per_page=20)
    with solara.Columns([1, 1]):
        for png, err in images:
            Plot(png, err)
    if game.decisions:
        with solara.Details(tr("decision_log", lang)):
            import pandas as pd

            solara.DataFrame(
                pd.DataFrame(
                    [
                        {
                            tr("col_month", lang): d.month,
                            tr("col_lot", lang): f"{d.line} / {d.community}",
                            tr("col_choice", lang): d.choice,
                            tr("col_rule_choice", lang): d.rule,
                        }
                        for d in game.decisions
                    ]
                ),
                items_per_page=20,
            )


# -- the page --
@solara.component
def Page():
    session = solara.use_memo(lambda: RunSession(os.environ.get(ENV_SCENARIO)), [])
    lang = solara.use_reactive("en")
    inputs = Counter(solara.use_reactive(0))
    ticks = Counter(solara.use_reactive(0))
    cmp_ver = Counter(solara.use_reactive(0))
    play_ver = Counter(solara.use_reactive(0))
    playing = solara.use_reactive(False)
    play = solara.use_reactive(None)
    tab = solara.use_reactive(0)
    compare = solara.use_memo(CompareState, [])
    compare_request = solara.use_reactive(None)

    def cleanup():
        def close():
            session.close()
            if play.value is not None:
                play.value.close()

        return close

    solara.use_effect(cleanup, [])

    def run_compare(cancel: threading.Event):
        request = compare_request.value
        if request is None:
            return
        compare.running, compare.cancelled, compare.error = True, False, None
        compare.progress = (0, 0)
        cmp_ver.bump()
        try:
            scenario = compare_scenario(
                request["scenario_ref"], request["check"], request["months"]
            )

            def progress(i, n):
                compare.progress = (i, n)
                cmp_ver.bump()

            comp = compare_runs(
                scenario,
                request["replications"],
                request["seed"],
                progress=progress,
                cancelled=lambda: cancel.is_set() or compare.cancelled,
            )
            if comp is not None:
                compare.result = (comp, {**request, "scenario": scenario.name})
        except Exception as exc:
            log.exception("comparison failed")
            compare.error = f"{type(exc).__name__}: {exc}"
        finally:
            compare.running = False
            cmp_ver.bump()

    solara.use_thread(run_compare, dependencies=[compare_request.value], intrusive_cancel=False)

    def start_compare(replications, months):
        if replications is None or months is None or not session.check.ok:
            return
        compare_request.set(
            {
                "scenario_ref": session.scenario_ref,
                "check": session.check,
                "replications": replications,
                "months": months,
                "seed": session.check.seed,
                "id": (compare_request.value or {}).get("id", 0) + 1,
            }
        )

    solara.Title("gpps dashboard")
    solara.Style(CSS)
    with solara.Column(style="padding: 8px 20px 20px 20px", gap="6px"):
        Header(session, lang, inputs, ticks)
        with solara.Columns([1, 3], gutters_dense=True):
            with solara.Column():
                Controls(session, lang.value, inputs, ticks, playing)
            with solara.Column():
                with solara.lab.Tabs(value=tab, lazy=True):
                    with solara.lab.Tab(tr("tab_run", lang.value)):
                        OutcomesTab(session, lang.value, ticks)
                    with solara.lab.Tab(tr("tab_network", lang.value)):
                        NetworkTab(session, lang.value, ticks)
                    with solara.lab.Tab(tr("tab_orgs", lang.value)):
                        OrganizationsTab(session, lang.value, ticks)
                    with solara.lab.Tab(tr("tab_compare", lang.value)):
                        CompareTab(session, lang.value, compare, cmp_ver, inputs, start_compare)
                    with solara.lab.Tab(tr("tab_play", lang.value)):
                        PlayTab(session, lang.value, play, play_ver, inputs)


@solara.component
def Header(session: RunSession, lang, inputs: Counter, ticks: Counter):
    inputs.value  # noqa: B018
    ticks.value  # noqa: B018
    with solara.Row(style="align-items: center; justify-content: space-between"):
        with solara.Column(gap="0px"):
            Text(tr("title", lang.value), "gpps-h2")
            solara.Div(children=[tr("subtitle", lang.value)], classes=["gpps-hint"])
        with solara.Row(gap="4px"):
            for code in LANGS:
                solara.Button(
                    LANG_NAMES[code],
                    on_click=lambda code=code: lang.set(code),
                    outlined=lang.value != code,
                    color="primary",
                    small=True,
                    classes=[f"gpps-lang-{code}"],
                )
    if session.notice is not None:
        solara.Error(message(session.notice, lang.value))
