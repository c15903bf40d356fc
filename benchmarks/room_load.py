"""The workshop room under load: N participants' pages on one dashboard server at once.

::

    python -m benchmarks.room_load --participants 20            # 3 repeats, a server each
    python -m benchmarks.room_load --participants 20 --repeats 5 --json room.json
    python -m benchmarks.room_load --participants 20 --profile   # where the server's CPU goes
    python -m benchmarks.room_load --participants 2 --steps 1 --repeats 1   # a quick look
    python -m benchmarks.room_load --participants 20 --start-month 100 --repeats 1  # late in a run

Each participant is a client that speaks the page's own protocol, not a browser: it loads the
page over HTTP (which sets the browser session's cookie), opens the Solara kernel websocket
(``/jupyter/api/kernels/<kernel>/channels``), opens the ``solara.control`` comm and asks it to
``run`` the app at ``/``, as Solara's front-end does. The server then renders the participant's
page and sends every widget as a ``comm_open`` message; the client keeps each widget's state
and applies the ``comm_msg`` ``update`` messages that follow. To step, it finds the Step
button (the ipyvuetify ``Btn`` marked ``gpps-step``) and sends the click the way ipyvue's
front-end does (a ``comm_msg`` with ``method: custom``, ``{"event": "click"}``), then waits
until the server is idle again after that click and checks that every chart of the Outcomes
tab (the ``EchartsWidget`` s marked ``gpps-chart``) now holds one point per month, the new
month included.

All participants load the page together, then all step ``--steps`` months (default 5)
together, each clicking again as soon as its page has the month's charts (with
``--start-month M``, after all have stepped M months untimed: charts late in a run hold more
points).

The server (``sim.dashboard.server.serve``, as ``gpps dashboard`` runs it) is a process
pinned to one core (``--server-core``, default 0); the clients run in this process, pinned to
the other (``--client-core``, default 1). Each repeat starts a fresh server. Reported:

- **CPU per participant step**: the server process' CPU time (all threads, user + system)
  over the stepping phase, divided by participants × steps;
- **click to last chart**: from the click reaching the server to the last chart message the
  server sends for that step, from the messages' own ``header.date`` (stamped by the server
  when it builds each message): the ``status: busy`` that the server sends when it starts on
  the click, and the last ``comm_msg`` updating a chart whose parent is that click (every
  message sent while handling the click names it as its parent). Median and p95 over every
  step of every participant; the same as the clients saw it (send to receipt) for comparison;
- **RSS per session**: the server's resident memory once every participant has stepped,
  less its memory before they came (after one warm-up participant loaded, stepped, left and
  was freed), divided by participants; and the server's RSS after the sessions closed;
- **freed**: each client leaves as a closing tab does (Solara's close request, then the
  socket closed); the server keeps a closed tab's run for a reload (``SEATS.keep``; this
  benchmark shortens it to ``--keep`` seconds through ``GPPS_DASHBOARD_KEEP_SECONDS``, the
  workshop default is 240 s). Just after closing, the runs must still be kept; after the keep
  time, no seat and no ``GppsModel`` may be left in the server (counted after a garbage
  collection by a probe thread that this benchmark adds to the server process, which does
  nothing until asked).

Targets (printed as met/missed): CPU per participant step at most 50 ms at the default
scenario; with 20 participants the click-to-last-chart median at most 1 s and p95 at most
3 s. Times depend on the machine and its load: the load average is printed with each repeat.

``--profile`` samples the server's threads' stacks every few milliseconds during the stepping
phase (from the probe thread, through ``sys._current_frames``), each weighted by the CPU time
its thread used since the last look, and prints the functions where the time was spent (a
thread that has just gone to wait is counted where it waits: read the shares as rough).
``--server-env KEY=VALUE`` sets an environment variable of the server, to compare settings
(e.g. ``--server-env REACTON_FAST=0``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path

from benchmarks import wire

ROOT = Path(__file__).resolve().parent.parent
CPU_TARGET_MS = 50.0
MEDIAN_TARGET_S = 1.0
P95_TARGET_S = 3.0
#: Participants the latency targets are set for.
TARGET_PARTICIPANTS = 20
STEP_CLASS = "gpps-step"
CHART_CLASS = "gpps-chart"
PLOTS_CLASS = "gpps-plots"
#: Seconds a client waits for one answer of the server before giving up.
TIMEOUT = 300.0


# -- the Jupyter kernel messages Solara's front-end sends and receives -----------------------
def _stamp(text: str) -> float:
    """A message's ``header.date`` (ISO 8601, UTC) as seconds since the epoch."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _decode(raw) -> dict:
    """A message from the server: JSON text, or Solara's binary framing (JSON + buffers)."""
    if isinstance(raw, str):
        return json.loads(raw)
    msg = json.loads(wire.json_part(raw))
    msg["buffers"] = []
    return msg


