"""ScannedLSTM is flax's OptimizedLSTMCell under nn.RNN: same parameters, outputs, carries, gradients."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from models import CharLanguageModel
from models.lstm import ScannedLSTM, lstm_scan

BATCH, TIME, IN_FEATURES, FEATURES = 3, 9, 5, 4


class FlaxLSTM(nn.Module):
    @nn.compact
    def __call__(self, inputs, **kwargs):
        return nn.RNN(nn.OptimizedLSTMCell(FEATURES), name="rnn")(inputs, **kwargs)


class OurLSTM(nn.Module):
    @nn.compact
    def __call__(self, inputs, **kwargs):
        return ScannedLSTM(FEATURES, name="OptimizedLSTMCell_0")(inputs, **kwargs)


@pytest.fixture
def inputs():
    return jax.random.normal(jax.random.PRNGKey(1), (BATCH, TIME, IN_FEATURES))


@pytest.fixture
def variables(inputs):
    return FlaxLSTM().init(jax.random.PRNGKey(0), inputs)


def assert_trees_close(expected, given, atol):
    assert jax.tree.structure(expected) == jax.tree.structure(given)
    for a, b in zip(jax.tree.leaves(expected), jax.tree.leaves(given)):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), atol=atol, rtol=0)


def test_starts_from_the_parameters_flax_would_create(inputs, variables):
    ours = OurLSTM().init(jax.random.PRNGKey(0), inputs)
    assert_trees_close(variables, ours, atol=0)


def test_outputs_and_carry_at_each_rows_last_real_step_match_flax(inputs, variables):
    lengths = jnp.array([TIME, 4, 1])
    expected_carry, expected = FlaxLSTM().apply(variables, inputs, seq_lengths=lengths, return_carry=True)
    carry, outputs = OurLSTM().apply(variables, inputs, seq_lengths=lengths, return_carry=True)
    assert outputs.shape == (BATCH, TIME, FEATURES)
    assert_trees_close(expected, outputs, atol=1e-6)
    assert_trees_close(expected_carry, carry, atol=1e-6)


def test_continues_from_a_given_carry(inputs, variables):
    keys = jax.random.split(jax.random.PRNGKey(2))
    carry = tuple(jax.random.normal(key, (BATCH, FEATURES)) for key in keys)  # (c, h), as in flax
    expected = FlaxLSTM().apply(variables, inputs, initial_carry=carry)
    assert_trees_close(expected, OurLSTM().apply(variables, inputs, initial_carry=carry), atol=1e-6)


@pytest.mark.parametrize("use_carry", [False, True], ids=["outputs only", "outputs and final carry"])
def test_gradients_match_flax(inputs, variables, use_carry):
    lengths = jnp.array([TIME, 6, 2])
    weights = jax.random.normal(jax.random.PRNGKey(3), (BATCH, TIME, FEATURES))

    def loss(module):
        def value(variables, inputs):
            carry, outputs = module.apply(variables, inputs, seq_lengths=lengths, return_carry=True)
            total = (outputs * weights).sum()
            return total + (carry[0] ** 2).sum() + carry[1].sum() if use_carry else total

        return jax.grad(value, argnums=(0, 1))

    assert_trees_close(loss(FlaxLSTM())(variables, inputs), loss(OurLSTM())(variables, inputs), atol=2e-6)


def test_lstm_scan_gradients_match_autodiff_of_the_same_loop():
    keys = jax.random.split(jax.random.PRNGKey(4), 7)
    args = (
        jax.random.normal(keys[0], (TIME, BATCH, IN_FEATURES)),
        0.4 * jax.random.normal(keys[1], (IN_FEATURES, 4 * FEATURES)),
        0.4 * jax.random.normal(keys[2], (FEATURES, 4 * FEATURES)),
        0.1 * jax.random.normal(keys[3], (4 * FEATURES,)),
        jax.random.normal(keys[4], (BATCH, FEATURES)),
        jax.random.normal(keys[5], (BATCH, FEATURES)),
    )

    def plain_lstm(inputs, kernel_ih, kernel_hh, bias, h, c):
        def step(carry, x):
            h, c = carry
            i, f, g, o = jnp.split(x @ kernel_ih + h @ kernel_hh + bias, 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), (h, c)

        return jax.lax.scan(step, (h, c), inputs)[1]

    weights = jax.random.normal(keys[6], (2, TIME, BATCH, FEATURES))

    def loss(function):
        return lambda *args: sum((out * w).sum() for out, w in zip(function(*args), weights))

    expected = jax.grad(loss(plain_lstm), argnums=range(6))(*args)
    assert_trees_close(expected, jax.grad(loss(lstm_scan), argnums=range(6))(*args), atol=2e-5)


def test_char_language_model_keeps_its_parameter_names():
    """Checkpoints written when the stack held nn.RNN(OptimizedLSTMCell) still load."""
    model = CharLanguageModel(vocab_size=10, embed_dim=6, hidden_size=8, num_layers=2)
    params = model.init(jax.random.PRNGKey(0), jnp.ones((1, 7), jnp.int32))["params"]
    assert sorted(params["rnn"]) == ["OptimizedLSTMCell_0", "OptimizedLSTMCell_1"]
    assert sorted(params["rnn"]["OptimizedLSTMCell_1"]) == ["hf", "hg", "hi", "ho", "if", "ig", "ii", "io"]
    assert params["rnn"]["OptimizedLSTMCell_1"]["ii"]["kernel"].shape == (8, 8)


@pytest.mark.parametrize(
    ("inputs_shape", "carry_shape", "message"),
    [
        ((BATCH, IN_FEATURES), None, r"expected inputs \[batch, time, in_features\], got shape \(3, 5\)"),
        ((BATCH, TIME, IN_FEATURES), (BATCH, FEATURES + 1), r"initial carry \(c, h\) of shape \(3, 4\) each, got \(3, 5\)"),
    ],
    ids=["no time axis", "carry of another width"],
)
def test_bad_shapes_are_named(inputs_shape, carry_shape, message):
    carry = None if carry_shape is None else (jnp.zeros(carry_shape), jnp.zeros(carry_shape))
    with pytest.raises(ValueError, match=message):
        OurLSTM().init(jax.random.PRNGKey(0), jnp.zeros(inputs_shape), initial_carry=carry)
