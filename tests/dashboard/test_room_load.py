"""The room benchmark's participants (``benchmarks.room_load``) against a real server: two
protocol-level clients load the page, step once, get the month's charts, and leave. Not timed."""

from __future__ import annotations

import asyncio
import concurrent.futures

import pytest

from .conftest import require

require("solara")
require("websockets")
require("psutil")


@pytest.fixture(scope="module")
def server():
    from benchmarks.room_load import Server

    s = Server(core=None, keep=1.0)
    try:
        yield s
    finally:
        s.stop()


def test_two_participants_step_and_get_the_months_charts(server):
    from benchmarks import room_load
    from sim.dashboard import charts

    async def room():
        clients = [room_load.Participant(server.url, f"p{i}") for i in range(2)]
        await asyncio.gather(*(c.open() for c in clients))
        assert [c.month() for c in clients] == [0, 0]
        assert all(c.plots_month() == "0" for c in clients)
        steps = await asyncio.gather(*(c.step() for c in clients))
        shown = [(c.month(), c.plots_month(), c.charts()) for c in clients]
        kept = server.ask("state")
        await asyncio.gather(*(c.close() for c in clients))
        return shown, steps, kept

    # in a thread of its own: the browser tests' driver may hold this thread's event loop
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        shown, steps, kept = pool.submit(asyncio.run, room()).result()
    n_charts = sum(len(names) for names in charts.GROUP_PLOTS.values())
    for (month, plots_month, options), s in zip(shown, steps):
        assert (month, plots_month, s["month"]) == (1, "1", 1)
        # every outcome chart was sent again with the new month's point
        assert s["chart_messages"] == n_charts == len(options)
        assert all(len(series["data"]) == 1 for o in options for series in o["series"])
        assert 0 < s["server_s"] <= s["handled_s"]
    # two different runs: each participant has a seat, a closed tab's run is kept a moment...
    assert kept["seats"] >= 2
    # ...and freed after the keep time
    state = room_load._wait_freed(server, 1.0)
    assert state == {"seats": 0, "models": 0}
