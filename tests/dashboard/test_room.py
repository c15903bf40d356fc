"""The workshop room without a browser: setups pushed to everyone or to a group, late
joiners, the lock, resets, groups by seat and by a list of names, and the debrief's rows and
CSV (names that a spreadsheet would take for a formula)."""

from __future__ import annotations

import csv
import io
import math

import pytest

from sim import metrics
from sim.dashboard import tables
from sim.dashboard.room import Room, Setup, parse_names
from sim.dashboard.session import Seat, Seats, debrief_rows, room_rows


def seated(seats: Seats, room: Room, owner: str, name: str = "") -> Seat:
    """A participant's seat in ``room`` as the page makes it: taken, then following the room."""
    _, seat = seats.take(None, owner, lambda: Seat(room=room))
    seat.set_name(name)
    seat.sync()
    return seat


def test_a_push_to_everyone_rebuilds_every_run_at_month_0_of_that_setup():
    room, seats = Room(), Seats(keep=60)
    a, b = seated(seats, room, "a"), seated(seats, room, "b")
    a.run.step(3)
    assert a.run.meta()["scenario"] == "baseline"
    room.push(Setup("jiangxi_2006", "contract", {}, seed=7))
    assert a.sync() and b.sync()
    for seat in (a, b):
        assert seat.run.month == 0
        assert seat.run.meta() == {"scenario": "jiangxi_2006", "regime": "contract", "seed": 7}
    assert not a.sync()  # already adopted: nothing to do
    a.run.step(2)
    assert not a.sync() and a.run.month == 2


def test_a_late_joiner_starts_from_the_setup_of_its_group():
    room, seats = Room(), Seats(keep=60)
    room.push(Setup("shanghai_2004", None, {}, seed=3))
    room.push(Setup("jiangxi_2006", "grant", {}, seed=5), "A")
    room.set_names("A", "Ann, 陈 明")
    late = seated(seats, room, "late")
    assert late.group is None and late.run.meta()["scenario"] == "shanghai_2004"
    assert late.run.meta()["seed"] == 3
    listed = seated(seats, room, "listed", name=" 陈  明 ")
    assert listed.group == "A"
    assert listed.run.meta() == {"scenario": "jiangxi_2006", "regime": "grant", "seed": 5}
    assert listed.setup()[1] == "A" and late.setup()[1] is None


def test_a_push_to_a_group_reaches_only_that_group_and_a_later_push_to_everyone_all():
    room, seats = Room(), Seats(keep=60)
    a, b = seated(seats, room, "a"), seated(seats, room, "b")
    room.assign(a.token, "A")
    room.assign(b.token, "B")
    room.push(Setup("luocun_2008", None, {}, seed=11), "A")
    assert a.sync() and not b.sync()
    assert a.run.meta()["scenario"] == "luocun_2008" and b.run.meta()["scenario"] == "baseline"
    room.push(Setup("baseline", "vouchers", {}, seed=2))
    assert a.sync() and b.sync()
    assert {s.run.meta()["regime"] for s in (a, b)} == {"vouchers"}
    # moved to a group with its own (older) setup: the seat takes that group's setup
    room.push(Setup("reform_path", None, {}, seed=4), "B")
    room.assign(a.token, "B")
    assert a.sync() and a.run.meta()["scenario"] == "reform_path"
    room.assign(a.token, None)  # in no group: back to what everyone has
    assert a.sync() and a.run.meta()["scenario"] == "baseline"
    with pytest.raises(ValueError, match="group = 'C'"):
        room.push(Setup("baseline"), "C")


def test_pushed_parameter_values_reach_the_run_and_the_seats_inputs():
    room, seats = Room(), Seats(keep=60)
    seat = seated(seats, room, "a")
    room.push(Setup("baseline", "contract", {"n_independent_orgs": "9"}, seed=8))
    seat.sync()
    assert seat.run.value("n_independent_orgs") == "9"
    assert seat.run.model.params["n_independent_orgs"] == 9


def test_a_setup_that_does_not_load_keeps_the_run_and_says_why():
    room, seats = Room(), Seats(keep=60)
    seat = seated(seats, room, "a")
    seat.run.step(2)
    before = seat.run.meta()
    room.push(Setup("baseline", "no_such_regime", {}, seed=2))
    assert seat.sync()
    assert seat.run.month == 2 and seat.run.meta() == before
    assert "no_such_regime" in str(seat.run.notice)


