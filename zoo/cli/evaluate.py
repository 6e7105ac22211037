"""``zoo eval ENTRY (--workdir DIR | --pretrained) [--split SPLIT]``: evaluate a trained run or the shipped weights."""

from pathlib import Path

from jax_zoo.cli.common import format_metrics


def add_parser(commands) -> None:
    evaluate = commands.add_parser("eval", help="evaluate a trained workdir or the shipped weights")
    evaluate.add_argument("entry")
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--workdir", type=Path)
    source.add_argument("--pretrained", action="store_true",
                        help="the weights shipped with the package (on test: the published metrics)")
    evaluate.add_argument("--split", default="test")


def run(args) -> None:
    if args.pretrained:
        from jax_zoo.api.pretrained import evaluate_pretrained

        metrics = evaluate_pretrained(args.entry, args.split)
        print(f"{args.entry} (shipped weights): {args.split} {format_metrics(metrics)}")
        return
    from jax_zoo.api.restore import evaluate_workdir

    metrics = evaluate_workdir(args.entry, args.workdir, args.split)
    print(f"{args.entry} ({args.workdir}): {args.split} {format_metrics(metrics)}")
