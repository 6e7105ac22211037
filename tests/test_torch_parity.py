"""With the optional torch extra: SimpleCNN computes what the PyTorch reference computes, and
``zoo bench``'s PyTorch twin is that same network."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.models import SimpleCNN
from jax_zoo.bench.torch_twins import simple_cnn_twin

try:
    import torch
except ImportError:  # each test then skips, or fails under CI (the torch_module fixture)
    torch = None

pytestmark = pytest.mark.usefixtures("torch_module")
IMAGES = np.random.default_rng(0).uniform(size=(4, 28, 28, 1)).astype(np.float32)


def flax_model():
    model = SimpleCNN(num_classes=10)
    return model, model.init(jax.random.PRNGKey(0), jnp.asarray(IMAGES))["params"]


def load_flax_weights(network, params) -> None:
    """Copies Flax weights in: kernels HWIO -> OIHW, dense (in, out) -> (out, in); fc1's rows from
    our (h, w, c) flattening to PyTorch's (c, h, w)."""
    p = jax.tree.map(np.asarray, params)
    fc1 = p["fc1"]["kernel"].reshape(12, 12, 64, 128).transpose(2, 0, 1, 3).reshape(9216, 128)
    weights = {
        "conv1": p["conv1"]["kernel"].transpose(3, 2, 0, 1), "conv2": p["conv2"]["kernel"].transpose(3, 2, 0, 1),
        "fc1": fc1.T, "fc2": p["fc2"]["kernel"].T,
    }
    with torch.no_grad():
        for name, weight in weights.items():
            getattr(network, name).weight.copy_(torch.from_numpy(np.ascontiguousarray(weight)))
            getattr(network, name).bias.copy_(torch.from_numpy(p[name]["bias"]))


def torch_images() -> "torch.Tensor":
    # A C-order copy has standard NCHW strides; a transposed view would keep stride 1 on the
    # size-1 channel axis, which PyTorch reads as channels-last (and `view` then fails).
    return torch.from_numpy(IMAGES.transpose(0, 3, 1, 2).copy())


def torch_logits(network, params) -> np.ndarray:
    load_flax_weights(network, params)
    with torch.no_grad():
        return network(torch_images()).numpy()


def test_reference_cnn_from_the_design_document_matches(pytorch_reference):
    reference = pytorch_reference
    model, params = flax_model()
    expected = torch_logits(reference.CNN(), params)
    np.testing.assert_allclose(model.apply({"params": params}, IMAGES), expected, rtol=1e-4, atol=1e-4)


def test_the_bench_twin_is_the_same_network():
    model, params = flax_model()
    prepare = simple_cnn_twin(model, (28, 28, 1))
    assert sum(p.numel() for p in prepare.network.parameters()) == 1_199_882
    np.testing.assert_allclose(model.apply({"params": params}, IMAGES), torch_logits(prepare.network, params), rtol=1e-4, atol=1e-4)
    prepare(IMAGES, np.zeros(4, np.int32))()  # one Adam step runs


@pytest.mark.slow
def test_the_bench_twin_of_the_character_lstm_has_the_same_weights():
    from jax_zoo.models import CharLanguageModel
    from jax_zoo.bench.torch_twins import char_lm_twin

    model = CharLanguageModel(vocab_size=30, embed_dim=16, hidden_size=32, num_layers=2)
    tokens = np.random.default_rng(0).integers(1, 30, size=(3, 12)).astype(np.int32)
    params = model.init(jax.random.PRNGKey(0), jnp.asarray(tokens))["params"]
    prepare = char_lm_twin(model, (12,))
    flax_count = sum(leaf.size for leaf in jax.tree.leaves(params))
    torch_count = sum(p.numel() for p in prepare.network.parameters())
    # PyTorch's LSTM keeps two bias vectors per layer (input and hidden) where flax keeps one.
    assert torch_count == flax_count + 4 * 32 * 2
    prepare(tokens, tokens)()  # one Adam step runs


@pytest.mark.slow
def test_train_mode_gradients_match_pytorch_autograd():
    """SimpleCNN's hand-shaped gradients (bias after pooling, conv2's kernel gradient from a
    channels-major copy of conv1) against PyTorch's autograd on the same weights."""
    model, params = flax_model()
    params = jax.tree.map(lambda p: p + 0.01, params)  # non-zero biases
    labels = np.arange(4) % 10

    def loss(params):
        logits = model.apply({"params": params}, IMAGES, train=True)
        return -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(4), labels])

    grads = jax.tree.map(np.asarray, jax.grad(loss)(params))
    network = simple_cnn_twin(model, (28, 28, 1)).network
    load_flax_weights(network, params)
    torch.nn.functional.cross_entropy(network(torch_images()), torch.from_numpy(labels)).backward()
    expected = {
        "conv1": network.conv1.weight.grad.numpy().transpose(2, 3, 1, 0),
        "conv2": network.conv2.weight.grad.numpy().transpose(2, 3, 1, 0),
        "fc1": network.fc1.weight.grad.numpy().T.reshape(64, 12, 12, 128).transpose(1, 2, 0, 3).reshape(9216, 128),
        "fc2": network.fc2.weight.grad.numpy().T,
    }
    for name, kernel_grad in expected.items():
        np.testing.assert_allclose(grads[name]["kernel"], kernel_grad, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(grads[name]["bias"], getattr(network, name).bias.grad.numpy(), rtol=1e-4, atol=1e-5)
