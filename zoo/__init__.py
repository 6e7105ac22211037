"""jax-zoo: named entries pairing a Flax model, an Optax optimizer, a loss and a dataset.

    import zoo
    zoo.list_entries()                      # ['digits_cnn', ...]
    experiment = zoo.get("digits_cnn")()    # the entry's Experiment, default config
    results = zoo.train_and_evaluate("digits_cnn", "runs/digits_cnn")
"""

import train  # noqa: F401  (first: its optional malloc settings must precede the threads other imports start)
from zoo.config import resolve_config
from zoo.datasets import DatasetInfo, dataset_info, list_datasets, load_dataset, register_dataset, split_size
from zoo.errors import ConfigError, UnknownNameError, WorkdirError, ZooError
from zoo.experiment import Experiment
from zoo.registry import default_config, get, list_entries, register
from zoo.run import Built, build, evaluate_workdir, restore, train_and_evaluate
from zoo import entries  # noqa: F401  (registers the zoo's entries)

__all__ = [
    "Built", "ConfigError", "DatasetInfo", "Experiment", "UnknownNameError", "WorkdirError", "ZooError", "build",
    "dataset_info", "default_config", "evaluate_workdir", "get", "list_datasets", "list_entries",
    "load_dataset", "register", "register_dataset", "resolve_config", "restore", "split_size", "train_and_evaluate",
]
