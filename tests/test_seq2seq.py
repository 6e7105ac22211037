"""The attention encoder-decoder: padding never matters, teacher forcing equals stepping, every weight trains."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from models import Seq2Seq, pack_inputs
from models.seq2seq import reverse_padded
from train import sequence_cross_entropy

SOURCE = np.array([[4, 5, 6, 0, 0], [6, 6, 4, 5, 4]], np.int32)
DECODER_INPUTS = np.array([[2, 4, 5, 0], [2, 6, 7, 8]], np.int32)
TARGETS = np.array([[4, 5, 3, 0], [6, 7, 8, 3]], np.int32)


def model(source_length=5, **fields):
    return Seq2Seq(10, 12, source_length=source_length, bos_id=2, eos_id=3, embed_dim=4, hidden_size=8, **fields)


@pytest.mark.slow
@pytest.mark.parametrize("cell_type, attention", [("lstm", "multiplicative"), ("gru", "additive")])
def test_source_padding_changes_nothing_and_gets_no_attention(cell_type, attention):
    short, long = model(5, cell_type=cell_type, attention=attention), model(9, cell_type=cell_type, attention=attention)
    inputs = pack_inputs(SOURCE, DECODER_INPUTS)
    variables = short.init(jax.random.PRNGKey(0), inputs)
    logits, state = short.apply(variables, inputs, mutable="intermediates")
    padded = pack_inputs(np.pad(SOURCE, ((0, 0), (0, 4))), DECODER_INPUTS)
    np.testing.assert_allclose(long.apply(variables, padded), logits, atol=1e-5)
    (weights,) = state["intermediates"]["attention"]
    assert weights.shape == (2, 4, 5) and np.all(weights[0, :, 3:] == 0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-6)


@pytest.mark.slow
def test_teacher_forcing_equals_decoding_step_by_step():
    network = model(cell_type="lstm")
    variables = network.init(jax.random.PRNGKey(1), pack_inputs(SOURCE, DECODER_INPUTS))
    logits = network.apply(variables, pack_inputs(SOURCE, DECODER_INPUTS))
    encoded, carry = network.apply(variables, SOURCE, method=Seq2Seq.encode)
    for t in range(DECODER_INPUTS.shape[1]):
        carry, step_logits, _ = network.apply(
            variables, carry, jnp.asarray(DECODER_INPUTS[:, t]), encoded, method=Seq2Seq.decode_step
        )
        np.testing.assert_allclose(step_logits, logits[:, t], atol=1e-5)


@pytest.mark.slow
def test_every_parameter_gets_a_gradient_with_dropout():
    network = model(dropout_rate=0.2)
    inputs = pack_inputs(SOURCE, DECODER_INPUTS)
    variables = network.init(jax.random.PRNGKey(2), inputs)

    def loss(params):
        logits = network.apply({"params": params}, inputs, train=True, rngs={"dropout": jax.random.PRNGKey(3)})
        return sequence_cross_entropy(logits, TARGETS)

    grads = jax.grad(loss)(variables["params"])
    assert all(float(optax.tree.norm(leaf)) > 0 for leaf in jax.tree.leaves(grads))


def test_reverse_padded_reverses_the_real_tokens_only():
    tokens = np.array([[1, 2, 3, 0], [1, 2, 3, 4]])
    np.testing.assert_array_equal(reverse_padded(tokens, jnp.array([3, 4])), [[3, 2, 1, 0], [4, 3, 2, 1]])
