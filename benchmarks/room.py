"""Server CPU per participant step of the workshop dashboard.

Each participant's click on Step costs the server a month of the model, the page's update
and, for the Outcomes view, its charts. This measures, at the default scenario, the median
CPU time (all threads of the process) per step:

- ``model``: ``RunSession.step(1)`` alone;
- ``charts``: the Outcomes view's 16 ECharts options (``charts.group_charts``) and their JSON,
  the data sent to the browser (with the size sent);
- ``page``: the whole page rendered headless (``solara.render``, with the server's renderer
  settings): a click on Step until the page shows the new month and its charts (or, on a
  revision that drew PNGs, until the figures of that month are drawn);
- ``matplotlib``: on a revision that has it, the four outcome figures as PNGs
  (``plots.group_figure``), what each step cost before the charts moved to the browser.

::

    python -m benchmarks.room                    # this tree
    python -m benchmarks.room --against 1b68e28  # and a revision, in a subprocess

``--against`` extracts the revision's ``sim`` package with ``git archive`` into a temporary
folder and runs this file there. Times vary with the machine and its load: compare numbers
measured together.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 50.0


def _cpu_ms(fn) -> float:
    start = time.process_time()
    fn()
    return 1000 * (time.process_time() - start)


def model_and_charts(steps: int) -> dict:
    """Median CPU ms of a step of the model, and of the Outcomes view's charts after it."""
    from sim.dashboard.session import RunSession, series_of

    try:
        from sim.dashboard import charts
    except ImportError:  # a revision that drew PNGs
        charts = None
    session = RunSession()
    step_ms, chart_ms, sizes = [], [], []
    for _ in range(steps):
        step_ms.append(_cpu_ms(lambda: session.step(1)))
        if charts is not None:
            names = [n for group in charts.GROUP_PLOTS.values() for n in group]

            def build(names=names):
                series = series_of(session.model, names)
                options = {g: charts.group_charts(g, series, "en") for g in charts.GROUPS}
                sizes.append(len(json.dumps(options)))

            chart_ms.append(_cpu_ms(build))
    out = {"model": statistics.median(step_ms)}
    if chart_ms:
        out["charts"] = statistics.median(chart_ms)
        out["charts_bytes"] = int(statistics.median(sizes))
    return out


def matplotlib_figures(steps: int) -> float | None:
    """Median CPU ms of the four outcome figures as PNGs after a step, if this tree has them."""
    from sim.dashboard import plots
    from sim.dashboard.session import RunSession, series_of

    if not hasattr(plots, "group_figure"):
        return None
    session = RunSession()
    times = []
    for _ in range(steps):
        session.step(1)
        series = series_of(session.model)

        def draw(series=series):
            return [plots.png(plots.group_figure(g, series, "en")) for g in plots.GROUPS]

        times.append(_cpu_ms(draw))
    return statistics.median(times)


def page(steps: int) -> float:
    """Median CPU ms from a click on Step until the page (headless) shows that month drawn
    (the CPU this measurement spends looking at the page is left out)."""
    import ipyvuetify as v
    import solara

    from sim.dashboard import server
    from sim.dashboard.app import Page

    for key in ("REACTON_FAST",):  # the server's renderer, on a revision that sets it
        if key in server.SOLARA_ENV:
            os.environ.setdefault(key, server.SOLARA_ENV[key])

    _, rc = solara.render(Page(), handle_error=False)

    def texts(cls):
        return [
            " ".join(str(c) for c in w.children)
            for w in rc.find(v.Html).widgets
            if w.class_ and cls in w.class_.split()
        ]

    def attribute(cls, name):
        return [
            (w.attributes or {}).get(name)
            for w in rc.find(v.Html).widgets
            if w.class_ and cls in w.class_.split()
        ]

    def shown(n) -> bool:
        if texts("gpps-month") != [f"Month {n} of 120"]:
            return False
        drawn = attribute("gpps-drawn", "data-month") or attribute("gpps-plots", "data-month")
        return drawn == [str(n)]

    button = next(
        b
        for b in rc.find(v.Btn).widgets
        if any(c == "Step" for c in b.children if isinstance(c, str))
    )
    times = []
    for n in range(1, steps + 1):
        start = time.process_time()
        button.click()
        deadline = time.monotonic() + 60
        looking = 0.0  # this thread's CPU spent looking for the month: not the page's
        while time.monotonic() < deadline:
            t = time.thread_time()
            done = shown(n)
            looking += time.thread_time() - t
            if done:
                break
            time.sleep(0.001)
        else:
            raise RuntimeError(f"the page did not show month {n}")
        times.append(1000 * (time.process_time() - start - looking))
    rc.close()
    return statistics.median(times)


def measure(steps: int) -> dict:
    out = {"steps": steps}
    out.update(model_and_charts(steps))
    mpl = matplotlib_figures(steps)
    if mpl is not None:
        out["matplotlib"] = mpl
    out["page"] = page(steps)
    return out


def _against(rev: str, steps: int) -> dict:
    """``measure`` in a subprocess on revision ``rev``'s ``sim`` package."""
    with tempfile.TemporaryDirectory(prefix="gpps-room-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "sim", "scenarios"],
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        script = Path(tmp) / "room.py"
        script.write_text(Path(__file__).read_text(encoding="utf-8"), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": tmp, "GPPS_ROOM_TREE": tmp}
        done = subprocess.run(
            [sys.executable, str(script), "--steps", str(steps), "--json"],
            check=True,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])


def report(label: str, m: dict) -> str:
    lines = [f"{label} (median CPU ms per participant step over {m['steps']} steps):"]
    lines.append(f"  model step                    {m['model']:8.1f}")
    if "charts" in m:
        kb = m["charts_bytes"] / 1024
        lines.append(f"  chart options (16, {kb:5.1f} KB)   {m['charts']:8.1f}")
        lines.append(f"  model + charts                {m['model'] + m['charts']:8.1f}")
    if "matplotlib" in m:
        lines.append(f"  four matplotlib PNGs          {m['matplotlib']:8.1f}")
        lines.append(f"  model + PNGs                  {m['model'] + m['matplotlib']:8.1f}")
    lines.append(f"  whole page, headless          {m['page']:8.1f}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.room", description=__doc__)
    ap.add_argument("--steps", type=int, default=40, help="steps measured (default 40)")
    ap.add_argument("--against", metavar="REV", help="git revision to measure as well")
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    args = ap.parse_args(argv)
    tree = os.environ.get("GPPS_ROOM_TREE")
    if tree:
        import sim

        if not sim.__file__.startswith(tree):
            raise RuntimeError(f"imported {sim.__file__}, not the revision in {tree}")
    now = measure(args.steps)
    if args.json:
        print(json.dumps(now))
        return 0
    if args.against:
        print(report(f"revision {args.against}", _against(args.against, args.steps)))
    print(report("this tree", now))
    verdict = "met" if now["page"] <= TARGET_MS else "NOT met"
    print(f"target: at most {TARGET_MS:.0f} ms per step for the whole page: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
