"""The dashboard page (Solara). ``Page`` is what ``solara.server`` serves.

Every browser tab holds its own ``Seat`` (a ``RunSession`` and its game and comparison),
kept in ``SEATS`` under a token that the tab's address carries (``?seat=``): participants never
share a model, a reload finds the tab's run again, and a seat whose tab has been gone for
``SEATS.keep`` seconds is closed and its models freed. Each tab of the page re-renders only when
the counter it reads changes (``inputs`` for the controls, ``ticks`` for the model).

Charts are ECharts options (``charts``) that the browser draws; the server only builds data.
PNG downloads are drawn with matplotlib (``plots``) when someone asks for one.

Every event handler goes through ``guard``: an exception becomes a message at the top of the
page, and the running model is kept.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs

import solara

from sim import metrics
from sim.params import PARAMS
from sim.regimes import REGIMES

from . import charts, controls, tables
from .i18n import (
    LANG_NAMES,
    LANGS,
    message,
    name_label,
    outcome_description,
    outcome_label,
    outcome_unit,
    param_description,
    regime_label,
    scenario_label,
    scenario_text,
    tr,
)
from .room import GROUPS, Room, Setup
from .server import ENV_FACILITATOR, ENV_PROJECTOR, FACILITATOR_KEY, PROJECTOR_KEY
from .session import (
    KEEP_SECONDS,
    CompareState,
    PlaySession,
    RunSession,
    Seat,
    Seats,
    compare_runs,
    compare_scenario,
    debrief_rows,
    playable_regimes,
    room_rows,
    scenario_choices,
    series_of,
)

log = logging.getLogger("sim.dashboard")

#: Environment variable that carries the scenario given to ``gpps dashboard SCENARIO``.
ENV_SCENARIO = "GPPS_DASHBOARD_SCENARIO"
#: Environment variable: seconds a tab's seat is kept after the tab is gone (tests shorten it).
ENV_KEEP = "GPPS_DASHBOARD_KEEP_SECONDS"
SPEEDS = ("1", "3", "12")
TICK_SECONDS = 0.25
COMPARE_MIN_REPLICATIONS = 10
COMPARE_MAX_REPLICATIONS = 200
PLAY_TAB = 4
#: Rows a table shows per page.
PAGE_ROWS = 25

#: Every tab's seat in this server process.
SEATS = Seats(float(os.environ.get(ENV_KEEP, KEEP_SECONDS)))
#: What the facilitator set for the room (every seat follows it).
ROOM = Room()
#: Name of the short-lived threads that bring a room change to an open participant's page.
ROOM_THREAD = "gpps-room-notice"

CSS = """
.gpps-error { color: #c62828; font-size: 12px; margin: -6px 0 8px 0; }
.gpps-hint { color: #555; font-size: 12px; }
.gpps-h2 { font-size: 24px; font-weight: 500; margin: 4px 0; }
.gpps-h3 { font-size: 18px; font-weight: 500; margin: 10px 0 4px 0; }
.gpps-h4 { font-size: 15px; font-weight: 600; margin: 8px 0 4px 0; }
.gpps-intro { font-size: 14px; margin: 4px 0 10px 0; max-width: 980px; }
.gpps-label { font-size: 13px; color: rgba(0, 0, 0, 0.75); margin-top: 4px; }
.gpps-month { font-weight: 600; font-size: 15px; margin: 4px 0; }
.gpps-controls .v-input__slot { margin-bottom: 0; }
.gpps-controls .v-text-field { margin-bottom: 4px; }
.gpps-collapsible-title { justify-content: flex-start !important; text-transform: none !important;
  font-size: 15px !important; font-weight: 600; padding-left: 0 !important;
  white-space: normal !important; height: auto !important; min-height: 36px; text-align: left; }
.gpps-collapsible-title .v-btn__content { white-space: normal; flex: 1 1 auto; }
.gpps-page .v-btn { text-transform: none; letter-spacing: normal; }
.gpps-page .v-btn:not(.v-btn--round) { max-width: 100%; }
.gpps-page .v-btn__content { white-space: normal; }
.gpps-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr));
  gap: 10px; margin-bottom: 6px; }
.gpps-card { border: 1px solid #e0e0e0; border-radius: 6px; padding: 6px 8px 2px 8px;
  min-width: 0; background: white; display: flex; flex-direction: column; }
.gpps-card > .gpps-chart { margin-top: auto; }
.gpps-card-title { font-size: 13px; font-weight: 600; line-height: 1.25; cursor: help;
  overflow-wrap: anywhere; }
.gpps-card-sub { font-size: 11px; color: #555; line-height: 1.3; overflow-wrap: anywhere; }
.gpps-chart { width: 100%; }
.gpps-table { max-width: 100%; }
.gpps-table .v-data-table th, .gpps-table .v-data-table td { white-space: normal;
  padding: 2px 6px !important; font-size: 12px !important; height: auto !important;
  line-height: 1.3; }
.gpps-table .v-data-table th { vertical-align: bottom; }
.gpps-table .v-data-footer { flex-wrap: wrap; }
.gpps-legend { font-size: 12px; color: #333; display: flex; flex-wrap: wrap; gap: 4px 14px;
  align-items: center; }
.gpps-swatch { display: inline-block; width: 22px; height: 0; vertical-align: middle;
  margin-right: 4px; border-top: 3px solid; }
.gpps-glossary td { vertical-align: top; padding: 3px 8px 3px 0; font-size: 12px; }
.gpps-glossary td:nth-child(1) { min-width: 170px; }
.gpps-glossary td:nth-child(2) { min-width: 130px; }
.gpps-glossary td:nth-child(3) { min-width: 100px; }
.gpps-glossary { border-collapse: collapse; max-width: 980px; }
.gpps-lot { font-size: 14px; margin: 2px 0; max-width: 980px; }
.gpps-locked-inputs { pointer-events: none; opacity: 0.55; }
.gpps-seat-groups td { padding: 2px 10px 2px 0; font-size: 13px; vertical-align: middle; }
.gpps-seat-groups td:first-child { overflow-wrap: anywhere; max-width: 260px; }
.gpps-projector { font-size: 26px; }
.gpps-projector .gpps-h2 { font-size: 40px; }
.gpps-big { display: flex; flex-wrap: wrap; gap: 16px 48px; align-items: baseline; }
.gpps-big-number { font-size: 72px; font-weight: 600; line-height: 1.2; }
.gpps-projector .gpps-card-title { font-size: 22px; }
.gpps-projector .gpps-card-sub { font-size: 16px; }
.gpps-projector-cards { display: grid; gap: 16px;
  grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); }
