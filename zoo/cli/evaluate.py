"""``zoo eval ENTRY --workdir DIR [--split SPLIT]``: evaluate a trained run."""

from pathlib import Path

from zoo.cli.common import format_metrics


def add_parser(commands) -> None:
    evaluate = commands.add_parser("eval", help="evaluate a trained workdir")
    evaluate.add_argument("entry")
    evaluate.add_argument("--workdir", type=Path, required=True)
    evaluate.add_argument("--split", default="test")


def run(args) -> None:
    from zoo.jobs.restore import evaluate_workdir

    metrics = evaluate_workdir(args.entry, args.workdir, args.split)
    print(f"{args.entry} ({args.workdir}): {args.split} {format_metrics(metrics)}")
