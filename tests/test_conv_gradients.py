"""xla_cpu.Conv is nn.Conv with gradients written for XLA:CPU: the same parameters, outputs and gradients."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.models.xla_cpu import Conv, SimpleCNN, add_channel_bias, max_pool_2x2


@pytest.mark.slow
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


@pytest.mark.slow
def test_bias_gradient_is_the_sum_over_all_but_the_channel_axis():
    y = jnp.zeros((2, 3, 4, 5))
    grad = jax.random.normal(jax.random.key(0), y.shape)
    _, pullback = jax.vjp(add_channel_bias, y, jnp.zeros(5))
    grad_y, grad_bias = pullback(grad)
    np.testing.assert_array_equal(grad_y, grad)
    np.testing.assert_allclose(grad_bias, grad.sum(axis=(0, 1, 2)), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_bfloat16_compute_in_the_simple_cnn_variant_keeps_float32_parameters_and_gradients():
    x = jnp.ones((2, 28, 28, 1))
    model = SimpleCNN(dtype=jnp.bfloat16)
    variables = model.init(jax.random.key(0), x)
    grads = jax.grad(lambda v: model.apply(v, x).astype(jnp.float32).sum())(variables)
    assert {leaf.dtype for leaf in jax.tree.leaves(grads)} == {jnp.dtype(jnp.float32)}
    assert model.apply(variables, x).dtype == jnp.bfloat16


def test_pooling_before_the_bias_gives_the_pooled_biased_convolution_exactly():
    x = jax.random.normal(jax.random.key(0), (4, 10, 10, 3))
    pooled_first, plain = Conv(8, padding="VALID", pool=max_pool_2x2), Conv(8, padding="VALID")
    variables = jax.tree.map(lambda p: p + 0.1, plain.init(jax.random.key(1), x))
    np.testing.assert_array_equal(pooled_first.apply(variables, x), max_pool_2x2(plain.apply(variables, x)))


@pytest.mark.slow
@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("channels", [1, 3])
def test_channels_major_is_the_layer_output_laid_out_features_height_width_batch(padding, channels):
    x = jax.random.normal(jax.random.key(0), (5, 9, 11, channels))
    conv = Conv(4, padding=padding)
    variables = jax.tree.map(lambda p: p + 0.1, conv.init(jax.random.key(1), x))
    chwn = conv.apply(variables, x, method=Conv.channels_major)
    np.testing.assert_allclose(chwn, jnp.transpose(conv.apply(variables, x), (3, 1, 2, 0)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
def test_kernel_gradient_from_a_chwn_copy_equals_autodiff(padding):
    x = jax.random.normal(jax.random.key(0), (4, 10, 10, 3))
    conv = Conv(8, padding=padding)
    variables = jax.tree.map(lambda p: p + 0.1, conv.init(jax.random.key(1), x))

    def loss(variables, x, with_copy):
        copy = jnp.transpose(x, (3, 1, 2, 0)) if with_copy else None
        return jnp.sum(jnp.sin(conv.apply(variables, x, copy)))

    for argnum in (0, 1):  # parameters, input
        with_copy = jax.grad(loss, argnum)(variables, x, True)
        without = jax.grad(loss, argnum)(variables, x, False)
        jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5), with_copy, without)


def test_a_chwn_copy_of_the_wrong_shape_is_named():
    x = jnp.ones((4, 10, 10, 3))
    conv = Conv(8)
    variables = conv.init(jax.random.key(1), x)
    with pytest.raises(ValueError, match=r"expected x_chwn float32\[3, 10, 10, 4\].*got float32\[4, 10, 10, 3\]"):
        conv.apply(variables, x, x)


def test_a_padding_other_than_same_or_valid_is_named():
    with pytest.raises(ValueError, match=r"expected padding 'SAME' or 'VALID', got 'CIRCULAR'"):
        Conv(8, padding="CIRCULAR").init(jax.random.key(0), jnp.ones((1, 5, 5, 1)))


def test_channels_major_before_the_layer_has_parameters_is_named():
    with pytest.raises(ValueError, match="call the layer itself first"):
        Conv(8).init(jax.random.key(0), jnp.ones((1, 5, 5, 1)), method=Conv.channels_major)
