"""Run a sweep: design → chunks → executor → Parquet parts, resuming what is already done."""

from __future__ import annotations

import math
import platform
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

from sim.errors import InputError

from . import designs, preflight
from .designs import Design, Run
from .executors import DASK_WAIT, ClusterError, open_executor
from .replicate import chunk_size as default_chunk_size
from .replicate import chunked, execute
from .spec import Spec
from .store import TRAILER, Store, git_revision, now
from .worker import Record, resolve, run_chunk

META = ("run_id", "sample_id", "combo_id", "replication", "seed", "status", "error")


@dataclass
class Summary:
    """What a sweep did."""

    name: str
    out: Path
    total: int
    already: int = 0
    ran: int = 0
    failed: int = 0
    lost: int = 0
    first_error: str = ""
    first_loss: str = ""
    seconds: float = 0.0

    def add(self, runs: pd.DataFrame) -> None:
        """Count a chunk just recorded."""
        errors = runs["error"].dropna()
        self.ran += len(runs)
        self.failed += len(errors)
        if len(errors) and not self.first_error:
            self.first_error = errors.iloc[0]

    @property
    def complete(self) -> bool:
        return self.already + self.ran == self.total

    def line(self) -> str:
        head = f"sweep {self.name}: {self.already + self.ran}/{self.total} runs recorded"
        parts = [f"{self.ran} run now in {_duration(self.seconds)}"]
        if self.already:
            parts.append(f"{self.already} resumed from earlier")
        failed = f"{self.failed} failed"
        parts.append(failed + (f" (first: {self.first_error})" if self.first_error else ""))
        if self.lost:
            parts.append(f"{self.lost} lost to the executor ({self.first_loss}); run again")
        return f"{head} ({', '.join(parts)}) -> {self.out}"


def run_sweep(
    spec: Spec,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    dask: str | None = None,
    force: bool = False,
    progress: bool = True,
    chunk_size: int | None = None,
    ignore_limits: bool = False,
    dask_wait: float = DASK_WAIT,
) -> Summary:
    """Run every missing run of ``spec`` into ``out`` (default ``results/NAME``).

    Nothing is written before ``check`` has passed and the first missing run has given a
    result of the documented shape (``probe``); that run is then recorded, not run again.
    On Dask, ``dask_wait`` is how many seconds to wait for a worker (at the start, and after
    every worker is lost); a cluster that cannot run the sweep raises ``ClusterError`` after
    the runs done so far are recorded and the manifest says ``incomplete``.
    """
    out = Path(out) if out is not None else Path("results") / spec.name
    ref = (spec.series_model or spec.model) if spec.record_series else spec.model
    record = Record(spec.record_final, spec.record_series, spec.record_every)
    check(spec, out, workers=workers, dask=dask, force=force, ignore_limits=ignore_limits)
    design = designs.build(spec)
    store = Store(out)
    first = probe(spec, design, ref, record, store.recorded(spec.hash) if not force else set())
    # every part has the same columns and types, so that its folder reads as one dataset
    names = spec.record_final or (first[1]["finals"] if first is not None else ())
    shape = (list(names), column_types(spec))
    store.lock()
    manifest = None
    try:
        resumed = store.prepare(spec.hash, str(spec.path), force)
        done, failed = store.done() if resumed else (set(), 0)
        summary = Summary(spec.name, out, design.n_runs, already=len(done), failed=failed)
        start = time.perf_counter()
        if summary.complete:
            manifest = _begin(store, spec, design, resumed, executor=None)
        else:
            with (
                open_executor(workers, dask, model=ref, wait=dask_wait) as pool,
                _progress(spec, summary, progress) as bar,
            ):
                manifest = _begin(store, spec, design, resumed, executor=pool.name)
                if first is not None and first[0].run_id not in done:
                    _record(store, summary, bar, [first[0]], [first[1]], shape)
                    done = done | {first[0].run_id}
                size = chunk_size or default_chunk_size(design.n_runs - len(done), pool.parallelism)
                chunks = chunked(design.runs(skip=done), size)
                try:
                    for chunk, result in _execute(pool, ref, record, chunks, summary):
                        _record(store, summary, bar, chunk, result, shape)
                except ClusterError as exc:
                    summary.seconds = time.perf_counter() - start
                    _finish(store, manifest, summary)
                    raise ClusterError(
                        f"{exc}; {summary.already + summary.ran}/{summary.total} runs recorded "
                        f"in {out}, the same command resumes the rest"
                    ) from None
        summary.seconds = time.perf_counter() - start
        if summary.complete:
            store.compact()
        _finish(store, manifest, summary)
    except KeyboardInterrupt:  # the runs recorded so far stay; the same command resumes
        if manifest is not None:
            _finish(store, manifest, summary, status="interrupted")
        raise
    finally:
        store.unlock()
    return summary


