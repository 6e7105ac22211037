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
# # Extending the zoo without editing it
#
# **What it teaches:** how to bring your own model, dataset (from numpy arrays, and from a
# TFDS builder), loss and optimizer, register them as an entry from your own code, and get
# everything the zoo's entries get: `train_and_evaluate` with checkpoints and `results.json`,
# plots, and k-fold cross-validation.
#
# **Time:** about 30 s at full size on a 2-core CPU (two small tabular datasets, 30 epochs
# each, 5 folds three times); `ZOO_NOTEBOOK_BUDGET=small` (the tests) runs 10 epochs and 2 folds.

# %%
# %matplotlib inline
import os
from pathlib import Path

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import tensorflow_datasets as tfds

from jax_zoo import train
import jax_zoo as zoo
from jax_zoo.datasets import data_dir
from jax_zoo.datasets.tfds_local import prepare, read_split
from jax_zoo.api.cross_validation import cross_validate_entry
from jax_zoo.api.plots import learning_curves_figure, read_history

SMALL = os.environ.get("ZOO_NOTEBOOK_BUDGET") == "small"
EPOCHS, FOLDS = (10, 2) if SMALL else (30, 5)
workdir = Path("runs/notebooks/extend")

# %% [markdown]
# ## A model: any flax module called as `apply(variables, inputs, train=...)`

# %%
class MLP(nn.Module):
    """``<float>[batch, ...]`` -> ``<float32>[batch, num_classes]`` logits: flatten, then
    ``len(hidden)`` Dense + GELU layers with dropout."""

    num_classes: int
    hidden: tuple[int, ...] = (64, 64)
    dropout_rate: float = 0.1

    @nn.compact
    def __call__(self, x, *, train: bool = False):
        x = x.reshape(x.shape[0], -1)
        for width in self.hidden:
            x = nn.gelu(nn.Dense(width)(x))
            x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
        return nn.Dense(self.num_classes)(x)


# %% [markdown]
# ## A dataset from numpy arrays
# `register_dataset` takes a loader `load(split, directory) -> {"inputs", "targets"}` and
# what one example looks like; every split is checked against that spec when it is loaded.
# Here, scikit-learn's two interleaved half-moons, each split drawn with its own seed.

# %%
MOON_SIZES = {"train": 600, "validation": 200, "test": 200}


@zoo.register_dataset(
    "two_moons",
    example_spec={"inputs": jax.ShapeDtypeStruct((2,), np.float32), "targets": jax.ShapeDtypeStruct((), np.int32)},
    split_sizes=MOON_SIZES,
    num_classes=2,
    class_names=("upper", "lower"),
)
def load_two_moons(split, directory):
    """Two interleaved half-moons with noise 0.25 (scikit-learn's make_moons), a seed per split."""
    from sklearn.datasets import make_moons

    seed = list(MOON_SIZES).index(split)
    inputs, targets = make_moons(MOON_SIZES[split], noise=0.25, random_state=seed)
    return {"inputs": inputs.astype(np.float32), "targets": targets.astype(np.int32)}


print(zoo.dataset_info("two_moons").description, {k: v.shape for k, v in zoo.load_dataset("two_moons", "train").items()})

# %% [markdown]
# ## A dataset from a TFDS builder
# For data that should be prepared once and stored, write a `tfds.core.GeneratorBasedBuilder`:
# `jax_zoo.datasets.tfds_local.prepare` generates its array_record files on first use (no
# TensorFlow needed) and `read_split` reads a split back into arrays. Here the 178 wines of
# scikit-learn's wine data, 13 chemical measurements each, split 60/20/20 by class.
# (`skip_registration` keeps TFDS from complaining when the cell runs twice.)

