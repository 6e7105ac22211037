"""The dataset registry: a name, what one example looks like, and a loader of in-memory splits.

The zoo's own datasets register themselves when their module is imported, on first lookup
(``BUILTIN_MODULES``): ``zoo list`` imports only the datasets its entries use.
"""

import dataclasses
import functools
import importlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jax
import numpy as np

from jax_zoo.train.batch_spec import BatchSpecError, check_batch
from jax_zoo.core.errors import ConfigError, UnknownNameError, ZooError
from jax_zoo.datasets.splits import CarvedValidation
from jax_zoo.datasets.record_arrays import RecordArrays

Arrays = dict[str, np.ndarray]
Loader = Callable[[str, Path], Arrays]


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """A registered dataset: its example shapes, split sizes, classes and loader (``register_dataset``)."""

    name: str
    example_spec: Mapping[str, jax.ShapeDtypeStruct]
    """One example: ``inputs`` and ``targets`` shapes and dtypes, without the batch dimension."""
    split_sizes: Mapping[str, int]
    """Examples per split, e.g. ``{"train": 1257, "validation": 180, "test": 360}``."""
    num_classes: int | None
    description: str
    load: Loader
    class_names: tuple[str, ...] | None = None
    """What each class index stands for, when the classes have names (plots, reports)."""
    image_recipe: str | None = None
    """How an image file becomes one of its examples (``jax_zoo.datasets.image_recipes.RECIPES``),
    for datasets of images; ``zoo predict`` and image folders convert pictures with it."""
    carved_validation: CarvedValidation | None = None
    """How ``validation`` was held out of ``train``, for a dataset registered without one."""

    def run_record(self) -> dict[str, Any]:
        """What a run records about its data beyond the dataset's name: a carved-out validation split."""
        return self.carved_validation.record() if self.carved_validation else {}


_DATASETS: dict[str, DatasetInfo] = {}

BUILTIN_MODULES = {
    "bible_en_es": "subword_pairs",
    "cifar10": "tfds_canonical",
    "digits": "digits",
    "package_docstrings": "subword_pairs",
    "fashion_mnist": "tfds_canonical",
    "fashion_mnist_denoising": "tfds_canonical",
    "fashion_mnist_local": "fashion_mnist",
    "fashion_mnist_local_denoising": "fashion_mnist",
    "kjv": "kjv",
    "mnist": "tfds_canonical",
    "names": "names",
    "numbers_en_fr": "numbers",
    "python_source": "python_source",
    "stdlib_docstrings": "subword_pairs",
}
"""The zoo's datasets and the module of ``jax_zoo.datasets`` that registers each."""


def ensure_registered(name: str) -> None:
    """Imports the module that registers the zoo's dataset ``name``; nothing for other names."""
    if name not in _DATASETS and name in BUILTIN_MODULES:
        importlib.import_module(f"jax_zoo.datasets.{BUILTIN_MODULES[name]}")


def data_dir() -> Path:
    """Where prepared datasets live: ``$ZOO_DATA_DIR``, else ``~/tensorflow_datasets``."""
    return Path(os.environ.get("ZOO_DATA_DIR") or Path.home() / "tensorflow_datasets")


def register_dataset(
    name: str,
    *,
    example_spec: Mapping[str, jax.ShapeDtypeStruct],
    split_sizes: Mapping[str, int],
    num_classes: int | None = None,
    description: str | None = None,
    class_names: tuple[str, ...] | None = None,
    image_recipe: str | None = None,
    validation_from_train: float | int | None = None,
    validation_seed: int = 0,
):
    """Registers ``load(split, data_dir) -> {"inputs": ..., "targets": ...}`` under ``name``.

    ``description`` defaults to the first line of the loader's docstring. A dataset with
    ``train`` and ``test`` but no ``validation`` split (MNIST's shape) may have one held out of
    ``train``: ``validation_from_train=0.1`` (a fraction, or a count), seeded by
    ``validation_seed`` and stratified by class when the targets are class labels (``num_classes``
    given, one target an example; ``splits.CarvedValidation``); ``split_sizes`` stays what
    ``load`` gives.
    """
    carved = None
    if validation_from_train is not None:
        if "train" not in split_sizes or "validation" in split_sizes:
            raise ValueError(
                f"dataset {name!r}: validation_from_train holds a validation split out of train; expected "
                f"split_sizes with 'train' and without 'validation', got {sorted(split_sizes)}"
            )
        labels = num_classes is not None and tuple(example_spec["targets"].shape) == ()
        carved = CarvedValidation.of(validation_from_train, split_sizes["train"], seed=validation_seed, stratified=labels)

    def decorate(load: Loader) -> Loader:
        _DATASETS[name] = DatasetInfo(
            name=name,
            example_spec=dict(example_spec),
            split_sizes=carved.split_sizes(dict(split_sizes)) if carved else dict(split_sizes),
            num_classes=num_classes,
            description=description or (load.__doc__ or "").strip().split("\n")[0],
            load=carved.loader(load) if carved else load,
            class_names=tuple(class_names) if class_names is not None else None,
            image_recipe=image_recipe,
            carved_validation=carved,
        )
        _load_checked.cache_clear()
        _load_joined.cache_clear()
        return load

    return decorate


