"""``zoo eval [ENTRY] (--workdir DIR [--data PATH] [--decode] | --pretrained) [--split SPLIT]``: evaluate a trained run or the shipped weights."""

from pathlib import Path

from jax_zoo.cli.common import format_metrics


def add_parser(commands) -> None:
    evaluate = commands.add_parser("eval", help="evaluate a trained workdir or the shipped weights")
    evaluate.add_argument("entry", nargs="?", help="the entry (with --workdir: optional, the run's)")
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--workdir", type=Path)
    source.add_argument("--pretrained", action="store_true",
                        help="the weights shipped with the package (on test: the published metrics)")
    evaluate.add_argument("--split", default="test")
    evaluate.add_argument("--data", type=Path, metavar="PATH",
                          help="a run on your own files: read them from PATH (they must be the recorded ones)")
    evaluate.add_argument("--decode", action="store_true",
                          help="with --workdir: also decode the split as the test report does and score it "
                               "(BLEU, chrF, ROUGE-L; sequence-to-sequence entries)")


def run(args) -> None:
    from jax_zoo.core.errors import ConfigError

    if args.pretrained:
        from jax_zoo.api.pretrained import evaluate_pretrained

        if args.entry is None or args.data is not None or args.decode:
            raise ConfigError(
                "--pretrained: expected an ENTRY and no --data or --decode (the shipped weights read the entry's own "
                "dataset; their decoded test scores are in the weights' record)"
            )
        metrics = evaluate_pretrained(args.entry, args.split)
        print(f"{args.entry} (shipped weights): {args.split} {format_metrics(metrics)}")
        return
    from jax_zoo.api.restore import evaluate_workdir, read_run_config

    entry = args.entry or read_run_config(args.workdir)["entry"]
    metrics = evaluate_workdir(entry, args.workdir, args.split, args.data, decode=args.decode)
    print(f"{entry} ({args.workdir}): {args.split} {format_metrics(metrics)}")
