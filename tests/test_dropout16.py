"""Dropout16: nn.Dropout's rates and scaling from 16 random bits per element."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.models.xla_cpu import Dropout16


def apply(rate, x, key=0, deterministic=False):
    return Dropout16(rate, deterministic=deterministic).apply({}, x, rngs={"dropout": jax.random.key(key)})


def test_keeps_the_expected_share_and_scales_what_it_keeps():
    x = jnp.ones((200, 501))  # an odd size: one 32-bit word serves two elements
    out = apply(0.25, x)
    assert out.shape == x.shape and out.dtype == x.dtype
    kept = np.asarray(out) != 0
    assert abs(kept.mean() - 0.75) < 0.005
    np.testing.assert_array_equal(np.asarray(out)[kept], np.float32(1) / np.float32(0.75))


def test_same_key_same_mask_other_key_other_mask():
    x = jnp.ones((64, 64))
    np.testing.assert_array_equal(apply(0.5, x, key=3), apply(0.5, x, key=3))
    assert not np.array_equal(apply(0.5, x, key=3), apply(0.5, x, key=4))


@pytest.mark.parametrize(("rate", "deterministic"), [(0.5, True), (0.0, False)])
def test_is_the_identity_when_disabled(rate, deterministic):
    x = jax.random.normal(jax.random.key(0), (8, 5))
    np.testing.assert_array_equal(apply(rate, x, deterministic=deterministic), x)


def test_rate_one_drops_everything_and_bfloat16_stays_bfloat16():
    np.testing.assert_array_equal(apply(1.0, jnp.ones((4, 4))), 0)
    assert apply(0.5, jnp.ones((4, 4), jnp.bfloat16)).dtype == jnp.bfloat16


def test_a_rate_outside_zero_one_is_named():
    with pytest.raises(ValueError, match=r"expected a rate in \[0, 1\], got 1.5"):
        apply(1.5, jnp.ones(3))
