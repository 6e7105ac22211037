"""``zoo sweep ENTRY --set name=v1,v2 ...``: a grid of configs, seeds and optimizer values in one program."""

from pathlib import Path


def add_parser(commands) -> None:
    sweep = commands.add_parser(
        "sweep", help="train a grid of configs; seeds and optimizer values as stacked runs of one program"
    )
    sweep.add_argument("entry")
    sweep.add_argument("--set", dest="grid", action="append", default=[], metavar="NAME=V1,V2,...",
                       help="a config value or comma-separated values to sweep; repeatable")
    sweep.add_argument("--workdir", type=Path, help="the sweep's directory (default runs/ENTRY-sweep)")
    sweep.add_argument("--no-progress", action="store_true")
    sweep.add_argument("--runs-as", choices=("auto", "stacked", "sequence"), default="auto",
                       help="a program's runs stacked in one vmapped step, or one after another sharing the compiled "
                            "step; auto: in sequence where stacking is slower (convolutions on a CPU, docs/vmap.md)")


def run(args) -> None:
    from jax_zoo.api.sweep import parse_grid, sweep

    workdir = args.workdir or Path("runs") / f"{args.entry}-sweep"
    summary = sweep(args.entry, parse_grid(args.grid), workdir, progress=not args.no_progress, runs_as=args.runs_as)
    for row in summary["settings"]:
        values = ", ".join(f"{name}={value}" for name, value in row["values"].items()) or "(no other values)"
        metrics = ", ".join(f"{name} {stat['mean']:.4g} ± {stat['std']:.2g}"
                            for name, stat in row.items() if isinstance(stat, dict) and "mean" in stat)
        print(f"{values}: {metrics} over {row['seeds']} seed(s)")
    for run in summary["runs"]:
        if run["diverged"]:
            print(f"run {run['index']} {run['values']} diverged at step {run['diverged']['step']}")
    best = summary["best"]
    if best:
        print(f"best by {summary['ranked_by']}: {best['values']} {best['validation']}")
    print(f"{summary['programs']} program(s); {workdir / 'sweep.json'}")
