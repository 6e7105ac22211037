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
# Train the default entry, `digits_cnn` (the reference CNN on scikit-learn's 8x8 digits), for a
# few epochs, plot its learning curve, and call the trained model as a pure function.
# Open it as a notebook with `jupytext --to ipynb notebooks/quickstart.py`, or run it as a script.

# %%
import json
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import zoo

workdir = Path(os.environ.get("QUICKSTART_WORKDIR", "runs/quickstart"))
print(zoo.list_entries())
print(zoo.default_config("digits_cnn"))

# %% [markdown]
# `train_and_evaluate` is what `zoo train` runs: it writes `metrics.jsonl`, a checkpoint and
# `results.json` into the workdir. Config values are overridden by keyword.

# %%
results = zoo.train_and_evaluate("digits_cnn", workdir, {"epochs": 5}, restart=True, progress=False)
print(results["test"])

# %% [markdown]
# ## Learning curve

# %%
history = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
epochs = [record["epoch"] for record in history]
figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(9, 3.5))
loss_axis.plot(epochs, [r["train_loss"] for r in history], label="train")
loss_axis.plot(epochs, [r["eval_loss"] for r in history], label="test")
loss_axis.set(xlabel="epoch", ylabel="cross-entropy")
loss_axis.legend()
accuracy_axis.plot(epochs, [r["train_accuracy"] for r in history], label="train")
accuracy_axis.plot(epochs, [r["eval_accuracy"] for r in history], label="test")
accuracy_axis.set(xlabel="epoch", ylabel="accuracy")
figure.tight_layout()
figure.savefig(workdir / "learning_curve.png")

# %% [markdown]
# ## The model is a pure function
# `restore` rebuilds the entry from the workdir's config and checkpoint; `model.apply` maps
# `[batch, 8, 8, 1]` images to `[batch, 10]` logits.

# %%
trained = zoo.restore(workdir)
test = zoo.load_dataset("digits", "test")
images, labels = test["inputs"][:8], test["targets"][:8]
logits = trained.experiment.model.apply({"params": trained.state.params}, images)
predictions = np.asarray(logits.argmax(axis=-1))
print("predicted:", predictions)
print("true:     ", labels)

figure, axes = plt.subplots(1, 8, figsize=(10, 1.8))
for axis, image, predicted, label in zip(axes, images, predictions, labels):
    axis.imshow(image[..., 0], cmap="gray_r")
    axis.set_title(f"{predicted} ({label})", color="black" if predicted == label else "red")
    axis.axis("off")
figure.savefig(workdir / "predictions.png")
assert (predictions == labels).mean() >= 0.75, "five epochs should classify most digits"
