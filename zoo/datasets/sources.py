"""One config value, ``source``, picks where an entry's data comes from."""

from collections.abc import Mapping

from jax_zoo.core.errors import ConfigError


def choose_source(source: str, datasets: Mapping[str, str]) -> str:
    """The registered dataset for ``source`` (e.g. ``{"local": "fashion_mnist_local", "tfds": "fashion_mnist"}``)."""
    try:
        return datasets[source]
    except KeyError:
        choices = ", ".join(repr(name) for name in datasets)
        raise ConfigError(f"source: expected one of {choices}, got {source!r}") from None


FASHION_MNIST_SOURCES = {"local": "fashion_mnist_local", "tfds": "fashion_mnist"}
FASHION_MNIST_DENOISING_SOURCES = {"local": "fashion_mnist_local_denoising", "tfds": "fashion_mnist_denoising"}
