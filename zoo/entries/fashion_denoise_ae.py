"""A convolutional autoencoder trained with MSE to remove Gaussian noise from Fashion-MNIST."""

import optax

from jax_zoo.models import ConvAutoencoder
from jax_zoo.train import mean_squared_error, squared_error
from jax_zoo.train.augment import image_augment
from jax_zoo.datasets.fashion_mnist import NOISE_STD
from jax_zoo.datasets.sources import FASHION_MNIST_DENOISING_SOURCES, choose_source
from jax_zoo.core.experiment import Experiment, require_positive
from jax_zoo.core.registry import register


@register
def fashion_denoise_ae(
    *,
    source: str = "local",
    first_width: int = 16,
    learning_rate: float = 2e-3,
    batch_size: int = 128,
    epochs: int = 5,
    seed: int = 0,
) -> Experiment:
    """ConvAutoencoder denoising Fashion-MNIST (noise sigma 0.3 on [0, 1] pixels); Adam, MSE.

    Command: ``zoo train fashion_denoise_ae``
    Result: test MSE 0.0105 (the noisy input's: 0.0900), 88% lower; 73 s of training on 2 CPU
    cores (``zoo/published/fashion_denoise_ae.json``).

    Training inputs are the clean images plus fresh noise drawn in every step (``augment``);
    validation and test inputs carry the dataset's fixed, seeded noise, and the results report
    the noisy input's own MSE (``noisy_input_mse``) beside the model's.
    """
    require_positive(learning_rate=learning_rate, batch_size=batch_size, epochs=epochs, first_width=first_width)
    dataset = choose_source(source, FASHION_MNIST_DENOISING_SOURCES)
    return Experiment(
        model=ConvAutoencoder(widths=(first_width, 2 * first_width)),
        optimizer=lambda steps_per_epoch: optax.adam(optax.cosine_decay_schedule(learning_rate, epochs * steps_per_epoch)),
        loss=mean_squared_error,
        metrics={"mse": squared_error},
        dataset=dataset,
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        eval_split="validation",
        augment=image_augment(noise_std=NOISE_STD),
        task="denoising",
    )