# %%
class Wine(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """scikit-learn's 178 wines from three cultivars: 13 measurements, stratified 60/20/20, seed 0."""

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        return tfds.core.DatasetInfo(
            builder=self,
            features=tfds.features.FeaturesDict({
                "features": tfds.features.Tensor(shape=(13,), dtype=np.float32),
                "label": tfds.features.ClassLabel(num_classes=3),
                "index": tfds.features.Tensor(shape=(), dtype=np.int32),
            }),
        )

    def _split_generators(self, dl_manager):
        from sklearn.datasets import load_wine
        from sklearn.model_selection import train_test_split

        wine = load_wine()
        indices = np.arange(len(wine.target))
        train_part, rest = train_test_split(indices, test_size=0.4, stratify=wine.target, random_state=0)
        validation, test = train_test_split(rest, test_size=0.5, stratify=wine.target[rest], random_state=0)
        return {name: self._generate_examples(wine, part) for name, part in
                (("train", train_part), ("validation", validation), ("test", test))}

    def _generate_examples(self, wine, indices):
        for index in indices:
            yield int(index), {"features": wine.data[index].astype(np.float32), "label": int(wine.target[index]), "index": int(index)}


@zoo.register_dataset(
    "wine",
    example_spec={"inputs": jax.ShapeDtypeStruct((13,), np.float32), "targets": jax.ShapeDtypeStruct((), np.int32)},
    split_sizes={"train": 106, "validation": 36, "test": 36},
    num_classes=3,
)
def load_wine_split(split, directory):
    """Wines, 13 measurements standardized by the training split's mean and deviation."""
    builder = prepare(Wine, directory)
    reference = read_split(builder, "train")["features"]
    arrays = read_split(builder, split, order_key="index")
    inputs = (arrays["features"] - reference.mean(axis=0)) / reference.std(axis=0)
    return {"inputs": inputs.astype(np.float32), "targets": arrays["label"].astype(np.int32)}


print(zoo.dataset_info("wine").description, "prepared under", data_dir())

# %% [markdown]
# ## A loss and an optimizer
# A loss is `loss(outputs, targets, mask=None) -> scalar`, the mean over the examples where
# `mask` is nonzero (evaluation pads its last batch). This one is the multi-class hinge loss
# (Crammer-Singer): the margin by which the best wrong class comes within 1 of the right one.
#
# An optimizer is any optax `GradientTransformation`: a pair of pure functions `init` and
# `update`. This one keeps a momentum of the gradients and steps by its sign, every
# parameter by the same amount (sign descent with momentum), chained with a learning rate.

# %%
def multiclass_hinge(logits, labels, *, mask=None):
    """Crammer-Singer hinge on ``<float>[batch, classes]`` logits and ``<int>[batch]`` labels."""
    correct = jnp.take_along_axis(logits, labels[:, None], axis=-1)[:, 0]
    wrong = jnp.where(jax.nn.one_hot(labels, logits.shape[-1], dtype=bool), -jnp.inf, logits).max(axis=-1)
    return train.masked_mean(jnp.maximum(0.0, 1.0 + wrong - correct), mask)


def sign_momentum(beta: float = 0.9) -> optax.GradientTransformation:
    """Updates ``sign(m)`` with ``m <- beta * m + (1 - beta) * gradient``."""

    def init(params):
        return jax.tree.map(jnp.zeros_like, params)

    def update(updates, momentum, params=None):
        momentum = jax.tree.map(lambda m, g: beta * m + (1 - beta) * g, momentum, updates)
        return jax.tree.map(jnp.sign, momentum), momentum

    return optax.GradientTransformation(init, update)


# %% [markdown]
# ## An entry
# An entry is a function of keyword-only settings with defaults (int, float, bool or str: they
# become `--set` values and `config.json`) that returns an `Experiment`. `jax_zoo.register`
# adds it to the registry next to the zoo's own; nothing in the package changes.

# %%
@zoo.register
def tabular_mlp(
    *,
    dataset: str = "wine",
    learning_rate: float = 3e-3,
    batch_size: int = 16,
    epochs: int = EPOCHS,
    seed: int = 0,
    loss: str = "hinge",
    optimizer: str = "sign_momentum",
) -> zoo.Experiment:
    """MLP (two GELU layers of 64) on a small tabular dataset; sign descent with momentum and a
    cosine schedule, or Adam; multi-class hinge or cross-entropy loss."""
    if loss not in ("hinge", "cross_entropy"):
        raise zoo.ConfigError(f"loss: expected 'hinge' or 'cross_entropy', got {loss!r}")
    if optimizer not in ("sign_momentum", "adam"):
        raise zoo.ConfigError(f"optimizer: expected 'sign_momentum' or 'adam', got {optimizer!r}")

    def make_optimizer(steps_per_epoch):
        schedule = optax.cosine_decay_schedule(learning_rate, epochs * steps_per_epoch)
        if optimizer == "adam":
            return optax.adam(schedule)
        return optax.chain(sign_momentum(), optax.scale_by_learning_rate(schedule))

    return zoo.Experiment(
        model=MLP(num_classes=zoo.dataset_info(dataset).num_classes),
        optimizer=make_optimizer,
        loss=multiclass_hinge if loss == "hinge" else train.softmax_cross_entropy,
        metrics={"accuracy": train.accuracy},
        dataset=dataset,
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        # Small runs: save at the end only.
        checkpoint_policy=train.CheckpointPolicy(every_epochs=None),
    )


print(zoo.list_entries("tabular*"), zoo.default_config("tabular_mlp"))

# %% [markdown]
# ## Train, plot, cross-validate
# Everything from here is what the zoo's own entries use. `train_and_evaluate` writes the
# workdir; `plot_workdir` draws its curves and the test confusion matrix.

# %%
wine_results = zoo.train_and_evaluate("tabular_mlp", workdir / "wine", restart=True, progress=False)
moons_results = zoo.train_and_evaluate(
    "tabular_mlp", workdir / "moons", {"dataset": "two_moons", "batch_size": 32}, restart=True, progress=False
)
for results in (wine_results, moons_results):
    print(f"{results['config']['dataset']}: test accuracy {results['test']['accuracy']:.2%} of {results['test']['count']}")
print([path.name for path in zoo.plot_workdir(workdir / "wine")], [path.name for path in zoo.plot_workdir(workdir / "moons")])
learning_curves_figure(read_history(workdir / "wine"), title="tabular_mlp on wine")

# %% [markdown]
# On 106 training wines one test split of 36 says little: cross-validation on the training
# split compares the loss and the optimizer with a spread (`cross_validate_entry` is what
# `zoo cv` runs; an entry registered here lives in this process only, so here it is called
# from Python).

# %%
for settings in ({}, {"loss": "cross_entropy"}, {"optimizer": "adam"}):
    summary = cross_validate_entry("tabular_mlp", FOLDS, workdir / "cv", settings)
    print(f"{settings or 'defaults'}: {FOLDS}-fold accuracy {summary['mean']['accuracy']:.2%} ± {summary['std']['accuracy']:.2%}")

# %%
assert wine_results["test"]["accuracy"] > 0.6 and moons_results["test"]["accuracy"] > 0.6