def test_the_lock_refuses_the_participants_changes_not_the_facilitators():
    room, seats = Room(), Seats(keep=60)
    a, b = seated(seats, room, "a"), seated(seats, room, "b")
    room.assign(b.token, "B")
    room.lock(True)
    assert a.locked and b.locked
    before = a.run.meta()
    a.run.set_regime("grant")
    a.run.set_seed("99")
    a.run.set_param("n_independent_orgs", "9")
    a.run.set_scenario("jiangxi_2006")
    assert a.run.meta() == before and a.run.seed_raw == "1"
    assert a.run.scenario_ref == "baseline" and a.run.regime is None and not a.run.edits
    assert a.run.notice == ("msg_locked", {})
    room.push(Setup("jiangxi_2006", None, {}, seed=5))  # the facilitator's push still lands
    assert a.sync() and a.run.meta()["scenario"] == "jiangxi_2006"
    room.lock(False, "B")  # group B unlocked, everyone else still locked
    assert a.locked and not b.locked
    b.run.set_seed("42")
    assert b.run.check.seed == 42
    room.lock(False)
    assert not a.locked
    a.run.set_seed("6")
    assert a.run.check.seed == 6


def test_a_reset_puts_the_runs_back_to_month_0_of_their_setup_and_ends_games():
    from sim.dashboard.session import PlaySession

    room, seats = Room(), Seats(keep=60)
    a, b = seated(seats, room, "a"), seated(seats, room, "b")
    room.push(Setup("baseline", "contract", {}, seed=4))
    a.sync(), b.sync()
    room.assign(b.token, "B")
    a.run.step(5)
    a.run.restore()
    b.run.step(2)
    a.play = PlaySession.start(a.run.check, "contract", "buyer_1", 6)
    room.reset("B")
    assert not a.sync() and a.run.month == 5 and a.play is not None
    assert b.sync() and b.run.month == 0
    room.reset()
    assert a.sync() and a.run.month == 0 and a.play is None
    assert a.run.meta() == {"scenario": "baseline", "regime": "contract", "seed": 4}
    # a seat that joins after a reset is not reset again
    late = seated(seats, room, "late")
    late.run.step(1)
    assert not late.sync() and late.run.month == 1


def test_listeners_hear_every_change_until_they_stop():
    room = Room()
    heard = []
    stop = room.listen(lambda: heard.append(room.version))
    room.push(Setup("baseline"))
    room.lock(True)
    room.reset("A")
    room.set_names("B", "Bo")
    room.assign("token", "A")
    assert heard == [1, 2, 3, 4, 5]
    stop()
    room.lock(False)
    assert heard == [1, 2, 3, 4, 5] and room.listeners == 0


def test_a_failing_listener_does_not_stop_the_others():
    room = Room()
    heard = []

    def broken():
        raise RuntimeError("boom")

    room.listen(broken)
    room.listen(lambda: heard.append(1))
    room.lock(True)
    assert heard == [1]


def test_names_lists_split_on_commas_and_lines():
    assert parse_names(" Ann , Bo\n陈 明，李四、 ;  ") == ["Ann", "Bo", "陈 明", "李四"]
    assert parse_names(None) == []


def test_a_closed_seat_is_forgotten_by_the_room():
    room, seats = Room(), Seats(keep=0.01)
    seat = seated(seats, room, "a")
    room.assign(seat.token, "A")
    assert room.group_of(seat.token) == "A"
    seat.close()
    assert room.group_of(seat.token) is None


