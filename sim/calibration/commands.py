"""The ``gpps calibrate`` subcommand (argument parsing only; the work is imported on use)."""

from __future__ import annotations

from pathlib import Path


def cmd_calibrate(args) -> int:
    from .abc import Settings
    from .engine import calibrate
    from .targets import load

    cal = load(args.case)
    out = Path(args.out or f"results/{Path(cal.label).stem}-calibration")
    settings = Settings(
        particles=args.particles,
        budget=args.budget,
        max_generations=args.generations,
        seed=args.seed,
    )
    if settings.budget < settings.particles:
        from ..errors import InputError

        raise InputError(
            f"--budget = {args.budget}: expected at least --particles ({args.particles}) runs"
        )
    if args.synthetic:
        from .synthetic import check, summary

        out = Path(args.out or f"results/{Path(cal.label).stem}-synthetic")
        rows = check(cal, args.synthetic, settings, out, workers=args.workers, dask=args.dask)
        s = summary(cal, rows)
        print(
            f"{Path(cal.label).stem}: {s['datasets']} synthetic data sets; the posterior 90% "
            f"interval covers the true value in {s['coverage']:.0%} of parameter-data sets"
        )
        for r in s["per_parameter"]:
            mark = " (declared informed)" if r["parameter"] in cal.informed else ""
            print(
                f"  {r['parameter']}: coverage {r['coverage']:.0%}, median posterior width "
                f"{r['width_median']:.2f} of the prior's{mark}"
            )
        print(f"gpps calibrate: wrote {out}/synthetic.csv")
        return 0
    calibrate(cal, out, settings, workers=args.workers, dask=args.dask)
    print(f"gpps calibrate: wrote {out}/ (report.md)")
    return 0


def register(sub, parents, positive, seed) -> None:
    p = sub.add_parser(
        "calibrate",
        parents=parents,
        help="fit a case's free parameters to its observed figures (ABC-SMC)",
        description="Approximate Bayesian computation (ABC-SMC) of a case's free parameters "
        "against the figures its sources give. A killed calibration resumes when the same "
        "command is run again.",
    )
    p.add_argument(
        "case", help="a shipped case with targets (scenarios/targets/) or a targets TOML file"
    )
    p.add_argument(
        "--budget", type=positive("--budget", 10_000_000), default=4000,
        help="most runs in all (default 4000)",
    )  # fmt: skip
    p.add_argument(
        "--particles", type=positive("--particles", 100_000), default=200,
        help="population size (default 200)",
    )  # fmt: skip
    p.add_argument(
        "--generations", type=positive("--generations", 100), default=12,
        help="most generations (default 12)",
    )  # fmt: skip
    p.add_argument("--seed", type=seed, default=20_260_501, help="master seed")
    p.add_argument(
        "--synthetic", type=positive("--synthetic", 1000), default=None, metavar="N",
        help="identifiability check: calibrate N synthetic data sets made at known values",
    )  # fmt: skip
    p.add_argument("--out", default=None, help="results folder (default results/CASE-calibration)")
    p.set_defaults(func=cmd_calibrate)
