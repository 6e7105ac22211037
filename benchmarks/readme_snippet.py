"""The README's pure-function script against PyTorch, eager and compiled, and the entry, on Fashion-MNIST shapes.

    python -m benchmarks.readme_snippet [--steps 20] [--repeats 7] [--torch eager default] [--json FILE]

Runs the README block that builds ``jax_zoo.models.SimpleCNN`` and ``jax_zoo.train.make_train_step(...,
compiler_options="convolutions")`` as written, then times its train step on a random batch of
128 images of 28x28, in interleaved rounds with: the same step without the preset, the
``fashion_simple_cnn`` entry's step (``jax_zoo.build``), and the PyTorch twin, eager and through
``torch.compile``, each in a child process (``jax_zoo.bench.torch_process``). Medians over rounds
after a warm-up; compile times reported apart; each row's fraction of its framework's measured
float32 matmul peak.
"""

import argparse
import re
import shlex
import statistics
import time
from pathlib import Path

import jax
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MARKER = "from jax_zoo.models import SimpleCNN"
TORCH_MODES = ("eager", "default", "max-autotune-no-cudagraphs", "reduce-overhead")


def readme_snippet() -> str:
    """The README's Python block that builds the bare-function train step."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    return next(block for block in blocks if MARKER in block)


def _timed_compile(step, state, batch):
    start = time.perf_counter()
    state, _ = step(state, batch)
    jax.block_until_ready(state)
    return state, time.perf_counter() - start


def measure(steps: int = 20, repeats: int = 7, warmup: int = 3, torch_modes=(None, "default")) -> dict:
    import optax

    import jax_zoo as zoo
    from jax_zoo.train import accuracy, create_train_state, make_train_step, softmax_cross_entropy
    from jax_zoo.train.records import environment
    from jax_zoo.bench.flops import compiled_flops
    from jax_zoo.bench.timing import matmul_peak_gflops
    from jax_zoo.bench.torch_process import TorchProcess, TwinTask
    from jax_zoo.bench.torch_recipes import TorchRecipe

    namespace: dict = {}
    exec(compile(readme_snippet(), "README.md", "exec"), namespace)
    rng = np.random.default_rng(0)
    host = {
        "inputs": rng.uniform(size=(128, 28, 28, 1)).astype(np.float32),
        "targets": rng.integers(0, 10, size=128).astype(np.int32),
    }
    batch = jax.device_put(host)
    without_preset = make_train_step(softmax_cross_entropy, {"accuracy": accuracy})
    entry = zoo.build("fashion_simple_cnn")
    contenders = {
        "readme_snippet": [namespace["train_step"], namespace["state"]],
        "readme_snippet_without_preset": [without_preset, create_train_state(
            namespace["model"].apply, namespace["variables"], optax.sgd(0.05, momentum=0.9), jax.random.PRNGKey(1)
        )],
        "entry": [entry.train_step, entry.state],
    }
    flops = compiled_flops(entry.train_step.jitted.lower(entry.state, batch).compile())["flops"]
    xla_peak = matmul_peak_gflops()
    compile_seconds = {}
    for name, contender in contenders.items():
        contender[1], compile_seconds[name] = _timed_compile(contender[0], contender[1], batch)
    twins = {}
    try:
        for mode in torch_modes:
            task = TwinTask(
                "train_step", namespace["model"], (28, 28, 1), host["inputs"], host["targets"],
                recipe=TorchRecipe("sgd", 0.05, momentum=0.9), warmup=warmup, compile_mode=mode,
            )
            twins[task.side] = TorchProcess(task)
            if not twins[task.side].ok:
                raise RuntimeError(f"the PyTorch twin ({task.side}) failed: {twins[task.side].info['error']}")
    except BaseException:
        for twin in twins.values():
            twin.close()
        raise

    def run(name: str, count: int) -> float:
        step, state = contenders[name]
        start = time.perf_counter()
        for _ in range(count):
            state, _ = step(state, batch)
        jax.block_until_ready(state)
        contenders[name][1] = state
        return time.perf_counter() - start

    for name in contenders:
        run(name, warmup)
    seconds = {name: [] for name in [*contenders, *twins]}
    try:
        for _ in range(repeats):
            for name in contenders:
                seconds[name].append(run(name, steps))
            for side, twin in twins.items():
                seconds[side].append(twin.time(steps))
    finally:
        for twin in twins.values():
            twin.close()
    step_ms = {name: 1000 * statistics.median(times) / steps for name, times in seconds.items()}
    peaks = {name: xla_peak for name in contenders} | {side: twin.info["peak_gflops"] for side, twin in twins.items()}
    percent_of_peak = {
        name: 100 * flops / (milliseconds / 1000) / 1e9 / peaks[name] for name, milliseconds in step_ms.items()
    }
    ratios = {
        side: {name: statistics.median(t / s for s, t in zip(seconds[name], seconds[side])) for name in contenders}
        for side in twins
    }
    for side, twin in twins.items():  # torch.compile's: what the first call cost beyond a steady one
        if twin.task.compile_mode is not None:
            compile_seconds[side] = twin.info["first_call_seconds"] - step_ms[side] / 1000
    modes = [mode or "eager" for mode in torch_modes]
    return {
        "batch_size": 128, "steps_per_round": steps, "repeats": repeats, "flops_per_step": flops,
        "matmul_peak_gflops": peaks, "percent_of_peak": percent_of_peak,
        "compile_seconds": compile_seconds, "step_ms": step_ms, "step_seconds_each": seconds,
        "ratio_over_torch": ratios,
        "ratio_over_best_torch": {
            name: min(step_ms[side] for side in twins) / step_ms[name] for name in contenders
        },
        "torch": {"version": next(iter(twins.values())).info["version"],
                  "threads": next(iter(twins.values())).info["threads"]},
        "command": shlex.join(["python", "-m", "benchmarks.readme_snippet", "--steps", str(steps),
                               "--repeats", str(repeats), "--torch", *modes]),
        **environment(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.readme_snippet", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="steps per timed round")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds (after warm-up)")
    parser.add_argument("--torch", nargs="+", default=["eager", "default"], choices=TORCH_MODES, metavar="MODE",
                        help=f"PyTorch variants, of {', '.join(TORCH_MODES)} (default: eager default)")
    parser.add_argument("--json", help="also write the report here")
    args = parser.parse_args(argv)
    modes = tuple(None if mode == "eager" else mode for mode in dict.fromkeys(args.torch))
    report = measure(args.steps, args.repeats, torch_modes=modes)
    for name, milliseconds in report["step_ms"].items():
        ratio = report["ratio_over_best_torch"].get(name)
        extra = f", {ratio:.2f}x the faster PyTorch" if ratio else ""
        compile_ = report["compile_seconds"].get(name)
        compile_ = "" if compile_ is None else f", compile {compile_:.2f} s"
        print(f"{name:32s} {milliseconds:7.1f} ms/step, {report['percent_of_peak'][name]:3.0f}% of peak{compile_}{extra}")
    if args.json:
        from jax_zoo.train.records import write_json_atomic

        write_json_atomic(args.json, report)


if __name__ == "__main__":
    main()
