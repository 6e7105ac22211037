"""Autoregressive sampling with fixed shapes: one ``lax.scan`` over the generated positions.

The model is reached through ``step_fn(carry, tokens) -> (carry, logits)`` (``tokens``:
``<int32>[batch]``, ``logits``: ``<float32>[batch, vocab]``), so this module knows nothing of
any network. Position ``i`` draws with ``jax.random.fold_in(key, i)``: same key, same text.
"""

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

StepFn = Callable[[Any, jax.Array], tuple[Any, jax.Array]]


def sample_token(key: jax.Array, logits: jax.Array, temperature: jax.Array | float, top_k: int = 0) -> jax.Array:
    """``<int32>[batch]`` draws from ``softmax(logits / temperature)``, restricted to the ``top_k``
    most likely tokens when ``top_k > 0`` (ties at the k-th logit stay in)."""
    logits = logits.astype(jnp.float32) / temperature
    if top_k:
        kth_largest = jax.lax.top_k(logits, top_k)[0][..., -1:]
        logits = jnp.where(logits < kth_largest, -jnp.inf, logits)
    return jax.random.categorical(key, logits).astype(jnp.int32)


def sample_continuation(
    step_fn: StepFn,
    carry: Any,
    logits: jax.Array,
    key: jax.Array,
    *,
    length: int,
    temperature: jax.Array | float = 1.0,
    top_k: int = 0,
) -> jax.Array:
    """``<int32>[batch, length]`` tokens sampled one after another, starting from ``logits``
    (the model's prediction after the prompt) and ``carry`` (its state there).

    Traceable: call it inside ``jax.jit`` with ``length`` and ``top_k`` static; the prompt,
    key and temperature may vary without recompiling.
    """

    def generate_one(state, position):
        carry, logits = state
        token = sample_token(jax.random.fold_in(key, position), logits, temperature, top_k)
        carry, logits = step_fn(carry, token)
        return (carry, logits), token

    _, tokens = jax.lax.scan(generate_one, (carry, logits), jnp.arange(length))
    return tokens.T
