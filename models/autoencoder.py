"""A convolutional autoencoder: strided convolutions down, transposed convolutions back up."""

from collections.abc import Sequence

import flax.linen as nn
import jax.numpy as jnp


class ConvAutoencoder(nn.Module):
    """Encoder: one Conv(3x3, stride 2) -> ReLU per width in ``widths``; decoder: its mirror
    image, ConvTranspose(3x3, stride 2) -> ReLU back through the widths, the last one straight
    to the input's channels, then a sigmoid.

    ``<float>[batch, height, width, channels]`` in [0, 1] -> ``<float32>[batch, height, width,
    channels]`` in (0, 1). Height and width must be multiples of ``2 ** len(widths)``
    (28 -> 14 -> 7 -> 14 -> 28 with the default two stages).
    """

    widths: Sequence[int] = (32, 64)

    @nn.compact
    def __call__(self, x: jnp.ndarray, *, train: bool = False) -> jnp.ndarray:
        factor = 2 ** len(self.widths)
        if x.ndim != 4 or x.shape[1] % factor or x.shape[2] % factor:
            raise ValueError(
                f"ConvAutoencoder: expected images [batch, height, width, channels] with height and width "
                f"multiples of {factor}, got shape {list(x.shape)}"
            )
        channels = x.shape[-1]
        for index, width in enumerate(self.widths):
            x = nn.relu(nn.Conv(width, (3, 3), strides=2, padding="SAME", name=f"encoder{index + 1}")(x))
        for index, width in enumerate(reversed(self.widths[:-1])):
            x = nn.relu(nn.ConvTranspose(width, (3, 3), strides=(2, 2), padding="SAME", name=f"decoder{index + 1}")(x))
        x = nn.ConvTranspose(channels, (3, 3), strides=(2, 2), padding="SAME", name="output")(x)
        return nn.sigmoid(x)
