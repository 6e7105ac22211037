"""jax-zoo: named entries pairing a Flax model, an Optax optimizer, a loss and a dataset.

    import zoo
    zoo.list_entries()                      # ['digits_cnn', ...]
    experiment = zoo.get("digits_cnn")()    # the entry's Experiment, default config
    results = zoo.train_and_evaluate("digits_cnn", "runs/digits_cnn")
    shipped = zoo.pretrained("fashion_lenet")  # shipped weights: shipped.model.apply(shipped.variables, x, train=False)
    zoo.translate("runs/numbers_en_fr", ["forty-two"], beam=4)[0].output   # 'quarante-deux'
"""

from zoo.core.config import resolve_config
from zoo.datasets import DatasetInfo, dataset_info, list_datasets, load_dataset, register_dataset, split_size
from zoo.core.errors import ConfigError, UnknownNameError, WorkdirError, ZooError
from zoo.core.experiment import Experiment
from zoo.core.registry import default_config, get, list_entries, register
from zoo.jobs.build import Built, build
from zoo.jobs.plots import plot_workdir
from zoo.jobs.pretrained import Pretrained, pretrained
from zoo.jobs.restore import evaluate_workdir, restore
from zoo.jobs.train import train_and_evaluate
from zoo.jobs.translate import translate
from zoo import entries  # noqa: F401  (registers the zoo's entries)

__all__ = [
    "Built", "ConfigError", "DatasetInfo", "Experiment", "UnknownNameError", "WorkdirError", "ZooError", "build",
    "dataset_info", "default_config", "evaluate_workdir", "get", "list_datasets", "list_entries",
    "load_dataset", "plot_workdir", "Pretrained", "pretrained", "register", "register_dataset", "resolve_config",
    "restore", "split_size", "train_and_evaluate", "translate",
]
