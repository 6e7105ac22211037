"""``zoo cv ENTRY --folds K``: stratified K-fold cross-validation on the training split."""

from pathlib import Path

from jax_zoo.cli.common import add_overrides


def add_parser(commands) -> None:
    cv = commands.add_parser("cv", help="stratified K-fold cross-validation on the training split")
    cv.add_argument("entry")
    cv.add_argument("--folds", type=int, default=5)
    cv.add_argument("--parallel", action="store_true",
                    help="train the folds at once, as stacked runs of one compiled program (same numbers)")
    cv.add_argument("--workdir", type=Path, help="where cv.json goes (default runs/ENTRY-cv)")
    add_overrides(cv)
    cv.add_argument("--no-progress", action="store_true")


def run(args) -> None:
    from jax_zoo.core.config import parse_assignments
    from jax_zoo.api.cross_validation import cross_validate_entry

    workdir = args.workdir or Path("runs") / f"{args.entry}-cv"
    summary = cross_validate_entry(
        args.entry, args.folds, workdir, parse_assignments(args.overrides), progress=not args.no_progress,
        parallel=args.parallel,
    )
    for fold in summary["folds"]:
        print(f"fold {fold['fold']}: " + ", ".join(f"{k} {v:.4g}" for k, v in fold.items() if isinstance(v, float)))
    print(
        f"{args.entry}, {args.folds} folds: "
        + ", ".join(f"{name} {summary['mean'][name]:.4g} ± {summary['std'][name]:.2g}" for name in summary["mean"])
        + f"; {workdir / 'cv.json'}"
    )
