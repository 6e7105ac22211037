"""lstm_layer is nn.RNN(nn.OptimizedLSTMCell) computed from that cell's own parameters.

Also: its token path (``embedding=``) is the layer after ``nn.Embed``, and both custom VJPs
match autodiff of a plain loop."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.models.xla_cpu.lstm_vjp import GATES, lstm_layer, lstm_scan, lstm_scan_tokens, pack_cell_parameters

BATCH, TIME, IN_FEATURES, FEATURES = 3, 9, 5, 4


class FlaxLSTM(nn.Module):
    @nn.compact
    def __call__(self, inputs, **kwargs):
        return nn.RNN(nn.OptimizedLSTMCell(FEATURES), name="rnn")(inputs, **kwargs)


def ours(variables, inputs, return_carry=False, **kwargs):
    """``lstm_layer`` on the cell parameters of ``FlaxLSTM``'s variables."""
    carry, outputs = lstm_layer(variables["params"]["OptimizedLSTMCell_0"], inputs, **kwargs)
    return (carry, outputs) if return_carry else outputs


@pytest.fixture
def inputs():
    return jax.random.normal(jax.random.PRNGKey(1), (BATCH, TIME, IN_FEATURES))


@pytest.fixture
def variables(inputs):
    """Flax's cell's weights, with a non-zero bias so that its place in the packing is tested."""
    flax_variables = FlaxLSTM().init(jax.random.PRNGKey(0), inputs)
    cell = flax_variables["params"]["OptimizedLSTMCell_0"]
    for number, gate in enumerate(GATES):
        cell[f"h{gate}"]["bias"] = jnp.full((FEATURES,), 0.1 * (number + 1))
    return flax_variables


def assert_trees_close(expected, given, atol):
    assert jax.tree.structure(expected) == jax.tree.structure(given)
    for a, b in zip(jax.tree.leaves(expected), jax.tree.leaves(given)):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), atol=atol, rtol=0)


def plain_loop(input_gates, xs, kernel_hh, h, c):
    """The textbook LSTM as a lax.scan that autodiff differentiates: every step's ``(h, c)``."""

    def step(carry, x):
        h, c = carry
        i, f, g, o = jnp.split(input_gates(x) + h @ kernel_hh, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), (h, c)

    return jax.lax.scan(step, (h, c), xs)[1]


def weighted_sum(function, weights):
    """A scalar loss of both outputs of ``function``, for comparing gradients."""
    return lambda *args: sum((out * w).sum() for out, w in zip(function(*args), weights))


def test_packing_puts_the_gates_side_by_side_in_the_order_i_f_g_o(variables):
    cell = variables["params"]["OptimizedLSTMCell_0"]
    kernel_ih, kernel_hh, bias = pack_cell_parameters(cell)
    assert (kernel_ih.shape, kernel_hh.shape, bias.shape) == ((IN_FEATURES, 4 * FEATURES), (FEATURES, 4 * FEATURES), (4 * FEATURES,))
    for number, gate in enumerate(GATES):
        columns = slice(number * FEATURES, (number + 1) * FEATURES)
        np.testing.assert_array_equal(kernel_ih[:, columns], cell[f"i{gate}"]["kernel"])
        np.testing.assert_array_equal(kernel_hh[:, columns], cell[f"h{gate}"]["kernel"])
        np.testing.assert_array_equal(bias[columns], cell[f"h{gate}"]["bias"])


@pytest.mark.slow
def test_outputs_and_carry_at_each_rows_last_real_step_match_flax(inputs, variables):
    lengths = jnp.array([TIME, 4, 1])
    expected_carry, expected = FlaxLSTM().apply(variables, inputs, seq_lengths=lengths, return_carry=True)
    carry, outputs = ours(variables, inputs, seq_lengths=lengths, return_carry=True)
    assert outputs.shape == (BATCH, TIME, FEATURES)
    assert_trees_close(expected, outputs, atol=1e-6)
    assert_trees_close(expected_carry, carry, atol=1e-6)


