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
# # A training loop from pure functions
#
# **What it teaches:** that a zoo model is a pure function of its parameters, and a training
# step is one more pure function: `model.init`, a loss, `jax.value_and_grad`, an optax update
# and `jax.jit`, written out by hand from `models/` and `train/` with no entry and no registry.
# Then the same step from `jax_zoo.train.make_train_step`, and why both run at the entry's speed: the
# XLA options of `jax_zoo.train.xla_flags.PRESETS`.
#
# **Time:** about 1 minute at full size on a 2-core CPU (30 epochs of the 8x8 digits twice, then
# 30 timed steps of a 28x28 batch three ways); `ZOO_NOTEBOOK_BUDGET=small` (the tests) trains
# 3 epochs and times 2 steps.

# %%
import functools
import os
import time
from pathlib import Path

import jax
import matplotlib.pyplot as plt
import numpy as np
import optax
import treescope

from jax_zoo import models, train
from jax_zoo.datasets import load_dataset

SMALL = os.environ.get("ZOO_NOTEBOOK_BUDGET") == "small"
EPOCHS = 3 if SMALL else 30
BATCH_SIZE = 32
workdir = Path("runs/notebooks/pure_functions")
workdir.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# The data are numpy arrays: `inputs <float32>[n, 8, 8, 1]` in [0, 1] and `targets <int32>[n]`.
# Only the loader comes from `zoo`; the validation split picks the recipe, the test split is
# left alone.

# %%
train_data = load_dataset("digits", "train")
validation_data = load_dataset("digits", "validation")
print({name: (array.shape, array.dtype) for name, array in train_data.items()})

# %% [markdown]
# ## The model: `init` makes the parameters, `apply` is the function
# `SimpleCNN` is a flax module: a description of the computation, holding no weights.
# `init` traces it on one example and returns the parameter tree; `treescope` shows it.

# %%
model = models.SimpleCNN(num_classes=10)
params = model.init(jax.random.PRNGKey(0), train_data["inputs"][:1])["params"]
print(treescope.render_to_text(jax.tree.map(lambda leaf: jax.ShapeDtypeStruct(leaf.shape, leaf.dtype), params)))
print(f"{sum(leaf.size for leaf in jax.tree.leaves(params)):,} parameters")

# %% [markdown]
# ## The step: loss, gradient, optimizer update
# `jax.value_and_grad` turns the loss into a function returning the loss and its gradient
# with respect to the first argument. The optax optimizer is a pair of pure functions too:
# `init(params) -> opt_state` and `update(grads, opt_state, params) -> (updates, opt_state)`.
# `donate_argnums` lets XLA write the new parameters over the old ones.