def _classes(state: dict) -> list[str]:
    text = state.get("class_") or (state.get("attributes") or {}).get("class") or ""
    return text.split()


class Participant:
    """One participant's page, spoken to over HTTP and the kernel websocket."""

    def __init__(self, base: str, name: str = ""):
        self.base = base.rstrip("/")
        self.origin = self.base
        self.name = name
        self.kernel = str(uuid.uuid4())
        self.page = uuid.uuid4().hex  # the page's client id (``session_id`` of the socket)
        self.cookie = ""
        self.ws = None
        self.widgets: dict[str, dict] = {}  # comm id -> synced state
        self.control = uuid.uuid4().hex
        self.replies: dict[str, list[tuple]] = {}  # parent msg id -> (kind, date, comm, keys)
        self.finished = asyncio.Event()
        self.idle: dict[str, asyncio.Event] = {}
        self.received: dict[str, float] = {}  # parent msg id -> client time of last chart
        self.reader: asyncio.Task | None = None
        self.load_s = None  # server: "run" received to the page's "finished"
        self.load_client_s = None
        self.n_widgets = 0
        self.steps: list[dict] = []

    # -- wire --
    async def _send(self, msg_type: str, content: dict) -> str:
        msg = wire.message(self.page, msg_type, content)
        self.idle[msg["header"]["msg_id"]] = asyncio.Event()
        await self.ws.send(json.dumps(msg))
        return msg["header"]["msg_id"]

    def _http(self, method: str, path: str) -> tuple[int, str]:
        req = urllib.request.Request(
            self.base + path, method=method, data=b"" if method == "POST" else None
        )
        if self.cookie:
            req.add_header("Cookie", self.cookie)
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            if not self.cookie:
                jar = [v.split(";")[0] for k, v in r.headers.items() if k.lower() == "set-cookie"]
                self.cookie = "; ".join(jar)
            return r.status, r.read().decode("utf-8", "replace")

    async def _read(self) -> None:
        async for raw in self.ws:
            now = time.time()
            msg = _decode(raw)
            kind = msg.get("msg_type") or msg["header"]["msg_type"]
            parent = (msg.get("parent_header") or {}).get("msg_id")
            date = _stamp(msg["header"]["date"])
            content = msg.get("content", {})
            comm = content.get("comm_id")
            keys: tuple = ()
            if kind == "comm_open":
                data = content.get("data", {})
                self.widgets[comm] = dict(data.get("state", {}))
                keys = ("open",)
            elif kind == "comm_msg":
                data = content.get("data", {})
                method = data.get("method")
                if comm == self.control:
                    if method == "finished":
                        self.finished.set()
                    keys = (f"control:{method}",)
                elif method == "update" and comm in self.widgets:
                    state = data.get("state", {})
                    self.widgets[comm].update(state)
                    keys = tuple(state)
                    if "option" in state and parent is not None:
                        self.received[parent] = now
            elif kind == "comm_close":
                self.widgets.pop(comm, None)
            elif kind == "status":
                keys = (content.get("execution_state"),)
            if parent is not None:
                self.replies.setdefault(parent, []).append((kind, date, comm, keys))
                if kind == "status" and keys == ("idle",) and parent in self.idle:
                    self.idle[parent].set()

    # -- the page --
    async def open(self) -> None:
        """Load the page and let the server render it (as a browser's first visit does)."""
        from websockets.asyncio.client import connect

        start = time.time()
        status, html = await asyncio.to_thread(self._http, "GET", "/")
        if status != 200 or "solara" not in html.lower():
            raise RuntimeError(f"the page did not load: HTTP {status}")
        host = self.base.split("://", 1)[1]
        url = f"ws://{host}/jupyter/api/kernels/{self.kernel}/channels?session_id={self.page}"
        self.ws = await connect(
            url,
            additional_headers={"Cookie": self.cookie, "Origin": self.origin},
            max_size=None,
            compression="deflate",  # what browsers offer: the server compresses
            open_timeout=TIMEOUT,
            ping_interval=None,
        )
        self.reader = asyncio.create_task(self._read())
        await self._send(
            "comm_open",
            {"comm_id": self.control, "target_name": "solara.control", "data": {}},
        )
        run = await self._send(
            "comm_msg",
            {
                "comm_id": self.control,
                "data": {"method": "run", "args": {"path": "/", "appName": None}},
            },
        )
        await self._wait(self.finished, "the page's first render")
        await self._wait(self.idle[run], "the page's first render")
        self.load_client_s = time.time() - start
        self.n_widgets = len(self.widgets)
        dates = [d for kind, d, _, keys in self.replies[run] if keys == ("busy",)]
        done = [d for _, d, _, keys in self.replies[run] if keys == ("control:finished",)]
        self.load_s = done[-1] - dates[0]

    async def _wait(self, event: asyncio.Event, what: str) -> None:
        waiter = asyncio.create_task(event.wait())
        done, _ = await asyncio.wait(
            {waiter, self.reader}, timeout=TIMEOUT, return_when="FIRST_COMPLETED"
        )
        if waiter not in done:
            waiter.cancel()
            if self.reader in done and self.reader.exception() is not None:
                raise RuntimeError(
                    f"{self.name}: connection lost waiting for {what}"
                ) from self.reader.exception()
            raise RuntimeError(f"{self.name}: no answer for {what} within {TIMEOUT:.0f} s")

    def find(self, cls: str) -> list[tuple[str, dict]]:
        return [(c, s) for c, s in self.widgets.items() if cls in _classes(s)]

    def month(self) -> int | None:
        for _, state in self.find("gpps-month"):
            for child in state.get("children", []):
                if isinstance(child, str) and child.startswith("Month "):
                    return int(child.split()[1])
        return None

    def charts(self) -> list[dict]:
        """The option of every chart on the page."""
        return [s.get("option") or {} for _, s in self.find(CHART_CLASS)]

    def plots_month(self) -> str | None:
        for _, state in self.find(PLOTS_CLASS):
            return (state.get("attributes") or {}).get("data-month")
        return None

    def step_button(self) -> str:
        found = [c for c, s in self.find(STEP_CLASS) if s.get("_model_name") == "BtnModel"]
        if len(found) != 1:
            raise RuntimeError(f"{self.name}: {len(found)} Step buttons on the page")
        return found[0]

    async def step(self) -> dict:
        """Click Step; wait until the server has answered; check the charts of the new month."""
        before = self.month()
        button = self.step_button()
        sent = time.time()
        click = await self._send(
            "comm_msg",
            {
                "comm_id": button,
                "data": {"method": "custom", "content": {"event": "click", "data": {}}},
            },
        )
        await self._wait(self.idle[click], f"the answer to Step at month {before}")
        replies = self.replies.pop(click)
        self.idle.pop(click, None)
        month = self.month()
        if before is None or month != before + 1:
            raise RuntimeError(f"{self.name}: Step went from month {before} to {month}")
        lengths = {
            len(s.get("data", [])) for option in self.charts() for s in option.get("series", [])
        }
        if self.plots_month() != str(month) or lengths != {month}:
            raise RuntimeError(
                f"{self.name}: month {month} but charts of month {self.plots_month()} "
                f"with {sorted(lengths)} points"
            )
        busy = next(d for kind, d, _, keys in replies if keys == ("busy",))
        idle = next(d for kind, d, _, keys in replies if keys == ("idle",))
        charts = [d for kind, d, comm, keys in replies if kind == "comm_msg" and "option" in keys]
        if not charts:
            raise RuntimeError(f"{self.name}: no chart message for month {month}")
        out = {
            "month": month,
            "server_s": max(charts) - busy,  # click reaching the server to its last chart
            "handled_s": idle - busy,
            "client_s": self.received.pop(click) - sent,
            "chart_messages": len(charts),
            "messages": len(replies),
        }
        self.steps.append(out)
        return out

    async def close(self) -> None:
        """Leave as a closing tab does: Solara's close request, then the socket closed."""
        await asyncio.to_thread(
            self._http, "POST", f"/_solara/api/close/{self.kernel}?session_id={self.page}"
        )
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            try:
                await asyncio.wait_for(self.reader, 30)
            except Exception:
                pass