"""


class Counter:
    """A reactive counter that handlers bump to make a part of the page re-render.

    ``render``: the page's render context. A bump inside it is one render of every part that
    reads the counter, not one render per part."""

    def __init__(self, reactive, render=None):
        self.reactive = reactive
        self.render = render
        self._lock = threading.Lock()

    def bump(self) -> None:
        with self._lock, self.render or contextlib.nullcontext():
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


class Boxed:
    """A chart's option handed to its widget as one value that the renderer compares by
    identity: otherwise every render of a page of charts walks and compares every point of
    every series (twice), which costs more than building the charts."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __eq__(self, other) -> bool:
        return isinstance(other, Boxed) and other.value is self.value

    __hash__ = None


def _chart_widget():
    """Solara's ``EchartsWidget`` (what the browser gets is unchanged) taking its option
    ``Boxed``."""
    global ChartWidget
    if ChartWidget is None:
        import traitlets
        from solara.components.echarts import EchartsWidget

        class _ChartWidget(EchartsWidget):
            boxed = traitlets.Any(None)  # not sent: the option inside it is

            @traitlets.observe("boxed")
            def _unbox(self, change):
                if change["new"] is not None:
                    self.option = change["new"].value

        ChartWidget = _ChartWidget
    return ChartWidget


ChartWidget = None


def Chart(option: dict, classes: list[str] | None = None, height: int = 180):
    """An ECharts chart the browser draws (``option``: plain data, see ``charts``). Solara's
    ``FigureEcharts`` widget, made directly: a page of charts re-renders every step."""
    return _chart_widget().element(
        boxed=Boxed(option),
        attributes={
            "class": " ".join(["gpps-chart", *(classes or [])]),
            "style": f"height: {height}px; width: 100%;",
        },
        responsive=True,
    )


def OutcomeCard(name: str, option: dict, lang: str, height: int = 170):
    """One outcome: its label (hover: what it measures and what its unit means), its unit and
    which direction is better, and its chart."""
    unit = outcome_unit(name, lang)
    better = tr(charts.better_key(name), lang)
    with solara.Div(classes=["gpps-card", f"gpps-outcome-{name}"]):
        solara.Div(
            children=[f"{outcome_label(name, lang)} ⓘ"],
            classes=["gpps-card-title"],
            attributes={"title": outcome_description(name, lang)},
        )
        Text(f"{unit} · {better}" if unit else better, "gpps-card-sub")
        Chart(option, height=height)


@solara.component
def Table(frame, lang: str, classes: list[str] | None = None, rows: int = PAGE_ROWS):
    """A table of a pandas frame (every cell as text), paged by ``rows``, in the page's
    language; it scrolls sideways inside its box when wider than the page."""
    from solara.alias import rv

    columns = [str(c) for c in frame.columns]
    headers = [
        {"text": c, "value": f"c{i}", "sortable": False, "align": "start"}
        for i, c in enumerate(columns)
    ]
    items = [
        {f"c{i}": "" if v is None else str(v) for i, v in enumerate(row)}
        for row in frame.itertuples(index=False)
    ]
    with solara.Div(classes=["gpps-table", *(classes or [])]):
        rv.DataTable(
            headers=headers,
            items=items,
            items_per_page=rows,
            dense=True,
            mobile_breakpoint=0,
            hide_default_footer=len(items) <= rows,
            no_data_text=tr("no_rows", lang),
            footer_props={
                "itemsPerPageOptions": sorted({10, rows, 50, 100}) + [-1],
                "itemsPerPageText": tr("rows_per_page", lang),
                "itemsPerPageAllText": tr("rows_all", lang),
                "pageText": tr("rows_of", lang),
            },
        )


