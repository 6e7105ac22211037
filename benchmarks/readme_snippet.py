"""The README's pure-function script against PyTorch eager and the entry, on Fashion-MNIST shapes.

    python -m benchmarks.readme_snippet [--steps 20] [--repeats 7] [--json FILE]

Runs the README block that builds ``jax_zoo.models.SimpleCNN`` and ``jax_zoo.train.make_train_step(...,
compiler_options="convolutions")`` as written, then times its train step on a random batch of
128 images of 28x28, in interleaved rounds with: the same step without the preset, the
``fashion_simple_cnn`` entry's step (``jax_zoo.build``), and the PyTorch twin in a child process
(``jax_zoo.bench.timing``). Medians over rounds after a warm-up; compile time reported apart.
"""

import argparse
import re
import statistics
import time
from pathlib import Path

import jax
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MARKER = "from jax_zoo.models import SimpleCNN"


def readme_snippet() -> str:
    """The README's Python block that builds the bare-function train step."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    return next(block for block in blocks if MARKER in block)


def _timed_compile(step, state, batch):
    start = time.perf_counter()
    state, _ = step(state, batch)
    jax.block_until_ready(state)
    return state, time.perf_counter() - start


def measure(steps: int = 20, repeats: int = 7, warmup: int = 3) -> dict:
    import optax

    import jax_zoo as zoo
    from jax_zoo.train import accuracy, create_train_state, make_train_step, softmax_cross_entropy
    from jax_zoo.train.records import environment
    from jax_zoo.bench.timing import _TorchTwin

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
    compile_seconds = {}
    for name, contender in contenders.items():
        contender[1], compile_seconds[name] = _timed_compile(contender[0], contender[1], batch)
    twin = _TorchTwin(namespace["model"], (28, 28, 1), host["inputs"], host["targets"], warmup)

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
    seconds = {name: [] for name in [*contenders, "torch"]}
    try:
        for _ in range(repeats):
            for name in contenders:
                seconds[name].append(run(name, steps))
            seconds["torch"].append(twin.time(steps))
    finally:
        twin.close()
    step_ms = {name: 1000 * statistics.median(times) / steps for name, times in seconds.items()}
    ratios = {
        name: statistics.median(t / s for s, t in zip(seconds[name], seconds["torch"])) for name in contenders
    }
    return {
        "batch_size": 128, "steps_per_round": steps, "repeats": repeats,
        "compile_seconds": compile_seconds, "step_ms": step_ms, "step_seconds_each": seconds,
        "ratio_over_torch": ratios, "torch": {"version": twin.version, "threads": twin.threads},
        "command": "python -m benchmarks.readme_snippet", **environment(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.readme_snippet", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="steps per timed round")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds (after warm-up)")
    parser.add_argument("--json", help="also write the report here")
    args = parser.parse_args(argv)
    report = measure(args.steps, args.repeats)
    for name, milliseconds in report["step_ms"].items():
        ratio = report["ratio_over_torch"].get(name)
        compile_ = report["compile_seconds"].get(name)
        extra = f"  {ratio:.2f}x PyTorch, compile {compile_:.2f} s" if ratio else ""
        print(f"{name:32s} {milliseconds:7.1f} ms/step{extra}")
    if args.json:
        from jax_zoo.train.records import write_json_atomic

        write_json_atomic(args.json, report)


if __name__ == "__main__":
    main()
