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
# # Overfitting and its remedies
#
# **What it teaches:** what overfitting looks like (training loss falling while validation
# loss rises), and what each usual remedy does to it, one at a time: data augmentation,
# weight decay, dropout, label smoothing, early stopping. Then k-fold cross-validation (`zoo
# cv`) to see how much of a difference is noise.
#
# **Time:** about 1.5 minutes at full size on a 2-core CPU (200 training digits, 60 epochs per
# run, 5 folds); `ZOO_NOTEBOOK_BUDGET=small` (the tests) runs 8 epochs and 2 folds.

# %%
import functools
import os
from pathlib import Path

import jax
import matplotlib.pyplot as plt
import numpy as np
import optax

from jax_zoo import models, train
from jax_zoo.datasets import load_dataset
from jax_zoo.api.cross_validation import cross_validate_entry
from jax_zoo.train.augment import image_augment

SMALL = os.environ.get("ZOO_NOTEBOOK_BUDGET") == "small"
EPOCHS, FOLDS = (8, 2) if SMALL else (60, 5)
PER_CLASS, BATCH_SIZE = 20, 32
workdir = Path("runs/notebooks/overfitting")
workdir.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## A training set small enough to memorize
# 20 digits of each class (200 images, drawn at random) against a network of 53,002
# parameters. Validation is the digits' whole validation split (180 images), which this subset
# never touches.

# %%
full_train = load_dataset("digits", "train")
order = np.random.default_rng(0).permutation(len(full_train["targets"]))
chosen = np.concatenate([order[full_train["targets"][order] == digit][:PER_CLASS] for digit in range(10)])
small_train = {key: value[chosen] for key, value in full_train.items()}
validation_data = load_dataset("digits", "validation")
print(len(small_train["targets"]), "training images,", len(validation_data["targets"]), "validation images")

# %% [markdown]
# ## The recipes
# Each recipe changes one thing from the baseline (SimpleCNN, Adam at 1e-3, plain
# cross-entropy):
# - **augmentation**: every step sees each image shifted by up to one pixel (padding, then a
#   random 8x8 crop; `jax_zoo.train.augment`), so the network never sees the same input twice;
# - **weight decay**: AdamW shrinks every weight by `learning_rate x decay` per step,
#   pulling unused weights to zero;
# - **dropout**: a random quarter of the pooled features and half of the dense layer's
#   outputs are zeroed at each step, so no unit can rely on one other;
# - **label smoothing**: the target puts 0.9 on the label and spreads 0.1 over all classes,
#   so the network gains nothing from ever more confident logits;
# - **early stopping**: the baseline, stopped once validation loss has not improved for 5
#   epochs, keeping the best epoch's weights (it needs the validation split to decide).

# %%
cross_entropy = train.softmax_cross_entropy
RECIPES = {
    "baseline": {},
    "augmentation": {"augment": image_augment(crop_padding=1)},
    "weight decay": {"optimizer": optax.adamw(1e-3, weight_decay=1.0)},
    "dropout": {"model": models.SimpleCNN(num_classes=10, dropout_rates=(0.25, 0.5))},
    "label smoothing": {"loss": functools.partial(cross_entropy, label_smoothing=0.1)},
    "early stopping": {"early_stopping": train.EarlyStoppingPolicy(metric="eval_loss", mode="min", patience=5)},
}
baseline_model, baseline_optimizer = models.SimpleCNN(num_classes=10), optax.adam(1e-3)


def parts(recipe):
    """The model, optimizer and jitted steps of a recipe (compiled once, reused by every fit)."""
    loss = recipe.get("loss", cross_entropy)
    metrics = {"accuracy": train.accuracy}
    train_step = train.make_train_step(loss, metrics, augment=recipe.get("augment"), compiler_options="convolutions")
    eval_step = train.make_eval_step(loss, metrics, compiler_options="convolutions")
    return recipe.get("model", baseline_model), recipe.get("optimizer", baseline_optimizer), train_step, eval_step


def initial_state(model, optimizer, seed=0):
    init_key, dropout_key = jax.random.split(jax.random.PRNGKey(seed))
    return train.create_train_state(model.apply, model.init(init_key, small_train["inputs"][:1]), optimizer, dropout_key)


built = {name: parts(recipe) for name, recipe in RECIPES.items()}
runs = {}
for name, (model, optimizer, train_step, eval_step) in built.items():
    runs[name] = train.fit(
        initial_state(model, optimizer), train_step=train_step, eval_step=eval_step,
        train_data=small_train, eval_data=validation_data, batch_size=BATCH_SIZE, epochs=EPOCHS, seed=0,
        early_stopping=RECIPES[name].get("early_stopping"), progress=False,
    )