def _download_png(draw: Callable[[], object], dpi: int = 90) -> bytes:
    """A matplotlib figure as PNG, drawn only when someone downloads it."""
    from . import plots

    return plots.png(draw(), dpi=dpi)


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

    with solara.Tooltip(param_description(name, lang)):
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
                # the label above the field, where it can wrap (a field's own label is cut)
                Text(label, "gpps-label")
                TextInput(
                    "",
                    classes=[f"gpps-input-{name}"],
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
def ScenarioSelect(
    session: RunSession, lang: str, on_scenario: Callable, choices: list[str], ref: str = ""
):
    """The scenario selector: shipped scenarios by name in the page's language, a file named
    at start as given; the value sent back is the scenario's reference (checked by the caller
    against ``choices``). ``ref``: the session's scenario (a change from elsewhere, such as
    the facilitator's push, renders the selector again)."""
    from solara.alias import rv

    # mirrored in a reactive value, as solara.Select does: the widget follows the session
    current = session.scenario_ref if session.scenario_ref in choices else None
    value = solara.use_reactive(current, on_scenario)
    return rv.Select(
        label=tr("scenario", lang),
        items=[{"text": scenario_label(c, lang), "value": c} for c in choices],
        v_model=value.value,
        on_v_model=value.set,
        class_="gpps-scenario",
    )


@solara.component
def Controls(
    session: RunSession,
    lang: str,
    inputs: Counter,
    ticks: Counter,
    playing,
    on_play_tab: bool,
    seat: Seat | None = None,
    setup_only: bool = False,
):
    """The run's inputs and its clock. ``seat``: the participant's (its settings may be
    locked by the facilitator: then shown greyed out, and refused by the session);
    ``setup_only``: the inputs without a clock (the facilitator's setup)."""
    inputs.value  # re-render on input changes  # noqa: B018
    act = guard(session, inputs, ticks)
    locked = seat is not None and seat.locked
    hold = ["gpps-locked-inputs"] if locked else []

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

    def on_regime(text):
        if text in regime_labels:
            session.set_regime(regimes[regime_labels.index(text)])

    with solara.Column(gap="4px", classes=["gpps-controls"]):
        with solara.Column(gap="4px", classes=hold):
            ScenarioSelect(session, lang, act(on_scenario), choices, session.scenario_ref)
            text = scenario_text(session.scenario_ref, lang, base.description if base else "")
            if text:
                solara.Div(children=[text], classes=["gpps-hint", "gpps-scenario-text"])
            if session.base_error():
                solara.Error(session.base_error())
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
        if not setup_only:
            RunButtons(session, lang, inputs, ticks, playing, on_play_tab)
        if session.check.general is not None:
            solara.Error(message(session.check.general, lang))
        if session.check.errors:
            solara.Warning(tr("fix_inputs", lang), dense=True)
        elif session.dirty:
            solara.Info(tr("changed", lang), dense=True, classes=["gpps-changed"])

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

        with solara.Column(gap="4px", classes=hold):
            Collapsible(
                tr("key_params", lang),
                featured,
                expanded=True,
                version=inputs.value,
                classes=["gpps-key-params"],
            )
            Collapsible(
                tr("all_params", lang),
                everything,
                version=inputs.value,
                classes=["gpps-all-params"],
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
def RunButtons(
    session: RunSession, lang: str, inputs: Counter, ticks: Counter, playing, on_play_tab: bool
):
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

    if on_play_tab:  # one clock at a time: the game shows its own
        Text(tr("run_clock_hidden", lang), "gpps-hint gpps-run-hidden")
        return
    solara.Div(
        children=[tr("month", lang, n=session.month, total=session.total)], classes=["gpps-month"]
    )
    meta = session.meta()
    regimes = " + ".join(regime_label(r, lang) for r in meta["regime"].split("+") if r)
    solara.Div(
        children=[
            tr(
                "running",
                lang,
                scenario=scenario_label(meta["scenario"], lang),
                regime=regimes,
                seed=meta["seed"],
            )
        ],
        classes=["gpps-hint", "gpps-running"],
    )
    with solara.Row(gap="6px", style="flex-wrap: wrap"):
        solara.Button(tr("reset", lang), on_click=reset, icon_name="mdi-restore", outlined=True)
        solara.Button(
            tr("step", lang),
            on_click=step,
            icon_name="mdi-step-forward",
            disabled=session.finished,
            outlined=True,
            classes=["gpps-step"],
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
def _plotted() -> list[str]:
    return [n for names in charts.GROUP_PLOTS.values() for n in names]


@solara.component
def OutcomesTab(session: RunSession, lang: str, ticks: Counter):
    ticks.value  # noqa: B018

    def build():
        with session.lock:
            if session.model is None:  # the session was closed
                return None
            series = series_of(session.model, _plotted())
            month = session.month
        return month, {g: charts.group_charts(g, series, lang) for g in charts.GROUPS}

    built = solara.use_memo(build, [ticks.value, lang, session.model])

    def csv():
        with session.lock:
            return tables.series_csv(series_of(session.model), session.meta())

    def all_png():
        from . import plots

        with session.lock:
            series = series_of(session.model)
            meta = session.meta()
        title = f"{meta['scenario']}: {meta['regime']}, seed {meta['seed']}"
        return _download_png(lambda: plots.outcomes_figure(series, lang, title))

    with solara.Row(gap="8px", style="align-items: center; flex-wrap: wrap"):
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
    if built is None:
        return
    month, by_group = built
    with solara.Div(classes=["gpps-plots"], attributes={"data-month": str(month)}):
        for group in charts.GROUPS:
            Text(tr(f"group_{group}", lang), "gpps-h4")
            with solara.Div(classes=["gpps-cards", f"gpps-plot-{group}"]):
                for name, option in by_group[group].items():
                    OutcomeCard(name, option, lang)


@solara.component
def NetworkTab(session: RunSession, lang: str, ticks: Counter):
    ticks.value  # noqa: B018

    def build():
        with session.lock:
            if session.model is None:  # the session was closed
                return None
            net = charts.network_data(session.model)
            sat = charts.satisfaction_data(session.model)
        return (
            net["month"],
            charts.network_chart(net, lang),
            charts.regime_legend(net, lang),
            charts.satisfaction_chart(sat, lang),
        )

    built = solara.use_memo(build, [ticks.value, lang, session.model])

    def net_png():
        from . import plots

        with session.lock:
            net = plots.network_data(session.model)
        return _download_png(lambda: plots.network_figure(net, lang), dpi=110)

    with solara.Row(gap="8px", style="align-items: center; flex-wrap: wrap"):
        solara.Text(tr("downloads", lang) + ":")
        solara.FileDownload(
            net_png,
            filename="gpps_network.png",
            label=tr("download_network_png", lang),
            mime_type="image/png",
        )
    if built is None:
        return
    month, network, legend, satisfaction = built
    with solara.Div(classes=["gpps-network-view"], attributes={"data-month": str(month)}):
        Text(
            f"{tr('network_title', lang)} ({tr('at_month', lang, n=month)}). "
            f"{tr('node_size', lang)}",
            "gpps-h4",
        )
        with solara.Columns([3, 2]):
            with solara.Column(gap="4px"):
                Chart(network, classes=["gpps-network"], height=460)
                with solara.Div(classes=["gpps-legend"]):
                    solara.Div(children=[tr("network_links", lang)])
                    for colour, label in legend:
                        with solara.Div():
                            solara.HTML(
                                tag="span",
                                classes=["gpps-swatch"],
                                style=f"border-top-color: {colour}",
                            )
                            solara.Text(f"{tr('tie_arrangement', lang)}: {label}")
                    with solara.Div():
                        solara.HTML(
                            tag="span",
                            classes=["gpps-swatch"],
                            style="border-top: 2px dashed #555555",
                        )
                        solara.Text(tr("tie_affiliation", lang))
            with solara.Column(gap="4px"):
                Text(
                    f"{tr('satisfaction_title', lang)} ({tr('at_month', lang, n=month)})", "gpps-h4"
                )
                Chart(satisfaction, classes=["gpps-satisfaction"], height=320)


@solara.component
def OrganizationsTab(session: RunSession, lang: str, ticks: Counter):
    ticks.value  # noqa: B018
    with session.lock:
        if session.model is None:
            return
        rows = tables.organization_rows(session.model)
        buyers = [b.name for b in session.model.buyers]
        meta = session.meta()

    def csv():
        return tables.csv_bytes([{**meta, **r} for r in rows])

    with solara.Row(gap="8px", style="align-items: center; flex-wrap: wrap"):
        solara.Text(tr("downloads", lang) + ":")
        solara.FileDownload(
            csv,
            filename="gpps_organizations.csv",
            label=tr("download_orgs_csv", lang),
            mime_type="text/csv",
        )
    solara.Div(children=[tr("orgs_note", lang)], classes=["gpps-hint"])
    if rows:
        Table(tables.organizations_frame(rows, buyers, lang), lang, classes=["gpps-orgs"])
    else:
        solara.Info(tr("no_orgs", lang))


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
    with solara.Row(gap="12px", style="align-items: flex-start; flex-wrap: wrap"):
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
def Glossary(names: list[str], lang: str):
    """What each outcome measures, its unit and which direction is better."""
    from solara.alias import rv

    with solara.Details(tr("outcome_glossary", lang), expand=False):
        rows = []
        for name in names:
            rows.append(
                rv.Html(
                    tag="tr",
                    children=[
                        rv.Html(
                            tag="td",
                            children=[outcome_label(name, lang)],
                            style_="font-weight: 600",
                        ),
                        rv.Html(tag="td", children=[outcome_unit(name, lang)]),
                        rv.Html(tag="td", children=[tr(charts.better_key(name), lang)]),
                        rv.Html(tag="td", children=[outcome_description(name, lang)]),
                    ],
                )
            )
        rv.Html(tag="table", class_="gpps-glossary", children=rows)


@solara.component
def CompareResult(result, lang: str):
    comp, meta = result
    rows = solara.use_memo(lambda: comp.table(metrics.HEADLINE), [comp])
    title = tr(
        "compare_done", lang, reps=meta["replications"], months=meta["months"], seed=meta["seed"]
    )
    options = solara.use_memo(
        lambda: {name: charts.compare_chart(rows, name, lang) for name in metrics.HEADLINE},
        [comp, lang],
    )

    def png():
        from . import plots

        return _download_png(
            lambda: plots.compare_figure(rows, metrics.HEADLINE, lang, meta["scenario"])
        )

    Text(f"{scenario_label(meta['scenario'], lang)}: {title}", "gpps-h4 gpps-compare-title")
    Table(tables.compare_frame(rows, metrics.HEADLINE, lang), lang, classes=["gpps-compare-table"])
    Glossary(list(metrics.HEADLINE), lang)
    with solara.Row(gap="8px", style="align-items: center; flex-wrap: wrap"):
        solara.Text(tr("downloads", lang) + ":")
        solara.FileDownload(
            lambda: tables.csv_bytes(comp.table()),
            filename="gpps_compare.csv",
            label=tr("download_compare_csv", lang),
            mime_type="text/csv",
        )
        solara.FileDownload(
            png,
            filename="gpps_compare.png",
            label=tr("download_compare_png", lang),
            mime_type="image/png",
        )
    with solara.Div(classes=["gpps-cards", "gpps-compare-plot"]):
        for name in metrics.HEADLINE:
            OutcomeCard(name, options[name], lang, height=200)


@solara.component
def PlayTab(session: RunSession, lang: str, seat: Seat, play_ver: Counter, inputs: Counter):
    play_ver.value  # noqa: B018
    inputs.value  # noqa: B018
    act = guard(session, play_ver)
    game: PlaySession | None = seat.play
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
    buyer_labels = [name_label(b, lang) for b in buyers]

    @act
    def start():
        if seat.play is not None:
            seat.play.close()
            seat.play = None
        if not session.check.ok:
            session.notice = ("fix_inputs", {})
            return
        seat.play = PlaySession.start(session.check, regime.value, buyer.value, months)

    Text(tr("play_intro", lang), "gpps-intro")
    if game is None or game.finished:
        labels = [regime_label(r, lang) for r in regimes]
        with solara.Row(gap="12px", style="align-items: flex-start; flex-wrap: wrap"):
            with solara.Div(style="width: 240px"):
                solara.Select(
                    tr("play_buyer", lang),
                    values=buyer_labels,
                    value=name_label(buyer.value, lang) if buyer.value else None,
                    on_value=lambda b: (
                        buyer.set(buyers[buyer_labels.index(b)])
                        if controls.offered(b, buyer_labels)
                        else None
                    ),
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


def _choice_label(choice: str, lang: str) -> str:
    """A decision as the log shows it: an organization, in-house or no award."""
    if choice in ("in_house", "none"):
        return tr(f"choice_{choice}", lang)
    return name_label(choice, lang)


@solara.component
def PlayDecision(game: PlaySession, lang: str, act, version: int = 0):
    with game.lock:
        pending = game.pending
        month = game.month
        if pending is None:
            return
        options = list(pending.options)
        lot = pending.lot
        facts = game.lot_facts()
    line = name_label(facts["line"], lang)
    rule = PlaySession.rule_choice(options)
    kind = tr("kind_tender" if pending.kind == "tender" else "kind_negotiation", lang)
    Text(
        tr(
            "play_tender",
            lang,
            month=month,
            total=facts["months"],
            kind=kind,
            line=line,
            community=lot.community,
        ),
        "gpps-h3 gpps-tender",
    )
    with solara.Div(classes=["gpps-lot"]):
        Text(tr("play_you_are", lang, buyer=name_label(facts["buyer"], lang)), "gpps-you-are")
        Text(
            tr(
                "play_lot",
                lang,
                line=line,
                community=lot.community,
                hours=f"{facts['hours']:,.0f}",
                budget=f"{facts['budget']:,.0f}",
                term=facts["term"],
            ),
            "gpps-lot-size",
        )
        Text(
            tr(
                "play_in_house_cost",
                lang,
                price=f"{facts['in_house_price']:,.1f}",
                quality=f"{facts['in_house_quality']:.2f}",
            ),
            "gpps-in-house-cost",
        )
        Text(tr("play_lot_unit", lang), "gpps-hint")
    solara.Text(tr("decisions_made", lang, n=len(game.decisions)), classes=["gpps-decisions"])
    bids = [i for i, o in enumerate(options) if o["kind"] != "in_house"]
    in_house = next((i for i, o in enumerate(options) if o["kind"] == "in_house"), None)
    if bids:
        Table(tables.options_frame(options, lang), lang, classes=["gpps-bids"])
        if rule is not None:
            org = name_label(options[rule]["org"].name, lang)
            solara.Info(tr("rule_pick", lang, org=org), dense=True)
    else:
        solara.Info(tr("no_bids", lang), dense=True)
    with solara.Row(gap="6px", style="flex-wrap: wrap"):
        for i in bids:
            solara.Button(
                tr("award", lang, org=name_label(options[i]["org"].name, lang)),
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
        solara.Button(
            tr("finish_rule", lang),
            on_click=act(game.finish_with_rule),
            text=True,
            classes=["gpps-finish-rule"],
        )


@solara.component
def PlayResults(game: PlaySession, lang: str, version: int = 0):
    you, rule, you_series, rule_series = solara.use_memo(game.results, [game])
    options = solara.use_memo(
        lambda: {
            g: charts.group_charts(g, you_series, lang, rule_series)
            for g in ("efficiency", "quality")
        },
        [game, lang],
    )
    Text(tr("play_done", lang, months=game.month, n=len(game.decisions)), "gpps-h3 gpps-play-done")
    if not game.decisions:
        solara.Warning(tr("play_no_decision", lang))
    Table(tables.play_frame(you, rule, lang), lang, classes=["gpps-play-results"])
    for group, by_name in options.items():
        Text(tr(f"group_{group}", lang), "gpps-h4")
        with solara.Div(classes=["gpps-cards", "gpps-play-plots"]):
            for name, option in by_name.items():
                OutcomeCard(name, option, lang)
    if game.decisions:
        with solara.Details(tr("decision_log", lang)):
            import pandas as pd

            Table(
                pd.DataFrame(
                    [
                        {
                            tr("col_month", lang): d.month,
                            tr("col_lot", lang): f"{name_label(d.line, lang)} / {d.community}",
                            tr("col_choice", lang): _choice_label(d.choice, lang),
                            tr("col_rule_choice", lang): _choice_label(d.rule, lang),
                        }
                        for d in game.decisions
                    ]
                ),
                lang,
                classes=["gpps-decision-log"],
            )


# -- the page --
def _seat_token(search: str | None) -> str | None:
    """The seat token in a tab's address (``?seat=...``), if any."""
    values = parse_qs(search or "").get("seat")
    return values[0] if values else None


def _browser() -> str:
    """The browser session's id (its cookie): a seat is found again only from the same
    browser."""
    import sys

    if "solara.server.kernel_context" not in sys.modules:  # rendered without a server (tests)
        return ""
    try:
        return solara.get_session_id()
    except Exception:
        return ""


@solara.component
def Page():
    """The participant's page; with ``?facilitator=TOKEN`` the facilitator's, with
    ``?projector=TOKEN`` the projector's."""
    router = solara.use_router()
    solara.Title("gpps dashboard")
    solara.Style(CSS)
    query = parse_qs(router.search or "", keep_blank_values=True)
    if query.get(FACILITATOR_KEY) is not None:
        Facilitator(query[FACILITATOR_KEY][0])
    elif query.get(PROJECTOR_KEY) is not None:
        Projector(query[PROJECTOR_KEY][0])
    else:
        Participant()


@solara.component
def Participant():
    router = solara.use_router()

    def take():
        token, seat = SEATS.take(
            _seat_token(router.search),
            _browser(),
            lambda: Seat(os.environ.get(ENV_SCENARIO), room=ROOM),
        )
        seat.sync()  # a late joiner (or a reload) starts from the room's current setup
        return token, seat

    token, seat = solara.use_memo(take, [])
    session = seat.run
    lang = solara.use_reactive(seat.lang)
    import reacton.core

    render = reacton.core.get_render_context(required=False)
    inputs = Counter(solara.use_reactive(0), render)
    ticks = Counter(solara.use_reactive(0), render)
    cmp_ver = Counter(solara.use_reactive(0), render)
    play_ver = Counter(solara.use_reactive(0), render)
    playing = solara.use_reactive(False)
    tab = solara.use_reactive(0)
    compare = seat.compare
    compare_request = solara.use_reactive(None)

    def address():
        """The tab's address carries its seat, so that a reload finds it (again after the
        browser reports its address without it)."""
        if _seat_token(router.search) != token and router.set_path is not None:
            router.push(f"{router.path or '/'}?seat={token}")

    solara.use_effect(address, [router.search])

    def release():
        return lambda: SEATS.release(token)

    solara.use_effect(release, [])

    def follow_room():
        """Re-read the room after the facilitator changes it (in a short thread of this page's
        own kernel: the facilitator's handler does not render anyone's page)."""
        context = _kernel_context()
        shown = [_room_view(seat)]

        def refresh():
            with context if context is not None else contextlib.nullcontext():
                changed = seat.sync()
                view = _room_view(seat)
                if changed or view != shown[0]:
                    shown[0] = view
                    for counter in (inputs, ticks, play_ver):
                        counter.bump()

        def changed():
            if not seat.closed:
                threading.Thread(target=refresh, name=ROOM_THREAD, daemon=True).start()

        return ROOM.listen(changed)

    solara.use_effect(follow_room, [])

    def set_lang(code):
        seat.lang = code
        lang.set(code)

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
            if comp is not None and not seat.closed:
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

    with solara.Column(style="padding: 8px 20px 20px 20px", gap="6px", classes=["gpps-page"]):
        Header(session, seat, lang.value, set_lang, inputs, ticks)
        RoomNote(seat, lang.value, inputs)
        with solara.Columns([1, 3], gutters_dense=True):
            with solara.Column():
                Controls(
                    session, lang.value, inputs, ticks, playing, tab.value == PLAY_TAB, seat=seat
                )
            with solara.Column(style="min-width: 0"):
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
                        PlayTab(session, lang.value, seat, play_ver, inputs)


def LanguageButtons(lang: str, set_lang: Callable):
    with solara.Row(gap="4px"):
        for code in LANGS:
            solara.Button(
                LANG_NAMES[code],
                on_click=lambda code=code: set_lang(code),
                outlined=lang != code,
                color="primary",
                small=True,
                classes=[f"gpps-lang-{code}"],
            )


@solara.component
def Header(
    session: RunSession,
    seat: Seat,
    lang: str,
    set_lang: Callable,
    inputs: Counter,
    ticks: Counter,
):
    inputs.value  # noqa: B018
    ticks.value  # noqa: B018

    @guard(session, inputs, ticks)
    def set_name(raw):
        seat.set_name(raw)
        seat.sync()  # a name on a group's list joins that group

    with solara.Row(style="align-items: center; justify-content: space-between; flex-wrap: wrap"):
        with solara.Column(gap="0px"):
            Text(tr("title", lang), "gpps-h2")
            solara.Div(children=[tr("subtitle", lang)], classes=["gpps-hint"])
        with solara.Row(gap="12px", style="align-items: center"):
            if os.environ.get(ENV_FACILITATOR):  # a facilitator follows the room: say who you are
                with solara.Div(style="width: 240px"):
                    TextInput(
                        tr("your_name", lang),
                        value=seat.name,
                        on_value=set_name,
                        classes=["gpps-name"],
                    )
            LanguageButtons(lang, set_lang)
    if session.notice is not None:
        solara.Error(message(session.notice, lang))


def _kernel_context():
    """The current page's Solara kernel context (``None`` outside a server)."""
    import sys

    if "solara.server.kernel_context" not in sys.modules:
        return None
    from solara.server import kernel_context

    try:
        return kernel_context.get_current_context()
    except Exception:
        return None


def _room_view(seat: Seat) -> tuple:
    """What a participant's page shows of the room (it re-renders when this changes)."""
    return (seat.locked, seat.adopted, seat.group)


def setup_text(setup: Setup, lang: str) -> dict:
    """A setup's scenario, regime and seed as the pages show them."""
    text = {
        "scenario": scenario_label(setup.scenario_ref, lang),
        "regime": regime_label(setup.regime, lang),
        "seed": setup.seed,
    }
    if setup.edits:
        text["regime"] += "; " + tr("room_edits", lang, n=len(setup.edits))
    return text


@solara.component
def RoomNote(seat: Seat, lang: str, inputs: Counter):
    """What the facilitator set for this participant, and whether the settings are locked."""
    inputs.value  # noqa: B018
    got = seat.setup()
    if got is not None:
        setup, target = got
        key = "room_setup_group" if target else "room_setup_all"
        solara.Info(
            tr(key, lang, group=target or "", **setup_text(setup, lang)),
            dense=True,
            classes=["gpps-room-setup"],
        )
    if seat.locked:
        solara.Warning(tr("locked_note", lang), dense=True, classes=["gpps-locked"])


#: Seconds between two looks at the room on the facilitator's page.
FACILITATOR_SECONDS = 2.0


def _token_ok(given, env: str) -> bool:
    """Whether ``given`` is the token in environment variable ``env`` (compared in constant
    time, as bytes: any text a browser sends is only ever unequal)."""
    import hmac

    expected = os.environ.get(env)
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def facilitator_allowed(given: str | None) -> bool:
    """Whether ``given`` is the facilitator's secret token (none is set without
    ``--facilitator``)."""
    return _token_ok(given, ENV_FACILITATOR)


def projector_allowed(given: str | None) -> bool:
    """Whether ``given`` is the projector's token (none is set without ``--facilitator``)."""
    return _token_ok(given, ENV_PROJECTOR)


def use_looks() -> int:
    """A counter that goes up every ``FACILITATOR_SECONDS`` while the page is open (one thread
    per facilitator's or projector's page)."""
    looks = solara.use_reactive(0)

    def look_again(cancel: threading.Event):
        while not cancel.wait(FACILITATOR_SECONDS):
            looks.set(looks.value + 1)

    solara.use_thread(look_again, dependencies=[], intrusive_cancel=False)
    return looks.value


#: Tabs of the facilitator's page.
ROOM_TAB, SETUP_TAB, DEBRIEF_TAB = 0, 1, 2


@solara.component
def Facilitator(given: str | None):
    """The facilitator's page, only with the secret token: the room (every participant's
    session and their groups), the setup pushed to everyone or a group with the lock and the
    reset, and the debrief; a link to the projector's page."""
    from solara.alias import rv

    lang = solara.use_reactive("en")
    allowed = facilitator_allowed(given)
    tab = solara.use_reactive(ROOM_TAB)
    with solara.Column(style="padding: 8px 20px 20px 20px", gap="6px", classes=["gpps-page"]):
        with solara.Row(
            style="align-items: center; justify-content: space-between; flex-wrap: wrap"
        ):
            Text(tr("room_title", lang.value), "gpps-h2")
            with solara.Row(gap="16px", style="align-items: center"):
                projector = os.environ.get(ENV_PROJECTOR)
                if allowed and projector:
                    rv.Html(
                        tag="a",
                        attributes={
                            "href": f"?{PROJECTOR_KEY}={projector}",
                            "target": "_blank",
                            "rel": "noopener",
                        },
                        children=[tr("projector_link", lang.value)],
                        class_="gpps-projector-link",
                    )
                LanguageButtons(lang.value, lang.set)
        if not allowed:
            solara.Error(tr("room_refused", lang.value), classes=["gpps-room-refused"])
            return
        with solara.lab.Tabs(value=tab, lazy=True):
            with solara.lab.Tab(tr("fac_tab_room", lang.value)):
                RoomTab(lang.value)
            with solara.lab.Tab(tr("fac_tab_setup", lang.value)):
                SetupTab(lang.value)
            with solara.lab.Tab(tr("fac_tab_debrief", lang.value)):
                DebriefTab(lang.value)


@solara.component
def RoomTab(lang: str):
    """Every participant's session, looked at again every ``FACILITATOR_SECONDS``, and the
    groups."""
    use_looks()
    rows = room_rows(SEATS)
    Text(tr("room_intro", lang, n=len(rows)), "gpps-intro gpps-room-count")
    if rows:
        Table(tables.room_frame(rows, lang), lang, classes=["gpps-room"])
    Groups(lang)


@solara.component
def Groups(lang: str):
    """Each seat's group (buttons), a split of the room into A and B, and lists of names."""
    from solara.alias import rv

    changed = solara.use_reactive(0)

    seats = [(t, s) for t, s, _ in SEATS.seats() if not s.closed]

    def put_all(groups: dict):
        ROOM.assign_many(groups)
        for _, seat, _ in SEATS.seats():
            seat.sync()
        changed.set(changed.value + 1)

    def put(token, group):
        put_all({token: group})

    def split():
        put_all({token: GROUPS[i % len(GROUPS)] for i, (token, _) in enumerate(seats)})

    def listed(group):
        def set_names(text):
            ROOM.set_names(group, text)
            for _, seat, _ in SEATS.seats():
                seat.sync()
            changed.set(changed.value + 1)

        return set_names

    Text(tr("groups_title", lang), "gpps-h3")
    Text(tr("groups_intro", lang), "gpps-hint")
    with solara.Row(gap="12px", style="align-items: flex-start; flex-wrap: wrap"):
        for group in GROUPS:
            with solara.Div(style="width: 340px"):
                TextInput(
                    tr("names_of", lang, group=group),
                    value=ROOM.names(group),
                    on_value=listed(group),
                    classes=[f"gpps-names-{group}"],
                )
        solara.Button(tr("split", lang), on_click=split, outlined=True, classes=["gpps-split"])
    rows = []
    for token, seat in seats:
        current = ROOM.group_of(token, seat.name)
        buttons = [
            solara.Button(
                tr("group_none", lang) if g is None else g,
                on_click=lambda token=token, g=g: put(token, g),
                outlined=current != g,
                color="primary",
                small=True,
                classes=[f"gpps-put-{g or 'none'}"],
            )
            for g in (None, *GROUPS)
        ]
        rows.append(
            rv.Html(
                tag="tr",
                children=[
                    rv.Html(tag="td", children=[seat.name or tr("no_name", lang)]),
                    rv.Html(tag="td", children=buttons),
                ],
            )
        )
    if rows:
        rv.Html(tag="table", class_="gpps-seat-groups", children=rows)


def _target_label(target: str | None, lang: str) -> str:
    return tr("target_all", lang) if target is None else tr("group_name", lang, group=target)


@solara.component
def SetupTab(lang: str):
    """The setup to push (the participant's inputs, without a clock), whom to push it to,
    the lock and the reset, and what everyone has now."""
    import reacton.core

    def start():
        pushed = ROOM.pushed()
        session = RunSession(os.environ.get(ENV_SCENARIO))
        if None in pushed:
            session.adopt(pushed[None])
        return session

    session = solara.use_memo(start, [])
    solara.use_effect(lambda: session.close, [])
    render = reacton.core.get_render_context(required=False)
    inputs = Counter(solara.use_reactive(0), render)
    ticks = Counter(solara.use_reactive(0), render)
    status = Counter(solara.use_reactive(0), render)
    playing = solara.use_reactive(False)
    targets: list[str | None] = [None, *GROUPS]
    target_labels = [_target_label(t, lang) for t in targets]
    target = solara.use_reactive(None)
    status.value  # noqa: B018
    inputs.value  # noqa: B018
    act = guard(session, status, inputs)

    def everyone_follows():
        for _, seat, _ in SEATS.seats():
            seat.sync()

    @act
    def push():
        if not session.check.ok:
            session.notice = ("fix_inputs", {})
            return
        ROOM.push(Setup.of(session), target.value)
        everyone_follows()

    @act
    def lock(on: bool):
        ROOM.lock(on, target.value)

    @act
    def reset():
        ROOM.reset(target.value)
        everyone_follows()

    Text(tr("setup_intro", lang), "gpps-intro")
    with solara.Columns([1, 2], gutters_dense=True):
        with solara.Column():
            Controls(session, lang, inputs, ticks, playing, False, setup_only=True)
        with solara.Column(style="min-width: 0"):
            if session.check.ok:
                Text(
                    tr("setup_now", lang, **setup_text(Setup.of(session), lang)),
                    "gpps-h4 gpps-setup-now",
                )
            else:
                solara.Warning(tr("fix_inputs", lang), dense=True)
            with solara.Div(style="width: 240px"):
                solara.Select(
                    tr("target", lang),
                    values=target_labels,
                    value=_target_label(target.value, lang),
                    on_value=lambda t: (
                        target.set(targets[target_labels.index(t)])
                        if controls.offered(t, target_labels)
                        else None
                    ),
                    classes=["gpps-target"],
                )
            with solara.Row(gap="8px", style="flex-wrap: wrap"):
                solara.Button(
                    tr("push", lang),
                    on_click=push,
                    color="primary",
                    disabled=not session.check.ok,
                    classes=["gpps-push"],
                )
                solara.Button(
                    tr("lock", lang),
                    on_click=lambda: lock(True),
                    outlined=True,
                    classes=["gpps-lock"],
                )
                solara.Button(
                    tr("unlock", lang),
                    on_click=lambda: lock(False),
                    outlined=True,
                    classes=["gpps-unlock"],
                )
                solara.Button(
                    tr("reset_all", lang),
                    on_click=reset,
                    outlined=True,
                    classes=["gpps-reset-all"],
                )
            if session.notice is not None:
                solara.Error(message(session.notice, lang))
            RoomStatus(lang, status.value)


@solara.component
def RoomStatus(lang: str, version: int = 0):
    """What was pushed to whom, and who is locked."""
    pushed = ROOM.pushed()
    lines = [
        tr("pushed_to", lang, target=_target_label(t, lang), **setup_text(setup, lang))
        for t, setup in sorted(pushed.items(), key=lambda x: (x[0] is not None, x[0] or ""))
    ]
    locked = [t for t in (None, *GROUPS) if ROOM.locked(t)]
    if len(locked) == 1 + len(GROUPS):
        locked = [None]  # everyone: no need to name each group
    with solara.Column(gap="2px", classes=["gpps-room-status"]):
        for line in lines or [tr("pushed_none", lang)]:
            solara.Div(children=[line], classes=["gpps-pushed"])
        if locked:
            targets = ("、" if lang == "zh" else ", ").join(_target_label(t, lang) for t in locked)
            solara.Div(
                children=[tr("locked_for", lang, targets=targets)], classes=["gpps-locked-for"]
            )
        else:
            solara.Div(children=[tr("unlocked_all", lang)], classes=["gpps-locked-for"])


@solara.component
def DebriefTab(lang: str):
    """Every participant's game against the rule, the room's regimes against outcomes with a
    chart per outcome, and the CSV."""
    use_looks()
    rows = debrief_rows(SEATS)
    Text(tr("debrief_intro", lang), "gpps-intro")
    with solara.Row(gap="8px", style="align-items: center; flex-wrap: wrap"):
        solara.Text(tr("downloads", lang) + ":")
        solara.FileDownload(
            lambda: tables.debrief_csv(debrief_rows(SEATS)),
            filename="gpps_debrief.csv",
            label=tr("download_debrief_csv", lang),
            mime_type="text/csv",
        )
    Text(tr("debrief_games", lang), "gpps-h4")
    Table(tables.debrief_frame(rows, lang), lang, classes=["gpps-debrief"])
    RoomCharts(rows, lang, "against_rule", metrics.HEADLINE)
    Text(tr("debrief_regimes", lang), "gpps-h4")
    Table(tables.regime_frame(rows, lang), lang, classes=["gpps-debrief-regimes"])
    RoomCharts(rows, lang, "by_regime", metrics.HEADLINE)


def RoomCharts(rows: list[dict], lang: str, kind: str, outcomes, font: int = 10, height=200):
    """The room's outcomes as charts: ``against_rule`` (finished games: the participants and
    the rule) or ``by_regime`` (every run at its month), or a line saying there is nothing
    to draw yet."""
    import math

    if kind == "against_rule":
        ready = any(r["game"] == "finished" for r in rows)
        groups = charts.against_rule
    else:
        ready = any(r["month"] > 0 and any(math.isfinite(r[n]) for n in outcomes) for r in rows)
        groups = charts.by_regime
    Text(tr(f"debrief_{kind}", lang), "gpps-h4")
    if not ready:
        Text(tr("no_games" if kind == "against_rule" else "no_runs", lang), "gpps-hint")
        return
    cards = "gpps-projector-cards" if font > 10 else "gpps-cards"
    with solara.Div(classes=[cards, f"gpps-room-plot-{kind}"]):
        for name in outcomes:
            option = charts.spread_chart(groups(rows, name, lang), name, lang, font=font)
            OutcomeCard(name, option, lang, height=height)


#: Outcomes the projector shows (a subset of ``metrics.HEADLINE``).
PROJECTOR_OUTCOMES = (
    "qa_hours_per_10k_yuan",
    "need_met_share",
    "quality_mean",
    "provider_gov_share_mean",
)


def beat_the_rule(rows: list[dict], name: str) -> tuple[int, int]:
    """(players whose finished game did better than the rule on ``name``, finished games)."""
    import math

    better = metrics.BY_NAME[name].better
    done = [r for r in rows if r["game"] == "finished"]
    k = 0
    for r in done:
        a, b = r.get(f"you_{name}", math.nan), r.get(f"rule_{name}", math.nan)
        if math.isfinite(a) and math.isfinite(b):
            k += (a > b) if better == "higher" else (a < b) if better == "lower" else 0
    return k, len(done)


@solara.component
def Projector(given: str | None):
    """The room's summary in large type for the wall: how many participants, what was set,
    the regimes the room runs, how many games beat the rule, and the room's outcomes by
    regime. No names, no tokens: only with the projector's token."""
    lang = solara.use_reactive("en")
    allowed = projector_allowed(given)
    with solara.Column(
        style="padding: 8px 24px 24px 24px", gap="12px", classes=["gpps-page", "gpps-projector"]
    ):
        with solara.Row(
            style="align-items: center; justify-content: space-between; flex-wrap: wrap"
        ):
            Text(tr("projector_title", lang.value), "gpps-h2")
            LanguageButtons(lang.value, lang.set)
        if not allowed:
            solara.Error(tr("projector_refused", lang.value), classes=["gpps-projector-refused"])
            return
        ProjectorBody(lang.value)


@solara.component
def ProjectorBody(lang: str):
    use_looks()
    rows = [r for r in debrief_rows(SEATS)]
    people = sum(1 for r in rows if r["open"])
    finished = sum(1 for r in rows if r["game"] == "finished")
    pushed = ROOM.pushed()
    with solara.Div(classes=["gpps-big"]):
        for number, label, cls in (
            (people, tr("projector_people", lang), "gpps-projector-people"),
            (finished, tr("projector_games", lang), "gpps-projector-games"),
        ):
            with solara.Div(classes=[cls]):
                solara.Div(children=[str(number)], classes=["gpps-big-number"])
                solara.Div(children=[label])
    if pushed:
        setups = "; ".join(
            tr("pushed_to", lang, target=_target_label(t, lang), **setup_text(s, lang))
            for t, s in sorted(pushed.items(), key=lambda x: (x[0] is not None, x[0] or ""))
        )
        Text(tr("projector_now", lang, setups=setups), "gpps-projector-now")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["regime"]] = counts.get(r["regime"], 0) + 1
    Text(tr("projector_regimes", lang), "gpps-h3")
    with solara.Column(gap="2px", classes=["gpps-projector-regimes"]):
        for regime, n in sorted(counts.items(), key=lambda x: -x[1]):
            label = " + ".join(regime_label(x, lang) for x in regime.split("+") if x)
            solara.Div(children=[f"{label}: {n}"])
    if finished:
        with solara.Column(gap="2px", classes=["gpps-projector-beat"]):
            for name in PROJECTOR_OUTCOMES:
                k, n = beat_the_rule(rows, name)
                solara.Div(
                    children=[
                        tr("projector_beat", lang, outcome=outcome_label(name, lang), k=k, n=n)
                    ]
                )
    for kind in ("against_rule", "by_regime"):
        RoomCharts(rows, lang, kind, PROJECTOR_OUTCOMES, font=16, height=240)