def test_the_debrief_has_each_game_against_the_rule_and_no_token():
    room, seats = Room(), Seats(keep=60)
    room.push(Setup("baseline", "contract", {}, seed=3))
    ann = seated(seats, room, "a", name='=HYPERLINK("http://x")')
    bo = seated(seats, room, "b", name="Bo")
    seated(seats, room, "c", name="-Cy")
    from sim.dashboard.session import PlaySession

    for seat in (ann, bo):
        seat.play = PlaySession.start(seat.run.check, "contract", "buyer_1", 6)
    ann.play.choose(None)  # Ann makes no award once; the rule decides the rest
    ann.play.finish_with_rule()
    bo.play.finish_with_rule()
    bo.run.step(2)
    rows = {r["name"]: r for r in debrief_rows(seats)}
    assert set(rows) == {'=HYPERLINK("http://x")', "Bo", "-Cy"}
    assert not any(
        seat.token in str(v) for seat in (ann, bo) for r in rows.values() for v in r.values()
    )
    assert rows["-Cy"]["game"] == "none"
    assert rows["Bo"]["game"] == "finished" and rows["Bo"]["decisions"] == 0
    # Bo let the rule decide everything: the same outcomes as the rule's own run
    for name in metrics.HEADLINE:
        you, rule = rows["Bo"][f"you_{name}"], rows["Bo"][f"rule_{name}"]
        assert (math.isnan(you) and math.isnan(rule)) or you == pytest.approx(rule)
    you, rule, _, _ = ann.play.results()
    assert rows['=HYPERLINK("http://x")']["you_quality_mean"] == you["quality_mean"]
    assert rows["Bo"]["month"] == 2 and rows["Bo"]["seed"] == 3
    text = tables.debrief_csv(list(rows.values())).decode("utf-8")
    table = list(csv.DictReader(io.StringIO(text)))
    names = [r["name"] for r in table]
    # a name a spreadsheet would run as a formula is written as text
    assert names.count('\'=HYPERLINK("http://x")') == 1 and "'-Cy" in names and "Bo" in names
    ann_row = next(r for r in table if r["name"].startswith("'="))
    assert float(ann_row["you_quality_mean"]) == pytest.approx(you["quality_mean"])
    assert float(ann_row["rule_quality_mean"]) == pytest.approx(rule["quality_mean"])
    assert float(ann_row["diff_quality_mean"]) == pytest.approx(
        you["quality_mean"] - rule["quality_mean"]
    )
    assert "token" not in text.splitlines()[0]
    frame = tables.debrief_frame(list(rows.values()), "zh")
    assert "扮演购买主体" in frame.columns


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Ann", "Ann"),
        ("a=1", "a=1"),
    ],
)
def test_text_a_spreadsheet_would_run_is_written_as_text(text, written):
    out = tables.csv_bytes([{"name": text, "x": -1.5}]).decode("utf-8")
    row = next(csv.DictReader(io.StringIO(out)))
    assert row == {"name": written, "x": "-1.5"}  # numbers stay numbers


def test_the_room_charts_have_a_dot_per_run_and_a_bar_per_regime_or_side():
    from sim.dashboard import charts

    room, seats = Room(), Seats(keep=60)
    for owner, regime in (("a", "contract"), ("b", "contract"), ("c", "grant")):
        seat = seated(seats, room, owner)
        seat.run.set_regime(regime)
        seat.run.step(4)
    from sim.dashboard.session import PlaySession

    seat.play = PlaySession.start(seat.run.check, "contract", "buyer_1", 6)
    seat.play.finish_with_rule()
    rows = debrief_rows(seats)
    groups = charts.by_regime(rows, "quality_mean", "zh")
    option = charts.spread_chart(groups, "quality_mean", "zh")
    assert option["yAxis"]["data"] == ["合同外包", "项目资助"]
    bars, dots = option["series"]
    assert len(bars["data"]) == 2 and len(dots["data"]) == 3
    contract = [r["quality_mean"] for r in rows if r["regime"] == "contract"]
    assert bars["data"][0]["value"] == pytest.approx(sum(contract) / 2, rel=1e-3)
    assert not any(isinstance(x, dict) and "name" in x for x in dots["data"])  # no names
    played = charts.against_rule(rows, "quality_mean", "en")
    you, rule, _, _ = seat.play.results()
    assert played == [
        ("Participants", [you["quality_mean"]]),
        ("Automatic rule", [rule["quality_mean"]]),
    ]


def test_the_room_table_shows_each_seats_group_and_seed():
    room, seats = Room(), Seats(keep=60)
    room.push(Setup("baseline", None, {}, seed=12))
    a = seated(seats, room, "a", name="Ann")
    seated(seats, room, "b", name="Bo")
    room.assign(a.token, "A")
    rows = {r["name"]: r for r in room_rows(seats)}
    assert (rows["Ann"]["group"], rows["Bo"]["group"]) == ("A", "")
    assert rows["Ann"]["seed"] == rows["Bo"]["seed"] == 12
    frame = tables.room_frame(list(rows.values()), "zh")
    assert list(frame["分组"]) == ["A 组", "未分组"]
