"""Local TFDS datasets without TensorFlow: prepared once as array_record, read with data sources."""

import fcntl
import logging
import shutil
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds


def prepare(builder_class: type[tfds.core.GeneratorBasedBuilder], directory: Path) -> tfds.core.DatasetBuilder:
    """The builder for ``directory``, generating its array_record files on first use.

    TFDS writes into an ``incomplete.*`` directory and renames it when done, so an interrupted
    preparation is never mistaken for a finished one. Preparation holds a lock file beside the
    dataset, so concurrent processes prepare it once, and whoever holds it first removes the
    ``incomplete.*`` directories a killed preparation left behind.
    """
    builder = builder_class(data_dir=str(directory), file_format="array_record")
    if builder.is_prepared():
        return builder
    dataset_dir = Path(builder.data_dir).parent
    dataset_dir.mkdir(parents=True, exist_ok=True)
    with open(dataset_dir / ".prepare.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released by the kernel if this process dies
        builder = builder_class(data_dir=str(directory), file_format="array_record")
        if not builder.is_prepared():
            for leftover in dataset_dir.glob("incomplete.*"):
                shutil.rmtree(leftover, ignore_errors=True)
            print(f"Preparing dataset {builder.name} in {directory} (once).")
            tfds.disable_progress_bar()
            logging.getLogger("absl").setLevel(logging.WARNING)
            builder.download_and_prepare()
    return builder


def read_split(builder: tfds.core.DatasetBuilder, split: str, order_key: str | None = None) -> dict[str, np.ndarray]:
    """Every record of ``split`` stacked into arrays, sorted by ``order_key`` when given
    (TFDS stores records in a hashed order)."""
    source = builder.as_data_source(split=split)
    records = source.__getitems__(range(len(source)))
    arrays = {key: np.stack([record[key] for record in records]) for key in records[0]}
    if order_key is not None:
        order = np.argsort(arrays[order_key], kind="stable")
        arrays = {key: value[order] for key, value in arrays.items()}
    return arrays
