"""``zoo bench ENTRY``: the entry's train step against PyTorch, eager and compiled; ``--run``: whole trainings."""

from pathlib import Path

from jax_zoo.cli.common import add_overrides, write_report

TORCH_MODES = ("eager", "default", "max-autotune-no-cudagraphs", "reduce-overhead")


def add_parser(commands) -> None:
    bench = commands.add_parser(
        "bench", help="time the train step against PyTorch, eager and torch.compile (--run: whole trainings)"
    )
    bench.add_argument("entry")
    bench.add_argument("--batch-size", type=int)
    bench.add_argument("--steps", type=int, default=20, help="calls per timed round")
    bench.add_argument("--repeats", type=int, default=5, help="timed rounds (after warm-up; with --run: runs per side)")
    bench.add_argument("--warmup", type=int, default=5, help="untimed calls before the rounds")
    bench.add_argument("--torch", nargs="+", choices=TORCH_MODES, metavar="MODE",
                       help="PyTorch variants: eager and torch.compile modes (default: eager and default; "
                            "on a GPU also max-autotune-no-cudagraphs and reduce-overhead)")
    bench.add_argument("--no-torch", action="store_true", help="time JAX alone")
    bench.add_argument("--run", action="store_true",
                       help="time `zoo train ENTRY` against benchmarks/pytorch/ENTRY.py, whole commands, "
                            "to the test metric (a source checkout)")
    bench.add_argument("--epochs", type=int,
                       help="with --run: train this many epochs on both sides and extrapolate the wall time to "
                            "the entry's")
    bench.add_argument(
        "--implementation", choices=("auto", "reference", "xla_cpu", "both"),
        help="the model's implementation the jax rows time: the one training runs (auto, the default, or "
        "$ZOO_IMPLEMENTATION), the reference, its XLA:CPU variant, or both in the same rounds",
    )
    bench.add_argument("--json", type=Path, help="also write the report here")
    add_overrides(bench)


def _modes(args) -> tuple[str | None, ...] | None:
    return None if args.torch is None else tuple(None if mode == "eager" else mode for mode in args.torch)


def run(args) -> None:
    from jax_zoo.core.config import parse_assignments
    from jax_zoo.core.errors import ConfigError

    if args.run:
        from jax_zoo.bench.whole_run import bench_run

        if args.overrides:
            raise ConfigError("--run times the entry's published recipe on both sides: --set is not supported with it")
        report = bench_run(args.entry, epochs=args.epochs, repeats=args.repeats,
                           torch_modes=() if args.no_torch else _modes(args))
        print(format_run(report))
    else:
        if args.epochs is not None:
            raise ConfigError("--epochs: only with --run (the step benchmark times single train steps)")
        from jax_zoo.bench.timing import bench_entry

        report = bench_entry(
            args.entry, parse_assignments(args.overrides), batch_size=args.batch_size, steps=args.steps,
            repeats=args.repeats, warmup=args.warmup, torch_modes=_modes(args), with_torch=not args.no_torch,
            implementation=args.implementation,
        )
        print(format_steps(report))
    write_report(args.json, report)


def _rate(row) -> str:
    if "error" in row:
        return f"failed: {row['error']}"
    if "calls_per_second" not in row:
        return "not timed"
    tokens = f", {row['tokens_per_second']:,.0f} tokens/s" if "tokens_per_second" in row else ""
    ratio = f"   jax / this {row['jax_over_this']:.2f}x" if "jax_over_this" in row else ""
    compile_ = f", compile {row['compile_seconds']:.1f} s" if row.get("compile_seconds") is not None else ""
    return (
        f"{row['calls_per_second']:.1f}/s ({row['calls_per_second_min']:.1f}-{row['calls_per_second_max']:.1f}), "
        f"{row['examples_per_second']:,.0f} examples/s{tokens}, {row['percent_of_peak']:.0f}% of peak; "
        f"first call {row['first_call_seconds']:.2f} s{compile_}{ratio}"
    )


def format_steps(report) -> str:
    """The step report as the command prints it: one line per row."""
    source = "" if report["flops_source"] == "XLA cost analysis" else f" ({report['flops_source']})"
    lines = [(
        f"{report['entry']} ({report['model']}, batch {report['batch_size']}, {report['batch']}) on "
        f"{report['machine']['device']}: {report['flops_per_step'] / 1e9:.2f} GFLOP per step{source}; "
        f"XLA matmul peak {report['matmul_peak_gflops']:.0f} GFLOP/s"
    )]
    for row in report["rows"]:
        device = f" on {row['device']}, {row['threads']} threads" if "threads" in row else ""
        lines.append(f"  {row['measure']:13s} {row['side'] + device:40s} {_rate(row)}")
    for measure, ratio in report["jax_over_best_torch"].items():
        lines.append(f"  {measure}: jax / the faster PyTorch {ratio:.2f}x (medians of interleaved rounds)")
    if "torch_missing" in report:
        lines.append(f"  torch: {report['torch_missing']}")
    return "\n".join(lines)


def format_run(report) -> str:
    """The whole-run report as the command prints it: one line per run."""
    extrapolated = report["epochs"] != report["published_epochs"]
    lines = [
        f"{report['entry']}: {report['epochs']} epochs"
        + (f" (wall times extrapolated to the published {report['published_epochs']})" if extrapolated else "")
        + f", test {report['metric']}"
    ]
    for row in report["rows"]:
        if "error" in row:
            lines.append(f"  {row['side']:28s} failed: {row['error']}")
            continue
        wall = f"wall {row['wall_seconds']:.1f} s"
        if extrapolated:
            wall += f" (-> {row['extrapolated_wall_seconds']:.0f} s)"
        extra = row["first_epoch_extra_seconds"]
        warmup = "" if extra is None else f", first epoch's extra {extra:.1f} s"
        ratio = f"   jax / this {row['jax_over_this']:.2f}x" if "jax_over_this" in row else ""
        noise = {True: " (within noise)", False: " (NOT within noise)"}.get(row.get("within_noise"), "")
        lines.append(f"  {row['side']:28s} {report['metric']} {row['metric']:.4f}{noise}, {wall}{warmup}{ratio}")
    return "\n".join(lines)
