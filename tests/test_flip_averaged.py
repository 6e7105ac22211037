import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.models import FlipAveraged, ResNet20, SimpleCNN
from jax_zoo.models.flip_averaged import shifted


@pytest.mark.slow
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


@pytest.mark.slow
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


def test_shifted_moves_pixels_and_fills_the_border_with_zeros():
    image = jnp.arange(1, 10, dtype=jnp.float32).reshape(1, 3, 3, 1)
    down_left = shifted(image, 1, -1)[0, :, :, 0]
    np.testing.assert_array_equal(down_left, [[0, 0, 0], [2, 3, 0], [5, 6, 0]])
    np.testing.assert_array_equal(shifted(image, 0, 0), image)


def test_a_shift_averages_ten_views_five_positions_each_mirrored():
    x = jax.random.uniform(jax.random.key(0), (4, 8, 8, 1))
    member = SimpleCNN(num_classes=5)
    model = FlipAveraged(member, shift=1)
    variables = model.init(jax.random.key(1), x)
    inner = {"params": variables["params"]["member"]}
    views = [shifted(x, dy, dx) for dy, dx in [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)]]
    views += [view[:, :, ::-1] for view in views]
    expected = sum(jax.nn.softmax(member.apply(inner, view)) for view in views) / 10
    np.testing.assert_allclose(jnp.exp(model.apply(variables, x)), expected, rtol=1e-5, atol=1e-6)
    # Training, and the variables, are the member's whatever the views.
    assert jax.tree.structure(variables) == jax.tree.structure(FlipAveraged(member).init(jax.random.key(1), x))


def test_a_negative_shift_is_named():
    x = jnp.zeros((1, 8, 8, 1))
    model = FlipAveraged(SimpleCNN(num_classes=5), shift=-1)
    with pytest.raises(ValueError, match=r"FlipAveraged.shift: expected a non-negative integer, got -1"):
        model.init(jax.random.key(0), x)
