"""LeNet-5 (LeCun et al. 1998) with today's ReLU and max pooling."""

import flax.linen as nn
import jax.numpy as jnp



class LeNet5(nn.Module):
    """Conv(6, 5x5, SAME) -> pool -> Conv(16, 5x5, VALID) -> pool -> Dense(120) -> Dense(84) -> Dense.

    ``<float>[batch, 28, 28, channels]`` -> ``<float32>[batch, num_classes]`` logits.

    The original read 32x32 images with a VALID first convolution; SAME padding on 28x28 gives
    the same 28x28 -> 14x14 -> 10x10 -> 5x5 feature maps (61,706 parameters for 10 classes). The
    original's sigmoid-scaled tanh units and trainable subsampling are replaced by ReLU and max
    pooling, as in most modern re-implementations.
    """

    num_classes: int = 10

    @nn.compact
    def __call__(self, x: jnp.ndarray, *, train: bool = False) -> jnp.ndarray:
        x = nn.relu(nn.Conv(6, (5, 5), padding="SAME", name="conv1")(x))
        x = nn.max_pool(x, (2, 2), strides=(2, 2))
        x = nn.relu(nn.Conv(16, (5, 5), padding="VALID", name="conv2")(x))
        x = nn.max_pool(x, (2, 2), strides=(2, 2))
        x = x.reshape(x.shape[0], -1)
        x = nn.relu(nn.Dense(120, name="fc1")(x))
        x = nn.relu(nn.Dense(84, name="fc2")(x))
        return nn.Dense(self.num_classes, name="fc3")(x)
