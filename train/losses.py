"""Losses as pure, jittable functions returning a scalar: the mean over the (unmasked) batch.

``mask`` (``<float|bool>[batch]``) weights each example; padded examples get 0 so an evaluation
batch padded to a fixed shape averages over its real examples only.
"""

import jax.numpy as jnp
import optax


def masked_mean(values: jnp.ndarray, mask: jnp.ndarray | None = None) -> jnp.ndarray:
    """Mean of ``<float>[batch]`` values over the examples where ``mask`` is nonzero."""
    if mask is None:
        return values.mean()
    mask = mask.astype(values.dtype)
    return (values * mask).sum() / jnp.maximum(mask.sum(), 1.0)


def softmax_cross_entropy(
    logits: jnp.ndarray,
    labels: jnp.ndarray,
    *,
    label_smoothing: float = 0.0,
    mask: jnp.ndarray | None = None,
) -> jnp.ndarray:
    """Cross-entropy of ``<float>[batch, classes]`` logits against ``<int>[batch]`` labels.

    With ``label_smoothing = s`` the target puts ``1 - s + s / classes`` on the label and
    ``s / classes`` on every other class.
    """
    num_classes = logits.shape[-1]
    targets = optax.smooth_labels(jnp.eye(num_classes, dtype=logits.dtype)[labels], label_smoothing)
    per_example = optax.softmax_cross_entropy(logits.astype(jnp.float32), targets)
    return masked_mean(per_example, mask)


def squared_error(predictions: jnp.ndarray, targets: jnp.ndarray) -> jnp.ndarray:
    """``<float32>[batch]``: the mean squared difference over each example's elements (also a metric)."""
    squared = jnp.square(predictions.astype(jnp.float32) - targets.astype(jnp.float32))
    return squared.reshape(squared.shape[0], -1).mean(axis=1)


def mean_squared_error(
    predictions: jnp.ndarray, targets: jnp.ndarray, *, mask: jnp.ndarray | None = None
) -> jnp.ndarray:
    """Mean over examples of the mean squared difference over each example's elements."""
    return masked_mean(squared_error(predictions, targets), mask)


def sequence_cross_entropy(
    logits: jnp.ndarray,
    targets: jnp.ndarray,
    *,
    pad_id: int = 0,
    mask: jnp.ndarray | None = None,
) -> jnp.ndarray:
    """Cross-entropy of ``<float>[batch, time, vocab]`` logits against ``<int>[batch, time]`` targets.

    Target positions equal to ``pad_id`` never count. Each example's loss is the mean over its
    real tokens; the result is the mean over (unmasked) examples, which equals the mean over
    tokens when every example has the same number of real tokens (fixed-length windows).
    """
    per_example = mean_token_nll(logits, targets, pad_id=pad_id)
    return masked_mean(per_example, mask)


def mean_token_nll(logits: jnp.ndarray, targets: jnp.ndarray, *, pad_id: int = 0) -> jnp.ndarray:
    """``<float32>[batch]``: each example's mean negative log-likelihood (nats) over its non-pad targets."""
    nll = optax.softmax_cross_entropy_with_integer_labels(logits.astype(jnp.float32), targets)
    real = (targets != pad_id).astype(jnp.float32)
    return (nll * real).sum(axis=-1) / jnp.maximum(real.sum(axis=-1), 1.0)