def test_continues_from_a_given_carry(inputs, variables):
    keys = jax.random.split(jax.random.PRNGKey(2))
    carry = tuple(jax.random.normal(key, (BATCH, FEATURES)) for key in keys)  # (c, h), as in flax
    expected = FlaxLSTM().apply(variables, inputs, initial_carry=carry)
    assert_trees_close(expected, ours(variables, inputs, initial_carry=carry), atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("use_carry", [False, True], ids=["outputs only", "outputs and final carry"])
def test_gradients_match_flax(inputs, variables, use_carry):
    lengths = jnp.array([TIME, 6, 2])
    weights = jax.random.normal(jax.random.PRNGKey(3), (BATCH, TIME, FEATURES))

    def loss(apply):
        def value(variables, inputs):
            carry, outputs = apply(variables, inputs, seq_lengths=lengths, return_carry=True)
            total = (outputs * weights).sum()
            return total + (carry[0] ** 2).sum() + carry[1].sum() if use_carry else total

        return jax.grad(value, argnums=(0, 1))

    flax_grads, flax_input_grads = loss(FlaxLSTM().apply)(variables, inputs)
    our_grads, our_input_grads = loss(ours)(variables, inputs)
    assert_trees_close(flax_grads, our_grads, atol=2e-6)
    assert_trees_close(flax_input_grads, our_input_grads, atol=2e-6)


@pytest.mark.slow
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
        return plain_loop(lambda x: x @ kernel_ih + bias, inputs, kernel_hh, h, c)

    weights = jax.random.normal(keys[6], (2, TIME, BATCH, FEATURES))
    expected = jax.grad(weighted_sum(plain_lstm, weights), argnums=range(6))(*args)
    assert_trees_close(expected, jax.grad(weighted_sum(lstm_scan, weights), argnums=range(6))(*args), atol=2e-5)


VOCAB = 6


@pytest.fixture
def tokens():
    return jax.random.randint(jax.random.PRNGKey(5), (BATCH, TIME), 0, VOCAB)


@pytest.fixture
def embedding():
    return jax.random.normal(jax.random.PRNGKey(6), (VOCAB, IN_FEATURES))


@pytest.mark.slow
def test_token_ids_with_an_embedding_are_the_layer_after_nn_embed(variables, tokens, embedding):
    lengths = jnp.array([TIME, 5, 2])
    carry = tuple(jax.random.normal(key, (BATCH, FEATURES)) for key in jax.random.split(jax.random.PRNGKey(7)))
    weights = jax.random.normal(jax.random.PRNGKey(8), (BATCH, TIME, FEATURES))

    def run(variables, embedding, fold):
        given = (tokens, {"embedding": embedding}) if fold else (jnp.take(embedding, tokens, axis=0), {})
        (c, h), outputs = ours(
            variables, given[0], **given[1], initial_carry=carry, seq_lengths=lengths, return_carry=True
        )
        return (outputs * weights).sum() + (c**2).sum() + h.sum(), (c, h, outputs)

    gradient = jax.grad(run, argnums=(0, 1), has_aux=True)
    (expected_grads, expected), (grads, given) = gradient(variables, embedding, False), gradient(variables, embedding, True)
    assert_trees_close(expected, given, atol=1e-6)
    assert_trees_close(expected_grads, grads, atol=2e-5)


@pytest.mark.slow
def test_out_of_range_token_ids_read_as_nn_embed_reads_them(variables, embedding):
    """A negative id wraps around, an id past the table gives NaN from its step on."""
    tokens = jnp.array([[1, -1, 2], [0, VOCAB, 3]])
    expected = ours(variables, nn.Embed(VOCAB, IN_FEATURES).apply({"params": {"embedding": embedding}}, tokens))
    given = ours(variables, tokens, embedding=embedding)
    np.testing.assert_allclose(given, expected, atol=1e-6)
    assert np.isnan(given[1, 1:]).all() and np.isfinite(given[0]).all() and np.isfinite(given[1, 0]).all()


@pytest.mark.slow
def test_lstm_scan_tokens_gradients_match_autodiff_of_the_same_loop():
    keys = jax.random.split(jax.random.PRNGKey(9), 6)
    tokens = jax.random.randint(keys[0], (TIME, BATCH), 0, VOCAB)
    args = (
        jax.random.normal(keys[1], (VOCAB, 4 * FEATURES)),
        0.4 * jax.random.normal(keys[2], (FEATURES, 4 * FEATURES)),
        jax.random.normal(keys[3], (BATCH, FEATURES)),
        jax.random.normal(keys[4], (BATCH, FEATURES)),
    )

    def plain_lstm(table, kernel_hh, h, c):
        return plain_loop(lambda tokens_t: table[tokens_t], tokens, kernel_hh, h, c)

    weights = jax.random.normal(keys[5], (2, TIME, BATCH, FEATURES))
    expected = jax.grad(weighted_sum(plain_lstm, weights), argnums=range(4))(*args)
    given = jax.grad(weighted_sum(lambda *args: lstm_scan_tokens(tokens, *args), weights), argnums=range(4))(*args)
    assert_trees_close(expected, given, atol=2e-5)


@pytest.mark.parametrize(
    ("inputs", "options", "message"),
    [
        (jnp.zeros((BATCH, IN_FEATURES)), {}, r"expected inputs \[batch, time, in_features\], got shape \(3, 5\)"),
        (jnp.zeros((BATCH, TIME, IN_FEATURES)), {"initial_carry": (jnp.zeros((BATCH, 5)),) * 2},
         r"initial carry \(c, h\) of shape \(3, 4\) each, got \(3, 5\)"),
        (jnp.zeros((BATCH, TIME)), {"embedding": jnp.zeros((VOCAB, IN_FEATURES))},
         r"<int>\[batch, time\] token ids, got float32\[3, 9\]"),
        (jnp.zeros((BATCH, TIME, 1), jnp.int32), {"embedding": jnp.zeros((VOCAB, IN_FEATURES))},
         r"token ids, got int32\[3, 9, 1\]"),
    ],
    ids=["no time axis", "carry of another width", "float ids", "ids with a feature axis"],
)
def test_bad_inputs_are_named(variables, inputs, options, message):
    with pytest.raises(ValueError, match=message):
        ours(variables, inputs, **options)
