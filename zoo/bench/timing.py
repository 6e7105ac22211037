"""``zoo bench ENTRY``: train-step speed of an entry, against its PyTorch twin when torch is installed.

Method: the batch is synthetic, of the entry's shapes, resident on the device; compilation is
timed separately (XLA's own events); after ``warmup`` steps, ``repeats`` rounds of ``steps``
steps each are timed, the rounds of each implementation of the model (reference, XLA:CPU
variant) and of PyTorch interleaved so that all see the same machine state; medians and ranges
are reported. FLOPs per step come from XLA's cost analysis of the
compiled step, or, when products run inside a loop, from its matrix products and convolutions
counted with the loops' trip counts (``jax_zoo.bench.hlo_flops``: XLA counts a ``lax.scan`` body once);
the peak is a measured float32 matmul.

PyTorch runs in a child process that times its rounds when told to: in the same process as
JAX, its OpenMP threads and XLA's thread pool get in each other's way and slow PyTorch's step
down (docs/performance.md), which would flatter JAX.
"""

import functools
import multiprocessing
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jax_zoo.train import CompilationLog, host_memory, xla_flags
from jax_zoo.train.records import environment
from jax_zoo.datasets import dataset_info
from jax_zoo.bench.hlo_flops import matmul_flops
from jax_zoo.api.build import Built, build
from jax_zoo.api.implementation import IMPLEMENTATIONS, choose_implementation
from jax_zoo.bench.torch_twins import TWINS


def synthetic_batch(dataset: str, batch_size: int, seed: int = 0) -> dict[str, np.ndarray]:
    info = dataset_info(dataset)
    rng = np.random.default_rng(seed)
    batch = {}
    for key, spec in info.example_spec.items():
        shape = (batch_size, *spec.shape)
        if jnp.issubdtype(spec.dtype, jnp.integer):
            high = info.num_classes or 2
            batch[key] = rng.integers(0, high, size=shape).astype(spec.dtype)
        else:
            batch[key] = rng.uniform(size=shape).astype(spec.dtype)
    return batch


def _seconds(run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def matmul_peak_gflops(size: int = 2048, repeats: int = 5) -> float:
    """Measured float32 matmul throughput of this machine through XLA (GFLOP/s, median)."""
    a = jnp.ones((size, size), jnp.float32)
    matmul = jax.jit(lambda x: x @ x)
    matmul(a).block_until_ready()
    times = [_seconds(lambda: matmul(a).block_until_ready()) for _ in range(repeats)]
    return 2 * size**3 / statistics.median(times) / 1e9


def _torch_worker(connection, model_name: str, model, input_shape, inputs, targets, warmup: int, gpu: bool) -> None:
    """Builds the PyTorch twin, then answers each ``steps`` count with the seconds those steps took.

    With ``gpu`` (JAX runs on a GPU) the twin runs on CUDA when torch has it, else on the CPU;
    the device it used is reported, so a GPU-vs-CPU ratio is never mistaken for a like one.
    """
    host_memory.apply_if_requested()  # the parent's malloc settings, before torch starts its threads
    import torch

    device = "cuda" if gpu and torch.cuda.is_available() else "cpu"

    def finish() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    step = TWINS[model_name](model, input_shape, device=device)(inputs, targets)
    for _ in range(warmup):
        step()
    finish()
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    connection.send((torch.__version__, torch.get_num_threads(), name, host_memory.applied_settings()))
    while (count := connection.recv()) is not None:
        start = time.perf_counter()
        for _ in range(count):
            step()
        finish()
        connection.send(time.perf_counter() - start)


class _TorchTwin:
    """The PyTorch twin in its own process (``spawn``: no state shared with JAX).

    The child inherits the environment and imports this module, so ``jax_zoo.train.host_memory``'s
    optional malloc settings apply to both sides alike: the twin reports what it ran with.
    """

    def __init__(self, model, input_shape, inputs, targets, warmup: int):
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=_torch_worker,
            args=(child, type(model).__name__, model, input_shape, inputs, targets, warmup, jax.default_backend() == "gpu"),
            daemon=True,
        )
        self._process.start()
        self.version, self.threads, self.device, self.malloc_settings = self._connection.recv()

    def time(self, steps: int) -> float:
        self._connection.send(steps)
        return self._connection.recv()

    def close(self) -> None:
        self._connection.send(None)
        self._process.join(timeout=30)


def _summary(times: list[float], steps: int, examples: int, tokens_per_example: int | None) -> dict[str, float]:
    rates = [steps / t for t in times]
    summary = {
        "steps_per_second": statistics.median(rates),
        "steps_per_second_min": min(rates),
        "steps_per_second_max": max(rates),
        "examples_per_second": statistics.median(rates) * examples,
    }
    if tokens_per_example:
        summary["tokens_per_second"] = summary["examples_per_second"] * tokens_per_example
    return summary


