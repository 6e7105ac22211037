import jax
import jax.numpy as jnp
import numpy as np

from models import FlipAveraged, ResNet20, SimpleCNN


def test_training_is_the_members_own_step():
    x = jax.random.uniform(jax.random.key(0), (4, 8, 8, 1))
    member = SimpleCNN(num_classes=5)
    model = FlipAveraged(member)
    variables = model.init(jax.random.key(1), x)
    np.testing.assert_array_equal(
        model.apply(variables, x, train=True), member.apply({"params": variables["params"]["member"]}, x, train=True)
    )


def test_inference_averages_the_probabilities_of_each_image_and_its_mirror():
    x = jax.random.uniform(jax.random.key(0), (4, 8, 8, 1))
    member = SimpleCNN(num_classes=5)
    model = FlipAveraged(member)
    variables = model.init(jax.random.key(1), x)
    inner = {"params": variables["params"]["member"]}
    expected = (jax.nn.softmax(member.apply(inner, x)) + jax.nn.softmax(member.apply(inner, x[:, :, ::-1]))) / 2
    log_probs = model.apply(variables, x)
    np.testing.assert_allclose(jnp.exp(log_probs), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(jnp.exp(log_probs).sum(axis=-1), 1.0, rtol=1e-5)


def test_batch_norm_statistics_update_in_training_and_are_read_in_inference():
    x = jax.random.uniform(jax.random.key(0), (4, 16, 16, 1))
    model = FlipAveraged(ResNet20(num_classes=3, num_filters=4))
    variables = model.init(jax.random.key(1), x)
    _, updates = model.apply(variables, x, train=True, mutable=["batch_stats"])
    assert jax.tree.structure(updates["batch_stats"]) == jax.tree.structure(variables["batch_stats"])
    symmetric = jnp.concatenate([x[:, :, :8], x[:, :, :8][:, :, ::-1]], axis=2)
    plain = jax.nn.log_softmax(ResNet20(num_classes=3, num_filters=4).apply(
        {"params": variables["params"]["member"], "batch_stats": variables["batch_stats"]["member"]}, symmetric
    ))
    np.testing.assert_allclose(model.apply(variables, symmetric), plain, rtol=1e-5, atol=1e-5)
