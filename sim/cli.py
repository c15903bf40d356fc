"""The ``gpps`` command.

Help, ``scenarios`` and argument errors import neither the model nor Mesa nor the compiled
kernels: each command imports what it runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import __version__
from .errors import InputError, suggest
from .params import regime_names
from .scenario import DEFAULT_SCENARIO, describe_all, load

#: Optional packages and the extra that installs them.
_EXTRAS = {
    **dict.fromkeys(["pyarrow", "SALib", "dask", "distributed", "ema_workbench", "tqdm"], "sweep"),
    **dict.fromkeys(
        ["solara", "solara_assets", "ipyvue", "ipyvuetify", "uvicorn", "reacton"], "dashboard"
    ),
}


class _Parser(argparse.ArgumentParser):
    """Argument errors as one line and exit status 2."""

    def error(self, message):
        # "argument --steps: --steps = 0: expected ..." -> "--steps = 0: expected ..."
        head, _, rest = message.partition(": ")
        if head.startswith("argument ") and rest.startswith("--"):
            message = rest
        message = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {message}\n")


def _integer(name: str, text: str, low: int, high: int | None) -> int:
    allowed = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name} = {text}: expected {allowed}") from None
    if value < low or (high is not None and value > high):
        raise argparse.ArgumentTypeError(f"{name} = {text}: expected {allowed}")
    return value


def _seed(text: str) -> int:
    return _integer("--seed", text, 0, None)


def _positive(name: str, high: int):
    def parse(text: str) -> int:
        return _integer(name, text, 1, high)

    return parse


def _regime(text: str) -> str:
    known = regime_names()
    if text not in known:
        raise argparse.ArgumentTypeError(
            f"--regime = {text}: expected one of {', '.join(known)}{suggest(text, known)}"
        )
    return text


def _say_undefined(undefined: dict[str, dict[str, str]], shown: list[str]) -> None:
    """One line for the shown outcomes that have no value (printed as "-"), with the reason
    where a single one applies; every reason is in metadata.json under "undefined"."""
    from . import console, metrics

    names = [n for n in shown if any(n in per for per in undefined.values())]
    if not names:
        return
    reasons = {undefined[r][n] for r in undefined for n in names if n in undefined[r]}
    why = f": {reasons.pop()}" if len(reasons) == 1 else " (reasons: metadata.json, 'undefined')"
    labels = ", ".join(metrics.BY_NAME[n].label for n in names)
    text = f"- : no value in these runs for {labels}{why}"
    print("\n".join(console.wrap(text, console.width())))


def cmd_scenarios(args) -> int:
    for name, desc in describe_all():
        print(f"{name:26s} {desc}")
    return 0


def cmd_run(args) -> int:
    from . import console, metrics, output
    from .run import run

    scenario = load(args.scenario)
    out = Path(args.out or output.default_out(f"results/{scenario.name}-run", args.force))
    output.check_out(out, args.force, keep=args.scenario)
    with output.owned(out):  # held until the results are in place
        overrides = {"steps": args.steps} if args.steps else {}
        if args.regime:
            overrides["regime"] = args.regime
        scenario = scenario.with_overrides(overrides)  # every check before the run starts
        start = time.perf_counter()
        result = run(
            scenario, seed=args.seed, regime=args.regime, label=args.regime or "as_written"
        )
        with output.atomic_dir(out) as tmp:
            output.write_csv(tmp / "series.csv", output.series_rows([result]))
            output.write_csv(tmp / "summary.csv", output.run_rows([result]))
            output.write_events(tmp, [result])
            output.write_json(
                tmp / "metadata.json",
                output.metadata(
                    scenario,
                    [args.seed],
                    {
                        "command": "run",
                        "scenario": output.portable(args.scenario),
                        "regime": args.regime,
                        "steps": scenario.params["steps"],
                        "seed": args.seed,
                    },
                    [result],
                ),
            )
            held = console.regimes_held(scenario, args.regime)
            output.figure(
                tmp / "outcomes.png", [result], f"{scenario.name}, one run: {held}", scenario
            )
        columns = console.width()
        for line in (
            f"{scenario.name}: one run, seed {args.seed}, {scenario.params['steps']} months",
            f"regime held: {held}",
            "values over the run: ratios of sums over months; quality as a mean over months; "
            f"independence and market as means over the final year; {console.LEGEND}",
        ):
            print("\n".join(console.wrap(line, columns)))
        print("\n".join(console.summary(result.summary, metrics.HEADLINE, columns)))
        _say_undefined(output.undefined([result]), metrics.HEADLINE)
        print(
            f"gpps run: {scenario.params['steps']} months in {time.perf_counter() - start:.1f}s; "
            f"results in {out}",
            file=sys.stderr,
        )
    return 0


def cmd_compare(args) -> int:
    from . import console, metrics, output
    from .compare import arms, case_summary, compare

    scenario = load(args.scenario)
    out = Path(args.out or output.default_out(f"results/{scenario.name}-compare", args.force))
    output.check_out(out, args.force, keep=args.scenario)
    with output.owned(out):  # held until the results are in place
        if args.steps:
            scenario = scenario.with_overrides({"steps": args.steps})
        for arm in arms(scenario):  # every arm must be possible before any run starts
            if arm is not None:
                scenario.with_overrides({"regime": arm})
        start = time.perf_counter()
        draws, robust = None, []
        grouped = bool(args.posterior or args.per_draw)  # conclusions by draw (or group of runs)
        per_draw = args.per_draw or 4
        if grouped:
            from .calibration import posterior
        if args.posterior:
            frame, free = posterior.read(args.posterior)
            for name in free:  # each drawn parameter must be valid in this scenario
                scenario.with_overrides({name: frame[name].iloc[0].item()})
            draws = posterior.draws(frame, free, args.replications, args.seed)
        reps = args.replications * per_draw if grouped else args.replications
        comp = compare(scenario, reps, args.seed, workers=args.workers, dask=args.dask, draws=draws)
        rows = comp.table()
        if grouped:
            robust = posterior.robustness(comp, per_draw)
        with output.atomic_dir(out) as tmp:
            if grouped:
                output.write_csv(tmp / "robustness.csv", robust)
            output.write_csv(tmp / "runs.csv", output.run_rows(comp.results))
            output.write_csv(tmp / "summary.csv", rows)
            output.write_csv(tmp / "series.csv", output.series_rows(comp.results))
            output.write_events(tmp, comp.results)
            summary = case_summary(comp)
            if grouped:
                summary += posterior.summary_text(robust, args.posterior, args.replications,
                                                  per_draw)  # fmt: skip
            (tmp / "summary.md").write_text(summary, encoding="utf-8")
            output.write_json(
                tmp / "metadata.json",
                output.metadata(
                    scenario,
                    comp.seeds,
                    {
                        "command": "compare",
                        "scenario": output.portable(args.scenario),
                        "replications": reps,
                        "master_seed": args.seed,
                        "steps": scenario.params["steps"],
                        "posterior": output.portable(args.posterior),
                        "posterior_draws": draws,
                    },
                    comp.results,
                ),
            )
            output.figure(
                tmp / "outcomes.png",
                comp.results,
                f"{scenario.name}: regimes compared ({reps} replications)",
                scenario,
            )
            output.final_figure(tmp / "final.png", rows, f"{scenario.name}: final results")
        columns = console.width()
        head = [
            f"{scenario.name}: mean [95% interval] over {reps} replications, "
            f"{scenario.params['steps']} months, master seed {args.seed}"
            + (
                f", parameters from {args.posterior} ({args.replications} draws × {per_draw} runs)"
                if draws
                else f" ({args.replications} groups × {per_draw} runs)"
                if grouped
                else ""
            ),
            console.LEGEND,
        ]
        if scenario.has_own_regimes:
            head.insert(1, f"as written: {console.regimes_held(scenario, None)}")
        print("\n".join(line for text in head for line in console.wrap(text, columns)))
        print("\n".join(console.comparison(rows, metrics.HEADLINE, columns)))
        _say_undefined(output.undefined(comp.results), metrics.HEADLINE)
        if grouped:
            lines = posterior.console_lines(robust, metrics.HEADLINE, columns, bool(draws))
            print("\n".join(lines))
        print(
            f"gpps compare: {len(comp.results)} runs in {time.perf_counter() - start:.1f}s; "
            f"results in {out}",
            file=sys.stderr,
        )
    return 0


def cmd_validate(args) -> int:
    from .validate import FULL_REPLICATIONS, MASTER_SEED, QUICK_REPLICATIONS, report, validate

    reps = args.replications or (QUICK_REPLICATIONS if args.quick else FULL_REPLICATIONS)
    seed = MASTER_SEED if args.seed is None else args.seed
    start = time.perf_counter()
    results = validate(reps, seed, workers=args.workers, dask=args.dask)
    print(report(results, reps, seed))
    print(f"gpps validate: {time.perf_counter() - start:.0f}s", file=sys.stderr)
    return 0 if all(r.passed for r in results) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gpps", description="Simulate government purchase of public services.")
    parser.add_argument("--version", action="version", version=f"gpps {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("scenarios", help="list the shipped scenarios")
    p.set_defaults(func=cmd_scenarios)

    common = _Parser(add_help=False)
    common.add_argument("--seed", type=_seed, default=1, help="(master) seed; default 1")
    common.add_argument(
        "--steps",
        type=_positive("--steps", 1200),
        default=None,
        help="months to simulate (default: the scenario's)",
    )
    common.add_argument("--out", default=None, help="output folder")
    parallel = _Parser(add_help=False)
    parallel.add_argument(
        "--workers",
        type=_positive("--workers", 4096),
        default=1,
        help="processes to run on (default 1: serially here); results do not depend on it",
    )
    parallel.add_argument(
        "--dask", metavar="ADDRESS", help="run on Dask: 'local' (a LocalCluster) or tcp://HOST:PORT"
    )
    common.add_argument("--force", action="store_true", help="replace a non-empty --out")

    p = sub.add_parser("run", parents=[common], help="run one scenario once")
    p.add_argument("scenario", help="a shipped scenario name or a TOML file")
    p.add_argument(
        "--regime",
        type=_regime,
        default=None,
        help="set every buyer to this regime for the whole run (ignores the schedule)",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "compare", parents=[common, parallel], help="compare every regime on a scenario"
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default=DEFAULT_SCENARIO,
        help=f"a shipped scenario name or a TOML file (default {DEFAULT_SCENARIO})",
    )
    p.add_argument(
        "--replications",
        type=_positive("--replications", 10_000),
        default=10,
        help="replications per regime (default 10); with --posterior, posterior draws",
    )
    p.add_argument(
        "--posterior",
        metavar="FOLDER",
        default=None,
        help="draw the free parameters of each replication from a calibration's posterior "
        "(its folder or posterior.parquet)",
    )
    p.add_argument(
        "--per-draw",
        type=_positive("--per-draw", 1000),
        default=None,
        help="with --posterior: runs per draw and regime (default 4); without it, "
        "--replications groups of this many runs at the scenario's own values, whose "
        "conclusions are judged as draws' are (robustness.csv)",
    )
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "validate", parents=[parallel], help="check the model against the observed patterns"
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="fewer replications (8 instead of 100): a quick look, whose intervals are often "
        "too wide for a verdict",
    )
    p.add_argument("--replications", type=_positive("--replications", 10_000), default=None)
    p.add_argument("--seed", type=_seed, default=None, help="master seed")
    p.set_defaults(func=cmd_validate)

    from .calibration.commands import register as register_calibration
    from .dashboard.commands import register as register_dashboard
    from .experiments.commands import register as register_experiments

    register_experiments(sub)
    register_calibration(sub, [parallel], _positive, _seed)
    register_dashboard(sub)
    return parser


def main(argv=None) -> int:
    """Run the ``gpps`` command; return its exit status (2 on bad input, one line on stderr)."""
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # named by the command, like its other argument errors
            commands = next(a for a in parser._actions if a.dest == "command").choices
            commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # --help, --version, or a bad argument (already reported)
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    prog = f"gpps {args.command}"  # as argparse names it in argument errors
    try:
        return args.func(args)
    except InputError as exc:
        message = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        extra = _EXTRAS.get((exc.name or "").split(".")[0])
        if extra is None:
            raise
        print(
            f"{prog}: error: '{args.command}' needs the package '{exc.name}'; install it with "
            f"pip install 'gpps[{extra}]'",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
