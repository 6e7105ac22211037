"""A VGG-style stack (Simonyan & Zisserman 2015): stages of 3x3 convolutions, each ending in max pooling."""

import functools
from collections.abc import Sequence

import flax.linen as nn
import jax.numpy as jnp



class VGG(nn.Module):
    """``convs_per_stage`` x [Conv 3x3 (SAME) -> BatchNorm -> ReLU] -> MaxPool 2x2, once per
    width in ``stage_widths``; then flatten -> Dense(dense_width) -> ReLU -> Dropout -> Dense.

    ``<float>[batch, height, width, channels]`` -> ``<float32>[batch, num_classes]`` logits.
    Odd sizes are floored by the pooling (28 -> 14 -> 7 -> 3 with three stages).
    ``batch_norm=False`` gives the original, normalisation-free VGG with biased convolutions.
    """

    num_classes: int = 10
    stage_widths: Sequence[int] = (32, 64, 128)
    convs_per_stage: int = 2
    dense_width: int = 256
    dropout_rate: float = 0.5
    batch_norm: bool = True

    @nn.compact
    def __call__(self, x: jnp.ndarray, *, train: bool = False) -> jnp.ndarray:
        norm = functools.partial(nn.BatchNorm, use_running_average=not train, momentum=0.9)
        for stage, width in enumerate(self.stage_widths):
            for conv in range(self.convs_per_stage):
                x = nn.Conv(width, (3, 3), padding="SAME", use_bias=not self.batch_norm, name=f"conv{stage + 1}_{conv + 1}")(x)
                if self.batch_norm:
                    x = norm(name=f"norm{stage + 1}_{conv + 1}")(x)
                x = nn.relu(x)
            x = nn.max_pool(x, (2, 2), strides=(2, 2))
        x = x.reshape(x.shape[0], -1)
        x = nn.relu(nn.Dense(self.dense_width, name="fc1")(x))
        x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
        return nn.Dense(self.num_classes, name="fc2")(x)
