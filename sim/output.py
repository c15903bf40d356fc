"""Writing results: tidy CSV tables, event tables, a figure and metadata, atomically.

Nothing written holds a wall time, host name or absolute path, so the same command and seed
give byte-identical files.
"""

from __future__ import annotations

import csv
import fcntl
import json
import math
import os
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path

from . import __version__, metrics
from .errors import WRITE_ERRORS, InputError
from .events import EVENT_COLUMNS, RENAMED
from .schema import Column as C
from .schema import Table

#: Outcomes drawn over time: the three that the case summary ranks on (``compare.DIMENSIONS``)
#: come first.
FIGURE_OUTCOMES = [
    "qa_hours_per_10k_yuan",
    "quality_mean",
    "provider_largest_buyer_share_mean",
    "need_met_share",
    "satisfaction_mean",
    "provider_gov_share_mean",
    "provider_mission_drift_mean",
    "active_orgs",
]


#: Units of the per-month components of ``series.csv`` (``sim.metrics.COMPONENTS``).
COMPONENT_UNITS = {
    "service_outlay_yuan": ("yuan", "money spent on the service this month"),
    "qa_hours": ("quality-adjusted hours", "hours received times their quality"),
    "hours_delivered": ("hours", "service hours received"),
    "need_total": ("hours", "residents' need"),
    "governance_cost": ("yuan", "buyers' governance costs"),
    "tendering_cost": ("yuan", "buyers' ex-ante tendering cost"),
    "awarded_value": ("yuan", "value of competitive awards over their term"),
    "eligible": ("organizations", "eligible organizations, summed over tendered lots"),
    "lots_tendered": ("lots", "lots tendered"),
    "bids": ("bids", "bids in competitive tenders"),
    "tenders": ("tenders", "competitive tenders"),
    "contract_awards": ("awards", "awards made by competition"),
    "single_bid": ("awards", "of those, awards with one bid"),
    "reawards": ("awards", "awards on served lots that went to the previous provider"),
    "incumbent_lots": ("awards", "awards on lots served before"),
    "entitled": ("residents", "residents entitled to choose their provider"),
    "taking_up": ("residents", "of those, residents served by the provider they chose"),
    "switched": ("residents", "residents who changed provider by their own choice"),
}
_ARM = C(
    "regime",
    "str",
    "",
    "the arm: the regime every buyer held all run, or as_written (the scenario's own regimes "
    "and schedule)",
)
_SEED = C("seed", "int", "", "the run's seed (replication k has the same seed in every arm)")
_OUTCOMES = C(
    "{outcome}",
    "float",
    "the outcome's",
    "every outcome (outcome table), summarised over the run; empty where undefined",
    nullable=True,
)
#: The tables ``gpps run`` and ``gpps compare`` write (``sim.schema``).
TABLES = [
    Table("runs.csv", "compare", "One row per run.", (_ARM, _SEED, _OUTCOMES)),
    Table(
        "summary.csv",
        "compare",
        "One row per arm and outcome: mean and 95% interval over the replications (Student t; "
        "for outcomes in [0, 1] the bootstrap percentile interval).",
        (
            _ARM,
            C("outcome", "str", "", "outcome name (outcome table)"),
            C("mean", "float", "the outcome's", "mean over replications", nullable=True),
            C("ci_low", "float", "the outcome's", "95% interval, low end", nullable=True),
            C("ci_high", "float", "the outcome's", "95% interval, high end", nullable=True),
            C("n", "int", "runs", "replications"),
        ),
    ),
    Table("summary.csv", "run", "The run's outcomes: one row.", (_ARM, _SEED, _OUTCOMES)),
    Table(
        "series.csv",
        "run, compare",
        "One row per run and month: the month's components and outcomes.",
        (
            _ARM,
            _SEED,
            C("step", "int", "month", "month of the run (1 = the first)"),
            C("{component}", "float", "component table", "every per-month component"),
            C("{outcome}", "float", "the outcome's", "every outcome, this month", nullable=True),
        ),
    ),
    *(
        Table(
            f"events/{name}.csv",
            "run, compare",
            f"Event table {name}: one row per event.",
            (_ARM, _SEED, *columns),
        )
        for name, columns in EVENT_COLUMNS.items()
    ),
]


