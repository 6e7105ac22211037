"""SimpleCNN on canonical TFDS MNIST (online only): the Flax MNIST example's recipe."""

import optax

from jax_zoo.models import SimpleCNN
from jax_zoo.train import accuracy, softmax_cross_entropy
from jax_zoo.core.experiment import Experiment, require_fraction, require_positive
from jax_zoo.core.registry import register


@register
def mnist_simple_cnn(
    *,
    learning_rate: float = 0.1,
    momentum: float = 0.9,
    batch_size: int = 128,
    epochs: int = 10,
    seed: int = 0,
) -> Experiment:
    """SimpleCNN on MNIST from TFDS (needs ``pip install -e ".[tf]"`` and the internet once).

    Command: ``zoo train mnist_simple_cnn``
    Result: none published yet; its pipeline is tested under ``tfds.testing.mock_data``.
    """
    require_positive(learning_rate=learning_rate, batch_size=batch_size, epochs=epochs)
    require_fraction(momentum=momentum)
    return Experiment(
        model=SimpleCNN(num_classes=10),
        optimizer=lambda steps_per_epoch: optax.sgd(
            optax.cosine_decay_schedule(learning_rate, epochs * steps_per_epoch), momentum=momentum
        ),
        loss=softmax_cross_entropy,
        metrics={"accuracy": accuracy},
        dataset="mnist",
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        eval_split="validation",
    )