def dataset_info(name: str) -> DatasetInfo:
    """The registered dataset ``name``, or ``UnknownNameError`` listing the known ones."""
    ensure_registered(name)
    try:
        return _DATASETS[name]
    except KeyError:
        raise UnknownNameError("dataset", name, list_datasets()) from None


def list_datasets() -> list[str]:
    """Every registered dataset's name, the zoo's own included, sorted."""
    for name in BUILTIN_MODULES:
        ensure_registered(name)
    return sorted(_DATASETS)


def split_parts(name: str, split: str) -> list[str]:
    """The splits ``split`` names: one split, or several joined by ``+`` (``"train+validation"``)."""
    info = dataset_info(name)
    parts = split.split("+") if isinstance(split, str) else [split]
    for part in parts:
        if part not in info.split_sizes:
            raise UnknownNameError("split", part, info.split_sizes, context=f" of dataset {name!r}")
    if len(set(parts)) != len(parts):
        raise ZooError(f"split {split!r} of dataset {name!r}: expected each split at most once")
    return parts


def require_eval_split(name: str, split: str, entry: str) -> None:
    """Raises ``ConfigError`` naming the ways out when ``entry`` evaluates on a ``validation``
    split that dataset ``name`` does not have; other unknown splits as ``split_parts`` does."""
    info = dataset_info(name)
    if "validation" in split.split("+") and "validation" not in info.split_sizes:
        raise ConfigError(
            f"dataset {name!r} has no 'validation' split (its splits: {', '.join(sorted(info.split_sizes))}), "
            f"which entry {entry!r} evaluates after every epoch; expected one of: register the dataset with "
            f"validation_from_train=0.1 (a seeded, stratified tenth of train held out, like Keras' "
            f"validation_split), or give the entry's Experiment eval_split=None (no evaluation between epochs)"
        )
    split_parts(name, split)


def split_size(name: str, split: str) -> int:
    """Examples in ``split`` (one split or several joined by ``+``); entries size schedules with it."""
    info = dataset_info(name)
    return sum(info.split_sizes[part] for part in split_parts(name, split))


def load_dataset(name: str, split: str, directory: str | os.PathLike | None = None) -> Arrays:
    """One split as read-only numpy arrays, checked against the dataset's example spec.

    ``split`` may join several splits with ``+``: ``"train+validation"`` is the train split's
    examples followed by the validation split's (e.g. a final fit once hyperparameters are
    chosen on validation). Loaded once per process and directory (``directory`` defaults to
    ``data_dir()``).
    """
    parts = split_parts(name, split)
    directory = Path(directory or data_dir())
    if len(parts) == 1:
        return _load_checked(name, parts[0], directory)
    return _load_joined(name, tuple(parts), directory)


@functools.lru_cache(maxsize=4)
def _load_joined(name: str, parts: tuple[str, ...], directory: Path) -> Arrays:
    loaded = [_load_checked(name, part, directory) for part in parts]
    if all(isinstance(arrays, RecordArrays) for arrays in loaded):
        return RecordArrays.joined(loaded)
    joined = {key: np.concatenate([np.asarray(arrays[key]) for arrays in loaded]) for key in loaded[0]}
    for value in joined.values():
        value.setflags(write=False)
    return joined


@functools.lru_cache(maxsize=16)
def _load_checked(name: str, split: str, directory: Path) -> Arrays:
    info = dataset_info(name)
    arrays = info.load(split, directory)
    try:
        check_batch(arrays, info.example_spec, where=f"dataset {name!r} split {split!r}")
    except BatchSpecError as error:
        raise ZooError(f"the loader of {error}") from None
    if len(arrays["targets"]) != info.split_sizes[split]:
        raise ZooError(
            f"dataset {name!r} split {split!r}: expected {info.split_sizes[split]} examples, "
            f"got {len(arrays['targets'])}; the prepared data may be damaged or from another version"
        )
    for value in arrays.values():
        value.setflags(write=False)
    return arrays
