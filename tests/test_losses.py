import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.train import mean_squared_error, sequence_cross_entropy, softmax_cross_entropy


def test_cross_entropy_matches_hand_computed_value():
    logits = jnp.array([[0.0, math.log(3.0)], [math.log(4.0), 0.0]])
    labels = jnp.array([1, 1])
    # softmax rows: [1/4, 3/4] and [4/5, 1/5]
    expected = (-math.log(3 / 4) - math.log(1 / 5)) / 2
    assert softmax_cross_entropy(logits, labels) == pytest.approx(expected, rel=1e-6)


def test_label_smoothing_spreads_the_target():
    logits = jnp.array([[0.0, math.log(3.0)]])
    # s = 0.2 over 2 classes: target [0.1, 0.9]
    expected = -(0.1 * math.log(1 / 4) + 0.9 * math.log(3 / 4))
    value = softmax_cross_entropy(logits, jnp.array([1]), label_smoothing=0.2)
    assert value == pytest.approx(expected, rel=1e-6)


def test_mask_drops_padded_examples_from_the_mean():
    logits = jnp.array([[0.0, math.log(3.0)], [100.0, -100.0]])
    labels = jnp.array([1, 1])
    masked = softmax_cross_entropy(logits, labels, mask=jnp.array([1.0, 0.0]))
    assert masked == pytest.approx(-math.log(3 / 4), rel=1e-6)


def test_mean_squared_error_averages_elements_then_examples():
    predictions = jnp.array([[1.0, 2.0], [0.0, 0.0]])
    targets = jnp.array([[0.0, 0.0], [0.0, 3.0]])
    # per example: (1 + 4) / 2 = 2.5 and 9 / 2 = 4.5
    assert mean_squared_error(predictions, targets) == pytest.approx(3.5)
    assert mean_squared_error(predictions, targets, mask=jnp.array([0, 1])) == pytest.approx(4.5)


@pytest.mark.slow
@pytest.mark.parametrize("loss", [softmax_cross_entropy, mean_squared_error])
def test_losses_are_jittable_scalars(loss):
    outputs = jnp.asarray(np.random.default_rng(0).normal(size=(4, 3)), jnp.float32)
    targets = jnp.array([0, 2, 1, 0]) if loss is softmax_cross_entropy else jnp.ones((4, 3))
    value = jax.jit(loss)(outputs, targets)
    assert value.shape == () and np.isfinite(value)
    assert float(value) == pytest.approx(float(loss(outputs, targets)), rel=1e-6)


@pytest.mark.slow
def test_sequence_cross_entropy_ignores_padded_targets():
    logits = jnp.log(jnp.array([[[0.5, 0.25, 0.25]] * 3]))  # [1, 3, 3]
    real = sequence_cross_entropy(logits[:, :2], jnp.array([[1, 2]]))
    with_padding = sequence_cross_entropy(logits, jnp.array([[1, 2, 0]]))
    assert np.isclose(real, np.log(4)) and np.isclose(with_padding, real)
    masked = sequence_cross_entropy(jnp.concatenate([logits, logits]), jnp.array([[1, 2, 0], [1, 1, 1]]), mask=jnp.array([1.0, 0.0]))
    assert np.isclose(masked, np.log(4))
