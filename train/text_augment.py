"""Keyed augmentations of token-id batches, for ``Experiment(augment=...)``."""

from collections.abc import Callable

import jax
import jax.numpy as jnp


def token_dropout(rate: float, *, replacement_id: int, pad_id: int = 0) -> Callable[[jax.Array, jax.Array], jax.Array]:
    """``augment(key, tokens) -> tokens`` replacing each non-pad token of ``<int>[batch, time]``
    with ``replacement_id`` (e.g. the unknown symbol) with probability ``rate``; padding stays."""
    if not 0 <= rate < 1:
        raise ValueError(f"rate: expected a value in [0, 1), got {rate}")

    def augment(key: jax.Array, tokens: jax.Array) -> jax.Array:
        dropped = jax.random.bernoulli(key, rate, tokens.shape) & (tokens != pad_id)
        return jnp.where(dropped, jnp.asarray(replacement_id, tokens.dtype), tokens)

    return augment
