"""Ensembles: members with their own parameters, one batched computation, combined predictions."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.models import Ensemble, SequenceClassifier
from jax_zoo.train import accuracy, member_mean, softmax_cross_entropy

pytestmark = pytest.mark.slow  # 8 ensembles compiled: minutes on a busy 2-core machine

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


def test_an_independent_ensemble_trains_on_member_logits_and_predicts_their_mean_probability():
    ensemble = Ensemble(MEMBER, size=3, independent=True)
    variables = ensemble.init(jax.random.key(0), TOKENS)
    members = variables["params"]["members"]["member"]
    each = [MEMBER.apply({"params": jax.tree.map(lambda leaf, i=i: leaf[i], members)}, TOKENS) for i in range(3)]
    np.testing.assert_allclose(
        ensemble.apply(variables, TOKENS), np.log(np.mean([jax.nn.softmax(z) for z in each], axis=0)),
        rtol=1e-5, atol=1e-6,
    )
    training = ensemble.apply(variables, TOKENS, train=True, rngs={"dropout": jax.random.key(1)})
    assert training.shape == (3, 3, 5)  # [batch, members, classes]


def test_member_mean_gives_each_member_the_gradient_of_its_own_loss():
    ensemble = Ensemble(MEMBER, size=2, independent=True)
    variables = ensemble.init(jax.random.key(0), TOKENS)
    labels = jnp.array([1, 4, 2])
    loss = member_mean(softmax_cross_entropy)

    def ensemble_loss(params):
        return loss(ensemble.apply({"params": params}, TOKENS, train=True, rngs={"dropout": jax.random.key(1)}), labels)

    def own_loss(member_params, i):
        logits = ensemble.apply(
            {"params": member_params}, TOKENS, train=True, rngs={"dropout": jax.random.key(1)}
        )[:, i]
        return softmax_cross_entropy(logits, labels) / 2

    params = variables["params"]
    grads = jax.jit(jax.grad(ensemble_loss))(params)
    own_grad = jax.jit(jax.grad(own_loss), static_argnums=1)
    for i in range(2):
        own = own_grad(params, i)
        got = jax.tree.map(lambda leaf, i=i: leaf[i], grads)
        want = jax.tree.map(lambda leaf, i=i: leaf[i], own)
        jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7), got, want)
        other = jax.tree.map(lambda leaf, i=i: leaf[1 - i], own)
        assert all(not np.any(leaf) for leaf in jax.tree.leaves(other))


def test_member_mean_averages_a_metric_over_members_and_passes_combined_outputs_through():
    logits = jnp.array([[[2.0, 0.0], [0.0, 2.0]], [[2.0, 0.0], [2.0, 0.0]]])  # [batch 2, members 2, classes 2]
    labels = jnp.array([0, 0])
    np.testing.assert_allclose(member_mean(accuracy)(logits, labels), [0.5, 1.0])
    np.testing.assert_allclose(member_mean(accuracy)(logits[:, 0], labels), [1.0, 1.0])
