import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from models import Conv, SimpleCNN, add_channel_bias


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
def test_conv_has_nn_conv_parameters_outputs_and_gradients(padding):
    x = jax.random.normal(jax.random.key(0), (4, 10, 10, 3))
    ours, flax_conv = Conv(8, (3, 3), padding=padding), nn.Conv(8, (3, 3), padding=padding)
    variables = ours.init(jax.random.key(1), x)
    reference = flax_conv.init(jax.random.key(1), x)
    assert jax.tree.map(jnp.shape, variables) == jax.tree.map(jnp.shape, reference)
    np.testing.assert_array_equal(variables["params"]["kernel"], reference["params"]["kernel"])
    variables = jax.tree.map(lambda p: p + 0.1, variables)  # a non-zero bias

    def loss(module, variables):
        return jnp.sum(jnp.sin(module.apply(variables, x)))

    np.testing.assert_allclose(ours.apply(variables, x), flax_conv.apply(variables, x), rtol=1e-6, atol=1e-6)
    ours_grads, reference_grads = jax.grad(loss, 1)(ours, variables), jax.grad(loss, 1)(flax_conv, variables)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5), ours_grads, reference_grads)


def test_bias_gradient_is_the_sum_over_all_but_the_channel_axis():
    y = jnp.zeros((2, 3, 4, 5))
    grad = jax.random.normal(jax.random.key(0), y.shape)
    _, pullback = jax.vjp(add_channel_bias, y, jnp.zeros(5))
    grad_y, grad_bias = pullback(grad)
    np.testing.assert_array_equal(grad_y, grad)
    np.testing.assert_allclose(grad_bias, grad.sum(axis=(0, 1, 2)), rtol=1e-5, atol=1e-6)


def test_bfloat16_compute_keeps_float32_parameters_and_gradients():
    x = jnp.ones((2, 28, 28, 1))
    model = SimpleCNN(dtype=jnp.bfloat16)
    variables = model.init(jax.random.key(0), x)
    grads = jax.grad(lambda v: model.apply(v, x).astype(jnp.float32).sum())(variables)
    assert {leaf.dtype for leaf in jax.tree.leaves(grads)} == {jnp.dtype(jnp.float32)}
    assert model.apply(variables, x).dtype == jnp.bfloat16
