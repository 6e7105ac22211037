"""The ``zoo`` command: a thin shell over ``zoo.run``.

    zoo list [PATTERN]
    zoo train [ENTRY] [--workdir DIR] [--set name=value ...] [--restart]
    zoo eval ENTRY --workdir DIR [--split SPLIT]
    zoo show ENTRY [--set name=value ...]
    zoo generate ENTRY --workdir DIR --prompt TEXT [--length N] [--temperature T] [--top-k K] [--seed S]
"""

import argparse
import sys
from pathlib import Path

DEFAULT_ENTRY = "digits_cnn"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zoo", description="Train and evaluate the jax-zoo entries.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="list the entries with their published results")
    listing.add_argument("pattern", nargs="?", default="*", help="shell-style name pattern")

    train = commands.add_parser("train", help="train an entry and print its test metrics")
    train.add_argument("entry", nargs="?", default=DEFAULT_ENTRY, help=f"entry name (default {DEFAULT_ENTRY})")
    train.add_argument("--workdir", type=Path, help="run directory (default runs/ENTRY)")
    train.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                       help="override a config value; repeatable")
    train.add_argument("--restart", action="store_true", help="move an existing run in the workdir aside first")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")

    evaluate = commands.add_parser("eval", help="evaluate a trained workdir")
    evaluate.add_argument("entry")
    evaluate.add_argument("--workdir", type=Path, required=True)
    evaluate.add_argument("--split", default="test")

    show = commands.add_parser("show", help="print an entry's config and parameter table")
    show.add_argument("entry")
    show.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE")

    generate = commands.add_parser("generate", help="sample text from a trained character language model")
    generate.add_argument("entry")
    generate.add_argument("--workdir", type=Path, required=True)
    generate.add_argument("--prompt", required=True)
    generate.add_argument("--length", type=int, default=300, help="characters to generate (default 300)")
    generate.add_argument("--temperature", type=float, default=1.0)
    generate.add_argument("--top-k", type=int, default=0, help="sample among the K likeliest characters (0: all)")
    generate.add_argument("--seed", type=int, default=0)
    return parser


def _format_metrics(metrics: dict) -> str:
    parts = [
        f"{name} {value:.2%}" if "accuracy" in name else f"{name} {value:.4g}"
        for name, value in metrics.items()
        if name != "count" and isinstance(value, float)
    ]
    return ", ".join(parts) + f" on {metrics['count']} examples"


def _list(args) -> None:
    from rich.console import Console
    from rich.table import Table

    from zoo.describe import summary_row
    from zoo.registry import list_entries

    table = Table("entry", "task", "model", "dataset", "params", "published result")
    for entry in list_entries(args.pattern):
        table.add_row(*summary_row(entry))
    Console().print(table)


def _train(args) -> None:
    from zoo.config import parse_assignments
    from zoo.run import train_and_evaluate

    workdir = args.workdir or Path("runs") / args.entry
    results = train_and_evaluate(
        args.entry, workdir, parse_assignments(args.overrides),
        restart=args.restart, progress=not args.no_progress,
    )
    print(f"{args.entry}: test {_format_metrics(results['test'])}")
    print(
        f"{results['steps']} steps in {results['fit_seconds']:.1f} s "
        f"(compile {results['compile_seconds']:.1f} s), wall {results['wall_seconds']:.1f} s; "
        f"results in {workdir / 'results.json'}"
    )


def _eval(args) -> None:
    from zoo.run import evaluate_workdir

    metrics = evaluate_workdir(args.entry, args.workdir, args.split)
    print(f"{args.entry} ({args.workdir}): {args.split} {_format_metrics(metrics)}")


def _show(args) -> None:
    from zoo.config import parse_assignments
    from zoo.describe import describe

    print(describe(args.entry, parse_assignments(args.overrides)))


def _generate(args) -> None:
    from zoo.generate import generate, print_generation

    print_generation(generate(
        args.workdir, args.prompt, length=args.length, temperature=args.temperature,
        top_k=args.top_k, seed=args.seed, entry=args.entry,
    ))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from train import BatchSpecError, CheckpointError
    from zoo.errors import ZooError

    try:
        {"list": _list, "train": _train, "eval": _eval, "show": _show, "generate": _generate}[args.command](args)
    except (ZooError, BatchSpecError, CheckpointError) as error:
        print(f"zoo {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"zoo {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
