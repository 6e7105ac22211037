"""An entry's train step with and without XLA options, in one process.

    python -m benchmarks.compare_xla ENTRY --xla-option NAME=VALUE [...] [--batch-size B] [--json FILE]

Both builds of the step run in one process: the step is lowered once and compiled twice, the
options passed as compiler options on top of the ``XLA_FLAGS`` in effect and the entry's own
options, so both sides see the same machine state, which separate ``zoo bench`` runs on a busy
host do not. Compile times are medians over alternating compiles after a warm-up compile (XLA's
one-time start-up excluded); step times are medians of interleaved rounds, each from a fresh
copy of the initial state. Numerics are compared too: the largest parameter difference after
the timed steps of one round.
"""

import statistics
import time
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp

from jax_zoo.train import xla_flags
from jax_zoo.train.records import environment
from jax_zoo.bench.timing import synthetic_batch
from jax_zoo.core.errors import ConfigError
from jax_zoo.api.build import build

# A debug option that changes nothing while XLA dumps nothing: varying it makes each compile
# a fresh one instead of a hit in JAX's in-memory cache of executables.
_CACHE_BUSTER = "xla_dump_max_hlo_modules"


def parse_xla_options(assignments: list[str]) -> dict[str, bool | int | float | str]:
    """``["xla_cpu_use_fusion_emitters=false"]`` -> ``{"xla_cpu_use_fusion_emitters": False}``."""
    try:
        return dict(xla_flags.parse_option(assignment) for assignment in assignments)
    except ValueError as error:
        raise ConfigError(f"--xla-option: {error}") from None


def _fresh(state):
    return jax.tree.map(lambda leaf: jnp.array(leaf, copy=True) if isinstance(leaf, jax.Array) else leaf, state)


def compare_xla_options(
    entry: str,
    options: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    *,
    batch_size: int | None = None,
    steps: int = 10,
    repeats: int = 8,
    compiles: int = 3,
) -> dict[str, Any]:
    """Compile seconds and step times of ``entry``'s train step without and with ``options``."""
    if not options:
        raise ConfigError("--xla-option: expected at least one NAME=VALUE")
    built = build(entry, overrides)
    batch_size = batch_size or built.experiment.batch_size
    batch = jax.device_put(synthetic_batch(built.experiment.dataset, batch_size))
    lowered = built.train_step.jitted.lower(built.state, batch)
    jax.jit(lambda x: jnp.tanh(x @ x)).lower(jnp.ones((8, 8))).compile()  # XLA's one-time start-up

    compile_seconds: dict[str, list[float]] = {"without": [], "with": []}
    executables = {}
    for attempt in range(compiles):
        for side in ("with", "without") if attempt % 2 == 0 else ("without", "with"):
            chosen = {**(options if side == "with" else {}), _CACHE_BUSTER: 10_000 + 2 * attempt + (side == "with")}
            start = time.perf_counter()
            try:
                executables[side] = lowered.compile(chosen)
            except jax.errors.JaxRuntimeError as error:  # XLA names the bad option or value
                raise ConfigError(f"--xla-option: XLA refused {dict(options)}: {error}") from None
            compile_seconds[side].append(time.perf_counter() - start)

    for executable in executables.values():
        jax.block_until_ready(executable(_fresh(built.state), batch))
    step_ms: dict[str, list[float]] = {"without": [], "with": []}
    final = {}
    for round_index in range(repeats):
        for side in ("without", "with") if round_index % 2 == 0 else ("with", "without"):
            state = _fresh(built.state)
            start = time.perf_counter()
            for _ in range(steps):
                state, _ = executables[side](state, batch)
            jax.block_until_ready(state)
            step_ms[side].append((time.perf_counter() - start) / steps * 1e3)
            final[side] = state.params
    differences = jax.tree.leaves(jax.tree.map(lambda a, b: float(jnp.abs(a - b).max()), final["without"], final["with"]))
    speedups = [without / with_ for without, with_ in zip(step_ms["without"], step_ms["with"])]
    return {
        "entry": entry,
        "options": dict(options),
        "xla_options": xla_flags.as_flags(built.xla_options),
        "batch_size": batch_size,
        "steps_per_round": steps,
        "repeats": repeats,
        "compile_seconds": {side: statistics.median(times) for side, times in compile_seconds.items()},
        "compile_seconds_each": compile_seconds,
        "step_ms": {side: statistics.median(times) for side, times in step_ms.items()},
        "step_ms_each": step_ms,
        "speedup_with_options": statistics.median(speedups),
        "max_parameter_difference": max(differences, default=0.0),
        **environment(),
    }


def describe(report: Mapping[str, Any]) -> str:
    options = " ".join(f"{name}={value}" for name, value in report["options"].items())
    compile_, step = report["compile_seconds"], report["step_ms"]
    return (
        f"{report['entry']} (batch {report['batch_size']}), {options}:\n"
        f"  compile: {compile_['without']:.2f} s without, {compile_['with']:.2f} s with (medians of "
        f"{len(report['compile_seconds_each']['with'])} alternating compiles)\n"
        f"  step:    {step['without']:.1f} ms without, {step['with']:.1f} ms with: "
        f"{report['speedup_with_options']:.3f}x (median of interleaved rounds)\n"
        f"  largest parameter difference after {report['steps_per_round']} steps: {report['max_parameter_difference']:.3g}"
    )


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    from jax_zoo.train.records import write_json_atomic
    from jax_zoo.core.config import parse_assignments

    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare_xla", description=__doc__.splitlines()[0])
    parser.add_argument("entry")
    parser.add_argument("--xla-option", dest="xla_options", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--steps", type=int, default=10, help="steps per timed round")
    parser.add_argument("--repeats", type=int, default=8, help="timed rounds")
    parser.add_argument("--json", help="also write the report here")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    try:
        report = compare_xla_options(
            args.entry, parse_xla_options(args.xla_options), parse_assignments(args.overrides),
            batch_size=args.batch_size, steps=args.steps, repeats=args.repeats,
        )
    except ConfigError as error:
        print(f"compare_xla: error: {error}", file=sys.stderr)
        return 2
    print(describe(report))
    if args.json:
        write_json_atomic(args.json, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
