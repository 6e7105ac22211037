"""``zoo bench ENTRY``: the entry's train step (and a ``Seq2Seq``'s greedy decoding) against its
PyTorch twin, eager and through ``torch.compile``.

Method: one batch of the entry's shapes, resident on the device (synthetic images; token ids
from the training split's first batch, so that sequence lengths are the data's); compilation is
timed apart (XLA's own events for JAX; for ``torch.compile``, the first call less a steady one);
after ``warmup`` calls, ``repeats`` rounds of ``steps`` calls each are timed, the rounds of every
contender interleaved so that all see the same machine state; medians and ranges are reported.
Each PyTorch variant runs in a process of its own (``jax_zoo.bench.torch_process``).

FLOPs come from the compiled JAX function (``jax_zoo.bench.flops``); the PyTorch rows are credited
with the same FLOPs, the same computation. Each row's fraction of the peak is against its own
framework's measured float32 2048x2048 matmul on the same device.
"""

import dataclasses
import importlib.util
import os
import shlex
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jax_zoo.api.build import Built, build
from jax_zoo.api.implementation import IMPLEMENTATIONS, choose_batch_parts
from jax_zoo.api.results import xla_flags_prefix
from jax_zoo.bench.flops import compiled_flops, greedy_decode_flops, steps_taken
from jax_zoo.bench.torch_process import TorchProcess, TwinTask
from jax_zoo.bench.torch_recipes import recipe_for
from jax_zoo.core.errors import ConfigError
from jax_zoo.datasets import dataset_info, load_dataset, split_size
from jax_zoo.models import Seq2Seq
from jax_zoo.models.decoding import decode
from jax_zoo.train import CompilationLog, train_batches, xla_flags
from jax_zoo.train.records import environment

CPU_TORCH_MODES = (None, "default")
GPU_TORCH_MODES = (None, "default", "max-autotune-no-cudagraphs", "reduce-overhead")


def default_torch_modes() -> tuple[str | None, ...]:
    """Eager (None) and ``torch.compile``'s default mode; on a GPU also its autotuning and CUDA-graph modes."""
    return GPU_TORCH_MODES if jax.default_backend() == "gpu" else CPU_TORCH_MODES


def synthetic_batch(dataset: str, batch_size: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Uniform values of the dataset's shapes; integers in ``[0, num_classes)`` (or 0 and 1)."""
    info = dataset_info(dataset)
    rng = np.random.default_rng(seed)
    batch = {}
    for key, spec in info.example_spec.items():
        shape = (batch_size, *spec.shape)
        if jnp.issubdtype(spec.dtype, jnp.integer):
            batch[key] = rng.integers(0, info.num_classes or 2, size=shape).astype(spec.dtype)
        else:
            batch[key] = rng.uniform(size=shape).astype(spec.dtype)
    return batch


def bench_batch(built: Built, batch_size: int) -> tuple[dict[str, np.ndarray], str]:
    """``(batch, where it came from)``: token ids from the training split's first batch (their
    padding decides the work of a packed PyTorch RNN), images synthetic."""
    experiment = built.experiment
    if jnp.issubdtype(dataset_info(experiment.dataset).example_spec["inputs"].dtype, jnp.integer):
        data = load_dataset(experiment.dataset, experiment.train_split)
        batch = next(train_batches(data, batch_size, seed=experiment.seed, epoch=0))
        return {key: np.asarray(value) for key, value in batch.items()}, "the first training batch"
    return synthetic_batch(experiment.dataset, batch_size), "synthetic"


def matmul_peak_gflops(size: int = 2048, repeats: int = 5) -> float:
    """Measured float32 matmul throughput of the machine it runs on, through XLA (GFLOP/s, median)."""
    a = jnp.ones((size, size), jnp.float32)
    matmul = jax.jit(lambda x: x @ x)
    matmul(a).block_until_ready()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        matmul(a).block_until_ready()
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times) / 1e9


