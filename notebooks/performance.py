# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Where the time goes: tracing, compiling, donation, profiles, XLA options
#
# **What it teaches:** why a JAX program's first step is slow (tracing and XLA compilation)
# and when a jitted function compiles again; what donating the state saves; how to record a
# profiler trace of one step; which XLA options make this CPU fast for which network; and how
# `zoo bench` times a train step.
#
# **Time:** about 1.5 minutes at full size on a 2-core CPU (five compilations of a 28x28 CNN
# step, 30 timed steps with each XLA preset, a short `zoo bench`); `ZOO_NOTEBOOK_BUDGET=small`
# (the tests) times 3 steps of each.

# %%
import os
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax

from jax_zoo import models, train
from jax_zoo.bench.timing import bench_entry

SMALL = os.environ.get("ZOO_NOTEBOOK_BUDGET") == "small"
TIMED_STEPS = 3 if SMALL else 30
workdir = Path("runs/notebooks/performance")
workdir.mkdir(parents=True, exist_ok=True)

model = models.SimpleCNN(num_classes=10)
loss = train.softmax_cross_entropy
rng = np.random.default_rng(0)


def fashion_batch(batch_size):
    """A random batch shaped like Fashion-MNIST's: ``inputs <float32>[batch, 28, 28, 1]``."""
    return {
        "inputs": rng.uniform(size=(batch_size, 28, 28, 1)).astype(np.float32),
        "targets": rng.integers(0, 10, batch_size).astype(np.int32),
    }


def fresh_state(optimizer=optax.adam(1e-3)):
    variables = model.init(jax.random.PRNGKey(0), jnp.zeros((1, 28, 28, 1)))
    return train.create_train_state(model.apply, variables, optimizer, jax.random.PRNGKey(1))


# %% [markdown]
# ## The first step: tracing, lowering, compiling
# `jax.jit` does nothing until the first call. Then it **traces** the Python function with
# abstract arrays (shapes and dtypes, no values) into a jaxpr, **lowers** that to StableHLO,
# and XLA **compiles** it for this CPU. The ahead-of-time API does the three one by one:

# %%
train_step = train.make_train_step(loss, {"accuracy": train.accuracy}, compiler_options="convolutions")
state, batch = fresh_state(), fashion_batch(128)

start = time.perf_counter()
traced = train_step.jitted.trace(state, batch)
trace_seconds = time.perf_counter() - start
lowered = traced.lower()
lower_seconds = time.perf_counter() - start - trace_seconds
compiled = lowered.compile()
compile_seconds = time.perf_counter() - start - trace_seconds - lower_seconds
print(f"trace {trace_seconds:.2f} s ({len(traced.jaxpr.eqns)} jaxpr equations), lower {lower_seconds:.2f} s, compile {compile_seconds:.2f} s")

# %% [markdown]
# A call does all of that the first time and then looks the compiled program up in a cache
# keyed by the arguments' shapes, dtypes and static structure. `jax_zoo.train.CompilationLog`
# counts compilations from JAX's own monitoring events: the first call with batches of 64
# compiles, the next two find it in the cache, and batches of 128 use what the cell above
# compiled.

# %%
step_seconds = []
with train.CompilationLog() as log:
    for batch_size in (64, 64, 64, 128):
        start = time.perf_counter()
        state, metrics = train_step(state, fashion_batch(batch_size))
        jax.block_until_ready(metrics)
        step_seconds.append(time.perf_counter() - start)
        print(f"batch {batch_size}: {step_seconds[-1]:.3f} s, compilations so far {log.compiles('train_step')}")
print(f"time spent tracing, lowering and compiling: {log.seconds('train_step'):.2f} s")

# %% [markdown]
# That is why `jax_zoo.train.fit` keeps every batch the same shape (the last partial batch of an
# epoch is dropped; evaluation pads its last batch and masks the padding), and why a change of
# batch size costs a compilation. The `zoo` command also keeps compiled programs on disk (JAX's
# persistent compilation cache, `~/.cache/jax-zoo/xla`), so a second run of an entry skips it.

# %% [markdown]
# ## Donation
# A train step returns a new state the size of the old one. With `donate_argnums=(0,)`
# (what `make_train_step` does) XLA may write the new state into the old one's buffers
# instead of allocating a second copy; the old arrays are then deleted, and using them is an
# error. Without donation both copies live until Python drops the old one.

# %%
old_state = fresh_state()
new_state, _ = train_step(old_state, fashion_batch(128))
print("donated input deleted:", old_state.params["fc1"]["kernel"].is_deleted())
try:
    old_state.params["fc1"]["kernel"] + 1
except RuntimeError as error:
    print("using it:", str(error).splitlines()[0])
