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
from .server import ENV_FACILITATOR, FACILITATOR_KEY
from .session import (
    KEEP_SECONDS,
    CompareState,
    PlaySession,
    RunSession,
    Seat,
    Seats,
    compare_runs,
    compare_scenario,
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
def ScenarioSelect(session: RunSession, lang: str, on_scenario: Callable, choices: list[str]):
    """The scenario selector: shipped scenarios by name in the page's language, a file named
    at start as given; the value sent back is the scenario's reference (checked by the caller
    against ``choices``)."""
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
    session: RunSession, lang: str, inputs: Counter, ticks: Counter, playing, on_play_tab: bool
):
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
        ScenarioSelect(session, lang, act(on_scenario), choices)
        text = scenario_text(session.scenario_ref, lang, base.description if base else "")
        if text:
            solara.Div(children=[text], classes=["gpps-hint", "gpps-scenario-text"])
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
    """The participant's page, or with ``?facilitator=TOKEN`` the facilitator's."""
    router = solara.use_router()
    solara.Title("gpps dashboard")
    solara.Style(CSS)
    given = parse_qs(router.search or "", keep_blank_values=True).get(FACILITATOR_KEY)
    if given is not None:
        Facilitator(given[0])
    else:
        Participant()


@solara.component
def Participant():
    router = solara.use_router()
    token, seat = solara.use_memo(
        lambda: SEATS.take(
            _seat_token(router.search), _browser(), lambda: Seat(os.environ.get(ENV_SCENARIO))
        ),
        [],
    )
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
        with solara.Columns([1, 3], gutters_dense=True):
            with solara.Column():
                Controls(session, lang.value, inputs, ticks, playing, tab.value == PLAY_TAB)
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
                        on_value=seat.set_name,
                        classes=["gpps-name"],
                    )
            LanguageButtons(lang, set_lang)
    if session.notice is not None:
        solara.Error(message(session.notice, lang))


#: Seconds between two looks at the room on the facilitator's page.
FACILITATOR_SECONDS = 2.0


def facilitator_allowed(given: str | None) -> bool:
    """Whether ``given`` is the facilitator's secret token (none is set without
    ``--facilitator``)."""
    import hmac

    expected = os.environ.get(ENV_FACILITATOR)
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(given, expected)


@solara.component
def Facilitator(given: str | None):
    """Every participant's session: name, scenario, regime, month and headline outcomes so
    far, looked at again every ``FACILITATOR_SECONDS``. Only with the secret token."""
    lang = solara.use_reactive("en")
    looks = solara.use_reactive(0)

    def look_again(cancel: threading.Event):
        while not cancel.wait(FACILITATOR_SECONDS):
            looks.set(looks.value + 1)

    allowed = facilitator_allowed(given)
    solara.use_thread(look_again, dependencies=[allowed], intrusive_cancel=False)
    looks.value  # noqa: B018
    with solara.Column(style="padding: 8px 20px 20px 20px", gap="6px", classes=["gpps-page"]):
        with solara.Row(
            style="align-items: center; justify-content: space-between; flex-wrap: wrap"
        ):
            Text(tr("room_title", lang.value), "gpps-h2")
            LanguageButtons(lang.value, lang.set)
        if not allowed:
            solara.Error(tr("room_refused", lang.value), classes=["gpps-room-refused"])
            return
        rows = room_rows(SEATS)
        Text(tr("room_intro", lang.value, n=len(rows)), "gpps-intro gpps-room-count")
        if rows:
            Table(tables.room_frame(rows, lang.value), lang.value, classes=["gpps-room"])