@dataclasses.dataclass
class Contender:
    """One row being timed: ``run(n)`` returns the seconds of ``n`` calls (one call: a train
    step, or a batch decoded); ``row`` holds what is known before the rounds."""

    measure: str
    side: str
    run: Callable[[int], float]
    row: dict[str, Any]
    flops: float
    peak_gflops: float
    close: Callable[[], None] = lambda: None
    times: list[float] = dataclasses.field(default_factory=list)


def _timed_first_call(function: Callable[[], Any]) -> tuple[Any, float, CompilationLog]:
    with CompilationLog() as compilation:
        start = time.perf_counter()
        result = jax.block_until_ready(function())
    return result, time.perf_counter() - start, compilation


def _jax_train_step(built: Built, batch, peak: float) -> tuple[Contender, dict[str, Any]]:
    (state, _), first_call, compilation = _timed_first_call(lambda: built.train_step(built.state, batch))
    counts = compiled_flops(built.train_step.jitted.lower(state, batch).compile())

    def run(count: int) -> float:
        nonlocal state
        start = time.perf_counter()
        for _ in range(count):
            state, _ = built.train_step(state, batch)
        jax.block_until_ready(state)
        return time.perf_counter() - start

    row = {"compile_seconds": compilation.seconds("train_step"), "first_call_seconds": first_call}
    return Contender("train_step", "jax", run, row, counts["flops"], peak), counts


def _jax_greedy_decode(built: Built, params, source: np.ndarray, max_length: int, peak: float):
    """The JAX contender, and the FLOPs of a batch decoded in ``n`` steps as a function of ``n``."""
    model, variables = built.experiment.model, {"params": params}
    source = jax.device_put(source)

    def call():
        return decode(model, variables, source, beam_size=1, max_length=max_length)

    (tokens, _), first_call, compilation = _timed_first_call(call)
    steps = steps_taken(np.asarray(tokens), model.eos_id)
    encoder, per_step = greedy_decode_flops(model, variables, source)

    def run(count: int) -> float:
        start = time.perf_counter()
        for _ in range(count):
            result = call()
        jax.block_until_ready(result)
        return time.perf_counter() - start

    row = {"compile_seconds": compilation.seconds(), "first_call_seconds": first_call, "decoded_steps": steps}
    flops_for = lambda steps: encoder + steps * per_step  # noqa: E731
    return Contender("greedy_decode", "jax", run, row, flops_for(steps), peak), flops_for


def _torch_contender(task: TwinTask, flops_of: Callable[[dict], float]) -> Contender:
    process = TorchProcess(task)
    info = process.info
    row = {key: info[key] for key in ("version", "threads", "device", "malloc_settings", "decoded_steps") if key in info}
    if not process.ok:
        row["error"] = info["error"]
        return Contender(task.measure, task.side, process.time, row, float("nan"), float("nan"), process.close)
    row["first_call_seconds"] = info["first_call_seconds"]
    return Contender(task.measure, task.side, process.time, row, flops_of(info), info["peak_gflops"], process.close)


def _torch_contenders(built: Built, host, modes, warmup: int, train_flops: float, decoding) -> list[Contender]:
    """Every PyTorch row: the train step in each mode, and with ``decoding`` (``(source,
    max_length, FLOPs for n steps)``) greedy decoding in each mode."""
    experiment = built.experiment
    recipe = recipe_for(built.name, built.config)
    steps_per_epoch = split_size(experiment.dataset, experiment.train_split) // len(host["inputs"])
    common = {
        "model": experiment.model, "input_shape": tuple(dataset_info(experiment.dataset).example_spec["inputs"].shape),
        "warmup": warmup, "gpu": jax.default_backend() == "gpu",
    }
    contenders = []
    for mode in modes:
        task = TwinTask(
            "train_step", inputs=host["inputs"], targets=host["targets"], recipe=recipe, compile_mode=mode,
            total_steps=experiment.epochs * steps_per_epoch, steps_per_epoch=steps_per_epoch, **common,
        )
        contenders.append(_torch_contender(task, lambda info: train_flops))
    if decoding is not None:
        source, max_length, flops_for = decoding
        for mode in modes:
            task = TwinTask("greedy_decode", inputs=source, max_length=max_length, compile_mode=mode, **common)
            contenders.append(_torch_contender(task, lambda info: flops_for(info["decoded_steps"])))
    return contenders


