"""Fast tests of the dashboard's parts without a browser or Solara: controls, sessions,
play-the-buyer, compare, figures, tables, labels and the command."""

from __future__ import annotations

import math

import pytest

from sim import metrics
from sim.dashboard import charts, controls, i18n, plots, tables
from sim.dashboard.session import (
    PlaySession,
    RunSession,
    compare_runs,
    compare_scenario,
    playable_regimes,
    series_of,
)
from sim.params import PARAMS
from sim.regimes import REGIMES
from sim.scenario import load

SMALL = {"n_residents": 300, "population": 30_000}


# -- controls --
def test_featured_parameters_exist_and_the_rest_sit_in_sections_once():
    assert set(controls.FEATURED) <= set(PARAMS)
    listed = [n for _, names in controls.sections() for n in names]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(PARAMS) - set(controls.SEPARATE)
    assert listed == [n for n in PARAMS if n not in controls.SEPARATE]  # PARAMS order


def test_widgets_take_bounds_and_options_from_params():
    for name, p in PARAMS.items():
        c = controls.control(name)
        if c.widget in ("slider_float", "slider_int", "text"):
            assert (c.low, c.high) == (p.low, p.high), name
        if c.widget == "select":
            assert c.options == tuple(p.options)
    assert controls.control("monitoring_capacity").widget == "slider_float"
    assert controls.control("contract_term_months").widget == "slider_int"
    assert controls.control("n_independent_orgs").widget == "text"
    assert controls.control("budget_general_per_capita").widget == "text"
    assert controls.control("evaluation").widget == "select"
    assert controls.control("fixed_price").widget == "switch"


def test_sliders_hold_every_shipped_scenarios_value_on_their_grid():
    """A value off a slider's grid is moved by the browser, which would count as an edit."""
    from sim.scenario import describe_all

    for scenario, _ in describe_all():
        params = load(scenario).params
        for name, value in params.items():
            c = controls.control(name, value)
            if c.widget == "slider_float":
                k = (value - c.low) / c.step
                assert abs(k - round(k)) < 1e-6, (scenario, name, value, c.step)


def test_widgets_start_from_the_scenarios_values_not_a_second_default():
    session = RunSession()
    scenario = load(None)
    for name in PARAMS:
        assert session.value(name) == scenario.params[name], name


@pytest.mark.parametrize(
    "name, raw, expected",
    [
        ("n_independent_orgs", "7", 7),
        ("n_independent_orgs", " 1,000 ", 1000),
        ("n_independent_orgs", "3.0", 3),
        ("budget_general_per_capita", "250.5", 250.5),
        ("monitoring_capacity", 0.4, 0.4),
        ("evaluation", "third_party", "third_party"),
    ],
)
def test_parse_accepts_good_input(name, raw, expected):
    assert controls.parse(name, raw) == (expected, None)


@pytest.mark.parametrize(
    "name, raw, en, zh",
    [
        ("n_independent_orgs", "-3", "expected a value in [0, 10000]", "[0, 10000]"),
        ("n_independent_orgs", "abc", "expected an integer in [0, 10000]", "整数"),
        ("n_independent_orgs", "2.5", "expected an integer in [0, 10000]", "整数"),
        ("budget_general_per_capita", "nan", "expected a number in [0, 1e+06]", "数字"),
        ("budget_general_per_capita", "", "expected a value", "请输入"),
        ("monitoring_capacity", "1.5", "expected a value in [0, 1]", "[0, 1]"),
    ],
)
def test_parse_rejects_bad_input_with_a_message_in_both_languages(name, raw, en, zh):
    value, msg = controls.parse(name, raw)
    assert value is None
    assert i18n.message(msg, "en") == en
    assert zh in i18n.message(msg, "zh")


def test_seed_must_be_a_whole_number():
    assert controls.parse_seed("42") == (42, None)
    for bad in ("-1", "1.5", "x", "", str(2**63)):
        assert controls.parse_seed(bad)[0] is None


def test_a_contradiction_is_shown_beside_the_input_it_names():
    weights = {k: 0.0 for k in ("weight_price", "weight_quality", "weight_reputation")}
    check = controls.validate(None, None, weights, "1")
    assert not check.ok
    assert set(check.errors) == {"weight_price"}
    assert "all tender weights are 0" in check.errors["weight_price"]
    budget = {"budget_general_per_capita": "0.1", "budget_lottery_per_capita": "0"}
    check = controls.validate(None, None, budget, "1")
    assert set(check.errors) == {"budget_general_per_capita"}
    assert "expected at least" in check.errors["budget_general_per_capita"]


