"""Fashion-MNIST from the Debian package ``dataset-fashion-mnist``, no network needed.

Two registered datasets share one TFDS builder:

- ``fashion_mnist_local``: ``<float32>[28, 28, 1]`` images in [0, 1] and their class; the
  official 60,000 training images split into 55,000 ``train`` and a 5,000 ``validation`` slice
  (stratified, 500 per class, seed 0: ``jax_zoo.datasets.splits.validation_slice``), and the official
  10,000 ``test`` images.
- ``fashion_mnist_local_denoising``: the same images as both inputs and targets for denoising.
  ``train`` inputs are clean (the entry adds fresh noise in every step); ``validation`` and
  ``test`` inputs carry fixed Gaussian noise, sigma 0.3 on [0, 1] pixels, not clipped, drawn
  with seeds 1 and 2, so their MSE and the noisy input's MSE are reproducible.
"""

import functools
import os
from pathlib import Path

import jax
import numpy as np

from jax_zoo.datasets.registry import Arrays, register_dataset
from jax_zoo.datasets.splits import VALIDATION_SIZE, image_split
from jax_zoo.datasets.tfds_local import prepare, read_split
from jax_zoo.core.errors import ZooError

DEBIAN_DIRECTORY = Path("/usr/share/datasets/fashion-mnist")
CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
OFFICIAL_SIZES = {"train": 60_000, "test": 10_000}
SPLIT_SIZES = {"train": 55_000, "validation": VALIDATION_SIZE, "test": 10_000}
NOISE_STD = 0.3
NOISE_SEEDS = {"validation": 1, "test": 2}
_FILE_PREFIXES = {"train": "train", "test": "t10k"}


def source_directory() -> Path:
    """Where the IDX files are read from: ``$FASHION_MNIST_DIR``, else the Debian package's directory."""
    return Path(os.environ.get("FASHION_MNIST_DIR") or DEBIAN_DIRECTORY)


def source_files(split: str) -> tuple[Path, Path]:
    """``(images, labels)`` IDX files of an official split (``train`` or ``test``)."""
    prefix = _FILE_PREFIXES[split]
    directory = source_directory()
    return directory / f"{prefix}-images-idx3-ubyte.gz", directory / f"{prefix}-labels-idx1-ubyte.gz"


def require_source_files() -> None:
    """Raises ``ZooError`` naming the missing files and the package that provides them."""
    missing = [str(path) for split in OFFICIAL_SIZES for path in source_files(split) if not path.is_file()]
    if missing:
        raise ZooError(
            f"Fashion-MNIST is missing: expected the four IDX files in {source_directory()}, "
            f"not found: {', '.join(missing)}. Install them with `apt-get install dataset-fashion-mnist` "
            f"(or point $FASHION_MNIST_DIR at a directory holding them), or use the online source "
            f"(`--set source=tfds`, needs TensorFlow and the internet)."
        )


@functools.lru_cache(maxsize=2)
def official_split(split: str, directory: Path) -> dict[str, np.ndarray]:
    """``uint8`` images ``[n, 28, 28, 1]`` and labels of an official split, in IDX order.

    The IDX files are needed only until the dataset is prepared in ``directory``.
    """
    from jax_zoo.datasets.builders.fashion_mnist import FashionMnistLocal  # imports TFDS, only when data is read

    if not FashionMnistLocal(data_dir=str(directory), file_format="array_record").is_prepared():
        require_source_files()
    arrays = read_split(prepare(FashionMnistLocal, directory), split, order_key="index")
    return {"image": arrays["image"], "label": arrays["label"]}


def clean_split(split: str, directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(<float32>[n, 28, 28, 1] in [0, 1], <int32>[n])`` of ``train``, ``validation`` or ``test``."""
    return image_split(split, lambda official: official_split(official, directory))


def noisy_inputs(images: np.ndarray, split: str) -> np.ndarray:
    """The denoising inputs of ``split``: ``images`` themselves for ``train`` (noise is added in
    the train step), ``images + N(0, 0.3**2)`` with the split's fixed seed otherwise."""
    if split not in NOISE_SEEDS:
        return images
    noise = np.random.default_rng(NOISE_SEEDS[split]).normal(0.0, NOISE_STD, images.shape)
    return (images + noise).astype(np.float32)


@register_dataset(
    "fashion_mnist_local",
    example_spec={
        "inputs": jax.ShapeDtypeStruct((28, 28, 1), np.float32),
        "targets": jax.ShapeDtypeStruct((), np.int32),
    },
    split_sizes=SPLIT_SIZES,
    num_classes=10,
    class_names=CLASS_NAMES,
    image_recipe="fashion_mnist",
)
def load_fashion_mnist(split: str, directory: Path) -> Arrays:
    """Fashion-MNIST, 28x28x1 in [0, 1]; 55,000 train / 5,000 validation (seeded) / 10,000 test."""
    images, labels = clean_split(split, directory)
    return {"inputs": images, "targets": labels}


@register_dataset(
    "fashion_mnist_local_denoising",
    example_spec={
        "inputs": jax.ShapeDtypeStruct((28, 28, 1), np.float32),
        "targets": jax.ShapeDtypeStruct((28, 28, 1), np.float32),
    },
    split_sizes=SPLIT_SIZES,
    image_recipe="fashion_mnist",
)
def load_fashion_mnist_denoising(split: str, directory: Path) -> Arrays:
    """Fashion-MNIST images as targets; held-out inputs carry fixed noise (sigma 0.3, seeded)."""
    images, _ = clean_split(split, directory)
    return {"inputs": noisy_inputs(images, split), "targets": images}