class _TimedStep:
    """One implementation's train step on ``batch``: its first call compiles (timed apart), then
    ``run`` times rounds of steps."""

    def __init__(self, built: Built, batch: dict[str, jax.Array]):
        self.built, self.batch = built, batch
        with CompilationLog() as compilation:
            self.state, _ = built.train_step(built.state, batch)
            jax.block_until_ready(self.state)
        self.compile_seconds = compilation.seconds("train_step")
        compiled = built.train_step.jitted.lower(self.state, batch).compile()
        cost = compiled.cost_analysis()
        self.cost_flops = (cost[0] if isinstance(cost, list) else cost).get("flops", float("nan"))
        self.products = matmul_flops(compiled.as_text())
        # XLA's cost analysis counts a loop body once: with products inside a loop (a scan over
        # time), the products counted with their trip counts are the truer figure.
        self.flops = self.products.total if self.products.in_loops else self.cost_flops
        self.times: list[float] = []

    def run(self, count: int) -> None:
        for _ in range(count):
            self.state, _ = self.built.train_step(self.state, self.batch)
        jax.block_until_ready(self.state)

    def report(self, steps: int, batch_size: int, tokens_per_example: int | None, peak: float) -> dict[str, Any]:
        summary = _summary(self.times, steps, batch_size, tokens_per_example)
        summary["gflops"] = summary["steps_per_second"] * self.flops / 1e9
        summary["percent_of_peak"] = 100 * summary["gflops"] / peak
        return {
            "compile_seconds": self.compile_seconds,
            "flops_per_step": self.flops,
            "flops_source": "products with loop trip counts" if self.products.in_loops else "XLA cost analysis",
            "xla_cost_analysis_flops": self.cost_flops,
            "matmul_flops": self.products.total,
            "matmul_flops_exact": self.products.exact,
            "jax": summary,
        }


def bench_entry(
    entry: str,
    overrides: Mapping[str, Any] | None = None,
    *,
    batch_size: int | None = None,
    steps: int = 20,
    repeats: int = 5,
    warmup: int = 5,
    with_torch: bool = True,
    implementation: str | None = None,
) -> dict[str, Any]:
    """The report ``zoo bench`` prints. ``implementation``: the model's implementation to time
    (``build``'s: None or ``"auto"`` for the one training runs, ``"reference"``, ``"xla_cpu"``),
    or ``"both"``, each timed in the same rounds; the report's top-level figures are then those
    of the one training runs, and ``implementations`` holds each."""
    names = IMPLEMENTATIONS if implementation == "both" else (implementation,)
    builts = [build(entry, overrides, implementation=name) for name in names]
    experiment = builts[0].experiment
    main = 0 if len(builts) == 1 else names.index(choose_implementation(experiment, "auto"))
    batch_size = batch_size or experiment.batch_size
    host_batch = synthetic_batch(experiment.dataset, batch_size)
    batch = jax.device_put(host_batch)
    inputs = host_batch["inputs"]
    # Token sequences (integer inputs of rank 2) are also counted in tokens.
    tokens_per_example = inputs.shape[1] if inputs.ndim == 2 and jnp.issubdtype(inputs.dtype, jnp.integer) else None
    timed = [_TimedStep(built, batch) for built in builts]

    twin = None
    if with_torch and type(experiment.model).__name__ in TWINS:
        try:
            import torch  # noqa: F401
        except ImportError:
            pass
        else:
            spec = dataset_info(experiment.dataset).example_spec["inputs"]
            twin = _TorchTwin(experiment.model, tuple(spec.shape), host_batch["inputs"], host_batch["targets"], warmup)

    for step in timed:
        step.run(warmup)
    torch_times = []
    try:
        for _ in range(repeats):
            for step in timed:
                step.times.append(_seconds(functools.partial(step.run, steps)))
            if twin:
                torch_times.append(twin.time(steps))
    finally:
        if twin:
            twin.close()

    peak = matmul_peak_gflops()
    reports = {step.built.implementation: step.report(steps, batch_size, tokens_per_example, peak) for step in timed}
    main_step = timed[main]
    report = {
        "entry": entry,
        "model": type(experiment.model).__name__,
        "implementation": main_step.built.implementation,
        "batch_size": batch_size,
        "steps_per_round": steps,
        "repeats": repeats,
        "xla_options": xla_flags.as_flags(main_step.built.xla_options),
        **reports[main_step.built.implementation],
        "matmul_peak_gflops": peak,
    }
    if len(timed) > 1:
        report["implementations"] = reports
        rates = {name: part["jax"]["steps_per_second"] for name, part in reports.items()}
        report["ratio_xla_cpu_over_reference"] = rates["xla_cpu"] / rates["reference"]
    if twin:
        jax_summary = report["jax"]
        torch_summary = _summary(torch_times, steps, batch_size, tokens_per_example)
        report["torch"] = torch_summary | {
            "version": twin.version, "threads": twin.threads, "device": twin.device, "process": "separate",
            "malloc_settings": twin.malloc_settings,
        }
        report["ratio_jax_over_torch"] = jax_summary["steps_per_second"] / torch_summary["steps_per_second"]
        report["ratio_per_round"] = [t / j for j, t in zip(main_step.times, torch_times)]
    elif with_torch:
        report["torch"] = None
    return report | environment()
