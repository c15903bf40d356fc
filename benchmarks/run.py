"""The gpps benchmark: ``python -m benchmarks.run [--quick] [--out FILE]``.

Every figure is a ratio measured in this one process against a fixed reference, B: Mesa's own
Boltzmann wealth model in Mesa's "large" benchmark configuration (10,000 agents on a 100×100
grid, 10 steps), in agent-steps per second. After a warm-up, the measurements are interleaved
round by round (one round per seed: B, then each gpps size, then a bare Mesa agent), and each
gpps figure is divided by the B of its own round; the table gives the median and the range
over rounds. Writes a JSON file and prints a table; ``--quick`` (1,000 and 10,000 residents,
20 steps timed after 12 warm-up steps, under a minute) exits non-zero only on a gross
regression: a figure past its floor (``targets``). Every target is printed ``met`` or
``missed``; ``--against REV`` adds the default scenario's runs per CPU-second against REV.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

from . import measure
from . import throughput as default_scenario

FULL = {"sizes": [1_000, 10_000, 100_000], "steps": 120, "warmup": 0, "seeds": [1, 2, 3, 4, 5]}
#: Quick: 20 timed months after a year of warm-up (the first month tenders every lot and builds
#: the residents' cached structure: timed in a 20-month run it weighs six times what it weighs in
#: the full 120-month run, and the quick figure read ~10-40% low for it).
QUICK = {"sizes": [1_000, 10_000], "steps": 20, "warmup": 12, "seeds": [1, 2, 3, 4, 5]}


# -- targets ---------------------------------------------------------------------------------
def targets(summary: dict, quick: bool) -> list[dict]:
    """Each target: the figure, the bound, whether it is met, and the floor below which (above,
    for an upper bound) the figure is a gross regression: half the bound (twice an upper
    bound), or for the speed and memory targets raised in gpps 0.3.0, the floors of the bounds
    before (``--quick`` fails only below a floor)."""
    big = max(summary["sizes"])
    rows = []

    def add(name, value, bound, at_least, floor=None):
        if value is None:
            return
        if floor is None:
            floor = bound / 2 if at_least else bound * 2
        met = value >= bound if at_least else value <= bound
        gross = value < floor if at_least else value > floor
        rows.append(
            {
                "target": name,
                "value": value,
                "bound": bound,
                "at_least": at_least,
                "met": bool(met),
                "floor": floor,
                "gross": bool(gross),
            }
        )

    ratio = summary["ratio_to_B"]
    ten = ratio.get(10_000, {})
    add("10,000 residents: resident-steps/s ÷ B", ten.get("median"), 100, True, floor=25)
    # no floor for the worst round: one round disturbed by another job says nothing on its own
    add("10,000 residents: resident-steps/s ÷ B, worst round", ten.get("min"), 70, True, 0.0)
    add(
        "100,000 residents: resident-steps/s ÷ B",
        ratio.get(100_000, {}).get("median"),
        200,
        True,
        floor=50,
    )
    if 100_000 in summary["step_s"] and 10_000 in summary["step_s"]:
        add(
            "step at 100,000 ÷ step at 10,000",
            summary["step_s"][100_000]["median"] / summary["step_s"][10_000]["median"],
            10,
            False,
        )
    add(
        f"memory per resident at {big:,} (bytes)",
        summary["memory"]["bytes_per_resident"],
        500,
        False,
        floor=2048,
    )
    if "import" in summary:
        add(
            "import sim.model ÷ import mesa (fresh interpreters)",
            summary["import"]["ratio"]["median"],
            1.5,
            False,
            floor=3.0,
        )
    if "throughput" in summary:
        add(
            f"default scenario: runs per CPU-second ÷ those at {summary['throughput']['against']}",
            summary["throughput"]["ratio"]["median"],
            3,
            True,
            floor=1.0,
        )
    add(
        f"set-up per resident at {big:,} (network aside) ÷ bare Mesa agent",
        summary["setup_ratio"]["median"],
        3,
        False,
    )
    if "network" in summary:
        add(
            f"network at {big:,}: GC collections while built (0 = no object per tie)",
            summary["network"]["gc_collections"],
            10,
            False,
        )
    if "sweep" in summary:
        add(
            "sweep: parallel efficiency with 2 workers ÷ pure-CPU control",
            summary["sweep"]["efficiency"]["median"],
            0.85,
            True,
        )
        add(
            "sweep: worker processes started for the 2-worker sweep",
            summary["sweep"]["worker_processes_2"],
            2,
            False,
        )
    return rows


# -- measuring ---------------------------------------------------------------------------------
def _stats(values: list[float]) -> dict:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def measure_all(config: dict, quick: bool, sweep: bool, log, against: str | None = None) -> dict:
    sizes, steps, seeds = config["sizes"], config["steps"], config["seeds"]
    warmup = config.get("warmup", 0)
    big = max(sizes)
    log("warm-up")
    measure.boltzmann(0, steps=2, n=1000, width=30, height=30)
    measure.gpps(1000, 5, 0)
    measure.bare_agent(10_000)

    rounds = []
    for k, seed in enumerate(seeds):
        tasks = [("B", None)] + [("gpps", n) for n in sizes] + [("agent", None)]
        tasks = tasks[k % len(tasks) :] + tasks[: k % len(tasks)]  # rotate the order
        row = {"seed": seed}
        for kind, n in tasks:
            if kind == "B":
                row["B"] = measure.boltzmann(seed)
            elif kind == "gpps":
                row[n] = measure.gpps(n, steps, seed, warmup=warmup)
            else:
                row["agent"] = measure.bare_agent(big, seed)
        rounds.append(row)
        log(
            f"round {k + 1}/{len(seeds)}: B = {row['B']['agent_steps_per_s']:,.0f} agent-steps/s; "
            + ", ".join(f"{n:,}: {row[n]['resident_steps_per_s']:,.0f}" for n in sizes)
        )

    summary: dict = {"sizes": sizes, "steps": steps, "warmup": warmup, "seeds": seeds}
    summary["B"] = _stats([r["B"]["agent_steps_per_s"] for r in rounds])
    summary["bare_agent_s"] = _stats([r["agent"]["agent_s"] for r in rounds])
    for key in ("resident_steps_per_s", "step_s", "setup_s", "network_s", "setup_per_resident_s"):
        summary[key] = {n: _stats([r[n][key] for r in rounds]) for n in sizes}
    summary["ratio_to_B"] = {
        n: _stats([r[n]["resident_steps_per_s"] / r["B"]["agent_steps_per_s"] for r in rounds])
        for n in sizes
    }
    summary["setup_ratio"] = _stats(
        [r[big]["setup_per_resident_s"] / r["agent"]["agent_s"] for r in rounds]
    )
    log(f"memory at {big:,} residents (tracemalloc)")
    summary["memory"] = measure.memory(big)
    summary["network"] = measure.network(big)
    log("import sim.model and import mesa, each in fresh interpreters, alternated")
    summary["import"] = default_scenario.import_ratio(3 if quick else 5)
    if against:
        log(f"the default scenario's runs per CPU-second here and at {against}, alternated")
        summary["throughput"] = default_scenario.compare(against, log=log)
    if sweep:
        from .sweep import throughput

        log("sweep throughput: 40 runs on 1 and on 2 workers, with a pure-CPU control (3 rounds)")
        result = throughput()
        samples = result["samples"]
        summary["sweep"] = {
            "config": result["config"],
            "cold_sweep": result["cold_sweep"],
            "samples": samples,
            **{
                k: _stats([s[k] for s in samples])
                for k in (
                    "efficiency",
                    "sweep_speedup",
                    "control_speedup",
                    "runs_per_s_1",
                    "runs_per_s_2",
                )
            },
            "worker_processes_2": max(s["worker_processes_2"] for s in samples),
            "failed": sum(s["failed"] for s in samples),
        }
    return {"rounds": rounds, "summary": summary}


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for dist in ("mesa", "numpy", "scipy", "numba", "pandas"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "cpu": cpu or platform.processor(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        **versions,
    }


# -- output ----------------------------------------------------------------------------------
def _range(s: dict, fmt: str) -> str:
    return f"{format(s['median'], fmt)} ({format(s['min'], fmt)}–{format(s['max'], fmt)})"


def table(result: dict) -> str:
    s = result["summary"]
    lines = [
        f"gpps benchmark ({'quick' if result['quick'] else 'full'}): {s['steps']} steps"
        + (f" timed after {s['warmup']} warm-up steps" if s.get("warmup") else "")
        + ", "
        f"seeds {s['seeds']}; median (range) over rounds",
        f"machine: {result['machine']['cpu']}, {result['machine']['cpus']} CPUs, Python "
        f"{result['machine']['python']}, Mesa {result['machine']['mesa']}, numpy "
        f"{result['machine']['numpy']}",
        "",
        f"B  Boltzmann wealth (mesa.examples, 10,000 agents, 100×100, 10 steps): "
        f"{_range(s['B'], ',.0f')} agent-steps/s",
        "",
        "| residents | resident-steps/s | ÷ B | step (ms) | set-up (s) | of which network (s) "
        "| set-up per resident (µs) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in s["sizes"]:
        lines.append(
            f"| {n:,} | {_range(s['resident_steps_per_s'][n], ',.0f')} "
            f"| {_range(s['ratio_to_B'][n], '.1f')} "
            f"| {_range({k: v * 1e3 for k, v in s['step_s'][n].items() if k != 'n'}, '.2f')} "
            f"| {s['setup_s'][n]['median']:.3f} | {s['network_s'][n]['median']:.3f} "
            f"| {s['setup_per_resident_s'][n]['median'] * 1e6:.2f} |"
        )
    m = s["memory"]
    lines += [
        "",
        f"bare Mesa agent: {_range({k: v * 1e6 for k, v in s['bare_agent_s'].items() if k != 'n'}, '.2f')} µs"  # noqa: E501
        f"; set-up per resident ÷ bare agent: {_range(s['setup_ratio'], '.2f')}",
        f"memory at {max(s['sizes']):,} residents (build + 3 steps): "
        f"{m['bytes_per_resident']:.0f} B/resident, peak {m['peak_bytes_per_resident']:.0f}, "
        f"growth {m['growth_bytes_per_resident_step']:.1f} B/resident/step",
        f"network at {max(s['sizes']):,}: {s['network']['network_s']:.3f} s, "
        f"{s['network']['ties']:,} ties, {s['network']['gc_collections']} GC collections",
    ]
    if "import" in s:
        i = s["import"]
        lines.append(
            f"import: sim.model {_range(i['sim_model_s'], '.2f')} s, mesa alone "
            f"{_range(i['mesa_s'], '.2f')} s; ratio {_range(i['ratio'], '.2f')}"
        )
    if "throughput" in s:
        t = s["throughput"]
        lines.append(
            f"default scenario (2,000 residents, 120 months), runs per CPU-second: "
            f"{_range(t['before'], '.2f')} at {t['against']}, {_range(t['after'], '.2f')} here; "
            f"ratio {_range(t['ratio'], '.2f')} ({len(t['rounds'])} alternated rounds)"
        )
    if "sweep" in s:
        w = s["sweep"]
        lines.append(
            f"sweep ({w['config']['runs']} runs × {w['config']['n_residents']:,} residents × "
            f"{w['config']['steps']} steps): {_range(w['runs_per_s_1'], '.2f')} runs/s on 1 "
            f"worker, {_range(w['runs_per_s_2'], '.2f')} on 2; speed-up "
            f"{_range(w['sweep_speedup'], '.2f')}; control speed-up "
            f"{_range(w['control_speedup'], '.2f')}; efficiency {_range(w['efficiency'], '.2f')}"
            f"; {w['worker_processes_2']} worker processes; {w['failed']} failed runs; "
            f"warm-up sweep ({w['cold_sweep']['runs']} runs, the process server's one import): "
            f"{w['cold_sweep']['seconds']:.2f} s"
        )
    lines += ["", "| target | value | bound | met |", "|---|---:|---:|:---:|"]
    for t in result["targets"]:
        op = "≥" if t["at_least"] else "≤"
        lines.append(
            f"| {t['target']} | {t['value']:.3g} | {op} {t['bound']:g} "
            f"| {'met' if t['met'] else 'missed'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1,000 and 10,000 residents, 20 steps after 12 untimed ones, no sweep; fails only "
        "on a gross regression (a figure past its floor)",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="JSON file (default benchmarks/results.json, "
        "or benchmarks/results-quick.json with --quick)",
    )
    parser.add_argument("--no-sweep", action="store_true", help="skip the sweep throughput")
    parser.add_argument(
        "--against",
        metavar="REV",
        default=None,
        help="also compare the default scenario's runs per CPU-second with git revision REV "
        "(benchmarks/throughput.py: alternated subprocesses, 5 rounds)",
    )
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    out = Path(args.out or f"benchmarks/results{'-quick' if args.quick else ''}.json")
    start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - start:6.1f} s] {msg}", file=sys.stderr, flush=True)

    result = {
        "quick": args.quick,
        "machine": machine(),
        "config": config,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    result.update(
        measure_all(config, args.quick, not (args.quick or args.no_sweep), log, args.against)
    )
    result["targets"] = targets(result["summary"], args.quick)
    result["seconds"] = time.perf_counter() - start
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    print(table(result))
    print(f"\n{result['seconds']:.0f} s; wrote {out}")
    if args.quick:
        failed = [t["target"] for t in result["targets"] if t["gross"]]
        if failed:
            print("GROSS REGRESSION (past a target's floor): " + "; ".join(failed))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
