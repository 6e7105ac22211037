"""ResNet-20 on canonical TFDS CIFAR-10 (online only): He et al.'s CIFAR recipe, shortened."""

import functools

import optax

from jax_zoo.models import ResNet20
from jax_zoo.train import accuracy, softmax_cross_entropy, top_k_accuracy
from jax_zoo.train.augment import image_augment
from jax_zoo.train.regularization import decay_mask
from jax_zoo.core.experiment import Experiment, require_fraction, require_positive
from jax_zoo.core.registry import register


@register
def cifar10_resnet20(
    *,
    learning_rate: float = 0.1,
    momentum: float = 0.9,
    weight_decay: float = 5e-4,
    label_smoothing: float = 0.0,
    gradient_clip_norm: float = 5.0,
    batch_size: int = 128,
    epochs: int = 60,
    seed: int = 0,
) -> Experiment:
    """ResNet-20 (0.27 M parameters) on CIFAR-10 from TFDS (needs the ``tf`` extra and the internet).

    Command: ``zoo train cifar10_resnet20``
    Result: none published yet; its pipeline is tested under ``tfds.testing.mock_data``.

    Random 32x32 crops of the 4-pixel zero-padded image and horizontal flips, SGD with Nesterov
    momentum and weight decay on kernels only, a one-cycle learning rate, gradient clipping.
    """
    require_positive(
        learning_rate=learning_rate, batch_size=batch_size, epochs=epochs, gradient_clip_norm=gradient_clip_norm,
    )
    require_fraction(momentum=momentum, label_smoothing=label_smoothing)
    return Experiment(
        model=ResNet20(num_classes=10),
        optimizer=lambda steps_per_epoch: optax.chain(
            optax.clip_by_global_norm(gradient_clip_norm),
            optax.add_decayed_weights(weight_decay, mask=decay_mask),
            optax.sgd(
                optax.cosine_onecycle_schedule(epochs * steps_per_epoch, learning_rate), momentum=momentum,
                nesterov=True,
            ),
        ),
        loss=functools.partial(softmax_cross_entropy, label_smoothing=label_smoothing),
        metrics={"accuracy": accuracy, "top_5_accuracy": functools.partial(top_k_accuracy, k=5)},
        dataset="cifar10",
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        eval_split="validation",
        augment=image_augment(crop_padding=4, flip=True),
    )
