"""Deep ensembles: independent members, one batched computation, log-probabilities averaged."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from models import Ensemble, SequenceClassifier

TOKENS = jnp.array([[5, 3, 9, 2, 0, 0], [7, 1, 0, 0, 0, 0], [4, 4, 8, 6, 2, 3]], jnp.int32)
MEMBER = SequenceClassifier(vocab_size=12, num_classes=5, embed_dim=6, hidden_size=8, dropout_rate=0.5)


def test_members_have_their_own_parameters_on_a_leading_axis():
    variables = Ensemble(MEMBER, size=3).init(jax.random.key(0), TOKENS)
    embeddings = variables["params"]["members"]["member"]["embed"]["embedding"]
    assert embeddings.shape == (3, 12, 6)
    assert not np.allclose(embeddings[0], embeddings[1])


def test_output_is_the_mean_of_the_members_log_probabilities():
    ensemble = Ensemble(MEMBER, size=3)
    variables = ensemble.init(jax.random.key(0), TOKENS)
    members = variables["params"]["members"]["member"]
    each = [
        jax.nn.log_softmax(MEMBER.apply({"params": jax.tree.map(lambda leaf, i=i: leaf[i], members)}, TOKENS))
        for i in range(3)
    ]
    np.testing.assert_allclose(ensemble.apply(variables, TOKENS), np.mean(each, axis=0), rtol=1e-5, atol=1e-6)


def test_dropout_reaches_the_members_in_training_only():
    ensemble = Ensemble(MEMBER, size=2)
    variables = ensemble.init(jax.random.key(0), TOKENS)
    np.testing.assert_array_equal(ensemble.apply(variables, TOKENS), ensemble.apply(variables, TOKENS))
    noisy = [ensemble.apply(variables, TOKENS, train=True, rngs={"dropout": jax.random.key(i)}) for i in (1, 2)]
    assert not np.allclose(*noisy)


def test_padding_never_changes_an_ensembles_output():
    ensemble = Ensemble(MEMBER, size=2)
    variables = ensemble.init(jax.random.key(0), TOKENS)
    together = ensemble.apply(variables, TOKENS)
    alone = ensemble.apply(variables, TOKENS[1:2, :2])
    np.testing.assert_allclose(together[1], alone[0], rtol=1e-5, atol=1e-6)


def test_a_size_below_one_is_refused():
    with pytest.raises(ValueError, match="size: expected a positive number of members, got 0"):
        Ensemble(MEMBER, size=0).init(jax.random.key(0), TOKENS)
