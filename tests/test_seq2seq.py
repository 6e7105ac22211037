"""The attention encoder-decoder: padding never matters, teacher forcing equals stepping, every weight
trains, and a copying decoder mixes its readout with its attention on the source's tokens."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jax_zoo.models import Seq2Seq, pack_inputs
from jax_zoo.models.seq2seq import copy_mixture, reverse_padded
from jax_zoo.train import sequence_cross_entropy

SOURCE = np.array([[4, 5, 6, 0, 0], [6, 6, 4, 5, 4]], np.int32)
DECODER_INPUTS = np.array([[2, 4, 5, 0], [2, 6, 7, 8]], np.int32)
TARGETS = np.array([[4, 5, 3, 0], [6, 7, 8, 3]], np.int32)


def model(source_length=5, **fields):
    source_vocab_size = 12 if fields.get("copy_source") else 10  # a copying model reads the target's ids
    return Seq2Seq(
        source_vocab_size, 12, source_length=source_length, bos_id=2, eos_id=3, embed_dim=4, hidden_size=8, **fields
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "cell_type, attention, copy_source", [("lstm", "multiplicative", False), ("gru", "additive", False), ("lstm", "additive", True)]
)
def test_source_padding_changes_nothing_and_gets_no_attention(cell_type, attention, copy_source):
    fields = {"cell_type": cell_type, "attention": attention, "copy_source": copy_source}
    short, long = model(5, **fields), model(9, **fields)
    inputs = pack_inputs(SOURCE, DECODER_INPUTS)
    variables = short.init(jax.random.PRNGKey(0), inputs)
    logits, state = short.apply(variables, inputs, mutable="intermediates")
    padded = pack_inputs(np.pad(SOURCE, ((0, 0), (0, 4))), DECODER_INPUTS)
    np.testing.assert_allclose(long.apply(variables, padded), logits, atol=1e-5)
    (weights,) = state["intermediates"]["attention"]
    assert weights.shape == (2, 4, 5) and np.all(weights[0, :, 3:] == 0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("copy_source", [False, True])
def test_teacher_forcing_equals_decoding_step_by_step(copy_source):
    network = model(cell_type="lstm", copy_source=copy_source)
    variables = network.init(jax.random.PRNGKey(1), pack_inputs(SOURCE, DECODER_INPUTS))
    logits = network.apply(variables, pack_inputs(SOURCE, DECODER_INPUTS))
    encoded, carry = network.apply(variables, SOURCE, method=Seq2Seq.encode)
    for t in range(DECODER_INPUTS.shape[1]):
        carry, step_logits, _ = network.apply(
            variables, carry, jnp.asarray(DECODER_INPUTS[:, t]), encoded, method=Seq2Seq.decode_step
        )
        np.testing.assert_allclose(step_logits, logits[:, t], atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("copy_source", [False, True])
def test_every_parameter_gets_a_gradient_with_dropout(copy_source):
    network = model(dropout_rate=0.2, copy_source=copy_source)
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


def test_copying_adds_each_step_s_attention_onto_its_source_tokens():
    logits = np.log(np.array([[[0.1, 0.2, 0.3, 0.4, 0.0]]]) + 1e-38)  # [batch 1, step 1, vocab 5]
    weights = np.array([[[0.5, 0.25, 0.25, 0.0]]])  # over 4 source positions, the last one padding
    source = np.array([[3, 1, 3, 0]])
    mixed = np.exp(copy_mixture(jnp.asarray(logits), jnp.full((1, 1, 1), 0.6), jnp.asarray(weights), jnp.asarray(source)))
    # 0.6 of the readout's probabilities, 0.4 of the attention: 0.75 on token 3, 0.25 on token 1
    np.testing.assert_allclose(mixed[0, 0], [0.06, 0.12 + 0.1, 0.18, 0.24 + 0.3, 0.0], atol=1e-6)


@pytest.mark.slow
def test_a_copying_model_returns_log_probabilities_and_copies_only_source_tokens_when_it_never_generates():
    network = model(copy_source=True)
    inputs = pack_inputs(SOURCE, DECODER_INPUTS)
    variables = network.init(jax.random.PRNGKey(4), inputs)
    np.testing.assert_allclose(jax.nn.logsumexp(network.apply(variables, inputs), axis=-1), 0.0, atol=1e-5)
    params = jax.tree.map(lambda leaf: leaf, variables["params"])
    params["generate_gate"]["bias"] = jnp.full((1,), -100.0)  # generate with probability 0: only copies
    log_probs, state = network.apply({"params": params}, inputs, mutable="intermediates")
    (weights,) = state["intermediates"]["attention"]
    in_source = np.zeros((2, 12), bool)
    in_source[np.arange(2)[:, None], SOURCE] = True
    in_source[:, 0] = False  # padding is never attended to
    probabilities = np.exp(log_probs)
    assert np.all(probabilities[~np.broadcast_to(in_source[:, None], probabilities.shape)] < 1e-6)
    np.testing.assert_allclose(probabilities[1, :, 6], weights[1][:, SOURCE[1] == 6].sum(axis=-1), atol=1e-5)


def test_copying_needs_one_vocabulary_for_source_and_target():
    with pytest.raises(ValueError, match="copy_source: expected source and target ids of one vocabulary, got "
                                         "vocabulary sizes 10 and 12"):
        Seq2Seq(10, 12, source_length=5, bos_id=2, eos_id=3, copy_source=True).init(
            jax.random.PRNGKey(0), pack_inputs(SOURCE, DECODER_INPUTS)
        )
