"""Each XLA:CPU variant is its reference model: the same parameter tree and initial values, and
from the same variables the same outputs and gradients up to rounding (dropout off)."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.models import (
    CharLanguageModel, Ensemble, FlipAveraged, LeNet5, PyTorchMnistCNN, ResNet20, Seq2Seq, SequenceClassifier, SimpleCNN,
    xla_cpu,
)
from jax_zoo.models.rnn import RecurrentStack

VOCAB = 11
TOKENS = jax.random.randint(jax.random.key(6), (3, 9), 1, VOCAB).at[1, 6:].set(0).at[2, 2:].set(0)
IMAGES = jax.random.uniform(jax.random.key(5), (4, 12, 12, 1))
SEQ2SEQ = {"source_vocab_size": VOCAB, "target_vocab_size": VOCAB, "source_length": 9, "bos_id": 1, "eos_id": 2,
           "hidden_size": 8, "embed_dim": 6}

WITH_VARIANTS = {
    "simple_cnn": (SimpleCNN(num_classes=5), IMAGES),
    "simple_cnn_relu_after_conv2": (PyTorchMnistCNN(num_classes=5, dropout_rates=(0.0, 0.0)), IMAGES),
    "simple_cnn_ensemble": (Ensemble(SimpleCNN(num_classes=5), size=2, independent=True), IMAGES),
    "char_language_model_2_layers": (CharLanguageModel(vocab_size=VOCAB, embed_dim=6, hidden_size=8, num_layers=2), TOKENS),
    "lstm_classifier": (SequenceClassifier(VOCAB, 3, embed_dim=6, hidden_size=8, bidirectional=False, pooling="mean"), TOKENS),
    "lstm_classifier_over_ngrams": (
        SequenceClassifier(VOCAB, 3, embed_dim=6, hidden_size=8, bidirectional=False, ngram_orders=(2,), ngram_buckets=7),
        TOKENS,
    ),
    "seq2seq_lstm": (Seq2Seq(**SEQ2SEQ), jnp.concatenate([TOKENS, TOKENS[:, :5]], axis=1)),
    "seq2seq_lstm_copying": (
        Seq2Seq(**SEQ2SEQ, attention="additive", copy_source=True), jnp.concatenate([TOKENS, TOKENS[:, :5]], axis=1)
    ),
}


def assert_trees_close(expected, given, tolerance):
    assert jax.tree.structure(expected) == jax.tree.structure(given)
    for a, b in zip(jax.tree.leaves(expected), jax.tree.leaves(given)):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("name", sorted(WITH_VARIANTS))
def test_the_variant_has_the_reference_parameter_tree(name):
    reference, inputs = WITH_VARIANTS[name]
    variant = xla_cpu.variant_of(reference)
    assert variant is not None and variant is not reference
    expected = jax.eval_shape(reference.init, jax.random.key(0), inputs)
    assert jax.eval_shape(variant.init, jax.random.key(0), inputs) == expected


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    ["simple_cnn", "simple_cnn_relu_after_conv2", "char_language_model_2_layers", "lstm_classifier_over_ngrams", "seq2seq_lstm"],
)
def test_the_variant_starts_from_the_reference_values_and_computes_its_outputs_and_gradients(name):
    reference, inputs = WITH_VARIANTS[name]
    variant = xla_cpu.variant_of(reference)
    variables = jax.jit(reference.init)(jax.random.key(0), inputs)
    assert_trees_close(variables, jax.jit(variant.init)(jax.random.key(0), inputs), 0)
    # Moved off the initialisation (zero biases), so that every parameter's place is tested.
    keys = iter(jax.random.split(jax.random.key(3), len(jax.tree.leaves(variables))))
    variables = jax.tree.map(lambda p: p + 0.1 * jax.random.normal(next(keys), p.shape), variables)

    def outputs_and_gradients(model):
        def loss(variables):
            outputs = model.apply(variables, inputs, train=True, rngs={"dropout": jax.random.key(1)})
            return jnp.sum(jnp.sin(outputs)), outputs

        return jax.jit(jax.grad(loss, has_aux=True))(variables)

    expected_grads, expected = outputs_and_gradients(reference)
    grads, given = outputs_and_gradients(variant)
    assert_trees_close(expected, given, 1e-5)
    assert_trees_close(expected_grads, grads, 1e-4)
    if name.startswith("simple_cnn"):  # the variant's inference path differs from its training path
        assert_trees_close(reference.apply(variables, inputs), variant.apply(variables, inputs), 1e-5)


@pytest.mark.slow
def test_the_lstm_variant_returns_and_continues_from_the_same_carries():
    reference, tokens = WITH_VARIANTS["char_language_model_2_layers"]
    variant = xla_cpu.variant_of(reference)
    variables = reference.init(jax.random.key(0), tokens)
    expected_logits, expected_carries = reference.apply(variables, tokens, return_carries=True)
    logits, carries = variant.apply(variables, tokens, return_carries=True)
    assert_trees_close((expected_logits, expected_carries), (logits, carries), 1e-5)
    expected = reference.apply(variables, tokens[:, :1], initial_carries=expected_carries)
    assert_trees_close(expected, variant.apply(variables, tokens[:, :1], initial_carries=carries), 1e-5)


@pytest.mark.slow
def test_a_seq2seq_variant_decodes_step_by_step_as_the_reference():
    reference, inputs = WITH_VARIANTS["seq2seq_lstm"]
    variant = xla_cpu.variant_of(reference)
    variables = reference.init(jax.random.key(0), inputs)
    source, previous = inputs[:, :9], inputs[:, 9]

    def first_step(model):
        encoded, carry = model.apply(variables, source, method=Seq2Seq.encode)
        return model.apply(variables, carry, previous, encoded, method=Seq2Seq.decode_step)

    assert_trees_close(first_step(reference), first_step(variant), 1e-5)


@pytest.mark.parametrize(
    "model",
    [
        LeNet5(), ResNet20(), FlipAveraged(ResNet20()), SequenceClassifier(VOCAB, 3),
        SequenceClassifier(VOCAB, 3, cell_type="gru", bidirectional=False), Seq2Seq(**SEQ2SEQ, cell_type="gru"),
    ],
    ids=["lenet", "resnet", "flip_averaged_resnet", "bidirectional_lstm", "gru", "seq2seq_gru"],
)
def test_models_without_a_variant_have_none(model):
    assert xla_cpu.variant_of(model) is None


def test_a_wrapper_gets_its_members_variant():
    variant = xla_cpu.variant_of(FlipAveraged(SimpleCNN(num_classes=5), shift=1))
    assert isinstance(variant, FlipAveraged) and variant.shift == 1 and type(variant.member) is xla_cpu.SimpleCNN
    assert variant.member.num_classes == 5


@pytest.mark.parametrize("options", [{"cell_type": "gru"}, {"bidirectional": True}], ids=["gru", "bidirectional"])
def test_the_lstm_stack_refuses_what_it_does_not_compute(options):
    with pytest.raises(ValueError, match="LSTMStack: expected a unidirectional LSTM stack"):
        xla_cpu.LSTMStack(8, **options).init(jax.random.key(0), jnp.ones((2, 3, 4)), None)
    assert RecurrentStack(8, **options).init(jax.random.key(0), jnp.ones((2, 3, 4)), None)


def test_reshape_pooling_equals_flax_max_pool_and_floors_odd_sizes():
    x = jax.random.normal(jax.random.PRNGKey(0), (2, 7, 6, 3))
    np.testing.assert_array_equal(xla_cpu.max_pool_2x2(x), nn.max_pool(x, (2, 2), strides=(2, 2)))
    assert xla_cpu.max_pool_2x2(x).shape == (2, 3, 3, 3)
