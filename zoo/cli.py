"""The ``zoo`` command: a thin shell over ``zoo.run``.

    zoo list [PATTERN]
    zoo train [ENTRY] [--workdir DIR] [--set name=value ...] [--restart]
    zoo eval ENTRY --workdir DIR [--split SPLIT]
    zoo show ENTRY [--set name=value ...]
    zoo cv ENTRY --folds K [--workdir DIR] [--set name=value ...]
    zoo bench ENTRY [--batch-size B] [--steps N] [--repeats R] [--json FILE] [--no-torch]
                    [--xla-option NAME=VALUE ...]
    zoo results [RESULTS ...] [--update README.md]
    zoo generate ENTRY --workdir DIR --prompt TEXT [--length N] [--temperature T] [--top-k K] [--seed S]

Exit status: 0 done, 1 training failed (non-finite values), 2 bad input, 75 stopped by
SIGTERM/SIGINT after saving a checkpoint (run the same command again to resume).
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
    train.add_argument("--restart", action="store_true",
                       help="move an existing run in the workdir aside (kept, renamed) and start over; "
                            "without it a workdir with checkpoints is resumed")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_distributed_options(train)

    evaluate = commands.add_parser("eval", help="evaluate a trained workdir")
    evaluate.add_argument("entry")
    evaluate.add_argument("--workdir", type=Path, required=True)
    evaluate.add_argument("--split", default="test")

    show = commands.add_parser("show", help="print an entry's config and parameter table")
    show.add_argument("entry")
    show.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE")

    cv = commands.add_parser("cv", help="stratified K-fold cross-validation on the training split")
    cv.add_argument("entry")
    cv.add_argument("--folds", type=int, default=5)
    cv.add_argument("--workdir", type=Path, help="where cv.json goes (default runs/ENTRY-cv)")
    cv.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE")
    cv.add_argument("--no-progress", action="store_true")

    bench = commands.add_parser("bench", help="time the train step, beside PyTorch when installed")
    bench.add_argument("entry")
    bench.add_argument("--batch-size", type=int)
    bench.add_argument("--steps", type=int, default=20, help="steps per timed round")
    bench.add_argument("--repeats", type=int, default=5, help="timed rounds (after warm-up)")
    bench.add_argument("--json", type=Path, help="also write the report here")
    bench.add_argument("--no-torch", action="store_true", help="skip the PyTorch twin")
    bench.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE")
    bench.add_argument(
        "--xla-option", dest="xla_options", action="append", default=[], metavar="NAME=VALUE",
        help="instead of PyTorch, compare the step compiled with and without these XLA options, in one process",
    )

    results = commands.add_parser("results", help="the results table of published (or given) runs, in Markdown")
    results.add_argument("paths", nargs="*", type=Path, metavar="RESULTS",
                         help="results.json files or run workdirs (default: zoo/published/*.json)")
    results.add_argument("--update", type=Path, metavar="README", help="rewrite the table between its markers")

    generate = commands.add_parser("generate", help="sample text from a trained character language model")
    generate.add_argument("entry")
    generate.add_argument("--workdir", type=Path, required=True)
    generate.add_argument("--prompt", required=True)
    generate.add_argument("--length", type=int, default=300, help="characters to generate (default 300)")
    generate.add_argument("--temperature", type=float, default=1.0)
    generate.add_argument("--top-k", type=int, default=0, help="sample among the K likeliest characters (0: all)")
    generate.add_argument("--seed", type=int, default=0)
    return parser


def _add_distributed_options(command: argparse.ArgumentParser) -> None:
    group = command.add_argument_group("multi-process training (see README: Scaling out)")
    group.add_argument("--distributed", action="store_true",
                       help="join a multi-process run (jax.distributed; SLURM, Open MPI, Kubernetes detected)")
    group.add_argument("--coordinator", metavar="HOST:PORT", help="process 0's address, where not detected")
    group.add_argument("--num-processes", type=int)
    group.add_argument("--process-id", type=int)


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
    console = Console()
    # Piped output gets a wide table rather than rich's 80-column default.
    (console if console.is_terminal else Console(width=200)).print(table)


def _train(args) -> None:
    from zoo.config import parse_assignments
    from zoo.run import train_and_evaluate

    workdir = args.workdir or Path("runs") / args.entry
    if (workdir / "results.json").is_file() and not args.restart:
        print(f"{workdir} already holds a finished run of {args.entry}; its results (use --restart to train again):")
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


def _cv(args) -> None:
    from zoo.config import parse_assignments
    from zoo.cross_validation import cross_validate_entry

    workdir = args.workdir or Path("runs") / f"{args.entry}-cv"
    summary = cross_validate_entry(
        args.entry, args.folds, workdir, parse_assignments(args.overrides), progress=not args.no_progress
    )
    for fold in summary["folds"]:
        print(f"fold {fold['fold']}: " + ", ".join(f"{k} {v:.4g}" for k, v in fold.items() if isinstance(v, float)))
    print(
        f"{args.entry}, {args.folds} folds: "
        + ", ".join(f"{name} {summary['mean'][name]:.4g} ± {summary['std'][name]:.2g}" for name in summary["mean"])
        + f"; {workdir / 'cv.json'}"
    )


def _bench(args) -> None:
    from zoo.bench import bench_entry
    from zoo.config import parse_assignments

    if args.xla_options:
        from zoo.compare_xla import compare_xla_options, describe, parse_xla_options

        report = compare_xla_options(
            args.entry, parse_xla_options(args.xla_options), parse_assignments(args.overrides),
            batch_size=args.batch_size, steps=args.steps, repeats=args.repeats,
        )
        print(describe(report))
        _write_report(args.json, report)
        return
    report = bench_entry(
        args.entry, parse_assignments(args.overrides), batch_size=args.batch_size, steps=args.steps,
        repeats=args.repeats, with_torch=not args.no_torch,
    )
    jax_part = report["jax"]
    source = "" if report["flops_source"] == "XLA cost analysis" else f" ({report['flops_source']})"
    print(
        f"{args.entry} ({report['model']}, batch {report['batch_size']}) on {report['machine']['device']}: compile {report['compile_seconds']:.2f} s; "
        f"{report['flops_per_step'] / 1e9:.2f} GFLOP per step{source}; matmul peak {report['matmul_peak_gflops']:.0f} GFLOP/s"
    )
    def throughput(part):
        tokens = f", {part['tokens_per_second']:.0f} tokens/s" if "tokens_per_second" in part else ""
        return f"{part['examples_per_second']:.0f} examples/s{tokens}"

    print(
        f"  jax:   {jax_part['steps_per_second']:.1f} steps/s (range {jax_part['steps_per_second_min']:.1f}-"
        f"{jax_part['steps_per_second_max']:.1f}), {throughput(jax_part)}, "
        f"{jax_part['gflops']:.1f} GFLOP/s = {jax_part['percent_of_peak']:.0f}% of peak"
    )
    if report.get("torch"):
        torch_part = report["torch"]
        print(
            f"  torch: {torch_part['steps_per_second']:.1f} steps/s (range {torch_part['steps_per_second_min']:.1f}-"
            f"{torch_part['steps_per_second_max']:.1f}), {throughput(torch_part)} "
            f"(torch {torch_part['version']} on {torch_part['device']}, {torch_part['threads']} threads)"
        )
        print(f"  jax / torch: {report['ratio_jax_over_torch']:.2f}x (median of interleaved rounds)")
        malloc = "ZOO_REUSE_HOST_MEMORY=1's (train.host_memory)" if torch_part.get("malloc_settings") else "glibc's defaults"
        print(f"  malloc settings, both processes: {malloc}")
    elif "torch" in report:
        print("  torch: not installed or no twin for this model (pip install -e '.[torch]')")
    _write_report(args.json, report)


def _write_report(path: Path | None, report: dict) -> None:
    if path:
        from train.records import write_json_atomic

        write_json_atomic(path, report)


def _show(args) -> None:
    from zoo.config import parse_assignments
    from zoo.describe import describe

    print(describe(args.entry, parse_assignments(args.overrides)))


def _results(args) -> None:
    from zoo.results import published_paths, read_results, results_table, update_readme

    table = results_table(read_results(args.paths or published_paths()))
    if args.update:
        update_readme(args.update, table)
        print(f"Updated the results table of {args.update}.")
    else:
        print(table)


def _generate(args) -> None:
    from zoo.generate import generate, print_generation

    print_generation(generate(
        args.workdir, args.prompt, length=args.length, temperature=args.temperature,
        top_k=args.top_k, seed=args.seed, entry=args.entry,
    ))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from train import PREEMPTED_EXIT_STATUS, CheckpointError, InputError, NonFiniteError, Preempted
    from zoo.errors import ZooError

    commands = {
        "list": _list, "train": _train, "eval": _eval, "show": _show, "cv": _cv, "bench": _bench, "results": _results,
        "generate": _generate,
    }
    if getattr(args, "distributed", False):
        from zoo.distributed import initialize

        initialize(args.coordinator, args.num_processes, args.process_id)
    try:
        commands[args.command](args)
    except Preempted as stop:
        print(f"zoo {args.command}: stopped by {stop}", file=sys.stderr)
        return PREEMPTED_EXIT_STATUS
    except NonFiniteError as error:
        print(f"zoo {args.command}: training failed: {error}", file=sys.stderr)
        return 1
    except (ZooError, InputError, CheckpointError) as error:
        print(f"zoo {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"zoo {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
