"""LeNet-5 on Fashion-MNIST: a small, fast baseline."""

import optax

from jax_zoo.models import LeNet5
from jax_zoo.train import accuracy, softmax_cross_entropy
from jax_zoo.datasets.sources import FASHION_MNIST_SOURCES, choose_source
from jax_zoo.core.experiment import Experiment, require_positive
from jax_zoo.core.registry import register


@register
def fashion_lenet(
    *,
    source: str = "local",
    learning_rate: float = 2e-3,
    batch_size: int = 128,
    epochs: int = 10,
    seed: int = 0,
) -> Experiment:
    """LeNet-5 (ReLU, max pooling; 61,706 parameters) on Fashion-MNIST; Adam, cosine decay.

    Command: ``zoo train fashion_lenet``
    Result: test accuracy 90.30% (9,030 of 10,000), 2.5 min of training on 2 CPU cores
    (``zoo/published/fashion_lenet.json``); 91.22% on validation after the last epoch.
    """
    require_positive(learning_rate=learning_rate, batch_size=batch_size, epochs=epochs)
    dataset = choose_source(source, FASHION_MNIST_SOURCES)
    return Experiment(
        model=LeNet5(num_classes=10),
        optimizer=lambda steps_per_epoch: optax.adam(optax.cosine_decay_schedule(learning_rate, epochs * steps_per_epoch)),
        loss=softmax_cross_entropy,
        metrics={"accuracy": accuracy},
        dataset=dataset,
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        eval_split="validation",
    )