# %% [markdown]
# ## Train against validation, recipe by recipe
# The gap between the two curves is the overfitting. Note that the training curves of
# augmentation and dropout are measured *with* the augmentation or dropout on, and label
# smoothing raises the floor of both losses: compare the validation curves across panels.

# %%
figure, axes = plt.subplots(2, len(runs), figsize=(3.2 * len(runs), 6), sharey="row")
for column, (name, result) in enumerate(runs.items()):
    epochs = [record["epoch"] for record in result.history]
    for row, metric in enumerate(("loss", "accuracy")):
        axis = axes[row, column]
        axis.plot(epochs, [record[f"train_{metric}"] for record in result.history], label="train")
        axis.plot(epochs, [record[f"eval_{metric}"] for record in result.history], label="validation")
        axis.set(xlabel="epoch", ylabel=metric if column == 0 else None, title=name if row == 0 else None)
        axis.grid(alpha=0.3)
axes[0, 0].set_yscale("log")
axes[0, 0].legend()
figure.tight_layout()
figure.savefig(workdir / "overfitting.png")

# %% [markdown]
# ## How much is noise: k-fold cross-validation
# One validation split of 180 images gives one number per recipe. `jax_zoo.train.cross_validate`
# trains each recipe `FOLDS` times on the 200 images, each time holding out another fifth
# (stratified by class) and evaluating on it; the spread across folds says how far apart two
# recipes must be before the split can tell them apart. It is what `zoo cv` runs for an entry.
# (`cross_validate` has no early stopping, so that row shows its single run only.)

# %%
summaries = {}
for name, (model, optimizer, train_step, eval_step) in built.items():
    if "early_stopping" in RECIPES[name]:
        continue
    summaries[name] = train.cross_validate(
        lambda train_examples: initial_state(model, optimizer), train_step=train_step, eval_step=eval_step,
        data=small_train, folds=FOLDS, batch_size=BATCH_SIZE, epochs=EPOCHS, seed=0, num_classes=10,
    )

# %%
print(f"{'recipe':16s} {'epochs':>6s} {'train acc':>9s} {'valid. acc':>10s} {'valid. loss':>11s}   {FOLDS}-fold accuracy")
for name, result in runs.items():
    last = result.history[-1]
    best = min(result.history, key=lambda record: record["eval_loss"]) if result.stopped_early else last
    folds = summaries.get(name)
    spread = f"{folds['mean']['accuracy']:.2%} ± {folds['std']['accuracy']:.2%}" if folds else "(not cross-validated)"
    print(
        f"{name:16s} {len(result.history):6d} {last['train_accuracy']:9.2%} {best['eval_accuracy']:10.2%} "
        f"{best['eval_loss']:11.4f}   {spread}"
    )

# %% [markdown]
# What our full-size run showed (60 epochs, 5 folds of 40 images):
# - **The baseline** memorizes: 100% training accuracy and a training loss falling to 0.002,
#   while the validation loss stops falling after about 10 epochs (0.38; 89.4% accuracy).
# - **Augmentation** is the remedy that closes the gap: the two curves stay together, the
#   validation loss halves (0.18) and accuracy reaches 93.3% (5-fold 93.0% ± 2.5).
# - **Label smoothing** reaches 93.9% on validation, though its loss is higher by
#   construction (the smoothed target has an entropy of its own).
# - **Weight decay** (AdamW, 1.0) and **dropout** leave the validation accuracy near the
#   baseline's (90.0% each); dropout's noisy training curve is the dropout itself.
# - **Early stopping** ends at epoch 30, keeping the weights of the best validation loss: the
#   same accuracy as the baseline (88.9%) in half the epochs. It saves time, not accuracy, here.
# - **The spread:** the folds disagree by 2.5 to 6 points (one image of 40 is 2.5). Apart from
#   augmentation, the recipes' differences are within it.

# %% [markdown]
# ## `zoo cv` on an entry
# The same function runs from the command line for any entry, on the entry's whole training
# split (the test split is never read): `zoo cv digits_cnn --folds 5` writes `cv.json` with
# every fold's metrics, their mean and standard deviation. Trained on all 1,257 digits instead
# of 200, `digits_cnn` reached 99.05% ± 0.41 in our full-size run: more data beats every remedy.

# %%
overrides = {"epochs": 1} if SMALL else {}
summary = cross_validate_entry("digits_cnn", FOLDS, workdir / "digits_cnn-cv", overrides)
print(f"digits_cnn, {FOLDS} folds: accuracy {summary['mean']['accuracy']:.2%} ± {summary['std']['accuracy']:.2%}")
assert all(summary["mean"]["accuracy"] > 0.3 for summary in summaries.values())
