"""``SimpleCNN`` with its train step arranged for XLA:CPU: same parameters, same function."""

import flax.linen as nn
import jax.numpy as jnp

from jax_zoo.models import simple_cnn
from jax_zoo.models.xla_cpu.conv_gradients import Conv
from jax_zoo.models.xla_cpu.dropout16 import Dropout16
from jax_zoo.models.xla_cpu.reshape_pooling import max_pool_2x2


class SimpleCNN(simple_cnn.SimpleCNN):
    """``jax_zoo.models.SimpleCNN``'s layers, fields and parameters (``conv1``, ``conv2``, ``fc1``,
    ``fc2``); without dropout, its outputs up to rounding, and its gradients.

    - The convolutions are ``xla_cpu.Conv``: the bias gradient is a product with ones.
    - In training conv1 runs twice, the second time laid out ``[channels, height, width, batch]``
      (``Conv.channels_major``), the layout conv2's kernel gradient reads.
    - conv2's bias and the optional ReLU come after the pooling: the same values (both are
      monotone, per channel) on a quarter of the elements; the pooling is ``max_pool_2x2``.
    - Dropout draws 16 random bits per element (``Dropout16``): the same rates, other masks
      than ``nn.Dropout``'s.
    """

    @nn.compact
    def __call__(self, x: jnp.ndarray, *, train: bool = False) -> jnp.ndarray:
        image = x
        conv1 = Conv(32, kernel_size=(3, 3), padding="VALID", dtype=self.dtype, name="conv1")
        x = nn.relu(conv1(image))
        x_chwn = nn.relu(conv1.channels_major(image)) if train else None
        x = Conv(64, kernel_size=(3, 3), padding="VALID", dtype=self.dtype, pool=max_pool_2x2, name="conv2")(x, x_chwn)
        if self.relu_after_conv2:
            x = nn.relu(x)
        x = Dropout16(self.dropout_rates[0], deterministic=not train)(x)
        x = x.reshape(x.shape[0], -1)
        x = nn.Dense(128, dtype=self.dtype, name="fc1")(x)
        x = nn.relu(x)
        x = Dropout16(self.dropout_rates[1], deterministic=not train)(x)
        return nn.Dense(self.num_classes, dtype=self.dtype, name="fc2")(x)