def check(
    spec: Spec,
    out: Path,
    *,
    workers: int | None = None,
    dask: str | None = None,
    force: bool = False,
    ignore_limits: bool = False,
) -> tuple[preflight.Estimate, str]:
    """Everything checked before a sweep writes anything: the executor's arguments, the spec
    (every combination of its factors' extremes built), the model's import, the sizes against
    the limits, and ``out``. Returns the estimate and the ``--dry-run`` text."""
    preflight.check_executor(workers, dask)
    scenarios = preflight.check_spec(spec)
    ref = (spec.series_model or spec.model) if spec.record_series else spec.model
    resolve(ref)  # fail before any run if the model cannot be imported
    est = preflight.estimate(spec, scenarios, workers, dask)
    preflight.check_limits(spec, est, out, ignore_limits)
    Store(out).check_target(spec.hash, str(spec.path), force)
    _, exhaustive = preflight.combinations(spec)
    return est, preflight.describe(spec, est, exhaustive, len(scenarios))


def probe(spec: Spec, design: Design, ref: str, record: Record, done: set[int]):
    """Run the first missing run here, before anything is written: ``(run, result)``, or
    ``None`` when every run is recorded. A result of another shape than the documented one
    (a mapping of numbers, or ``(finals, series)``) ends the sweep with an ``InputError``."""
    run_id = next((i for i in range(design.n_runs) if i not in done), None)
    if run_id is None:
        return None
    run = design.run(run_id)
    result = run_chunk(ref, record, [(run.run_id, run.params, run.seed)])[0]
    if result.get("missing"):
        key, name = result["missing"]
        raise InputError(
            f"{spec.path}: {key} = {name!r}: the model's first run (run_id {run_id}) did not "
            f"return it ({result['shape']}); allowed: the names model = {ref!r} returns"
        )
    if result.get("shape"):
        raise InputError(
            f"{spec.path}: model = {ref!r}: its first run (run_id {run_id}) gave no result "
            f"of the documented shape: {result['shape']}; allowed: a mapping of numbers, or "
            "a tuple (finals, series) of a mapping of numbers and a mapping of lists of numbers"
        )
    return run, result


def _record(
    store: Store, summary: Summary, bar, chunk: list[Run], result: list[dict], shape=((), {})
) -> None:
    """Write one chunk's results and count them."""
    runs, series = tables(chunk, result, *shape)
    store.write_part(chunk[0].run_id, runs, series)
    summary.add(runs)
    bar.update(len(chunk))
    bar.set_postfix(failed=summary.failed, refresh=False)


def _begin(store: Store, spec: Spec, design: Design, resumed: bool, executor: str | None) -> dict:
    """Write the design and open a session in the manifest (once the executor is up)."""
    manifest = store.manifest() if resumed else _manifest(spec, design)
    store.write_design(design_table(design))
    session = {"started": now(), "finished": None, "executor": executor, "ran": 0, "lost": 0}
    manifest.setdefault("sessions", []).append(session)
    manifest["status"] = "running"
    store.save_manifest(manifest)
    return manifest


def _finish(store: Store, manifest: dict, summary: Summary, status: str | None = None) -> None:
    """Close the session in the manifest: ``complete``, ``incomplete`` or ``status``."""
    recorded = summary.already + summary.ran
    manifest["sessions"][-1].update(finished=now(), ran=summary.ran, lost=summary.lost)
    manifest.update(
        finished=manifest["sessions"][-1]["finished"],
        status=status or ("complete" if summary.complete else "incomplete"),
        runs={
            "total": summary.total,
            "recorded": recorded,
            "failed": summary.failed,
            "missing": summary.total - recorded,
        },
    )
    store.save_manifest(manifest)