def test_every_bad_field_gets_its_own_message():
    check = controls.validate(None, None, {"n_independent_orgs": "-1", "steps": "x"}, "seed")
    assert set(check.errors) == {"n_independent_orgs", "steps", "seed"}
    assert check.scenario is None


# -- the session's model --------------------------------------------------------------------------
def test_a_valid_change_at_month_zero_rebuilds_the_model():
    session = RunSession()
    assert session.month == 0
    session.set_regime("contract")
    assert {b.regime.name for b in session.model.buyers} == {"contract"}
    session.set_param("n_independent_orgs", "6")
    assert session.model.params["n_independent_orgs"] == 6
    assert not session.dirty


def test_an_invalid_input_never_touches_the_running_model():
    session = RunSession()
    session.step(3)
    model = session.model
    session.set_param("n_independent_orgs", "-3")
    assert session.error("n_independent_orgs") is not None
    assert session.model is model and session.month == 3
    assert session.step(1) == 1 and session.month == 4  # it still runs
    assert session.reset() is False
    assert session.model is model and session.month == 4
    session.set_param("n_independent_orgs", "5")  # fixed: applies on reset only
    assert session.error("n_independent_orgs") is None
    assert session.dirty and session.month == 4
    assert session.reset() and session.month == 0
    assert session.model.params["n_independent_orgs"] == 5 and not session.dirty


def test_sessions_do_not_share_a_model():
    a, b = RunSession(), RunSession()
    a.step(2)
    assert (a.month, b.month) == (2, 0)
    assert a.model is not b.model


def test_the_same_seed_gives_the_same_run():
    a, b = RunSession(seed=7), RunSession(seed=7)
    a.step(6)
    b.step(6)
    assert series_of(a.model) == series_of(b.model)


def test_step_stops_at_the_end_of_the_run():
    session = RunSession()
    session.set_param("steps", "3")
    assert session.step(10) == 3
    assert session.finished and session.step(1) == 0


def test_results_csv_has_one_row_per_month():
    session = RunSession()
    session.set_regime("contract")
    session.step(4)
    text = tables.series_csv(series_of(session.model), session.meta()).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("scenario,regime,seed,step,")
    assert len(lines) == 5
    assert lines[1].startswith("baseline,contract,1,1,")
    for name in metrics.HEADLINE:
        assert name in lines[0]


def test_organizations_table_has_revenue_by_source_share_reputation_status():
    session = RunSession()
    session.set_regime("contract")
    session.step(13)
    rows = tables.organization_rows(session.model)
    assert rows
    buyers = [b.name for b in session.model.buyers]
    for r in rows:
        parts = sum(r[f"revenue_{b}"] for b in buyers) + r["revenue_private"]
        assert math.isclose(parts + r.get("revenue_other_government", 0.0), r["revenue_total"])
        assert r["status"] in ("active", "exited")
    frame = tables.organizations_frame(rows, buyers, "zh")
    assert {"社会组织", "政府资金占比", "声誉", "状态", "社会捐赠"} <= set(frame.columns)
    assert len(frame) == len(rows)


# -- charts (drawn by the browser) and PNG downloads --
def test_charts_have_no_points_at_month_zero_and_one_per_month_after():
    session = RunSession()
    session.set_regime("contract")
    empty = series_of(session.model)
    session.step(6)
    series = series_of(session.model)
    drawn = 0
    for group in charts.GROUPS:
        before = charts.group_charts(group, empty, "en")
        after = charts.group_charts(group, series, "en")
        assert list(after) == list(charts.GROUP_PLOTS[group])
        for name, option in before.items():
            assert option["series"][-1]["data"] == [], name
            assert option["graphic"]["style"]["text"].startswith("no data yet: press Step"), name
        for name, option in after.items():
            points = option["series"][-1]["data"]
            assert [t for t, _ in points] == [1, 2, 3, 4, 5, 6], name
            defined = [v for _, v in points if v is not None]
            assert ("graphic" in option) == (not defined), name  # "no value yet" only if none
            if not defined:
                assert option["graphic"]["style"]["text"].startswith("no value yet"), name
            drawn += bool(defined)
    assert drawn >= 14  # re-awards, for one, need a contract to end first


