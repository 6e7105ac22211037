"""Each entry's optimizer, schedule, loss and in-step augmentation, in terms a PyTorch twin can follow.

An entry's optax transformation is a closure that cannot be read back, so the recipe of each
entry is written out here from its config (the hyperparameters the entry passes to optax), and
``tests/test_torch_twins.py`` checks that every registered entry has one. Plain data only: the
JAX process builds a recipe and hands it to the PyTorch process (``jax_zoo.bench.torch_training``).
"""

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from jax_zoo.datasets.char_vocabulary import UNKNOWN_ID
from jax_zoo.datasets.fashion_mnist import NOISE_STD

OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULES = ("constant", "cosine", "warmup_cosine", "onecycle", "step")
LOSSES = ("cross_entropy", "sequence_cross_entropy", "mean_squared_error")


@dataclasses.dataclass(frozen=True)
class TorchRecipe:
    """``optimizer`` with ``learning_rate`` under ``schedule`` (optax's shapes, over the run's
    steps), ``loss``, and the augmentation the entry's jitted step applies to each batch.

    ``weight_decay`` is optax's ``add_decayed_weights`` on kernels only (rank >= 2) before SGD, or
    AdamW's decoupled decay on every parameter. ``gradient_clip`` is a global-norm clip.
    """

    optimizer: str
    learning_rate: float
    schedule: str = "constant"
    warmup_epochs: int = 0
    momentum: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    gradient_clip: float | None = None
    loss: str = "cross_entropy"
    label_smoothing: float = 0.0
    crop_padding: int = 0
    flip: bool = False
    cutout_size: int = 0
    noise_std: float = 0.0
    token_dropout: float = 0.0
    token_replacement: int = UNKNOWN_ID

    def __post_init__(self):
        for name, allowed in (("optimizer", OPTIMIZERS), ("schedule", SCHEDULES), ("loss", LOSSES)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name}: expected one of {allowed}, got {getattr(self, name)!r}")


def _adam_cosine(config: Mapping[str, Any]) -> TorchRecipe:
    return TorchRecipe("adam", config["learning_rate"], "cosine", label_smoothing=config.get("label_smoothing", 0.0))


def _sgd_momentum_cosine(config: Mapping[str, Any]) -> TorchRecipe:
    return TorchRecipe("sgd", config["learning_rate"], "cosine", momentum=config["momentum"])


def _clipped_adam_cosine(config: Mapping[str, Any]) -> TorchRecipe:
    return TorchRecipe(
        "adam", config["learning_rate"], "cosine", gradient_clip=config["gradient_clip"], loss="sequence_cross_entropy"
    )


def _fashion_vgg(config: Mapping[str, Any]) -> TorchRecipe:
    return TorchRecipe(
        "sgd", config["learning_rate"], config["schedule"],
        momentum=config["momentum"], nesterov=True, weight_decay=config["weight_decay"],
        label_smoothing=config["label_smoothing"], crop_padding=config["crop_padding"], flip=config["flip"],
    )


def _fashion_resnet(config: Mapping[str, Any]) -> TorchRecipe:
    return TorchRecipe(
        "sgd", config["learning_rate"], "warmup_cosine", warmup_epochs=config["warmup_epochs"],
        momentum=config["momentum"], nesterov=True, weight_decay=config["weight_decay"],
        label_smoothing=config["label_smoothing"], crop_padding=config["crop_padding"], flip=config["flip"],
        cutout_size=config["cutout_size"],
    )


def _cifar10_resnet20(config: Mapping[str, Any]) -> TorchRecipe:
    return TorchRecipe(
        "sgd", config["learning_rate"], "onecycle", momentum=config["momentum"], nesterov=True,
        weight_decay=config["weight_decay"], gradient_clip=config["gradient_clip_norm"],
        label_smoothing=config["label_smoothing"], crop_padding=4, flip=True,
    )


def _names_bilstm(config: Mapping[str, Any]) -> TorchRecipe:
    return TorchRecipe(
        "adamw", config["learning_rate"], "cosine", weight_decay=config["weight_decay"],
        label_smoothing=config["label_smoothing"], token_dropout=config["character_dropout"],
    )


RECIPES: dict[str, Callable[[Mapping[str, Any]], TorchRecipe]] = {
    "digits_cnn": _adam_cosine,
    "fashion_lenet": _adam_cosine,
    "fashion_simple_cnn": _sgd_momentum_cosine,
    "mnist_simple_cnn": _sgd_momentum_cosine,
    "fashion_vgg": _fashion_vgg,
    "fashion_resnet": _fashion_resnet,
    "cifar10_resnet20": _cifar10_resnet20,
    "fashion_denoise_ae": lambda config: TorchRecipe(
        "adam", config["learning_rate"], "cosine", loss="mean_squared_error", noise_std=NOISE_STD
    ),
    "names_tutorial_rnn": lambda config: TorchRecipe("sgd", config["learning_rate"]),
    "names_bilstm": _names_bilstm,
    "kjv_char_lstm": _clipped_adam_cosine,
    "numbers_en_fr": _clipped_adam_cosine,
    "bible_en_es": _clipped_adam_cosine,
    "docstring_summary": _clipped_adam_cosine,
}
"""Entry name -> its recipe from the entry's resolved config."""


def recipe_for(entry: str, config: Mapping[str, Any]) -> TorchRecipe | None:
    """The PyTorch recipe of ``entry`` with ``config``, or None for an entry without one."""
    recipe = RECIPES.get(entry)
    return None if recipe is None else recipe(config)