def portable(ref: str | None) -> str | None:
    """A scenario reference fit for output files: no absolute path, no ``..``."""
    if ref is None:
        return None
    path = Path(ref)
    if path.is_absolute() or ".." in path.parts:
        return path.name
    return path.as_posix()


def default_out(base: str | Path, force: bool = False) -> Path:
    """``base`` when it is new or empty (or ``force`` replaces it), else the first of
    ``base-2``, ``base-3``, ... that is: a command run again does not meet its earlier results."""
    base = Path(base)
    if force:
        return base
    n = 1
    while True:
        out = base if n == 1 else base.with_name(f"{base.name}-{n}")
        try:
            if not out.exists() or (out.is_dir() and not any(out.iterdir())):
                return out
        except OSError:
            return out  # check_out reports what is wrong with it
        n += 1


def check_out(out: Path, force: bool, keep: str | None = None) -> None:
    """Refuse a non-empty output folder unless ``force``; refuse a file in its place.

    ``keep`` is an input file (the scenario) that replacing ``out`` must not delete.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out = {out}: exists and is not a folder: expected a folder")
    here = Path.cwd().resolve()
    there = out.resolve()
    if there == here or there in here.parents:
        raise InputError(
            f"--out = {out}: holds the current folder: expected a folder of its own, "
            "which is replaced whole"
        )
    if keep is not None and Path(keep).is_file() and there in Path(keep).resolve().parents:
        raise InputError(
            f"--out = {out}: holds the scenario file {keep}: expected a folder that does not, "
            "as it is replaced whole"
        )
    try:
        full = out.is_dir() and any(out.iterdir())
    except OSError as exc:
        raise InputError(f"--out = {out}: cannot read: {exc.strerror or exc}") from None
    if full and not force:
        raise InputError(
            f"--out = {out}: folder is not empty: expected a new or empty folder, "
            "or --force to replace it"
        )


@contextmanager
def owned(out: Path):
    """Hold ``out`` for this command: a second command writing the same folder is refused;
    temporary folders that a killed command left beside it are removed; the folder it will be
    made in must be writable. Nothing is left behind."""
    out = Path(out)
    parent = out.parent
    existing = next((p for p in (parent, *parent.parents) if p.exists()), Path("."))
    if not os.access(existing, os.W_OK):
        raise InputError(f"--out = {out}: cannot write in {existing}: permission denied")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        handle = open(parent / f".{out.name}.lock", "a+")  # noqa: SIM115 (held to the end)
    except OSError as exc:
        raise InputError(f"--out = {out}: cannot write: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(
                f"--out = {out}: another gpps command is writing this folder; wait for it to "
                "finish, or choose another --out"
            ) from None
        for stale in parent.glob(f".{out.name}.*"):
            if stale.is_dir():  # a temporary folder of a command that was killed
                shutil.rmtree(stale, ignore_errors=True)
        yield
    finally:
        try:
            os.unlink(handle.name)
        except OSError:
            pass
        handle.close()


@contextmanager
def atomic_dir(out: Path):
    """Yield a temporary folder beside ``out``; on success it replaces ``out`` whole.

    On any error the temporary folder is removed and ``out`` is left as it was.
    """
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise InputError(f"--out = {out}: cannot create: {exc.strerror or exc}") from None
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o777 & ~mask)  # mkdtemp makes it private; the result is an ordinary folder
    try:
        yield tmp
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if exc.errno not in WRITE_ERRORS:
            raise
        raise InputError(
            f"--out = {out}: cannot write: {exc.strerror or exc}; nothing was written and "
            "earlier results are kept"
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    try:
        if out.exists():
            old = out.with_name(f"{tmp.name}.old")
            os.replace(out, old)
        os.replace(tmp, out)
    except OSError as exc:
        if old is not None and not out.exists():
            os.replace(old, out)
            old = None
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError(f"--out = {out}: cannot replace: {exc.strerror or exc}") from None
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _fmt(v):
    if isinstance(v, float):  # numpy's float64 too: written as a plain number
        return repr(float(v)) if v == v else ""
    if hasattr(v, "item"):  # numpy scalars
        return _fmt(v.item())
    return v


def fmt_number(v) -> str:
    """A number for a printed table cell: a few significant digits, "-" when undefined."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.3f}"


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = columns or (list(rows[0]) if rows else [])
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for row in rows:
            w.writerow([_fmt(row.get(c, "")) for c in columns])


