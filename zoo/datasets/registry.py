"""The dataset registry: a name, what one example looks like, and a loader of in-memory splits."""

import dataclasses
import functools
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import jax
import numpy as np

from train.batch_spec import BatchSpecError, check_batch
from zoo.errors import UnknownNameError, ZooError

Arrays = dict[str, np.ndarray]
Loader = Callable[[str, Path], Arrays]


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    name: str
    example_spec: Mapping[str, jax.ShapeDtypeStruct]
    """One example: ``inputs`` and ``targets`` shapes and dtypes, without the batch dimension."""
    split_sizes: Mapping[str, int]
    """Examples per split, e.g. ``{"train": 1437, "test": 360}``; entries size schedules with it."""
    num_classes: int | None
    description: str
    load: Loader


_DATASETS: dict[str, DatasetInfo] = {}


def data_dir() -> Path:
    """Where prepared datasets live: ``$ZOO_DATA_DIR``, else ``~/tensorflow_datasets``."""
    return Path(os.environ.get("ZOO_DATA_DIR") or Path.home() / "tensorflow_datasets")


def register_dataset(
    name: str,
    *,
    example_spec: Mapping[str, jax.ShapeDtypeStruct],
    split_sizes: Mapping[str, int],
    num_classes: int | None = None,
):
    """Registers ``load(split, data_dir) -> {"inputs": ..., "targets": ...}`` under ``name``.

    The loader's docstring becomes the dataset's description.
    """

    def decorate(load: Loader) -> Loader:
        _DATASETS[name] = DatasetInfo(
            name=name,
            example_spec=dict(example_spec),
            split_sizes=dict(split_sizes),
            num_classes=num_classes,
            description=(load.__doc__ or "").strip().split("\n")[0],
            load=load,
        )
        _load_checked.cache_clear()
        return load

    return decorate


def dataset_info(name: str) -> DatasetInfo:
    try:
        return _DATASETS[name]
    except KeyError:
        raise UnknownNameError("dataset", name, _DATASETS) from None


def list_datasets() -> list[str]:
    return sorted(_DATASETS)


def load_dataset(name: str, split: str, directory: str | os.PathLike | None = None) -> Arrays:
    """One split as read-only numpy arrays, checked against the dataset's example spec.

    Loaded once per process and directory (``directory`` defaults to ``data_dir()``).
    """
    info = dataset_info(name)
    if split not in info.split_sizes:
        raise UnknownNameError("split", split, info.split_sizes, context=f" of dataset {name!r}")
    return _load_checked(name, split, Path(directory or data_dir()))


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
