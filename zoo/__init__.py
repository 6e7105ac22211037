"""jax-zoo: named entries pairing a Flax model, an Optax optimizer, a loss and a dataset.

    import jax_zoo as zoo
    zoo.list_entries()                      # ['bible_en_es', 'digits_cnn', ...]
    experiment = zoo.get("digits_cnn")()    # the entry's Experiment, default config
    results = zoo.train_and_evaluate("digits_cnn", "runs/digits_cnn")
    shipped = zoo.pretrained("fashion_lenet")  # shipped weights: shipped.model.apply(shipped.variables, x, train=False)
    zoo.pretrained("digits_cnn", num_classes=5)  # the shipped body with a new 5-class head, to fine-tune
    zoo.train_and_evaluate("digits_cnn", "runs/mine", data="my_digits/", init_from="pretrained")  # your own images
    zoo.translate("runs/numbers_en_fr", ["forty-two"], beam=4)[0].output   # 'quarante-deux'

The models are ``jax_zoo.models`` and the training harness ``jax_zoo.train``. Names are loaded on
first use, so ``import jax_zoo`` is quick and imports neither JAX nor a dataset library.
"""

import importlib

_EXPORTS = {
    "resolve_config": "jax_zoo.core.config",
    "ConfigError": "jax_zoo.core.errors",
    "DataError": "jax_zoo.core.errors",
    "UnknownNameError": "jax_zoo.core.errors",
    "WorkdirError": "jax_zoo.core.errors",
    "ZooError": "jax_zoo.core.errors",
    "Decoding": "jax_zoo.core.experiment",
    "Experiment": "jax_zoo.core.experiment",
    "default_config": "jax_zoo.core.registry",
    "get": "jax_zoo.core.registry",
    "list_entries": "jax_zoo.core.registry",
    "register": "jax_zoo.core.registry",
    "DatasetInfo": "jax_zoo.datasets",
    "dataset_info": "jax_zoo.datasets",
    "image_folder": "jax_zoo.datasets.image_folder",
    "SplitRule": "jax_zoo.datasets.own_data",
    "list_datasets": "jax_zoo.datasets",
    "load_dataset": "jax_zoo.datasets",
    "register_dataset": "jax_zoo.datasets",
    "split_size": "jax_zoo.datasets",
    "Built": "jax_zoo.api.build",
    "build": "jax_zoo.api.build",
    "plot_workdir": "jax_zoo.api.plots",
    "Pretrained": "jax_zoo.api.pretrained",
    "pretrained": "jax_zoo.api.pretrained",
    "evaluate_workdir": "jax_zoo.api.restore",
    "restore": "jax_zoo.api.restore",
    "train_and_evaluate": "jax_zoo.api.train",
    "translate": "jax_zoo.api.translate",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'jax_zoo' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
