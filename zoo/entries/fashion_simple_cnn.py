"""The reference CNN on Fashion-MNIST with the Flax MNIST example's recipe: SGD with momentum."""

import functools

import optax

from models import SimpleCNN
from train import accuracy, softmax_cross_entropy, top_k_accuracy
from zoo.datasets import dataset_info
from zoo.datasets.sources import FASHION_MNIST_SOURCES, choose_source
from zoo.experiment import Experiment, require_fraction, require_positive
from zoo.registry import register


@register
def fashion_simple_cnn(
    *,
    source: str = "local",
    learning_rate: float = 0.02,
    momentum: float = 0.9,
    batch_size: int = 128,
    epochs: int = 6,
    seed: int = 0,
    conv_dropout: float = 0.25,
    dense_dropout: float = 0.5,
    relu_after_conv2: bool = False,
) -> Experiment:
    """SimpleCNN (the design document's reference CNN) on Fashion-MNIST; SGD, momentum 0.9.

    Command: ``zoo train fashion_simple_cnn``
    Result: none published: this default config does not reach the issue's 92.0% test accuracy.
    Its run on the shared 2-core machine reached 91.26% on validation after 6 epochs (21 minutes
    of training).

    The Flax MNIST example's recipe (SGD, momentum 0.9, batch 128), for 6 epochs instead of 10
    to fit this machine's budget, and with a learning rate of 0.02 instead of 0.1: with 0.1 this
    network reached only 75.0% validation accuracy (loss 0.71) after its first epoch. Added: a
    cosine decay of the learning rate and the PyTorch MNIST example's dropout (0.25 after
    pooling, 0.5 after the first dense layer). ``source=tfds`` reads TFDS's ``fashion_mnist``
    online instead of the Debian package.
    """
    require_positive(learning_rate=learning_rate, batch_size=batch_size, epochs=epochs)
    require_fraction(momentum=momentum, conv_dropout=conv_dropout, dense_dropout=dense_dropout)
    dataset = choose_source(source, FASHION_MNIST_SOURCES)
    total_steps = epochs * (dataset_info(dataset).split_sizes["train"] // batch_size)
    return Experiment(
        model=SimpleCNN(
            num_classes=10, relu_after_conv2=relu_after_conv2, dropout_rates=(conv_dropout, dense_dropout),
        ),
        optimizer=optax.sgd(optax.cosine_decay_schedule(learning_rate, total_steps), momentum=momentum),
        loss=softmax_cross_entropy,
        metrics={"accuracy": accuracy, "top_2_accuracy": functools.partial(top_k_accuracy, k=2)},
        dataset=dataset,
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        eval_split="validation",
    )
