import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.models import PyTorchMnistCNN, SimpleCNN


def parameter_count(variables) -> int:
    return sum(leaf.size for leaf in jax.tree.leaves(variables["params"]))


def test_reference_size_has_exactly_1_199_882_parameters():
    variables = SimpleCNN(num_classes=10).init(jax.random.PRNGKey(0), jnp.zeros((1, 28, 28, 1)))
    assert parameter_count(variables) == 1_199_882
    assert variables["params"]["fc1"]["kernel"].shape == (9216, 128)


@pytest.mark.slow
@pytest.mark.parametrize("size, features", [(8, 256), (28, 9216), (29, 9216), (30, 10816)])
def test_flatten_size_follows_the_input(size, features):
    model = SimpleCNN(num_classes=7)
    variables = model.init(jax.random.PRNGKey(0), jnp.zeros((2, size, size, 1)))
    assert variables["params"]["fc1"]["kernel"].shape == (features, 128)
    assert model.apply(variables, jnp.ones((3, size, size, 1))).shape == (3, 7)


def _reference_forward(params, x):
    """The PyTorch reference CNN's forward, in numpy (NHWC), written from its source."""

    def conv_valid(x, kernel, bias):
        kh, kw = kernel.shape[:2]
        h, w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
        patches = np.stack([x[:, i : i + h, j : j + w, :] for i in range(kh) for j in range(kw)], axis=3)
        return np.einsum("bhwpc,pco->bhwo", patches, kernel.reshape(kh * kw, *kernel.shape[2:])) + bias

    p = jax.tree.map(np.asarray, params)
    x = np.maximum(conv_valid(x, p["conv1"]["kernel"], p["conv1"]["bias"]), 0)
    x = conv_valid(x, p["conv2"]["kernel"], p["conv2"]["bias"])  # no ReLU here in the reference
    b, h, w, c = x.shape
    x = x[:, : h // 2 * 2, : w // 2 * 2].reshape(b, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))
    x = np.maximum(x.reshape(b, -1) @ p["fc1"]["kernel"] + p["fc1"]["bias"], 0)
    return x @ p["fc2"]["kernel"] + p["fc2"]["bias"]


def test_matches_the_reference_forward_including_no_relu_after_conv2():
    x = np.random.default_rng(0).normal(size=(4, 9, 9, 1)).astype(np.float32)
    model = SimpleCNN(num_classes=10)
    variables = model.init(jax.random.PRNGKey(1), x)
    np.testing.assert_allclose(model.apply(variables, x), _reference_forward(variables["params"], x), rtol=1e-4, atol=1e-5)
    with_relu = SimpleCNN(num_classes=10, relu_after_conv2=True).apply(variables, x)
    assert not np.allclose(with_relu, _reference_forward(variables["params"], x), atol=1e-3)


@pytest.mark.slow
def test_pytorch_mnist_variant_uses_dropout_only_in_training():
    model = PyTorchMnistCNN(num_classes=10)
    x = jnp.ones((2, 28, 28, 1))
    variables = model.init(jax.random.PRNGKey(0), x)
    assert np.array_equal(model.apply(variables, x), model.apply(variables, x))
    one = model.apply(variables, x, train=True, rngs={"dropout": jax.random.PRNGKey(1)})
    two = model.apply(variables, x, train=True, rngs={"dropout": jax.random.PRNGKey(2)})
    assert not np.allclose(one, two)
