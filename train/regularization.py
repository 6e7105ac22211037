"""Weight decay that leaves biases and normalisation parameters alone.

    optax.chain(optax.add_decayed_weights(5e-4, mask=decay_mask), optax.sgd(schedule, momentum=0.9))
    optax.adamw(schedule, weight_decay=0.05, mask=decay_mask)
"""

from typing import Any

import jax


def decay_mask(params: Any) -> Any:
    """``True`` for the weight matrices and convolution kernels (rank >= 2) of a parameter
    pytree, ``False`` for biases and BatchNorm/LayerNorm scales and offsets (rank 1 or 0)."""
    return jax.tree.map(lambda leaf: leaf.ndim >= 2, params)