def test_shares_and_scores_span_their_bounds_and_others_start_at_zero():
    for o in metrics.OUTCOMES:
        if o.bounds is not None:
            assert charts.y_range(o.name, [0.41, 0.42]) == (0.0, 1.0), o.name
    assert charts.y_range("qa_hours_per_10k_yuan", [31.2, 33.4]) == (0.0, 40.0)
    # a change of 0.0001 is no cliff: the axis stays where it was
    assert charts.y_range("active_orgs", [6.0]) == charts.y_range("active_orgs", [6.0, 6.0001])
    assert charts.y_range("satisfaction_local_migrant_gap", [0.013, -0.002]) == (-0.1, 0.1)
    assert charts.y_range("satisfaction_local_migrant_gap", [0.3]) == (-0.4, 0.4)
    assert charts.y_range("cost_per_qa_hour", []) == (0.0, 1.0)
    assert charts.nice_ceiling(7) == 8 and charts.nice_ceiling(0.0011) == 0.0012
    assert charts.tick_step(0.0, 1.0) == 0.25 and charts.tick_step(-0.1, 0.1) == 0.05
    option = charts.outcome_chart("need_met_share", [0.5, 0.6], "en")
    assert (option["yAxis"]["min"], option["yAxis"]["max"]) == (0.0, 1.0)


def test_every_chart_says_what_it_shows_in_both_languages():
    shown = {n for names in charts.GROUP_PLOTS.values() for n in names} | set(metrics.HEADLINE)
    for name in shown:
        o = metrics.BY_NAME[name]
        assert i18n.outcome_label(name, "en") == o.label
        for lang in ("en", "zh"):
            assert i18n.outcome_unit(name, lang), (name, lang)
            text = i18n.tr(charts.better_key(name), lang)
            assert text, name
        assert charts.better_key(name) == (f"better_{o.better}" if o.better else "better_none")
        assert name in i18n.OUTCOME_DESC_ZH, name
        assert i18n.outcome_description(name, "en").startswith(o.description)
    assert "half an hour" in i18n.outcome_description("qa_hours_per_10k_yuan", "en")
    assert "squared" in i18n.outcome_description("provider_revenue_diversity_mean", "en")
    assert "平方和" in i18n.outcome_description("contract_value_hhi", "zh")
    assert "per lot" in i18n.outcome_description("bids_per_award", "en")


def test_the_play_charts_draw_the_rule_dashed_beside_you():
    series = {"quality_mean": [0.5, 0.6], "quality_nonmeasurable": [0.4, 0.4]}
    rule = {"quality_mean": [0.55, 0.65], "quality_nonmeasurable": [0.5, 0.5]}
    option = charts.group_charts("quality", series, "zh", rule)["quality_mean"]
    rule_line, you = option["series"]
    assert rule_line["lineStyle"]["type"] == "dashed" and rule_line["name"] == "自动规则"
    assert you["name"] == "你的决定" and [v for _, v in you["data"]] == [0.5, 0.6]


def test_network_and_satisfaction_charts_hold_every_node_and_resident():
    session = RunSession()
    session.set_regime("contract")
    session.step(3)
    data = charts.network_data(session.model)
    assert {a["regime"] for a in data["arrangements"]} == {"contract"}
    assert len(data["orgs"]) == len(session.model.organizations())
    option = charts.network_chart(data, "zh")
    graph = option["series"][0]
    assert len(graph["data"]) == len(data["buyers"]) + len(data["in_house"]) + len(data["orgs"])
    assert len({n["id"] for n in graph["data"]}) == len(graph["data"])  # ECharts needs unique ids
    assert len(graph["links"]) >= len(data["arrangements"])
    assert {n["name"] for n in graph["data"]} >= {"购买主体1", "组织1"}
    sat = charts.satisfaction_data(session.model)
    bars = charts.satisfaction_chart(sat, "en")["series"]
    for bar, key in zip(bars, ("locals", "migrants")):
        assert sum(bar["data"]) == pytest.approx(1.0, abs=1e-3) if len(sat[key]) else True


