"""Test-time augmentation by flips (and shifts), as a model: pure ``init``/``apply`` like any other."""

import flax.linen as nn
import jax
import jax.numpy as jnp


def shifted(images: jax.Array, dy: int, dx: int) -> jax.Array:
    """``images`` moved ``dy`` pixels down and ``dx`` right (negative: up, left), zero-filled.

    ``<float>[batch, height, width, channels]`` -> the same shape.
    """
    pad = max(abs(dy), abs(dx))
    if pad == 0:
        return images
    _, height, width, _ = images.shape
    padded = jnp.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    return padded[:, pad - dy : pad - dy + height, pad - dx : pad - dx + width, :]


class FlipAveraged(nn.Module):
    """``member`` in training; in inference, its class probabilities averaged over each image and
    its mirror image (left-right), returned as log-probabilities.

    ``shift`` > 0 adds the image moved ``shift`` pixels up, down, left and right (zero-filled),
    each with its mirror too: ten views instead of two, five times the inference cost.

    ``<float>[batch, height, width, channels]`` -> ``<float32>[batch, num_classes]``: logits
    when ``train=True`` (so training is exactly ``member``'s), the log of the views' mean
    probabilities otherwise; softmax cross-entropy and accuracy read both alike. Only for data
    whose labels survive a horizontal flip (clothes, not digits).
    """

    member: nn.Module
    shift: int = 0

    @nn.compact
    def __call__(self, inputs: jax.Array, *, train: bool = False) -> jax.Array:
        if train:
            return self.member(inputs, train=True)
        if not isinstance(self.shift, int) or self.shift < 0:
            raise ValueError(f"FlipAveraged.shift: expected a non-negative integer, got {self.shift!r}")
        offsets = [(0, 0)]
        if self.shift:
            offsets += [(-self.shift, 0), (self.shift, 0), (0, -self.shift), (0, self.shift)]
        views = [shifted(inputs, dy, dx) for dy, dx in offsets]
        views += [view[:, :, ::-1, :] for view in views]
        log_probs = jax.nn.log_softmax(self.member(jnp.concatenate(views), train=False).astype(jnp.float32), axis=-1)
        per_view = log_probs.reshape(len(views), inputs.shape[0], -1)
        return jax.nn.logsumexp(per_view, axis=0) - jnp.log(float(len(views)))
