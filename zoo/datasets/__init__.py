"""Datasets: registered by name, prepared with TFDS (no TensorFlow needed), loaded into memory.

The zoo's own datasets register themselves on first lookup (``dataset_info``, ``load_dataset``,
``list_datasets``), so importing this package loads none of them.
"""

from jax_zoo.datasets.registry import (
    DatasetInfo, data_dir, dataset_info, list_datasets, load_dataset, register_dataset, split_size,
)

__all__ = ["DatasetInfo", "data_dir", "dataset_info", "list_datasets", "load_dataset", "register_dataset", "split_size"]
