"""The ``sweep`` and ``analyze`` subcommands; ``register`` adds them to an argparse parser."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from .executors import DASK_WAIT


@contextlib.contextmanager
def _writing(what: str):
    """Turn a full, read-only or forbidden file system into a one-line ``InputError``."""
    from sim.errors import WRITE_ERRORS, InputError

    try:
        yield
    except OSError as exc:
        if exc.errno not in WRITE_ERRORS:
            raise
        where = exc.filename or "the output folder"
        raise InputError(
            f"{where}: {exc.strerror or exc}: {what} cannot be written; nothing half-written "
            "stays (earlier results are kept); free space, or choose another --out"
        ) from None


def register(subparsers) -> None:
    """Add ``sweep`` and ``analyze`` to ``subparsers`` (from ``add_subparsers``)."""
    p = subparsers.add_parser(
        "sweep",
        help="run an experiment spec into results/NAME",
        description="Run every missing run of an experiment spec; the same command resumes.",
    )
    p.add_argument("spec", help="experiment spec, e.g. experiments/NAME.toml")
    p.add_argument("--out", help="results folder (default: results/NAME)")
    p.add_argument(
        "--workers", type=int, help="processes; 1 runs serially here (default: all cores)"
    )
    p.add_argument(
        "--dask", metavar="ADDRESS", help="run on Dask: 'local' (a LocalCluster) or tcp://HOST:PORT"
    )
    p.add_argument(
        "--dask-wait",
        type=float,
        default=DASK_WAIT,
        metavar="SECONDS",
        help=f"on Dask, how long to wait for a worker to join, or to come back after every "
        f"worker is lost, before the sweep ends (default {DASK_WAIT:g})",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace results of a different spec; write into a folder holding other files",
    )
    p.add_argument("--chunk-size", type=int, help="runs per task and per part file")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="check the spec; print the design and the estimated runs, memory, disk; run nothing",
    )
    p.add_argument(
        "--ignore-limits",
        action="store_true",
        help="run even when the estimate exceeds the run limit, this machine's memory or its disk",
    )
    p.set_defaults(func=cmd_sweep)

    a = subparsers.add_parser(
        "analyze",
        help="tables, figures and a report from results/NAME",
        description="Sensitivity indices, regime comparisons, response plots and a report.",
    )
    a.add_argument("results", help="results folder of a sweep, e.g. results/NAME")
    a.add_argument("--out", help="where to write (default: RESULTS/analysis)")
    a.add_argument(
        "--discover",
        metavar="COMPARISON",
        help="scenario discovery, e.g. 'contract beats administrative_dependence on OUTCOME'",
    )
    a.add_argument(
        "--threshold", type=float, default=0.8, help="PRIM density threshold (default 0.8)"
    )
    a.add_argument(
        "--outcomes", metavar="A,B", help="only these outcomes (comma-separated; default all)"
    )
    a.set_defaults(func=cmd_analyze)


def current_folder_importable() -> None:
    """Put the current folder first on ``sys.path``, as ``python -m`` does, so that a spec's
    ``model = "mod:fn"`` finds ``mod.py`` next to where ``gpps sweep`` is run. Process-pool
    workers inherit the path; Dask workers need the module themselves (docs/cluster.md)."""
    cwd = os.getcwd()
    if not any(os.path.abspath(p or os.curdir) == cwd for p in sys.path):
        sys.path.insert(0, cwd)


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.errors import InputError

    from .runner import check, run_sweep
    from .spec import load

    current_folder_importable()
    spec = load(args.spec)
    if args.chunk_size is not None and args.chunk_size < 1:
        raise InputError(f"--chunk-size = {args.chunk_size}: must be an integer >= 1")
    if not args.dask_wait > 0:
        raise InputError(f"--dask-wait = {args.dask_wait:g}: must be a number of seconds > 0")
    if args.dry_run:
        out = Path(args.out) if args.out is not None else Path("results") / spec.name
        _, text = check(
            spec,
            out,
            workers=args.workers,
            dask=args.dask,
            force=args.force,
            ignore_limits=args.ignore_limits,
        )
        print(text)
        print(f"dry run: nothing ran, nothing written (results would go to {out})")
        return 0
    try:
        with _writing("the sweep's results"):
            summary = run_sweep(
                spec,
                args.out,
                workers=args.workers,
                dask=args.dask,
                force=args.force,
                progress=not args.no_progress,
                chunk_size=args.chunk_size,
                ignore_limits=args.ignore_limits,
                dask_wait=args.dask_wait,
            )
    except KeyboardInterrupt:
        print("\ninterrupted; the same command resumes the missing runs", file=sys.stderr)
        return 130
    print(summary.line())
    return 0 if summary.complete and not summary.failed else 1


def cmd_analyze(args: argparse.Namespace) -> int:
    from .analyze import analyze

    only = [o.strip() for o in args.outcomes.split(",") if o.strip()] if args.outcomes else None
    with _writing("the analysis"):
        report = analyze(Path(args.results), args.out, args.discover, args.threshold, only)
    print(f"report: {report}")
    return 0
