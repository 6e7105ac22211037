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
# # A zoo model in Flax NNX
#
# **What it teaches:** how to use a zoo model (a Flax linen module) from Flax NNX, the API Flax
# recommends for new code: wrap it with `flax.nnx.bridge.ToNNX`, train it with `nnx.Optimizer`
# and `nnx.jit`, then load the shipped weights of `fashion_lenet` into the same NNX module and
# get the published test accuracy back. The weights are the same pytree both ways.
#
# **Time:** about 1 minute at full size (one epoch of Fashion-MNIST, 429 steps);
# `ZOO_NOTEBOOK_BUDGET=small` (the tests and the site) trains 30 steps. The first run prepares
# Fashion-MNIST from Debian's `dataset-fashion-mnist` (about a minute, once).

# %%
import os
from pathlib import Path

import jax
import matplotlib.pyplot as plt
import numpy as np
import optax
from flax import nnx

import jax_zoo as zoo
from jax_zoo.api.published import published_result
from jax_zoo.models import LeNet5
from jax_zoo.train import accuracy, softmax_cross_entropy, train_batches

SMALL = os.environ.get("ZOO_NOTEBOOK_BUDGET") == "small"
STEPS = 30 if SMALL else 429
workdir = Path("runs/notebooks/flax_nnx")
workdir.mkdir(parents=True, exist_ok=True)

train_data = zoo.load_dataset("fashion_mnist_local", "train")
test_data = zoo.load_dataset("fashion_mnist_local", "test")
class_names = zoo.dataset_info("fashion_mnist_local").class_names
print({name: (array.shape, array.dtype) for name, array in train_data.items()})

# %% [markdown]
# ## A linen module as an NNX module
# A linen module holds no weights: `init` makes them from a sample input. `ToNNX` wraps it in an
# NNX module, and `lazy_init` does the same `init` once, from a sample batch, storing the
# variables in the module as `nnx.Param`s. Calling the NNX module runs the linen module's
# `apply` with them; keyword arguments (`train=`) pass through.

# %%
model = nnx.bridge.ToNNX(LeNet5(num_classes=10), rngs=nnx.Rngs(0)).lazy_init(train_data["inputs"][:1], train=False)
params = nnx.state(model, nnx.Param)
print(jax.tree.map(lambda array: array.shape, nnx.to_pure_dict(params)))
print(sum(array.size for array in jax.tree.leaves(params)), "parameters")

# %% [markdown]
# ## Training with nnx.Optimizer
# The optimizer holds the Optax state for the module's `nnx.Param`s; `optimizer.update` applies
# the gradients to the module in place. The loss and the metric are the zoo's own pure functions
# from `jax_zoo.train`, and the batches come from its `train_batches`.

# %%
optimizer = nnx.Optimizer(model, optax.adam(2e-3), wrt=nnx.Param)


@nnx.jit
def train_step(model, optimizer, batch):
    def loss_fn(model):
        logits = model(batch["inputs"], train=True)
        return softmax_cross_entropy(logits, batch["targets"]), logits

    (loss, logits), grads = nnx.value_and_grad(loss_fn, has_aux=True)(model)
    optimizer.update(model, grads)
    return loss, accuracy(logits, batch["targets"]).mean()


history = []
for step, batch in zip(range(STEPS), train_batches(train_data, 128, seed=0, epoch=0)):
    loss, batch_accuracy = train_step(model, optimizer, batch)
    history.append((float(loss), float(batch_accuracy)))
print(f"step 1: loss {history[0][0]:.3f}; step {len(history)}: loss {history[-1][0]:.3f}, batch accuracy {history[-1][1]:.1%}")
assert history[-1][0] < history[0][0] / 2, "the loss should fall by half within the first steps"

figure, axis = plt.subplots(figsize=(6, 3), layout="constrained")
axis.plot(range(1, len(history) + 1), [loss for loss, _ in history])
axis.set(xlabel="step", ylabel="training loss (batch of 128)", title="LeNet5 through ToNNX, nnx.Optimizer")
figure.savefig(workdir / "training_loss.png")

# %% [markdown]
# ## The shipped weights, in the same NNX module
# `zoo.pretrained("fashion_lenet")` reads the published run's variables (sha256-checked): a
# linen `{"params": ...}` tree with the same structure as the NNX module's parameters, so
# `nnx.update` loads them as they are. The NNX module then computes exactly what the linen
# module computes, and scores the published test accuracy.

# %%
shipped = zoo.pretrained("fashion_lenet")
nnx.update(model, shipped.variables["params"])

logits = model(test_data["inputs"], train=False)
np.testing.assert_array_equal(np.asarray(logits), np.asarray(shipped.apply(test_data["inputs"])))
correct = int((np.asarray(logits).argmax(axis=-1) == test_data["targets"]).sum())
published = published_result("fashion_lenet")["test"]["accuracy"]
print(f"NNX module: {correct:,} of {len(test_data['targets']):,} test images; published: {published:.2%}")
assert correct == round(published * len(test_data["targets"]))

# %% [markdown]
# The other way: `nnx.to_pure_dict` turns the module's parameters back into a plain tree that the
# linen module's `apply` takes, so weights trained in NNX go back to the zoo's functions
# (`jax_zoo.train`, `zoo eval`) unchanged.

# %%
linen_params = nnx.to_pure_dict(nnx.state(model, nnx.Param))
linen_logits = LeNet5(num_classes=10).apply({"params": linen_params}, test_data["inputs"][:8], train=False)
np.testing.assert_allclose(np.asarray(linen_logits), np.asarray(logits[:8]), atol=1e-5)

figure, axes = plt.subplots(1, 8, figsize=(12, 2.2), layout="constrained")
for axis, image, row, label in zip(axes, test_data["inputs"][:8], np.asarray(linen_logits), test_data["targets"][:8]):
    predicted = int(row.argmax())
    axis.imshow(image[..., 0], cmap="gray_r")
    axis.set_title(f"{class_names[predicted]}\n({class_names[label]})", fontsize=8, color="black" if predicted == label else "red")
    axis.axis("off")
figure.suptitle("Shipped fashion_lenet weights through NNX: prediction (label)")
figure.savefig(workdir / "predictions.png")
