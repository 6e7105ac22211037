"""scikit-learn's handwritten digits (UCI optdigits test set): 1,797 images of 8x8, 10 classes."""

from pathlib import Path

import jax
import numpy as np

from jax_zoo.datasets.registry import Arrays, register_dataset
from jax_zoo.datasets.tfds_local import prepare, read_split

TEST_FRACTION = 0.2
VALIDATION_SIZE = 180
SPLIT_SEED = 0
MAX_PIXEL = 16


@register_dataset(
    "digits",
    example_spec={
        "inputs": jax.ShapeDtypeStruct((8, 8, 1), np.float32),
        "targets": jax.ShapeDtypeStruct((), np.int32),
    },
    split_sizes={"train": 1257, "validation": 180, "test": 360},
    num_classes=10,
    class_names=tuple("0123456789"),
    image_recipe="optdigits",
)
def load_digits_split(split: str, directory: Path) -> Arrays:
    """scikit-learn digits, 8x8x1 in [0, 1]; 1,257 train / 180 validation / 360 test, stratified, seed 0."""
    from jax_zoo.datasets.builders.digits import Digits  # imports TFDS, only when data is read

    arrays = read_split(prepare(Digits, directory), split, order_key="index")
    return {
        "inputs": arrays["image"].astype(np.float32) / MAX_PIXEL,
        "targets": arrays["label"].astype(np.int32),
    }