# %%
optimizer = optax.adam(optax.cosine_decay_schedule(1e-3, EPOCHS * (len(train_data["targets"]) // BATCH_SIZE)))


def loss_fn(params, images, labels):
    logits = model.apply({"params": params}, images, train=True)
    return train.softmax_cross_entropy(logits, labels, label_smoothing=0.1)


def step(params, opt_state, images, labels):
    loss, grads = jax.value_and_grad(loss_fn)(params, images, labels)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss


@jax.jit
def validation_accuracy(params, images, labels):
    logits = model.apply({"params": params}, images)
    return (logits.argmax(-1) == labels).mean()


def train_by_hand(jitted_step):
    """Trains from fresh parameters (seed 0); returns them and the mean loss of each epoch."""
    params = model.init(jax.random.PRNGKey(0), train_data["inputs"][:1])["params"]
    opt_state = optimizer.init(params)
    losses = []
    for epoch in range(EPOCHS):
        epoch_losses = []
        for batch in train.train_batches(train_data, BATCH_SIZE, seed=0, epoch=epoch):
            params, opt_state, loss = jitted_step(params, opt_state, batch["inputs"], batch["targets"])
            epoch_losses.append(loss)
        losses.append(float(np.mean(epoch_losses)))
    return params, losses


# %% [markdown]
# ## `jax.jit`, with the CPU preset
# XLA's CPU defaults are not the fastest for plain convolutional networks: routing their
# products through YNNPACK and fusing with the newer emitters costs more than it saves on a
# CPU like ours. The `"convolutions"` preset (`jax_zoo.train.xla_flags.PRESETS`) turns both off. It is
# passed to `jax.jit` as `compiler_options`, so it applies to this function only: nothing
# changes for the rest of the process. `preset` keeps the options this jaxlib accepts (and
# warns about any other).

# %%
print(train.xla_flags.PRESETS["convolutions"])
fast_options = train.xla_flags.preset("convolutions")
hand_step = jax.jit(step, donate_argnums=(0, 1), compiler_options=fast_options)
params, hand_losses = train_by_hand(hand_step)
hand_accuracy = float(validation_accuracy(params, validation_data["inputs"], validation_data["targets"]))
print(f"by hand: training loss {hand_losses[-1]:.4f}, validation accuracy {hand_accuracy:.2%}")

# %% [markdown]
# ## The same with `jax_zoo.train.make_train_step`
# `make_train_step(loss, metrics)` is the step above written once for every model: it reads
# the model from a `TrainState` (parameters, optimizer state, step, a random key), adds
# metrics, a check of each batch's shapes and a guard against NaN, and donates the state.
# `jax_zoo.train.fit` runs the epochs; the entries build their steps this way, with the preset that
# suits their network (`Experiment.xla_flags`).

# %%
smoothed = functools.partial(train.softmax_cross_entropy, label_smoothing=0.1)
state = train.create_train_state(
    model.apply, model.init(jax.random.PRNGKey(0), train_data["inputs"][:1]), optimizer, jax.random.PRNGKey(1)
)
train_step = train.make_train_step(smoothed, {"accuracy": train.accuracy}, compiler_options="convolutions")
eval_step = train.make_eval_step(smoothed, {"accuracy": train.accuracy}, compiler_options="convolutions")
result = train.fit(
    state, train_step=train_step, eval_step=eval_step, train_data=train_data, eval_data=validation_data,
    batch_size=BATCH_SIZE, epochs=EPOCHS, seed=0, progress=False,
)
harness_losses = [record["train_loss"] for record in result.history]
print(f"make_train_step: {result.history[-1]}")

# %% [markdown]
# Both loops draw the same batches from the same initial weights, so their losses agree to
# rounding: `make_train_step` adds checks, not arithmetic.

# %%
print(np.round(hand_losses, 4))
print(np.round(harness_losses, 4))
np.testing.assert_allclose(hand_losses, harness_losses, rtol=2e-3)

# %% [markdown]
# ## How much the preset is worth
# On 8x8 digits a step is too small for the options to matter. On Fashion-MNIST's 28x28
# images in batches of 128 (the `fashion_simple_cnn` entry) they do: on a CPU the preset makes
# its step much faster than XLA's defaults (docs/performance.md has the measurements).
# Here the same step is timed three ways on one random batch of that shape, after a first call
# that compiles it (on a busy machine these times wander).

# %%
TIMED_STEPS = 2 if SMALL else 30
fashion_model = models.SimpleCNN(num_classes=10)
batch = {
    "inputs": np.random.default_rng(0).uniform(size=(128, 28, 28, 1)).astype(np.float32),
    "targets": np.random.default_rng(1).integers(0, 10, 128).astype(np.int32),
}


def fashion_loss(params, images, labels):
    return train.softmax_cross_entropy(fashion_model.apply({"params": params}, images, train=True), labels)


def fashion_step(params, opt_state, images, labels):
    loss, grads = jax.value_and_grad(fashion_loss)(params, images, labels)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss


def milliseconds_per_step(run_step):
    run_step()  # compiles
    start = time.perf_counter()
    for _ in range(TIMED_STEPS):
        out = run_step()
    jax.block_until_ready(out)
    return 1000 * (time.perf_counter() - start) / TIMED_STEPS


def jit_runner(options):
    jitted = jax.jit(fashion_step, donate_argnums=(0, 1), compiler_options=options)
    carry = {"params": fashion_model.init(jax.random.PRNGKey(0), batch["inputs"][:1])["params"]}
    carry["opt_state"] = optimizer.init(carry["params"])

    def run():
        carry["params"], carry["opt_state"], loss = jitted(carry["params"], carry["opt_state"], batch["inputs"], batch["targets"])
        return loss

    return run


def harness_runner():
    fashion_train_step = train.make_train_step(train.softmax_cross_entropy, compiler_options="convolutions")
    carry = {"state": train.create_train_state(
        fashion_model.apply, fashion_model.init(jax.random.PRNGKey(0), batch["inputs"][:1]), optimizer, jax.random.PRNGKey(1)
    )}

    def run():
        carry["state"], metrics = fashion_train_step(carry["state"], batch)
        return metrics

    return run


timings = {
    "jax.jit, XLA defaults": milliseconds_per_step(jit_runner(None)),
    "jax.jit, 'convolutions' preset": milliseconds_per_step(jit_runner(fast_options)),
    "make_train_step, 'convolutions'": milliseconds_per_step(harness_runner()),
}
for name, milliseconds in timings.items():
    print(f"{name:34s} {milliseconds:7.1f} ms per step")

# %%
figure, (loss_axis, time_axis) = plt.subplots(1, 2, figsize=(11, 3.5))
loss_axis.plot(range(1, EPOCHS + 1), hand_losses, marker="o", label="by hand (jax.jit)")
loss_axis.plot(range(1, EPOCHS + 1), harness_losses, marker=".", label="train.make_train_step")
loss_axis.set(xlabel="epoch", ylabel="training loss", title="digits")
loss_axis.legend()
time_axis.barh(list(timings), list(timings.values()))
time_axis.set(xlabel="milliseconds per step", title="28x28, batch 128")
figure.tight_layout()
figure.savefig(workdir / "pure_functions.png")
assert hand_accuracy > 0.5, "the hand-written loop should learn the digits"