state_bytes = sum(leaf.nbytes for leaf in jax.tree.leaves((new_state.params, new_state.opt_state)))
print(f"the state is {state_bytes / 2**20:.1f} MiB: one copy instead of two on every step")

# %% [markdown]
# ## A profiler trace of one step
# `jax.profiler.trace` records what the host and XLA's runtime did into a directory: open it
# with TensorBoard's profile plugin (`tensorboard --logdir DIR`, with
# `tensorboard-plugin-profile` installed), or load its `perfetto_trace.json.gz` into Perfetto
# (ui.perfetto.dev).
# Trace a step that is already compiled, or the trace is mostly the compiler.

# %%
trace_dir = workdir / "trace"
state, batch = new_state, fashion_batch(128)
state, metrics = train_step(state, batch)  # compiled already; run once more outside the trace
jax.block_until_ready(metrics)
with jax.profiler.trace(str(trace_dir), create_perfetto_trace=True):
    state, metrics = train_step(state, batch)
    jax.block_until_ready(metrics)
written = sorted(path.relative_to(trace_dir) for path in trace_dir.rglob("*") if path.is_file())
print(*written, sep="\n")
assert any(path.name.endswith(".xplane.pb") for path in written)

# %% [markdown]
# ## The XLA options this CPU needs
# XLA's CPU defaults suit some networks better than others. `jax_zoo.train.xla_flags.PRESETS` holds
# the options measured fastest per kind of network (docs/performance.md): `"convolutions"`
# (YNNPACK off, the older fusion emitters) for plain CNNs, `"batchnorm"` for the ResNet,
# `"recurrent"` (smaller heaps, reused between steps) for LSTMs. They are compile options of
# the steps (`compiler_options`), so a preset applies to one jitted function, never to the
# process. Here the CNN's step with each:

# %%
def milliseconds_per_step(options):
    step = train.make_train_step(loss, compiler_options=options)
    state, batch = fresh_state(), fashion_batch(128)
    state, metrics = step(state, batch)  # compiles
    jax.block_until_ready(metrics)
    start = time.perf_counter()
    for _ in range(TIMED_STEPS):
        state, metrics = step(state, batch)
    jax.block_until_ready(metrics)
    return 1000 * (time.perf_counter() - start) / TIMED_STEPS


presets = {"XLA defaults": None, **{name: name for name in train.xla_flags.PRESETS}}
step_milliseconds = {name: milliseconds_per_step(options) for name, options in presets.items()}
for name, milliseconds in step_milliseconds.items():
    print(f"SimpleCNN 28x28, batch 128, {name:13s} {milliseconds:8.1f} ms per step")
figure, axis = plt.subplots(figsize=(6, 2.5))
axis.barh(list(step_milliseconds), list(step_milliseconds.values()))
axis.set(xlabel="milliseconds per train step", title=f"SimpleCNN, batch 128 ({TIMED_STEPS} steps each)")
figure.tight_layout()
figure.savefig(workdir / "presets.png")

# %% [markdown]
# ## How `zoo bench` measures
# `zoo bench ENTRY` (`jax_zoo.bench.timing.bench_entry`) times the entry's own train step on one
# synthetic batch already on the device, so neither the input pipeline nor the first
# compilation is counted (the compile time is reported apart): `warmup` steps first, then
# `repeats` rounds of `steps` steps, each round ended by `jax.block_until_ready` (JAX
# dispatches asynchronously: without it a timer measures only the dispatch). It reports the
# median round's steps per second with the slowest and fastest, the FLOPs per step from XLA's
# cost analysis, the fraction of a measured matmul peak, and, where the model has a PyTorch
# twin, the same step in PyTorch, eager and through `torch.compile`, each in a process of its
# own. Timings, and the peak they are
# compared with, mean something on an idle machine only: on a busy one the rounds spread
# (compare the slowest and fastest) and the fraction of the peak can exceed 100%.

# %%
report = bench_entry("digits_cnn", steps=5 if SMALL else 50, repeats=3 if SMALL else 7, warmup=2, with_torch=False)
jax_rates = report["rows"][0]  # the JAX train step; PyTorch's rows follow when asked for
print(
    f"digits_cnn, batch {report['batch_size']}: {jax_rates['calls_per_second']:.0f} steps/s "
    f"(rounds {jax_rates['calls_per_second_min']:.0f}-{jax_rates['calls_per_second_max']:.0f}), "
    f"{report['flops_per_step'] / 1e6:.1f} MFLOP per step, {jax_rates['percent_of_peak']:.1f}% of the matmul peak; "
    f"compiled in {report['compile_seconds']:.2f} s"
)
