"""The recurrent models: the reference RNN's function, padding invariance, the LM's carries."""


import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.models import (
    CharLanguageModel,
    NgramEmbed,
    SequenceClassifier,
    TutorialRNN,
    lengths_from_padding,
)

SEQUENCES = [[5, 3, 9, 2], [7, 1], [4, 4, 8, 6, 2, 3]]


def padded(sequences, length):
    return jnp.array([row + [0] * (length - len(row)) for row in sequences], jnp.int32)


def reference_rnn_numpy(params, tokens, vocab_size):
    """The reference ``RNN.forward`` step by step, in numpy, with torch's ``Linear`` layout
    (``y = x @ W.T + b``, ``W`` of shape [out, in]): returns the output of every step."""
    w_i2h, b_i2h = np.asarray(params["i2h"]["kernel"]).T, np.asarray(params["i2h"]["bias"])
    w_i2o, b_i2o = np.asarray(params["i2o"]["kernel"]).T, np.asarray(params["i2o"]["bias"])
    hidden = np.zeros((1, w_i2h.shape[0]))
    outputs = []
    for token in tokens:
        letter = np.eye(vocab_size)[[token]]
        combined = np.concatenate([letter, hidden], axis=1)
        hidden = combined @ w_i2h.T + b_i2h
        logits = combined @ w_i2o.T + b_i2o
        outputs.append(logits - np.log(np.exp(logits - logits.max()).sum()) - logits.max())
    return np.concatenate(outputs)


@pytest.fixture(scope="module")
def linear_tutorial_rnn():
    model = TutorialRNN(vocab_size=12, num_classes=5, hidden_size=16, linear_hidden=True)
    variables = model.init(jax.random.PRNGKey(0), padded(SEQUENCES, 6))
    return model, variables


@pytest.mark.slow
def test_tutorial_rnn_reproduces_the_reference_function(linear_tutorial_rnn):
    model, variables = linear_tutorial_rnn
    cell_params = variables["params"]["cell"]
    for sequence in SEQUENCES:
        expected = reference_rnn_numpy(cell_params, sequence, vocab_size=12)[-1]
        got = model.apply(variables, jnp.array([sequence], jnp.int32))[0]
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
        assert np.isclose(np.exp(got).sum(), 1.0, atol=1e-5), "the output is log-probabilities"


@pytest.mark.slow
def test_default_tutorial_rnn_applies_tanh_to_the_hidden_state(linear_tutorial_rnn):
    model, variables = linear_tutorial_rnn
    sequence = jnp.array([SEQUENCES[2]], jnp.int32)
    corrected = TutorialRNN(vocab_size=12, num_classes=5, hidden_size=16)
    linear_out = model.apply(variables, sequence)
    tanh_out = corrected.apply(variables, sequence)
    first_step = jnp.array([SEQUENCES[2][:2]], jnp.int32)
    assert not np.allclose(linear_out, tanh_out)
    # After one step the hidden state only fed i2o once, from zeros: no difference yet.
    np.testing.assert_allclose(model.apply(variables, first_step[:, :1]), corrected.apply(variables, first_step[:, :1]))


def test_tutorial_rnn_matches_the_pytorch_reference(linear_tutorial_rnn, torch_module, pytorch_reference):
    torch, reference = torch_module, pytorch_reference
    model, variables = linear_tutorial_rnn
    params = variables["params"]["cell"]
    rnn = reference.RNN(12, 16, 5)
    with torch.no_grad():
        for name in ("i2h", "i2o"):
            getattr(rnn, name).weight.copy_(torch.tensor(np.asarray(params[name]["kernel"]).T))
            getattr(rnn, name).bias.copy_(torch.tensor(np.asarray(params[name]["bias"])))
        hidden = torch.zeros(1, 16)
        for token in SEQUENCES[2]:
            output, hidden = rnn(torch.eye(12)[[token]], hidden)
    got = model.apply(variables, jnp.array([SEQUENCES[2]], jnp.int32))
    np.testing.assert_allclose(got, output.numpy(), rtol=1e-5, atol=1e-5)


MODELS = {
    "tutorial_rnn": TutorialRNN(vocab_size=12, num_classes=5, hidden_size=8),
    "lstm": SequenceClassifier(vocab_size=12, num_classes=5, hidden_size=8, embed_dim=6, bidirectional=False),
    "bilstm_2_layers": SequenceClassifier(vocab_size=12, num_classes=5, hidden_size=8, embed_dim=6, num_layers=2),
    "bigru_mean": SequenceClassifier(vocab_size=12, num_classes=5, hidden_size=8, embed_dim=6, cell_type="gru",
                                     pooling="mean"),
    "bilstm_max": SequenceClassifier(vocab_size=12, num_classes=5, hidden_size=8, embed_dim=6, pooling="max"),
    "bilstm_ngrams": SequenceClassifier(vocab_size=12, num_classes=5, hidden_size=8, embed_dim=6,
                                        ngram_orders=(2, 3), ngram_buckets=31),
    "char_lm_2_layers": CharLanguageModel(vocab_size=12, embed_dim=6, hidden_size=8, num_layers=2),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS)