# -- the server process and its probe --------------------------------------------------------
def _probe_loop(folder: Path) -> None:
    """In the server process: answer ``<n>.ask`` files with ``<n>.json`` (seats, live models,
    garbage collected first), and sample stacks between ``profile-start`` and ``profile-stop``."""
    import collections
    import gc
    import threading

    me = threading.get_ident()
    samples: collections.Counter = collections.Counter()
    inclusive: collections.Counter = collections.Counter()
    profiling = False
    n_samples = 0.0
    cpu_seen: dict = {}
    while True:
        for ask in sorted(folder.glob("*.ask")):
            what = ask.read_text().strip()
            answer: dict = {}
            if what == "state":
                from sim.model import GppsModel

                gc.collect()
                app = sys.modules.get("sim.dashboard.app")
                answer["seats"] = len(app.SEATS) if app is not None else 0
                answer["models"] = sum(1 for o in gc.get_objects() if isinstance(o, GppsModel))
            elif what == "profile-start":
                samples.clear()
                inclusive.clear()
                n_samples = 0.0
                cpu_seen: dict = {}
                profiling = True
            elif what == "profile-stop":
                profiling = False
                answer["samples"] = n_samples
                answer["self"] = samples.most_common(40)
                answer["inclusive"] = inclusive.most_common(80)
            tmp = ask.with_suffix(".tmp")
            tmp.write_text(json.dumps(answer))
            tmp.rename(ask.with_suffix(".json"))
            ask.unlink()
        if profiling:
            # each thread's stack, weighted by the CPU time the thread used since the last
            # look: threads waiting (for the GIL, a lock, the network) weigh nothing
            for tid, frame in sys._current_frames().items():
                if tid == me:
                    continue
                try:
                    used = time.clock_gettime(time.pthread_getcpuclockid(tid))
                except (OSError, AttributeError):
                    continue
                weight = used - cpu_seen.get(tid, used)
                cpu_seen[tid] = used
                if weight <= 0:
                    continue
                n_samples += weight
                seen = set()
                top = True
                while frame is not None:
                    code = frame.f_code
                    where = code.co_filename.split("site-packages/")[-1]
                    key = f"{where}:{code.co_firstlineno}:{code.co_name}"
                    if top:
                        samples[key] += weight
                        top = False
                    if key not in seen:
                        inclusive[key] += weight
                        seen.add(key)
                    frame = frame.f_back
            time.sleep(0.005)
        else:
            time.sleep(0.1)


