"""A small two-convolution CNN: the PyTorch MNIST example's layers, by default without its ReLU after conv2."""

import functools
from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from jax_zoo.models.conv import Conv
from jax_zoo.models.dropout import Dropout16
from jax_zoo.models.pooling import max_pool_2x2


class SimpleCNN(nn.Module):
    """Conv(32, 3x3) -> ReLU -> Conv(64, 3x3) -> MaxPool 2x2 -> flatten -> Dense(128) -> ReLU -> Dense.

    ``<float>[batch, height, width, channels]`` -> ``<float32>[batch, num_classes]`` logits.

    Both convolutions are VALID with stride 1, and by default there is **no ReLU after the second
    convolution** (max pooling reads conv2's output directly). At 28x28x1 input and 10 classes it
    has 1,199,882 parameters, 1,179,776 of them in the 9216x128 dense layer. The flattened size
    follows the input, so the same module runs on 8x8 digits (64 * 2 * 2 = 256 features).

    ``relu_after_conv2=True`` with ``dropout_rates=(0.25, 0.5)`` gives the canonical PyTorch MNIST
    example instead (see ``PyTorchMnistCNN``); that example ends in ``log_softmax`` + NLL, which
    equals softmax cross-entropy on these logits.

    The convolutions are ``jax_zoo.models.Conv``: ``nn.Conv``'s parameters and outputs, with gradients
    XLA's CPU backend computes faster. In training, conv1 also runs laid out ``[channels, height,
    width, batch]`` (``channels_major_copy``) for conv2's kernel gradient; conv2's bias and the
    optional ReLU come after the pooling (the same values, see ``Conv.pool``); dropout draws 16
    random bits per element (``Dropout16``; its masks differ from ``nn.Dropout``'s). Why:
    docs/performance.md.

    ``dtype`` is the computation dtype (``jnp.bfloat16`` for mixed precision); parameters stay
    float32 either way, and the logits come out in ``dtype``.
    """

    num_classes: int = 10
    relu_after_conv2: bool = False
    # Dropout after the pooling and after the first dense layer; 0 disables it.
    dropout_rates: tuple[float, float] = (0.0, 0.0)
    dtype: Any = jnp.float32
    # Compute conv1 twice in training, once laid out for conv2's kernel gradient (``jax_zoo.models.Conv``).
    channels_major_copy: bool = True

    @nn.compact
    def __call__(self, x: jnp.ndarray, *, train: bool = False) -> jnp.ndarray:
        image = x
        conv1 = Conv(32, kernel_size=(3, 3), padding="VALID", dtype=self.dtype, name="conv1")
        x = nn.relu(conv1(image))
        # conv1's activations again, [channels, height, width, batch], for conv2's kernel gradient.
        x_chwn = nn.relu(conv1.channels_major(image)) if train and self.channels_major_copy else None
        # Pooling before the bias and the ReLU gives the same values as after them (both are
        # monotone, per channel) on a quarter of the elements.
        x = Conv(64, kernel_size=(3, 3), padding="VALID", dtype=self.dtype, pool=max_pool_2x2, name="conv2")(x, x_chwn)
        if self.relu_after_conv2:
            x = nn.relu(x)
        x = Dropout16(self.dropout_rates[0], deterministic=not train)(x)
        x = x.reshape(x.shape[0], -1)
        x = nn.Dense(128, dtype=self.dtype, name="fc1")(x)
        x = nn.relu(x)
        x = Dropout16(self.dropout_rates[1], deterministic=not train)(x)
        return nn.Dense(self.num_classes, dtype=self.dtype, name="fc2")(x)


PyTorchMnistCNN = functools.partial(SimpleCNN, relu_after_conv2=True, dropout_rates=(0.25, 0.5))
