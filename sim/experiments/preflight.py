"""Everything a sweep checks before it writes anything, and what ``--dry-run`` prints.

- ``check_executor``: ``--workers`` and ``--dask`` (a scheduler address is tried, not used);
- ``check_spec``: what ``spec.parse`` cannot see alone: recorded outcome names of the gpps
  model, and every combination of the factors' extremes built once as a scenario (no run):
  an unknown scenario, alone or in a swept list, or contradictory values fail here;
- ``estimate`` and ``check_limits``: runs, memory and disk before starting, against ``LIMITS``
  and this machine (``--ignore-limits`` overrides).

Every failure is an ``InputError``: one line naming the file, the key, the value and what is
allowed.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from sim.errors import InputError, show, suggest

from .spec import Factor, Spec

#: Stated limits of one sweep (``--ignore-limits`` lifts them, and the machine checks).
MAX_RUNS = 10_000_000
#: Share of this machine's available memory a sweep may plan to use at its peak.
MEMORY_SHARE = 0.8
#: Beyond this many combinations of extremes, each factor's extremes are checked on their own.
MAX_EXTREME_COMBINATIONS = 65_536

# Rough upper estimates of one gpps run's memory (peak traced allocations measured at 2,000,
# 20,000 and 200,000 residents, about 930 bytes a resident with 2 service lines; see
# docs/experiments.md, "Trusted input, and what a sweep checks before it starts").
RUN_BASE_BYTES = 64 * 2**20
RESIDENT_BYTES = 600
RESIDENT_LINE_BYTES = 200
ORGANIZATION_BYTES = 64 * 2**10
#: A run of a model other than gpps, whose size is unknown before it runs.
OTHER_RUN_BYTES = 64 * 2**20
#: Bytes of a ``runs`` cell and of a ``series`` value on disk and in memory (upper estimates).
CELL_BYTES = 16
SERIES_VALUE_BYTES = 24
DASK_ADDRESS = re.compile(r"^(?:(tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[\w.-]+):(\d{1,5})/?$")


# -- the executor --------------------------------------------------------------------------------
def check_executor(workers: int | None, dask: str | None) -> None:
    """``--workers`` and ``--dask``, before anything is written; a scheduler must answer."""
    if workers is not None and workers < 1:
        raise InputError(f"--workers = {workers}: must be an integer >= 1")
    if dask is None:
        return
    allowed = "allowed: 'local' or tcp://HOST:PORT"
    if dask != "local":
        m = DASK_ADDRESS.match(dask)
        if m is None or not 1 <= int(m.group(3)) <= 65535:
            raise InputError(f"--dask = {dask!r}: not a scheduler address; {allowed}")
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        raise InputError(f"--dask = {dask!r}: needs the 'distributed' package (gpps[sweep])")
    if dask == "local":
        return
    host, port = m.group(2).strip("[]"), int(m.group(3))
    try:
        with socket.create_connection((host, port), timeout=10):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(
            f"--dask = {dask!r}: cannot reach a scheduler ({reason}); {allowed}"
        ) from None


# -- the spec ------------------------------------------------------------------------------------
def extremes(f: Factor) -> list:
    """The values of a factor that bound what it can do: a range's ends, a numeric list's
    smallest and largest value, every value of any other list, a held value."""
    if f.mode == "range":
        return [int(f.low), int(f.high)] if f.integer else [f.low, f.high]
    values = list(f.values)
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if f.mode == "list" and numeric and len(values) > 2:
        return [min(values), max(values)]
    return values


def combinations(spec: Spec) -> tuple[list[dict], bool]:
    """Each combination of the factors' extremes (``True``), or, beyond
    ``MAX_EXTREME_COMBINATIONS``, each factor's extremes with the others at their first
    (``False``)."""
    names = [f.name for f in spec.factors]
    values = [extremes(f) for f in spec.factors]
    if math.prod(len(v) for v in values) <= MAX_EXTREME_COMBINATIONS:
        return [dict(zip(names, c, strict=True)) for c in itertools.product(*values)], True
    first = {n: v[0] for n, v in zip(names, values, strict=True)}
    out = [first]
    for n, vs in zip(names, values, strict=True):
        out += [{**first, n: v} for v in vs[1:]]
    return out, False


def check_spec(spec: Spec) -> list:
    """Check what parsing alone cannot; for the gpps model, return the scenarios built
    (one per combination of extremes)."""
    if not spec.is_gpps:
        return []
    from sim import metrics

    for key, names, known in (
        ("record.final", spec.record_final or (), metrics.OUTCOME_NAMES),
        ("record.series", spec.record_series, metrics.SERIES),
    ):
        for name in names:
            if name not in known:
                raise InputError(
                    f"{spec.path}: {key} = {show(name)}: unknown outcome{suggest(name, known)}; "
                    "allowed: the names in docs/ODD.md (`gpps` outcomes and their components)"
                )
    from sim.scenario import load

    built = []
    combos, _ = combinations(spec)
    for combo in combos:
        params = {k: v for k, v in combo.items() if k != "scenario"}
        if spec.steps is not None:
            params["steps"] = spec.steps
        ref = combo.get("scenario", spec.scenario)
        try:
            built.append(load(ref, params))
        except InputError as exc:
            where = _where(spec, combo)
            raise InputError(f"{spec.path}: {where}{exc}") from None
    return built


def _where(spec: Spec, combo: dict) -> str:
    """``with a = 1, b = 2: `` naming the factors that vary (nothing when none does)."""
    varying = [f.name for f in spec.factors if f.mode != "held" and f.name in combo]
    if not varying:
        return ""
    return "with " + ", ".join(f"factors.{n} = {show(combo[n])}" for n in varying) + ": "


# -- sizes ---------------------------------------------------------------------------------------
def n_points(spec: Spec) -> int:
    """Sampled points of the design, computed without sampling."""
    k = len(spec.sampled)
    if spec.design == "factorial":
        return 1
    if spec.design == "latin":
        return spec.samples
    if spec.design == "sobol":
        return spec.samples * (2 * k + 2 if spec.second_order else k + 2)
    return spec.samples * (k + 1)  # morris


def n_combinations(spec: Spec) -> int:
    return math.prod(len(f.values) for f in spec.swept)


@dataclass(frozen=True)
class Estimate:
    """What a sweep will need, before it starts."""

    points: int
    combinations: int
    replications: int
    run_bytes: int  # the largest run's memory
    parallel: int  # runs at once on this machine
    design_bytes: int
    table_bytes: int  # runs and series tables (held in memory when compacting)
    disk_bytes: int
    series_known: bool

    @property
    def runs(self) -> int:
        return self.points * self.combinations * self.replications

    @property
    def memory_bytes(self) -> int:
        runs = self.parallel * self.run_bytes
        return RUN_BASE_BYTES + runs + self.design_bytes + self.table_bytes

    def line(self) -> str:
        series = "" if self.series_known else " (series of a model other than gpps not counted)"
        return (
            f"estimate: {self.runs:,} runs ({self.points:,} points x {self.combinations:,} "
            f"combinations x {self.replications:,} replications); memory up to "
            f"{_size(self.memory_bytes)} ({self.parallel} at once, the largest run "
            f"{_size(self.run_bytes)}); disk up to {_size(self.disk_bytes)}{series}"
        )


def run_bytes(scenario) -> int:
    """Upper estimate of one gpps run's memory from its scenario."""
    p = scenario.params
    orgs = p["n_independent_orgs"] + p["n_buyers"] * p["founded_per_buyer"]
    orgs += len(scenario.organizations)
    residents = p["n_residents"] * (RESIDENT_BYTES + RESIDENT_LINE_BYTES * p["n_service_lines"])
    return int(RUN_BASE_BYTES + residents + orgs * ORGANIZATION_BYTES * (1 + p["steps"] / 120))


