"""Test-time augmentation by horizontal flips, as a model: pure ``init``/``apply`` like any other."""

import flax.linen as nn
import jax
import jax.numpy as jnp


class FlipAveraged(nn.Module):
    """``member`` in training; in inference, its class probabilities averaged over each image and
    its mirror image (left-right), returned as log-probabilities.

    ``<float>[batch, height, width, channels]`` -> ``<float32>[batch, num_classes]``: logits
    when ``train=True`` (so training is exactly ``member``'s), ``log((p(x) + p(flip(x))) / 2)``
    otherwise; softmax cross-entropy and accuracy read both alike. Only for data whose labels
    survive a horizontal flip (clothes, not digits).
    """

    member: nn.Module

    @nn.compact
    def __call__(self, inputs: jax.Array, *, train: bool = False) -> jax.Array:
        if train:
            return self.member(inputs, train=True)
        both = jnp.concatenate([inputs, inputs[:, :, ::-1, :]])
        log_probs = jax.nn.log_softmax(self.member(both, train=False).astype(jnp.float32), axis=-1)
        plain, mirrored = jnp.split(log_probs, 2)
        return jnp.logaddexp(plain, mirrored) - jnp.log(2.0)