def test_padding_never_changes_an_output(name):
    """Each sequence alone (no padding) gives what it gives inside a padded batch."""
    model = MODELS[name]
    batch = padded(SEQUENCES[:2], 9)
    variables = model.init(jax.random.PRNGKey(1), batch)
    together = model.apply(variables, batch)
    for row, sequence in enumerate(SEQUENCES[:2]):
        alone = model.apply(variables, jnp.array([sequence], jnp.int32))[0]
        if together.ndim == 3:  # language model: compare the real positions
            np.testing.assert_allclose(together[row, : len(sequence)], alone, rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_allclose(together[row], alone, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_bidirectional_final_state_reads_both_directions():
    model = MODELS["bilstm_2_layers"]
    batch = padded(SEQUENCES, 9)
    variables = model.init(jax.random.PRNGKey(1), batch)
    apply = jax.jit(model.apply)
    base = apply(variables, batch)[0]
    assert not np.allclose(apply(variables, batch.at[0, 0].set(11))[0], base)
    assert not np.allclose(apply(variables, batch.at[0, 3].set(11))[0], base)


@pytest.mark.slow
def test_language_model_continues_from_its_carries():
    """Feeding a text in two parts, carrying the state, gives the logits of one pass."""
    model = MODELS["char_lm_2_layers"]
    tokens = jnp.array([[3, 4, 5, 6, 7, 8, 2]], jnp.int32)
    variables = model.init(jax.random.PRNGKey(2), tokens)
    whole = model.apply(variables, tokens)
    head, carries = model.apply(variables, padded([[3, 4, 5, 6]], 7), return_carries=True)
    tail, _ = model.apply(variables, tokens[:, 4:], initial_carries=carries, return_carries=True)
    np.testing.assert_allclose(jnp.concatenate([head[:, :4], tail], axis=1), whole, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("dropout", [{"dropout_rate": 0.5, "bidirectional": False}, {"embedding_dropout": 0.5}])
def test_dropout_is_active_only_in_training(dropout):
    model = SequenceClassifier(vocab_size=12, num_classes=5, hidden_size=8, **dropout)
    batch = padded(SEQUENCES, 9)
    variables = model.init(jax.random.PRNGKey(0), batch)
    np.testing.assert_allclose(model.apply(variables, batch), model.apply(variables, batch))
    noisy = [model.apply(variables, batch, train=True, rngs={"dropout": jax.random.PRNGKey(i)}) for i in (0, 1)]
    assert not np.allclose(*noisy)


def test_ngram_embeddings_look_up_the_hash_of_the_ngram_ending_at_each_position():
    embed = NgramEmbed(vocab_size=12, features=4, orders=(2, 3), buckets=31)
    tokens = jnp.array([[5, 3, 9, 0]], jnp.int32)
    variables = embed.init(jax.random.PRNGKey(0), tokens)
    tables = variables["params"]
    boundary = 12

    def row(order, ngram):
        index = 0
        for token in ngram:
            index = (index * 13 + token) % 31
        return tables[f"order_{order}"]["embedding"][index]

    expected = [
        row(2, [boundary, 5]) + row(3, [boundary, boundary, 5]),
        row(2, [5, 3]) + row(3, [boundary, 5, 3]),
        row(2, [3, 9]) + row(3, [5, 3, 9]),
    ]
    np.testing.assert_allclose(embed.apply(variables, tokens)[0, :3], np.stack(expected), rtol=1e-6)


def test_the_same_ngram_gets_the_same_embedding_wherever_it_stands():
    embed = NgramEmbed(vocab_size=12, features=4, orders=(2,), buckets=31)
    tokens = jnp.array([[5, 3, 7, 5, 3]], jnp.int32)
    out = embed.apply(embed.init(jax.random.PRNGKey(0), tokens), tokens)[0]
    np.testing.assert_array_equal(out[1], out[4])
    assert not np.allclose(out[1], out[2])


def test_language_model_parameters_are_flax_lstm_cells():
    model = CharLanguageModel(vocab_size=10, embed_dim=6, hidden_size=8, num_layers=2)
    params = jax.eval_shape(model.init, jax.random.PRNGKey(0), jnp.ones((1, 7), jnp.int32))["params"]
    assert sorted(params) == ["embed", "readout", "rnn"]

    def cell(in_features):
        return {**{f"i{gate}": {"kernel": (in_features, 8)} for gate in "ifgo"},
                **{f"h{gate}": {"kernel": (8, 8), "bias": (8,)} for gate in "ifgo"}}

    assert jax.tree.map(lambda leaf: leaf.shape, params["rnn"]) == {
        "OptimizedLSTMCell_0": cell(6), "OptimizedLSTMCell_1": cell(8),
    }


def test_lengths_come_from_right_padding():
    np.testing.assert_array_equal(lengths_from_padding(padded(SEQUENCES, 9)), [4, 2, 6])


@pytest.mark.parametrize(
    "model, message",
    [
        (SequenceClassifier(vocab_size=12, num_classes=5, cell_type="rnn"), r"cell_type: expected one of \['gru', 'lstm'\], got 'rnn'"),
        (SequenceClassifier(vocab_size=12, num_classes=5, pooling="sum"), r"pooling: expected one of \('final', 'mean', 'max'\), got 'sum'"),
        (SequenceClassifier(vocab_size=12, num_classes=5, ngram_orders=(1, 2)), r"orders: expected n-gram orders of at least 2, got \(1, 2\)"),
        (SequenceClassifier(vocab_size=12, num_classes=5, ngram_orders=(2,), ngram_buckets=2**30),
         r"buckets: expected 0 < buckets \* \(vocab_size \+ 1\) < 2\*\*31, got 1073741824"),
    ],
)
def test_bad_model_options_are_named(model, message):
    with pytest.raises(ValueError, match=message):
        model.init(jax.random.PRNGKey(0), padded(SEQUENCES, 9))