def estimate(spec: Spec, scenarios: list, workers: int | None, dask: str | None) -> Estimate:
    """Runs, memory and disk of ``spec`` (``scenarios``: from ``check_spec``)."""
    from .executors import cpu_count

    points, combos, reps = n_points(spec), n_combinations(spec), spec.replications
    runs = points * combos * reps
    if scenarios:
        largest = max(run_bytes(s) for s in scenarios)
        steps = max(int(s.params["steps"]) for s in scenarios)
    else:
        largest, steps = OTHER_RUN_BYTES, 0
    from sim import metrics

    if spec.record_final is not None:
        finals = len(spec.record_final)
    else:
        finals = len(metrics.OUTCOME_NAMES) if spec.is_gpps else 16
    columns = 8 + len(spec.factors) + finals
    series_values = len(spec.record_series) * math.ceil(steps / spec.record_every)
    runs_table = runs * columns * CELL_BYTES
    series_table = runs * series_values * SERIES_VALUE_BYTES
    # remote Dask workers use their own memory; here only the tables and the design count
    parallel = 0 if dask not in (None, "local") else (workers or cpu_count())
    design_bytes = points * max(1, len(spec.sampled)) * 8 * 4  # the samples and their table
    return Estimate(
        points=points,
        combinations=combos,
        replications=reps,
        run_bytes=largest,
        parallel=parallel,
        design_bytes=design_bytes,
        table_bytes=runs_table + series_table,
        disk_bytes=2 * (runs_table + series_table) + design_bytes,  # parts + compacted copy
        series_known=spec.is_gpps or not spec.record_series,
    )


