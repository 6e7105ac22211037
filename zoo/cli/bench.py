"""``zoo bench ENTRY``: the entry's train-step speed, beside its PyTorch twin when torch is installed."""

from pathlib import Path

from jax_zoo.cli.common import add_overrides, write_report


def add_parser(commands) -> None:
    bench = commands.add_parser("bench", help="time the train step, beside PyTorch when installed")
    bench.add_argument("entry")
    bench.add_argument("--batch-size", type=int)
    bench.add_argument("--steps", type=int, default=20, help="steps per timed round")
    bench.add_argument("--repeats", type=int, default=5, help="timed rounds (after warm-up)")
    bench.add_argument("--json", type=Path, help="also write the report here")
    bench.add_argument("--no-torch", action="store_true", help="skip the PyTorch twin")
    bench.add_argument(
        "--implementation", choices=("auto", "reference", "xla_cpu", "both"),
        help="the model's implementation to time: the one training runs (auto, the default, or $ZOO_IMPLEMENTATION), "
        "the reference, its XLA:CPU variant, or both in the same rounds",
    )
    add_overrides(bench)


def run(args) -> None:
    from jax_zoo.bench.timing import bench_entry
    from jax_zoo.core.config import parse_assignments

    report = bench_entry(
        args.entry, parse_assignments(args.overrides), batch_size=args.batch_size, steps=args.steps,
        repeats=args.repeats, with_torch=not args.no_torch, implementation=args.implementation,
    )
    source = "" if report["flops_source"] == "XLA cost analysis" else f" ({report['flops_source']})"
    print(
        f"{args.entry} ({report['model']}, batch {report['batch_size']}) on {report['machine']['device']}: "
        f"{report['flops_per_step'] / 1e9:.2f} GFLOP per step{source}; matmul peak {report['matmul_peak_gflops']:.0f} GFLOP/s"
    )
    def throughput(part):
        tokens = f", {part['tokens_per_second']:.0f} tokens/s" if "tokens_per_second" in part else ""
        return f"{part['examples_per_second']:.0f} examples/s{tokens}"

    for name, part in report.get("implementations", {report["implementation"]: report}).items():
        jax_part = part["jax"]
        print(
            f"  jax ({name}): {jax_part['steps_per_second']:.1f} steps/s (range {jax_part['steps_per_second_min']:.1f}-"
            f"{jax_part['steps_per_second_max']:.1f}), {throughput(jax_part)}, "
            f"{jax_part['gflops']:.1f} GFLOP/s = {jax_part['percent_of_peak']:.0f}% of peak; compile {part['compile_seconds']:.2f} s"
        )
    if "ratio_xla_cpu_over_reference" in report:
        print(f"  xla_cpu / reference: {report['ratio_xla_cpu_over_reference']:.2f}x (median rounds; training runs {report['implementation']})")
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
    write_report(args.json, report)