def test_outcomes_png_download_has_every_group():
    session = RunSession()
    session.step(2)
    fig = plots.outcomes_figure(series_of(session.model), "en", "title")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == sum(len(v) for v in charts.GROUP_PLOTS.values())
    png = plots.png(fig)
    assert png.startswith(b"\x89PNG") and plots.colours(png)[1] > 1000


def test_network_png_download_is_drawn():
    session = RunSession()
    session.step(2)
    for lang in ("en", "zh"):
        png = plots.png(plots.network_figure(charts.network_data(session.model), lang))
        assert plots.colours(png)[1] > 100


def test_plotted_outcomes_exist():
    for names in charts.GROUP_PLOTS.values():
        assert set(names) <= set(metrics.OUTCOME_NAMES)
    groups = {o.name: o.group for o in metrics.OUTCOMES}
    for group, names in charts.GROUP_PLOTS.items():
        assert {groups[n] for n in names} == {group}
    # bids are counted per lot, the unit "play the buyer" shows
    assert "bids_per_award" in charts.GROUP_PLOTS["market"]
    assert "bids_per_tender" not in charts.GROUP_PLOTS["market"]


# -- play the buyer --
def _play(months=24, regime="contract", **extra):
    check = controls.validate(None, None, {**SMALL, **extra}, "3")
    assert check.ok
    buyer = check.scenario.buyers[0]["name"]
    return PlaySession.start(check, regime, buyer, months)


def test_contract_and_negotiated_are_playable():
    assert {"contract", "negotiated"} <= set(playable_regimes())
    assert "administrative_dependence" not in playable_regimes()


def test_following_the_rule_gives_the_automatic_outcomes():
    game = _play()
    assert game.pending is not None and game.pending.kind == "tender"
    while not game.finished:
        game.choose(PlaySession.rule_choice(game.pending.options))
    assert game.decisions and all(d.choice == d.rule for d in game.decisions)
    you, rule, you_series, rule_series = game.results()
    for name in metrics.OUTCOME_NAMES:
        a, b = you[name], rule[name]
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b), name
    assert len(you_series["quality_mean"]) == len(rule_series["quality_mean"]) == 24


def test_the_buyers_choices_change_the_run():
    game = _play()
    first = game.pending
    in_house = next(i for i, o in enumerate(first.options) if o["kind"] == "in_house")
    game.choose(in_house)
    assert game.decisions[0].choice == "in_house"
    while not game.finished:
        game.choose(None)  # no award
    you, rule, *_ = game.results()
    assert you["need_met_share"] < rule["need_met_share"]
    assert {d.choice for d in game.decisions[1:]} == {"none"}


def test_finish_with_the_rule_ends_the_run():
    game = _play(months=30)
    game.choose(0)
    game.finish_with_rule()
    assert game.finished and game.month == 30 and len(game.decisions) == 1


def test_a_bad_choice_is_refused_and_the_game_goes_on():
    game = _play()
    with pytest.raises(ValueError):
        game.choose(99)
    assert game.pending is not None
    game.choose(0)
    assert len(game.decisions) == 1


# -- compare --
def test_compare_runs_every_regime_with_intervals():
    check = controls.validate(None, "contract", SMALL, "5")
    scenario = compare_scenario("baseline", check, 6)
    assert "regime" not in scenario.overrides and scenario.params["steps"] == 6
    seen = []
    comp = compare_runs(scenario, 10, 5, progress=lambda i, n: seen.append((i, n)))
    n = 10 * len(REGIMES)
    assert seen[-1] == (n, n) and len(comp.results) == n
    rows = comp.table(metrics.HEADLINE)
    assert {r["regime"] for r in rows} == set(REGIMES)
    assert all(r["n"] == 10 for r in rows)
    sat = [r for r in rows if r["outcome"] == "satisfaction_mean"]
    assert all(r["ci_low"] <= r["mean"] <= r["ci_high"] for r in sat)
    frame = tables.compare_frame(rows, metrics.HEADLINE, "zh")
    assert len(frame) == len(REGIMES)
    assert "合同外包" in " ".join(frame["购买模式"])
    png = plots.png(plots.compare_figure(rows, metrics.HEADLINE, "en"))
    assert plots.colours(png)[1] > 100
    option = charts.compare_chart(rows, "need_met_share", "en")
    means, boxes = option["series"]
    assert len(means["data"]) == len(boxes["data"]) == len(REGIMES)
    for mean, box in zip(means["data"], boxes["data"]):
        low, _, middle, high, _ = box
        assert low <= mean["value"] == middle <= high