def available_memory() -> int | None:
    """Bytes of memory available on this machine now (``MemAvailable``), or the total."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def free_disk(out: Path) -> int | None:
    """Free bytes on the file system that will hold ``out``."""
    path = Path(out).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def check_limits(spec: Spec, est: Estimate, out: Path, ignore: bool = False) -> None:
    """Refuse a sweep beyond ``MAX_RUNS``, this machine's memory or its free disk."""
    if ignore:
        return
    hint = "; --ignore-limits runs it anyway"
    if est.runs > MAX_RUNS:
        raise InputError(
            f"{spec.path}: {est.runs:,} runs ({est.points:,} points x {est.combinations:,} "
            f"combinations x replications = {est.replications:,}): allowed: at most "
            f"{MAX_RUNS:,} runs in one sweep{hint}"
        )
    memory = available_memory()
    if memory is not None and est.memory_bytes > MEMORY_SHARE * memory:
        raise InputError(
            f"{spec.path}: needs about {_size(est.memory_bytes)} of memory ({est.parallel} runs "
            f"at once of up to {_size(est.run_bytes)}, design {_size(est.design_bytes)}, tables "
            f"{_size(est.table_bytes)}): allowed: {MEMORY_SHARE:.0%} of the "
            f"{_size(memory)} available here; fewer --workers, samples or residents{hint}"
        )
    disk = free_disk(out)
    if disk is not None and est.disk_bytes > disk:
        raise InputError(
            f"{spec.path}: needs about {_size(est.disk_bytes)} of disk in {out}: allowed: the "
            f"{_size(disk)} free there; fewer runs or series, or another --out{hint}"
        )


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"


# -- --dry-run -----------------------------------------------------------------------------------
def describe(spec: Spec, est: Estimate, exhaustive: bool, n_built: int) -> str:
    """The validated design and the estimate, as ``--dry-run`` prints them."""
    lines = [f"sweep {spec.name} ({spec.path}, sha256 {spec.hash[:12]}): valid"]
    lines.append(f"model: {spec.model}")
    if spec.is_gpps:
        lines.append(f"scenario: {spec.scenario or '(swept)'}; steps: {spec.steps or '(own)'}")
    design = spec.design + (f", samples = {spec.samples}" if spec.samples else "")
    lines.append(f"design: {design}; seed {spec.seed}; replications {spec.replications}")
    for f in spec.factors:
        if f.mode == "range":
            what = f"{f.dist} range [{f.low}, {f.high}]" + (" (integer)" if f.integer else "")
        elif f.mode == "list":
            what = "swept " + ", ".join(show(v) for v in f.values)
        else:
            what = "held at " + show(f.values[0])
        lines.append(f"  {f.name}: {what}")
    final = ", ".join(spec.record_final) if spec.record_final is not None else "all returned"
    lines.append(f"record: final {final}; series {', '.join(spec.record_series) or 'none'}")
    if spec.is_gpps:
        how = "each combination" if exhaustive else "each factor's extremes on their own"
        lines.append(f"checked: {n_built} scenarios built ({how} of the factors' extremes)")
    lines.append(est.line())
    return "\n".join(lines)
