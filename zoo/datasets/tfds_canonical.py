"""The canonical TFDS datasets ``mnist``, ``fashion_mnist`` and ``cifar10``: online only.

TFDS downloads and prepares them once into the data directory, which needs TensorFlow (the
``tf`` extra: its image codec) and the internet. Offline, TFDS would retry for minutes, so the
loader first checks both and fails within seconds, saying what to install or which local source
to use. Prepared as array_record, they are read with data sources like the local datasets.

Splits follow the local ones: the official training set minus a seeded, stratified 5,000-image
``validation`` slice (``jax_zoo.datasets.splits.validation_slice``), and the official ``test`` set.
"""

import dataclasses
import functools
import importlib.util
import socket
import urllib.parse
from pathlib import Path

import jax
import numpy as np

from jax_zoo.datasets.fashion_mnist import noisy_inputs
from jax_zoo.datasets.registry import Arrays, register_dataset
from jax_zoo.datasets.splits import VALIDATION_SIZE, image_split
from jax_zoo.core.errors import ZooError

CONNECT_TIMEOUT_SECONDS = 5.0
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclasses.dataclass(frozen=True)
class Canonical:
    image_shape: tuple[int, int, int]
    train_size: int
    test_size: int
    download_url: str
    """Where TFDS downloads the files from (its host is checked before any download starts)."""
    offline_alternative: str
    image_recipe: str
    """How a picture becomes one of its images (``jax_zoo.datasets.image_recipes``)."""


CANONICAL = {
    "mnist": Canonical((28, 28, 1), 60_000, 10_000, "https://storage.googleapis.com/cvdf-datasets/mnist/", "no local copy of MNIST exists here", "mnist"),
    "fashion_mnist": Canonical(
        (28, 28, 1), 60_000, 10_000, "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "use `--set source=local` (Fashion-MNIST from the Debian package dataset-fashion-mnist)", "fashion_mnist",
    ),
    "cifar10": Canonical((32, 32, 3), 50_000, 10_000, "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", "no local copy of CIFAR-10 exists here", "fit"),
}


def require_online(name: str) -> None:
    """Raises ``ZooError`` within seconds when TensorFlow is missing or the download host is unreachable."""
    dataset = CANONICAL[name]
    if importlib.util.find_spec("tensorflow") is None:
        raise ZooError(
            f"dataset {name!r} comes from TFDS online and its preparation needs TensorFlow, which is not "
            f"installed: pip install -e \".[tf]\" (and the internet, once); offline, {dataset.offline_alternative}."
        )
    url = urllib.parse.urlsplit(dataset.download_url)
    try:
        socket.create_connection((url.hostname, url.port or DEFAULT_PORTS[url.scheme]), timeout=CONNECT_TIMEOUT_SECONDS).close()
    except OSError as error:
        raise ZooError(
            f"dataset {name!r} must be downloaded once from {url.hostname}, which cannot be reached "
            f"({error}); connect to the internet, or offline, {dataset.offline_alternative}."
        ) from None


@functools.lru_cache(maxsize=2)
def official_split(name: str, split: str, directory: Path) -> dict[str, np.ndarray]:
    """``image`` (uint8) and ``label`` arrays of an official split, downloaded on first use."""
    import tensorflow_datasets as tfds  # here: registering the dataset does not need it

    builder = tfds.builder(name, data_dir=str(directory), file_format="array_record")
    if not builder.is_prepared():
        require_online(name)
        builder.download_and_prepare(file_format="array_record")
    source = builder.as_data_source(split=split)
    # One record at a time: tfds.testing.mock_data's batched __getitems__ is broken (unbound).
    records = [source[index] for index in range(len(source))]
    return {key: np.stack([record[key] for record in records]) for key in ("image", "label")}


def clean_split(name: str, split: str, directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(<float32>[n, h, w, c] in [0, 1], <int32>[n])`` of ``train``, ``validation`` or ``test``."""
    return image_split(split, lambda official: official_split(name, official, directory))


def _split_sizes(dataset: Canonical) -> dict[str, int]:
    return {"train": dataset.train_size - VALIDATION_SIZE, "validation": VALIDATION_SIZE, "test": dataset.test_size}


def _register_classification(name: str, dataset: Canonical) -> None:
    @register_dataset(
        name,
        example_spec={
            "inputs": jax.ShapeDtypeStruct(dataset.image_shape, np.float32),
            "targets": jax.ShapeDtypeStruct((), np.int32),
        },
        split_sizes=_split_sizes(dataset),
        num_classes=10,
        image_recipe=dataset.image_recipe,
        description=f"TFDS {name} (online), {'x'.join(map(str, dataset.image_shape))} in [0, 1]; seeded validation slice.",
    )
    def load(split: str, directory: Path) -> Arrays:
        images, labels = clean_split(name, split, directory)
        return {"inputs": images, "targets": labels}


for _name, _dataset in CANONICAL.items():
    _register_classification(_name, _dataset)


@register_dataset(
    "fashion_mnist_denoising",
    example_spec={
        "inputs": jax.ShapeDtypeStruct((28, 28, 1), np.float32),
        "targets": jax.ShapeDtypeStruct((28, 28, 1), np.float32),
    },
    split_sizes=_split_sizes(CANONICAL["fashion_mnist"]),
    image_recipe="fashion_mnist",
)
def load_fashion_mnist_denoising(split: str, directory: Path) -> Arrays:
    """TFDS fashion_mnist (online) images as targets; held-out inputs carry fixed noise (sigma 0.3)."""
    images, _ = clean_split("fashion_mnist", split, directory)
    return {"inputs": noisy_inputs(images, split), "targets": images}