def _row(contender: Contender, steps: int, batch_size: int, tokens_per_example: int | None,
         jax_times: Mapping[str, list[float]]) -> dict[str, Any]:
    row = {"measure": contender.measure, "side": contender.side} | contender.row
    if not contender.times:
        return row
    rates = [steps / seconds for seconds in contender.times]
    rate = statistics.median(rates)
    row |= {
        "calls_per_second": rate, "calls_per_second_min": min(rates), "calls_per_second_max": max(rates),
        "examples_per_second": rate * batch_size,
    }
    if tokens_per_example:
        row["tokens_per_second"] = rate * batch_size * tokens_per_example
    row |= {"flops_per_call": contender.flops, "gflops": rate * contender.flops / 1e9, "peak_gflops": contender.peak_gflops}
    row["percent_of_peak"] = 100 * row["gflops"] / contender.peak_gflops
    if contender.side.startswith("torch.compile"):
        # What the first call cost beyond a steady one: the compilation, near enough.
        row["compile_seconds"] = row["first_call_seconds"] - 1 / rate
    if contender.side != "jax":
        reference = jax_times[contender.measure]
        row["jax_over_this"] = statistics.median(mine / theirs for theirs, mine in zip(reference, contender.times))
    return row


def bench_command(entry: str, overrides: Mapping[str, Any] | None, options: Mapping[str, Any]) -> str:
    """The ``zoo bench`` command line of a measurement, with ``XLA_FLAGS`` in front when set."""
    words = ["zoo", "bench", entry]
    for name, value in options.items():
        if value is True:
            words.append(f"--{name}")
        elif isinstance(value, (list, tuple)):
            words += [f"--{name}", *value]
        elif value is not None and value is not False:
            words += [f"--{name}", str(value)]
    for name, value in (overrides or {}).items():
        words += ["--set", f"{name}={value}"]
    return xla_flags_prefix(xla_flags.user_flags()) + shlex.join(words)


def _compilation_caches() -> dict[str, str | None]:
    """Where each side keeps compiled code between runs: compile times depend on it."""
    return {
        "jax": jax.config.jax_compilation_cache_dir,
        "torch_inductor": os.environ.get("TORCHINDUCTOR_CACHE_DIR") or "PyTorch's default",
    }


