"""Dropout that draws 16 random bits per element instead of 32: fewer random bits to generate on XLA:CPU."""

import flax.linen as nn
import jax
import jax.numpy as jnp

LEVELS = 1 << 16


class Dropout16(nn.Module):
    """``nn.Dropout(rate)`` with half the random bits: each element is kept when a 16-bit draw
    is at least ``round(rate * 65536)``, and kept elements are divided by the probability of
    keeping them, so the expected output is the input.

    ``[...]`` -> ``[...]``, same shape and dtype. Random bits are the dear part of dropout on a
    CPU (threefry generates them 32 at a time), and one 32-bit word here serves two elements.
    The price is a rate rounded to a multiple of 2^-16 (0.25 and 0.5 are exact; 0.1 becomes
    0.1000061...), finer than anything a rate is tuned to. The key comes from the ``dropout``
    RNG stream, as for ``nn.Dropout``; the masks differ from ``nn.Dropout``'s for the same key.
    """

    rate: float
    deterministic: bool = False
    rng_collection: str = "dropout"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"Dropout16: expected a rate in [0, 1], got {self.rate}")
        threshold = round(self.rate * LEVELS)
        if self.deterministic or threshold == 0:
            return x
        if threshold == LEVELS:
            return jnp.zeros_like(x)
        words = jax.random.bits(self.make_rng(self.rng_collection), ((x.size + 1) // 2,), jnp.uint32)
        draws = jax.lax.bitcast_convert_type(words, jnp.uint16).reshape(-1)[: x.size].reshape(x.shape)
        keep = draws >= jnp.uint16(threshold)
        return jnp.where(keep, x / jnp.asarray(1.0 - threshold / LEVELS, x.dtype), jnp.zeros_like(x))