def test_compare_can_be_cancelled():
    check = controls.validate(None, None, SMALL, "5")
    scenario = compare_scenario("baseline", check, 3)
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 3

    assert compare_runs(scenario, 10, 5, cancelled=cancelled) is None


# -- labels --
def test_every_label_has_both_languages():
    for key, (en, zh) in i18n.TEXT.items():
        assert en.strip() and zh.strip(), key
        assert i18n.tr(key, "en") == en


def test_regimes_use_the_studys_terms():
    zh = {name: i18n.regime_label(name, "zh") for name in REGIMES}
    assert zh["contract"] == "合同外包"
    assert zh["grant"] == "项目资助"
    assert zh["administrative_dependence"] == "依赖关系非竞争性购买"
    assert i18n.regime_label("contract", "en").startswith("Contracting out")
    assert i18n.regime_label(None, "zh") == "按情景文件设定"


def test_every_parameter_has_a_chinese_label_and_unit():
    for name, p in PARAMS.items():
        assert name in i18n.PARAM_ZH, name
        assert not p.unit or p.unit in i18n.UNIT_ZH, p.unit
        assert "true" not in i18n.param_description(name, "zh"), name


def test_the_default_view_is_translated():
    for name in controls.FEATURED:
        assert name in i18n.PARAM_ZH, name
    shown = set(metrics.HEADLINE) | {n for v in charts.GROUP_PLOTS.values() for n in v}
    for name in shown:
        assert name in i18n.OUTCOME_ZH, name
    for p in (PARAMS[n] for n in controls.FEATURED):
        assert not p.unit or p.unit in i18n.UNIT_ZH, p.unit
    assert "社会组织" in i18n.tr("tab_orgs", "zh")
    assert "政府购买公共服务" in i18n.tr("title", "zh")


def test_parameter_labels_fall_back_for_new_parameters():
    assert i18n.param_label("some_new_param", "zh") == "Some new param"
    assert controls.label("monitoring_capacity", "zh") == "监管能力（每月概率）"
    assert controls.label("monitoring_capacity", "en") == "Monitoring capacity (chance per month)"


# -- the command --
def _parser():
    import argparse

    from sim.dashboard.commands import register

    parser = argparse.ArgumentParser(prog="gpps")
    register(parser.add_subparsers(dest="command"))
    return parser


def test_dashboard_command_defaults_to_localhost():
    args = _parser().parse_args(["dashboard"])
    assert (args.scenario, args.host, args.port) == (None, "127.0.0.1", 8765)
    args = _parser().parse_args(["dashboard", "baseline", "--port", "9000", "--host", "0.0.0.0"])
    assert (args.scenario, args.host, args.port) == ("baseline", "0.0.0.0", 9000)
    with pytest.raises(SystemExit):
        _parser().parse_args(["dashboard", "--port", "70000"])