def bench_entry(
    entry: str,
    overrides: Mapping[str, Any] | None = None,
    *,
    batch_size: int | None = None,
    steps: int = 20,
    repeats: int = 5,
    warmup: int = 5,
    torch_modes: tuple[str | None, ...] | None = None,
    with_torch: bool = True,
    implementation: str | None = None,
) -> dict[str, Any]:
    """Times ``entry``'s train step (and greedy decoding for a ``Seq2Seq``) against its PyTorch
    twin in each of ``torch_modes`` (None: eager; default: ``default_torch_modes()``); returns
    the report, one row per measure and side (see the module's docstring).

    ``implementation``: the model's implementation the ``jax`` rows time (``build``'s: by default
    the one training runs); ``"both"`` also times the other one's train step in the same rounds,
    as the side ``jax (reference)`` or ``jax (xla_cpu)``."""
    requested = None if implementation == "both" else implementation
    parts = None if batch_size is None else choose_batch_parts(entry, batch_size, requested)
    built = build(entry, overrides, implementation=requested, batch_parts=parts)
    experiment = built.experiment
    batch_size = batch_size or experiment.batch_size
    host, batch_source = bench_batch(built, batch_size)
    xla_peak = matmul_peak_gflops()
    # The train step donates its state: decoding reads a copy of the initial parameters.
    params = jax.tree.map(jnp.copy, built.state.params)
    train, counts = _jax_train_step(built, jax.device_put(host), xla_peak)
    contenders, decoding = [train], None
    if implementation == "both":
        contenders += _other_implementation(entry, overrides, built.implementation, built.batch_parts, host, xla_peak)
    if isinstance(experiment.model, Seq2Seq):
        source, max_length = host["inputs"][:, : experiment.model.source_length], host["targets"].shape[1]
        greedy, flops_for = _jax_greedy_decode(built, params, source, max_length, xla_peak)
        contenders.append(greedy)
        decoding = (source, max_length, flops_for)
    modes = default_torch_modes() if torch_modes is None else tuple(torch_modes)
    twin = with_torch and importlib.util.find_spec("torch") is not None and recipe_for(entry, built.config) is not None
    if twin:
        contenders += _torch_contenders(built, host, modes, warmup, counts["flops"], decoding)
    for contender in contenders:
        if contender.side.startswith("jax"):  # the PyTorch processes warmed up before they answered
            contender.run(warmup)
    try:
        for _ in range(repeats):
            for contender in contenders:
                if "error" not in contender.row:
                    contender.times.append(contender.run(steps))
    finally:
        for contender in contenders:
            contender.close()
    targets = host["targets"]
    tokens = targets.shape[1] if targets.ndim == 2 and np.issubdtype(targets.dtype, np.integer) else None
    jax_times = {contender.measure: contender.times for contender in contenders if contender.side == "jax"}
    rows = [_row(contender, steps, batch_size, tokens, jax_times) for contender in contenders]
    options = {
        "batch-size": batch_size, "steps": steps, "repeats": repeats, "warmup": warmup,
        "torch": [mode or "eager" for mode in modes] if with_torch else None, "no-torch": not with_torch,
        "implementation": implementation,
    }
    report = {
        "entry": entry,
        "model": type(experiment.model).__name__,
        "implementation": built.implementation,
        "batch_parts": built.batch_parts,
        "command": bench_command(entry, overrides, options),
        "batch_size": batch_size,
        "batch": batch_source,
        "steps_per_round": steps,
        "repeats": repeats,
        "warmup": warmup,
        "xla_options": xla_flags.as_flags(built.xla_options),
        "compile_seconds": train.row["compile_seconds"],
        "flops_per_step": counts.pop("flops"),
        **counts,
        "matmul_peak_gflops": xla_peak,
        "rows": rows,
        "jax_over_best_torch": _over_best(rows),
        "compilation_caches": _compilation_caches(),
    }
    if with_torch and not twin:
        report["torch_missing"] = _why_no_twin(entry)
    return report | environment()


def _other_implementation(entry, overrides, running: str, batch_parts: int, host, peak: float) -> list[Contender]:
    """The train step of the implementation training does not run here, when the model has one."""
    other = next(name for name in IMPLEMENTATIONS if name != running)
    try:
        # The same batch parts as the side training runs: the rows compare the models alone.
        other_built = build(entry, overrides, implementation=other, batch_parts=batch_parts)
    except ConfigError:  # no XLA:CPU variant of this model
        return []
    contender, _ = _jax_train_step(other_built, jax.device_put(host), peak)
    contender.side = f"jax ({other})"
    return [contender]


def _over_best(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Per measure: JAX's calls per second over the fastest PyTorch row's."""
    ratios = {}
    for measure in dict.fromkeys(row["measure"] for row in rows):
        jax_rate = next(r.get("calls_per_second") for r in rows if r["measure"] == measure and r["side"] == "jax")
        torch_rates = [r["calls_per_second"] for r in rows if r["measure"] == measure and "calls_per_second" in r
                       and not r["side"].startswith("jax")]
        if torch_rates:
            ratios[measure] = jax_rate / max(torch_rates)
    return ratios


def _why_no_twin(entry: str) -> str:
    if importlib.util.find_spec("torch") is None:
        return "torch is not installed (pip install -e '.[torch]')"
    return f"no PyTorch recipe for {entry} (jax_zoo.bench.torch_recipes)"