def write_json(path: Path, data: dict) -> None:
    path.write_text(
        json.dumps(data, indent=2, sort_keys=True, default=_fmt) + "\n", encoding="utf-8"
    )


def undefined(results) -> dict[str, dict[str, str]]:
    """Per regime, the outcomes without a value in any of its runs, and why."""
    out: dict[str, dict[str, str]] = {}
    for r in results:
        missing = {
            o.name: metrics.undefined_reason(o)
            for o in metrics.OUTCOMES
            if not math.isfinite(r.summary.get(o.name, math.nan))
        }
        mine = out.setdefault(r.regime, missing)
        for name in list(mine):
            if name not in missing:  # defined in another of the regime's runs
                del mine[name]
    return {k: v for k, v in out.items() if v}


def metadata(scenario, seeds, command: dict, results=()) -> dict:
    """What a result folder's ``metadata.json`` holds; ``undefined`` names the outcomes with
    no value in any run of a regime, and why."""
    return {
        "gpps_version": __version__,
        "scenario": scenario.name,
        "scenario_source": portable(scenario.source),
        "seeds": seeds,
        "command": command,
        "params": scenario.params,
        "buyers": scenario.buyers,
        "organizations": scenario.organizations,
        "service_lines": scenario.lines,
        "schedule": scenario.schedule,
        "undefined": undefined(results),
    }


def series_rows(results) -> list[dict]:
    """Tidy per-step table: one row per (regime, seed, step) with every series."""
    rows = []
    for r in results:
        n = len(r.series[metrics.SERIES[0]])
        for t in range(n):
            row = {"regime": r.regime, "seed": r.seed, "step": t + 1}
            row.update({k: r.series[k][t] for k in metrics.SERIES})
            rows.append(row)
    return rows


def run_rows(results) -> list[dict]:
    """One row per run: regime, seed, and every summary outcome."""
    return [{"regime": r.regime, "seed": r.seed, **r.summary} for r in results]


def write_events(folder: Path, results) -> None:
    """``events/NAME.csv`` for every event table, with its declared columns
    (``EVENT_COLUMNS``) even when it has no rows."""
    for name, declared in EVENT_COLUMNS.items():
        rows = [
            {"regime": r.regime, "seed": r.seed, **{RENAMED.get(k, k): v for k, v in row.items()}}
            for r in results
            for row in r.events.get(name, [])
        ]
        columns = ["regime", "seed", *(c.name for c in declared)]
        write_csv(folder / "events" / f"{name}.csv", rows, columns)


def _figure(**kwargs):
    """A matplotlib ``Figure`` outside pyplot: writing files changes no backend or pyplot
    state (a notebook's inline figures stay as they were)."""
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def title(name: str) -> str:
    """What a figure calls an outcome: its plain label and ↑/↓ for a gpps outcome, else the
    name a sweep model gave it."""
    o = metrics.BY_NAME.get(name)
    if o is None:
        return name
    return o.label + {"higher": " ↑", "lower": " ↓"}.get(o.better, "")


def tidy_axis(ax, outcome: metrics.Outcome | None, values) -> None:
    """Plain tick labels (no offset or ×10ⁿ text); an outcome in [0, 1] on that whole range;
    otherwise a range of at least a tenth of the values' size, so that noise is not drawn
    as a cliff."""
    import numpy as np

    ax.ticklabel_format(axis="both", style="plain", useOffset=False)
    if outcome is not None and outcome.bounds is not None:
        low, high = outcome.bounds
        pad = 0.03 * (high - low)
        ax.set_ylim(low - pad, high + pad)
        return
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if not len(x):
        return
    low, high = float(x.min()), float(x.max())
    least = 0.1 * max(abs(low), abs(high))
    if high - low < least:
        mid = (low + high) / 2
        low, high = mid - least / 2, mid + least / 2
        if float(x.min()) >= 0 > low:  # a non-negative quantity stays above 0
            low, high = 0.0, high - low
    pad = 0.05 * (high - low) or 0.5
    ax.set_ylim(low - pad, high + pad)


