"""Local TFDS datasets without TensorFlow: prepared once as array_record, read with data sources.

The builders (``jax_zoo.datasets.builders``) import TFDS; this module needs only their objects.
"""

import contextlib
import fcntl
import io
import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import tensorflow_datasets as tfds


def prepare(builder_class: "type[tfds.core.GeneratorBasedBuilder]", directory: Path) -> "tfds.core.DatasetBuilder":
    """The builder for ``directory``, generating its array_record files on first use.

    TFDS writes into an ``incomplete.*`` directory and renames it when done, so an interrupted
    preparation is never mistaken for a finished one. Preparation holds a lock file beside the
    dataset, so concurrent processes prepare it once, and whoever holds it first removes the
    ``incomplete.*`` directories a killed preparation left behind.
    """
    with _quiet_tfds():
        builder = builder_class(data_dir=str(directory), file_format="array_record")
        prepared = builder.is_prepared()
    if prepared:
        return builder
    dataset_dir = Path(builder.data_dir).parent
    dataset_dir.mkdir(parents=True, exist_ok=True)
    with open(dataset_dir / ".prepare.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released by the kernel if this process dies
        with _quiet_tfds():
            builder = builder_class(data_dir=str(directory), file_format="array_record")
            prepared = builder.is_prepared()
        if not prepared:
            for leftover in dataset_dir.glob("incomplete.*"):
                shutil.rmtree(leftover, ignore_errors=True)
            print(f"Preparing dataset {builder.name} in {directory} (once).")
            with _quiet_tfds():
                builder.download_and_prepare()
    return builder


@contextlib.contextmanager
def _quiet_tfds():
    """TFDS's own lines while preparing ("Downloading ... Unknown size", "Variant folder ... has no
    dataset_info.json", progress bars) are about downloads that do not happen here: hidden, and
    the logger's level put back after."""
    absl_logger = logging.getLogger("absl")
    level = absl_logger.level
    absl_logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        absl_logger.setLevel(level)


def read_split(builder: "tfds.core.DatasetBuilder", split: str, order_key: str | None = None) -> dict[str, np.ndarray]:
    """Every record of ``split`` stacked into arrays, sorted by ``order_key`` when given
    (TFDS stores records in a hashed order)."""
    source = builder.as_data_source(split=split)
    records = source.__getitems__(range(len(source)))
    arrays = {key: np.stack([record[key] for record in records]) for key in records[0]}
    if order_key is not None:
        order = np.argsort(arrays[order_key], kind="stable")
        arrays = {key: value[order] for key, value in arrays.items()}
    return arrays
