"""The reference CNN on Fashion-MNIST with the Flax MNIST example's recipe: SGD with momentum."""

import functools

import optax

from models import SimpleCNN
from train import accuracy, softmax_cross_entropy, top_k_accuracy, xla_flags
from zoo.datasets.sources import FASHION_MNIST_SOURCES, choose_source
from zoo.core.experiment import Experiment, require_fraction, require_positive
from zoo.core.registry import register


@register
def fashion_simple_cnn(
    *,
    source: str = "local",
    learning_rate: float = 0.05,
    momentum: float = 0.9,
    batch_size: int = 128,
    epochs: int = 15,
    seed: int = 0,
    conv_dropout: float = 0.25,
    dense_dropout: float = 0.5,
    relu_after_conv2: bool = False,
) -> Experiment:
    """SimpleCNN (the design document's reference CNN) on Fashion-MNIST; SGD, momentum 0.9.

    Command: ``zoo train fashion_simple_cnn``
    Result: test accuracy 92.50%, macro-F1 0.925 (validation 92.82%), after 15 epochs: 13.6 min of
    training on the idle 2-core CPU (``zoo/published/fashion_simple_cnn.json``), with the flags
    the entry asks for (``Experiment.xla_flags``, options its steps are compiled with): YNNPACK off,
    about 2x here, and XLA's older fusion code generator, which compiles faster (jaxlib 0.11 no
    longer has that option: left out, with a warning); both leave the network and recipe
    unchanged, up to floating-point rounding. An earlier version of the network's code (plain
    dropout bits, bias before pooling) reached 92.44% in 18.1 min.

    15 epochs at learning rate 0.05 were chosen on validation, from one run of each variant on a
    lent GPU: 10 epochs at 0.02 reached 92.32%, 15 at 0.02 92.96%, 20 at 0.02 93.06%, 15 at 0.05
    93.28%, and 15 at 0.02 with a ReLU after conv2 92.70%. An earlier 6-epoch run at 0.02 on this
    CPU reached 91.26% (test 90.37%).

    The Flax MNIST example's recipe (SGD, momentum 0.9, batch 128), with a learning rate of 0.05
    instead of 0.1: with 0.1 this network reached only 75.0% validation accuracy (loss 0.71)
    after its first epoch. Added: a cosine decay of the learning rate and the PyTorch MNIST
    example's dropout (0.25 after pooling, 0.5 after the first dense layer). ``source=tfds`` reads TFDS's ``fashion_mnist``
    online instead of the Debian package.
    """
    require_positive(learning_rate=learning_rate, batch_size=batch_size, epochs=epochs)
    require_fraction(momentum=momentum, conv_dropout=conv_dropout, dense_dropout=dense_dropout)
    dataset = choose_source(source, FASHION_MNIST_SOURCES)
    return Experiment(
        model=SimpleCNN(
            num_classes=10, relu_after_conv2=relu_after_conv2, dropout_rates=(conv_dropout, dense_dropout),
        ),
        optimizer=lambda steps_per_epoch: optax.sgd(
            optax.cosine_decay_schedule(learning_rate, epochs * steps_per_epoch), momentum=momentum
        ),
        loss=softmax_cross_entropy,
        metrics={"accuracy": accuracy, "top_2_accuracy": functools.partial(top_k_accuracy, k=2)},
        dataset=dataset,
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        eval_split="validation",
        xla_flags=xla_flags.PRESETS["convolutions"],
    )