def serve_with_probe(port: int, folder: str) -> int:
    """The server as ``gpps dashboard`` runs it, plus the benchmark's probe thread."""
    import threading

    from sim.dashboard.server import serve

    threading.Thread(target=_probe_loop, args=(Path(folder),), daemon=True, name="probe").start()
    return serve(None, "127.0.0.1", port)


class Server:
    """A dashboard server process pinned to one core, with its probe."""

    def __init__(self, core: int | None, keep: float, extra_env: dict | None = None):
        from sim.dashboard.server import free_port

        self.port = free_port("127.0.0.1")
        self.url = f"http://127.0.0.1:{self.port}/"
        self.folder = Path(tempfile.mkdtemp(prefix="gpps-room-load-"))
        self.asked = 0
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "GPPS_DASHBOARD_KEEP_SECONDS": str(keep),
            **(extra_env or {}),
        }
        env.pop("GPPS_DASHBOARD_SCENARIO", None)
        env.pop("GPPS_DASHBOARD_FACILITATOR", None)
        self.log = open(self.folder / "server.log", "w", encoding="utf-8")
        code = (
            "import sys; from benchmarks.room_load import serve_with_probe; "
            f"sys.exit(serve_with_probe({self.port}, {str(self.folder)!r}))"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=(lambda: os.sched_setaffinity(0, {core})) if core is not None else None,
        )
        import psutil

        self.ps = psutil.Process(self.proc.pid)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the server exited:\n{(self.folder / 'server.log').read_text()}"
                )
            try:
                with urllib.request.urlopen(self.url + "readyz", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("the server did not start within 120 s")

    def cpu(self) -> float:
        t = self.ps.cpu_times()
        return t.user + t.system

    def rss(self) -> int:
        return self.ps.memory_info().rss

    def ask(self, what: str, timeout: float = 120) -> dict:
        self.asked += 1
        path = self.folder / f"{self.asked:04d}.ask"
        path.with_suffix(".tmp0").write_text(what)
        path.with_suffix(".tmp0").rename(path)
        answer = path.with_suffix(".json")
        deadline = time.monotonic() + timeout
        while not answer.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server's probe did not answer {what!r}")
            time.sleep(0.05)
        return json.loads(answer.read_text())

    def stop(self) -> None:
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


# -- one repeat --------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1), linear between order statistics."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    pos = q * (len(xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


async def _room(
    url: str, participants: int, steps: int, server: Server, profile: bool, start: int = 0
) -> dict:
    clients = [Participant(url, f"participant {i + 1}") for i in range(participants)]
    await asyncio.gather(*(c.open() for c in clients))

    async def walk(c: Participant, n: int):
        for _ in range(n):
            await c.step()

    if start:  # untimed: the run goes on to a later month first
        await asyncio.gather(*(walk(c, start) for c in clients))
        for c in clients:
            c.steps.clear()
    rss_loaded = server.rss()
    if profile:
        server.ask("profile-start")
    cpu0, wall0 = server.cpu(), time.monotonic()
    await asyncio.gather(*(walk(c, steps) for c in clients))
    cpu1, wall1 = server.cpu(), time.monotonic()
    prof = server.ask("profile-stop") if profile else None
    rss_stepped = server.rss()
    await asyncio.gather(*(c.close() for c in clients))
    out = {
        "cpu_s": cpu1 - cpu0,
        "wall_s": wall1 - wall0,
        "rss_loaded": rss_loaded,
        "rss_stepped": rss_stepped,
        "steps": [s for c in clients for s in c.steps],
        "load_s": [c.load_s for c in clients],
        "load_client_s": [c.load_client_s for c in clients],
        "widgets": statistics.median(c.n_widgets for c in clients),
    }
    if prof is not None:
        out["profile"] = prof
    return out


async def _one(url: str, steps: int) -> None:
    c = Participant(url, "warm-up")
    await c.open()
    for _ in range(steps):
        await c.step()
    await c.close()


def _wait_freed(server: Server, keep: float) -> dict:
    """The probe's state once no seat is left (or after twice the keep time)."""
    deadline = time.monotonic() + 2 * keep + 10
    time.sleep(keep)
    while True:
        state = server.ask("state")
        if state["seats"] == 0 and state["models"] == 0 or time.monotonic() > deadline:
            return state
        time.sleep(0.5)


def repeat(
    participants: int,
    steps: int,
    keep: float,
    cores: tuple,
    profile: bool,
    env: dict,
    start: int = 0,
) -> dict:
    server_core, client_core = cores
    server = Server(server_core, keep, env)
    try:
        asyncio.run(_one(server.url, 2))  # imports, first render: not the room's cost
        warm = _wait_freed(server, keep)
        rss0 = server.rss()
        load = os.getloadavg()
        room = asyncio.run(_room(server.url, participants, steps, server, profile, start))
        kept = server.ask("state")  # just after the tabs closed: their runs are kept
        time.sleep(1.0)
        freed = _wait_freed(server, keep)
        room.update(
            load=load,
            load_after=os.getloadavg(),
            rss_before=rss0,
            rss_closed=server.rss(),
            warm=warm,
            kept=kept,
            freed=freed,
        )
        return room
    finally:
        server.stop()


def summarize(room: dict, participants: int, steps: int) -> dict:
    server = [s["server_s"] for s in room["steps"]]
    client = [s["client_s"] for s in room["steps"]]
    handled = [s["handled_s"] for s in room["steps"]]
    return {
        "participants": participants,
        "steps": steps,
        "cpu_ms_per_step": 1000 * room["cpu_s"] / (participants * steps),
        "median_s": statistics.median(server),
        "p95_s": percentile(server, 0.95),
        "max_s": max(server),
        "handled_median_s": statistics.median(handled),
        "client_median_s": statistics.median(client),
        "client_p95_s": percentile(client, 0.95),
        "load_median_s": statistics.median(room["load_s"]),
        "load_max_s": max(room["load_s"]),
        "load_client_max_s": max(room["load_client_s"]),
        "chart_messages": statistics.median(s["chart_messages"] for s in room["steps"]),
        "messages_per_step": statistics.median(s["messages"] for s in room["steps"]),
        "widgets": room["widgets"],
        "rss_before_mb": room["rss_before"] / 2**20,
        "rss_per_session_mb": (room["rss_stepped"] - room["rss_before"]) / participants / 2**20,
        "rss_loaded_per_session_mb": (room["rss_loaded"] - room["rss_before"])
        / participants
        / 2**20,
        "rss_closed_mb": room["rss_closed"] / 2**20,
        "kept_seats": room["kept"]["seats"],
        "kept_models": room["kept"]["models"],
        "freed_seats": room["freed"]["seats"],
        "freed_models": room["freed"]["models"],
        "wall_s": room["wall_s"],
        "load": room["load"],
        "load_after": room["load_after"],
    }


def verdicts(s: dict) -> list[tuple[str, str, bool | None]]:
    """(target, value, met) for one summary; latency targets only count at 20 participants."""
    out = [
        (
            f"server CPU per participant step <= {CPU_TARGET_MS:.0f} ms",
            f"{s['cpu_ms_per_step']:.1f} ms",
            s["cpu_ms_per_step"] <= CPU_TARGET_MS,
        )
    ]
    latency = s["participants"] >= TARGET_PARTICIPANTS
    out.append(
        (
            f"click to last chart, median <= {MEDIAN_TARGET_S:g} s",
            f"{s['median_s']:.3f} s",
            s["median_s"] <= MEDIAN_TARGET_S if latency else None,
        )
    )
    out.append(
        (
            f"click to last chart, p95 <= {P95_TARGET_S:g} s",
            f"{s['p95_s']:.3f} s",
            s["p95_s"] <= P95_TARGET_S if latency else None,
        )
    )
    out.append(
        (
            "closed tabs' runs kept, then freed after the keep time",
            f"kept {s['kept_seats']} seats; then {s['freed_seats']} seats, "
            f"{s['freed_models']} models",
            s["kept_seats"] == s["participants"]
            and s["freed_seats"] == 0
            and s["freed_models"] == 0,
        )
    )
    return out


def _word(met: bool | None) -> str:
    return (
        "met"
        if met
        else ("missed" if met is not None else f"n/a (< {TARGET_PARTICIPANTS} participants)")
    )


def repeat_line(i: int, s: dict) -> str:
    return (
        f"repeat {i}: load {s['load'][0]:.2f} {s['load'][1]:.2f} {s['load'][2]:.2f}; "
        f"CPU/step {s['cpu_ms_per_step']:.1f} ms; click to last chart median "
        f"{s['median_s']:.3f} s, p95 {s['p95_s']:.3f} s, max {s['max_s']:.3f} s "
        f"(clients saw {s['client_median_s']:.3f} / {s['client_p95_s']:.3f} s); "
        f"page load median {s['load_median_s']:.2f} s, max {s['load_max_s']:.2f} s; "
        f"RSS {s['rss_before_mb']:.0f} MB before, +{s['rss_per_session_mb']:.1f} MB a session, "
        f"{s['rss_closed_mb']:.0f} MB after close; {s['chart_messages']:.0f} chart messages of "
        f"{s['messages_per_step']:.0f} a step; {s['widgets']:.0f} widgets a page"
    )


def report(runs: list[dict]) -> str:
    lines = []
    keys = ("cpu_ms_per_step", "median_s", "p95_s")
    med = {k: statistics.median(s[k] for s in runs) for k in keys}
    worst = {k: max(s[k] for s in runs) for k in keys}
    p = runs[0]["participants"]
    lines.append(
        f"{p} participants x {runs[0]['steps']} steps, {len(runs)} repeats: median (worst)"
    )
    lines.append(
        f"  CPU per participant step   {med['cpu_ms_per_step']:7.1f} ms  "
        f"({worst['cpu_ms_per_step']:.1f})"
    )
    lines.append(
        f"  click to last chart median {med['median_s']:7.3f} s   ({worst['median_s']:.3f})"
    )
    lines.append(f"  click to last chart p95    {med['p95_s']:7.3f} s   ({worst['p95_s']:.3f})")
    for target, _, _ in verdicts(runs[0]):
        per = [dict((t, (v, m)) for t, v, m in verdicts(s))[target] for s in runs]
        mets = [m for _, m in per]
        word = _word(None if None in mets else all(mets))
        lines.append(f"  {target}: {word} ({'; '.join(v for v, _ in per)})")
    return "\n".join(lines)


def profile_report(prof: dict, top: int = 60) -> str:
    n = max(prof["samples"], 1)
    lines = [f"server stacks sampled while stepping, weighted by CPU: {prof['samples']:.1f} s"]
    lines.append("  inclusive (share of the CPU with the function on the stack):")
    for key, count in prof["inclusive"][:top]:
        lines.append(f"    {100 * count / n:5.1f}%  {key}")
    lines.append("  self (share of the CPU with the function on top):")
    for key, count in prof["self"][:25]:
        lines.append(f"    {100 * count / n:5.1f}%  {key}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.room_load", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("--participants", type=int, default=20, help="participants (default 20)")
    ap.add_argument(
        "--steps", type=int, default=5, help="months each participant steps (default 5)"
    )
    ap.add_argument(
        "--start-month",
        type=int,
        default=0,
        help="months every participant steps, untimed, before the measured steps (default 0)",
    )
    ap.add_argument(
        "--repeats", type=int, default=3, help="repeats, a fresh server each (default 3)"
    )
    ap.add_argument(
        "--keep", type=float, default=5.0, help="seconds a closed tab's run is kept (default 5)"
    )
    ap.add_argument("--server-core", type=int, default=0, help="core of the server (default 0)")
    ap.add_argument("--client-core", type=int, default=1, help="core of the clients (default 1)")
    ap.add_argument("--no-pin", action="store_true", help="pin neither server nor clients")
    ap.add_argument(
        "--profile", action="store_true", help="sample the server's stacks while stepping"
    )
    ap.add_argument(
        "--server-env",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="an environment variable for the server (to compare settings; repeatable)",
    )
    ap.add_argument("--json", metavar="FILE", help="also write every repeat's figures as JSON")
    args = ap.parse_args(argv)
    for name in ("participants", "steps", "repeats"):
        if getattr(args, name) < 1:
            print(f"--{name} = {getattr(args, name)}: expected at least 1", file=sys.stderr)
            return 2
    if not 0 <= args.start_month <= 120 - args.steps:
        print(
            f"--start-month = {args.start_month}: expected 0 to {120 - args.steps} "
            "(the default scenario runs 120 months)",
            file=sys.stderr,
        )
        return 2
    env = {}
    for item in args.server_env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            print(f"--server-env = {item}: expected KEY=VALUE", file=sys.stderr)
            return 2
        env[key] = value
    cores = (None, None) if args.no_pin else (args.server_core, args.client_core)
    if not args.no_pin:
        available = os.sched_getaffinity(0)
        for c in cores:
            if c not in available:
                print(
                    f"--server-core/--client-core = {c}: not one of this machine's cores "
                    f"{sorted(available)}",
                    file=sys.stderr,
                )
                return 2
        os.sched_setaffinity(0, {args.client_core})
    runs, profiles = [], []
    for _ in range(args.repeats):
        room = repeat(
            args.participants, args.steps, args.keep, cores, args.profile, env, args.start_month
        )
        runs.append(summarize(room, args.participants, args.steps))
        if "profile" in room:
            profiles.append(room["profile"])
        print(repeat_line(len(runs), runs[-1]), flush=True)
    print(report(runs))
    for prof in profiles[-1:]:
        print(profile_report(prof))
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": runs, "profiles": profiles}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