def _execute(pool, ref: str, record: Record, chunks: Iterator[list[Run]], summary: Summary):
    """Yield ``(chunk, results)`` as chunks finish; a chunk the executor lost is counted (a
    ``ClusterError``, a cluster that cannot go on, ends the sweep)."""

    def submit(chunk: list[Run]):
        return pool.executor.submit(
            run_chunk, ref, record, [(r.run_id, r.params, r.seed) for r in chunk]
        )

    for chunk, result, exc in execute(pool, chunks, submit):
        if exc is not None:  # the executor lost it (a worker died): not the model's error
            _lose(summary, chunk, exc)
        else:
            yield chunk, result


def _lose(summary: Summary, chunk: list[Run], exc: BaseException) -> None:
    summary.lost += len(chunk)
    summary.first_loss = summary.first_loss or f"{type(exc).__name__}: {exc}".splitlines()[0]


def column_types(spec: Spec) -> dict[str, str]:
    """dtypes of factor columns whose type a chunk's values alone would not fix: a swept
    factor mixing integer and fractional levels is float64 in every part."""
    out = {}
    for f in spec.swept:
        numbers = [v for v in f.values if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(numbers) == len(f.values) and any(isinstance(v, float) for v in numbers):
            out[f.name] = "float64"
    return out


def tables(
    chunk: list[Run], results: list[dict], outcomes=(), types: dict | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One chunk's tidy tables: runs (one row per run) and series (long). ``outcomes`` are
    columns every runs part has (empty where a run failed); ``types`` fixes column dtypes."""
    rows, series = [], {"run_id": [], "outcome": [], "step": [], "value": []}
    for run, res in zip(chunk, results, strict=True):
        row = {
            "run_id": run.run_id,
            "sample_id": run.sample_id,
            "combo_id": run.combo_id,
            "replication": run.replication,
            "seed": run.seed,
            "status": res["status"],
            "error": res["error"],
            **run.params,
        }
        params = set(row)
        for name in outcomes:
            row[name if name not in params and name not in TRAILER else f"out_{name}"] = math.nan
        for name, value in res["finals"].items():
            row[name if name not in params and name not in TRAILER else f"out_{name}"] = value
        row.update(elapsed_s=res["elapsed_s"], traceback=res["traceback"])
        rows.append(row)
        for name, values in res["series"].items():
            n = len(values)
            series["run_id"] += [run.run_id] * n
            series["outcome"] += [name] * n
            series["step"] += range(0, n)
            series["value"] += values
    runs = pd.DataFrame(rows)
    runs = runs[[c for c in runs.columns if c not in TRAILER] + list(TRAILER)]
    for col in ("error", "traceback"):
        runs[col] = runs[col].astype("string")
    runs = runs.astype({k: v for k, v in (types or {}).items() if k in runs})
    sdf = pd.DataFrame(series).astype({"run_id": "int64", "step": "int64", "value": "float64"})
    return runs, sdf


def design_table(design: Design) -> pd.DataFrame:
    """The sampled points: values and unit-cube coordinates, one row per sample id."""
    points = [design.point(i) for i in range(design.n_samples)]
    df = pd.DataFrame({"sample_id": range(design.n_samples)})
    for j, f in enumerate(design.spec.sampled):
        df[f.name] = [p[f.name] for p in points]
        df[f"u_{f.name}"] = design.unit[:, j]
    return df


def _manifest(spec: Spec, design: Design) -> dict:
    return {
        "name": spec.name,
        "spec_path": str(spec.path),
        "spec_hash": spec.hash,
        "spec": spec.raw,
        "design": {
            "method": spec.design,
            "samples": spec.samples,
            "points": design.n_samples,
            "combinations": len(design.combos),
            "replications": spec.replications,
        },
        "versions": _versions(),
        "git_revision": git_revision(Path(__file__).parent),
        "started": now(),
        "finished": None,
        "status": "running",
        "runs": {"total": design.n_runs, "recorded": 0, "failed": 0, "missing": design.n_runs},
    }


def _versions() -> dict:
    import sim

    out = {"gpps": getattr(sim, "__version__", None), "python": platform.python_version()}
    for dist in ("mesa", "numpy", "pandas", "pyarrow", "SALib"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def set_postfix(self, **kwargs) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


def _progress(spec: Spec, summary: Summary, show: bool):
    if not show:
        return _NoBar()
    from tqdm import tqdm

    bar = tqdm(
        total=summary.total,
        initial=summary.already,
        desc=spec.name,
        unit="run",
        file=sys.stderr,
        dynamic_ncols=True,
        smoothing=0.1,
    )
    bar.set_postfix(failed=summary.failed)
    return bar


def _duration(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s" if m else f"{seconds:.1f}s"