def schedule_marks(ax, scenario) -> None:
    """A vertical line where the scenario's schedule changes something, between the month
    before and the month it applies in, labelled with the regime it switches to."""
    for item in getattr(scenario, "schedule", None) or []:
        x = item["step"] + 0.5
        ax.axvline(x, color="0.4", lw=0.8, ls="--", zorder=0)
        what = f"→ {item['regime'].replace('_', ' ')}" if item["regime"] else "schedule"
        ax.annotate(
            what,
            (x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -2),
            textcoords="offset points",
            fontsize=7,
            color="0.3",
            va="top",
        )


def outcome_figure(results, title: str, scenario=None):
    """Outcomes over time by regime: mean over replications with a min-max band, one panel per
    outcome titled with its label, the legend below the panels."""
    import numpy as np

    arms: dict[str, list] = {}
    for r in results:
        arms.setdefault(r.regime, []).append(r)
    fig = _figure(figsize=(15, 7.5), layout="constrained")
    axes = fig.subplots(2, 4)
    for ax, name in zip(axes.flat, FIGURE_OUTCOMES):
        o = metrics.BY_NAME[name]
        drawn = []
        for arm, rs in arms.items():
            x = np.array([r.series[name] for r in rs], dtype=float)
            t = np.arange(1, x.shape[1] + 1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                mean = np.nanmean(x, axis=0)
                low, high = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
            label = "as written" if arm == "as_written" else arm.replace("_", " ")
            (line,) = ax.plot(t, mean, label=label, lw=1.5)
            drawn += [low, high]
            if len(rs) > 1:
                ax.fill_between(t, low, high, color=line.get_color(), alpha=0.15, lw=0)
        schedule_marks(ax, scenario)
        arrow = {"higher": " ↑", "lower": " ↓"}.get(o.better, "")
        ax.set_title(o.label + arrow, fontsize=10)
        ax.set_xlabel("month")
        ax.set_ylabel(o.unit, fontsize=8)
        tidy_axis(ax, o, np.concatenate(drawn) if drawn else [])
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 7), fontsize=9)
    fig.suptitle(title)
    return fig


def figure(path: Path, results, title: str, scenario=None) -> None:
    """Write ``outcome_figure`` to ``path``."""
    fig = outcome_figure(results, title, scenario)
    fig.savefig(path, dpi=90, metadata={"Software": None})


def final_results_figure(rows: list[dict], title: str, outcomes=None):
    """Each regime's run summary per headline outcome: mean and 95% interval, one panel per
    outcome titled with its label, regimes on the vertical axis."""
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    outcomes = outcomes or metrics.HEADLINE
    arms = list(dict.fromkeys(r["regime"] for r in rows))
    cell = {(r["regime"], r["outcome"]): r for r in rows}
    ncols = 5
    nrows = -(-len(outcomes) // ncols)
    fig = _figure(figsize=(16, 0.35 * len(arms) * nrows + 1.6 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
    y = np.arange(len(arms))[::-1]
    for ax, name in zip(axes.flat, outcomes):
        o = metrics.BY_NAME[name]
        m = np.array([cell[(a, name)]["mean"] for a in arms], dtype=float)
        lo = np.array([cell[(a, name)]["ci_low"] for a in arms], dtype=float)
        hi = np.array([cell[(a, name)]["ci_high"] for a in arms], dtype=float)
        err = np.nan_to_num(np.vstack([m - lo, hi - m]))
        ax.errorbar(m, y, xerr=err, fmt="o", ms=4, capsize=3)
        for at in y[np.isnan(m)]:
            ax.annotate("n/a", (0.02, at), xycoords=("axes fraction", "data"), va="center")
        arrow = {"higher": " ↑", "lower": " ↓"}.get(o.better, "")
        ax.set_title(o.label + arrow, fontsize=9)
        ax.set_xlabel(o.unit, fontsize=8)
        ax.ticklabel_format(axis="x", style="plain", useOffset=False)
        if o.bounds is not None:
            ax.set_xlim(o.bounds[0] - 0.03, o.bounds[1] + 0.03)
        else:  # at most five ticks: a narrow range's labels would run into each other
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.set_yticks(y)
        ax.set_yticklabels(
            ["as written" if a == "as_written" else a.replace("_", " ") for a in arms]
        )
        ax.grid(axis="x", lw=0.3)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig


def final_figure(path: Path, rows: list[dict], title: str) -> None:
    """Write ``final_results_figure`` to ``path``."""
    final_results_figure(rows, title).savefig(path, dpi=90, metadata={"Software": None})
