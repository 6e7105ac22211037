"""Datasets: registered by name, prepared with TFDS (no TensorFlow needed), loaded into memory."""

from jax_zoo.datasets.registry import (
    DatasetInfo, data_dir, dataset_info, list_datasets, load_dataset, register_dataset, split_size,
)
from jax_zoo.datasets import digits, fashion_mnist, kjv, names, numbers, python_source, subword_pairs, tfds_canonical  # noqa: F401  (registers each dataset)

__all__ = ["DatasetInfo", "data_dir", "dataset_info", "list_datasets", "load_dataset", "register_dataset", "split_size"]
