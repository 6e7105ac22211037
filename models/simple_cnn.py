"""A small two-convolution CNN: the PyTorch MNIST example's layers, by default without its ReLU after conv2."""

import functools
from typing import Any

import flax.linen as nn
import jax.numpy as jnp


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

    ``dtype`` is the computation dtype (``jnp.bfloat16`` for mixed precision); parameters stay
    float32 either way, and the logits come out in ``dtype``.
    """

    num_classes: int = 10
    relu_after_conv2: bool = False
    # Dropout after the pooling and after the first dense layer; 0 disables it.
    dropout_rates: tuple[float, float] = (0.0, 0.0)
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x: jnp.ndarray, *, train: bool = False) -> jnp.ndarray:
        x = nn.Conv(32, (3, 3), padding="VALID", dtype=self.dtype, name="conv1")(x)
        x = nn.relu(x)
        x = nn.Conv(64, (3, 3), padding="VALID", dtype=self.dtype, name="conv2")(x)
        if self.relu_after_conv2:
            x = nn.relu(x)
        x = nn.max_pool(x, (2, 2), strides=(2, 2))
        x = nn.Dropout(self.dropout_rates[0], deterministic=not train)(x)
        x = x.reshape((x.shape[0], -1))
        x = nn.Dense(128, dtype=self.dtype, name="fc1")(x)
        x = nn.relu(x)
        x = nn.Dropout(self.dropout_rates[1], deterministic=not train)(x)
        return nn.Dense(self.num_classes, dtype=self.dtype, name="fc2")(x)


PyTorchMnistCNN = functools.partial(SimpleCNN, relu_after_conv2=True, dropout_rates=(0.25, 0.5))
"""The PyTorch MNIST example's network: ``SimpleCNN`` with a ReLU after conv2 and dropout 0.25 / 0.5."""