def test_dashboard_command_reports_bad_input_in_one_line(capsys):
    from sim.dashboard.__main__ import main

    assert main(["no_such_scenario"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gpps dashboard: error: no_such_scenario") and "\n" not in err


def test_dashboard_command_refuses_a_port_in_use(capsys):
    import socket

    from sim.dashboard.__main__ import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["--port", str(port)]) == 2
    assert f"--port = {port}" in capsys.readouterr().err


def test_server_address_helpers():
    from sim.dashboard import server

    assert server.url("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert server.url("::1", 8765) == "http://[::1]:8765/"
    assert server.is_loopback("127.0.0.1") and server.is_loopback("localhost")
    assert not server.is_loopback("0.0.0.0")
    port = server.free_port()
    assert server.port_free("127.0.0.1", port)


# -- a tab's seat: kept across a reload, freed once the tab is gone --
def _gone(ref, seconds=5.0) -> bool:
    """Whether the object behind weak reference ``ref`` is freed within ``seconds``."""
    import gc
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        gc.collect()
        if ref() is None:
            return True
        time.sleep(0.05)
    return False


def test_a_seat_taken_again_within_the_time_keeps_its_run():
    import time
    import weakref

    from sim.dashboard.session import Seat, Seats

    seats = Seats(keep=0.3)
    token, seat = seats.take(None, "browser-a", Seat)
    seat.run.step(3)
    model = weakref.ref(seat.run.model)
    seats.release(token)  # the tab reloads
    time.sleep(0.1)
    again, same = seats.take(token, "browser-a", Seat)
    assert (again, same) == (token, seat) and same.run.month == 3
    time.sleep(0.5)  # held again: the first release's timer does not close it
    assert model() is not None and not same.closed and len(seats) == 1


def test_a_seat_is_freed_once_its_tab_has_been_gone_for_the_time():
    import weakref

    from sim.dashboard.session import Seat, Seats

    seats = Seats(keep=0.2)
    token, seat = seats.take(None, "browser-a", Seat)
    seat.run.step(2)
    seat.play = PlaySession.start(seat.run.check, "contract", "buyer_1", 6)
    model, game = weakref.ref(seat.run.model), weakref.ref(seat.play.model)
    del seat
    seats.release(token)
    assert _gone(model) and _gone(game)
    assert len(seats) == 0
    fresh, seat = seats.take(token, "browser-a", Seat)  # too late: a new seat
    assert fresh != token and seat.run.month == 0


def test_another_browser_with_the_address_gets_its_own_seat():
    from sim.dashboard.session import Seat, Seats

    seats = Seats(keep=60)
    token, seat = seats.take(None, "browser-a", Seat)
    other, theirs = seats.take(token, "browser-b", Seat)
    assert other != token and theirs is not seat
    assert seats.take("made-up", "browser-a", Seat)[0] not in (token, other, "made-up")


# -- the facilitator --
def test_a_name_is_one_line_of_text_at_most_forty_characters():
    from sim.dashboard.session import NAME_LENGTH, Seat

    seat = Seat()
    seat.set_name("  Ann\n\t<b>Bo</b>\x00 " + "x" * 60)
    assert seat.name.startswith("Ann <b>Bo</b> x") and len(seat.name) == NAME_LENGTH
    seat.set_name(["not", "text"])
    assert seat.name == ""


def test_the_room_lists_every_seat_with_its_month_and_outcomes_so_far():
    from sim.dashboard.session import Seat, Seats, room_rows

    seats = Seats(keep=60)
    _, a = seats.take(None, "browser-a", Seat)
    token_b, b = seats.take(None, "browser-b", Seat)
    a.set_name("Ann")
    a.run.set_regime("contract")
    a.run.step(3)
    seats.release(token_b)
    rows = {r["name"]: r for r in room_rows(seats)}
    assert set(rows) == {"Ann", ""}
    assert (rows["Ann"]["month"], rows["Ann"]["regime"], rows["Ann"]["open"]) == (
        3,
        "contract",
        True,
    )
    assert rows[""]["open"] is False and math.isnan(rows[""]["quality_mean"])
    assert rows["Ann"]["quality_mean"] == pytest.approx(
        metrics.summarise(series_of(a.run.model))["quality_mean"]
    )
    frame = tables.room_frame(list(rows.values()), "zh")
    assert "参与者" in frame.columns and "（未填名字）" in set(frame["参与者"])


def test_only_the_secret_token_opens_the_facilitators_page(monkeypatch):
    import os

    from sim.dashboard import server

    monkeypatch.setattr(os, "environ", dict(os.environ))  # configure sets Solara's variables
    monkeypatch.delenv(server.ENV_FACILITATOR, raising=False)
    assert server.configure(None, "127.0.0.1", 8765, facilitator=False) is None
    assert server.ENV_FACILITATOR not in os.environ
    token = server.configure(None, "127.0.0.1", 8765, facilitator=True)
    assert len(token) >= 24
    address = server.facilitator_url("http://127.0.0.1:8765/", token)
    assert address == f"http://127.0.0.1:8765/?facilitator={token}"
    app = pytest.importorskip("sim.dashboard.app")
    assert app.facilitator_allowed(token)
    for given in (None, "", token[:-1], token + "x", [token]):
        assert not app.facilitator_allowed(given)
    assert _parser().parse_args(["dashboard", "--facilitator"]).facilitator
    monkeypatch.delenv(server.ENV_FACILITATOR)
    assert not app.facilitator_allowed(token)  # without --facilitator there is no such page
