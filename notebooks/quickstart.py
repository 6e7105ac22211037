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
# # jax-zoo quick start
#
# **What it teaches:** train an entry from Python, read its learning curves (train and
# validation), and call the trained model as a pure function on a few images.
#
# **Time:** about 20 s at full size on a 2-core CPU (`digits_cnn`'s 30 epochs);
# `ZOO_NOTEBOOK_BUDGET=small` (the tests) trains 5 epochs. Open it as a notebook
# with `jupytext --to ipynb notebooks/quickstart.py`, or run it as a script.

# %%
# %matplotlib inline
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import jax_zoo as zoo
from jax_zoo.api.plots import learning_curves_figure, read_history

SMALL = os.environ.get("ZOO_NOTEBOOK_BUDGET") == "small"
workdir = Path("runs/notebooks/quickstart")
print(zoo.list_entries())
print(zoo.default_config("digits_cnn"))

# %% [markdown]
# `train_and_evaluate` is what `zoo train` runs: it writes `metrics.jsonl` (one line per epoch,
# with the validation split's metrics), checkpoints and `results.json` (the test split's,
# measured once at the end) into the workdir. Config values are overridden by keyword.

# %%
overrides = {"epochs": 5} if SMALL else {}
results = zoo.train_and_evaluate("digits_cnn", workdir, overrides, restart=True, progress=False)
print(results["test"]["accuracy"], results["fit_seconds"])

# %% [markdown]
# ## Learning curves
# Train and validation, epoch by epoch. The validation split chose the recipe; the test split
# is read once, after training, and never plotted against epochs (it would turn into a
# validation split the moment you picked an epoch by it). `jax_zoo.plot_workdir` (the `zoo plot`
# command) writes the curves and the test confusion matrix as PNGs into the workdir.

# %%
print([path.name for path in zoo.plot_workdir(workdir)])
learning_curves_figure(read_history(workdir), title="digits_cnn")

# %% [markdown]
# ## The model is a pure function
# `restore` rebuilds the entry from the workdir's config and checkpoint; `model.apply` maps
# `[batch, 8, 8, 1]` images to `[batch, 10]` logits. A few validation images, with the
# prediction and (in brackets) the label:

# %%
trained = zoo.restore(workdir)
validation = zoo.load_dataset("digits", "validation")
images, labels = validation["inputs"][:10], validation["targets"][:10]
logits = trained.experiment.model.apply({"params": trained.state.params}, images)
predictions = np.asarray(logits.argmax(axis=-1))
print("predicted:", predictions)
print("true:     ", labels)

figure, axes = plt.subplots(1, 10, figsize=(12, 1.8))
for axis, image, predicted, label in zip(axes, images, predictions, labels):
    axis.imshow(image[..., 0], cmap="gray_r")
    axis.set_title(f"{predicted} ({label})", color="black" if predicted == label else "red")
    axis.axis("off")
figure.savefig(workdir / "predictions.png")
assert (predictions == labels).mean() >= 0.7, "five epochs should classify most digits"
