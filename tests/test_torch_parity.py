"""With the optional torch extra: ``zoo bench``'s PyTorch twins compute what the flax models compute.

The twins that ``jax_zoo.port`` has layouts for (SimpleCNN, LeNet5, VGG, ResNet, TutorialRNN,
SequenceClassifier, CharLanguageModel) are checked by tests/test_port.py; here the rest, with
weights moved by the port's rules where the port has no layout for the whole model: hashed
n-gram tables, ensembles, the autoencoder, and Seq2Seq with its greedy decoding.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from ci_setup import require_extra
from flax import traverse_util

from jax_zoo.models import (
    ConvAutoencoder, Ensemble, RecurrentStack, Seq2Seq, SequenceClassifier, SimpleCNN,
)
from jax_zoo.models.decoding import decode
from jax_zoo.port import rules, to_torch

torch = require_extra("torch", "torch")

from jax_zoo.bench.torch_convnets import nchw  # noqa: E402  (needs torch)
from jax_zoo.bench.torch_seq2seq import greedy_decode  # noqa: E402
from jax_zoo.bench.torch_twins import twin_network  # noqa: E402
from jax_zoo.port.layouts import _recurrent_stack  # noqa: E402

pytestmark = pytest.mark.usefixtures("torch_module")
rng = np.random.default_rng(0)
IMAGES = rng.uniform(size=(4, 28, 28, 1)).astype(np.float32)
VOCAB = 20
SOURCE = np.zeros((4, 7), np.int32)
for row, length in enumerate((7, 3, 5, 1)):
    SOURCE[row, :length] = rng.integers(3, VOCAB, size=length)


def jittered(params, scale: float = 0.1):
    """``params`` plus noise, so that zero-initialised biases and scales matter too."""
    leaves, tree = jax.tree.flatten(jax.tree.map(np.asarray, params))
    noise = np.random.default_rng(1)
    return tree.unflatten([leaf + scale * noise.normal(size=leaf.shape).astype(np.float32) for leaf in leaves])


def tensors(arrays: dict) -> dict:
    return {key: torch.from_numpy(np.ascontiguousarray(value)) for key, value in arrays.items()}


def eval_outputs(network, inputs) -> np.ndarray:
    network.eval()
    with torch.no_grad():
        outputs = network(nchw(inputs) if inputs.ndim == 4 else torch.from_numpy(inputs).long())
    return outputs.numpy().transpose(0, 2, 3, 1) if inputs.ndim == 4 and outputs.ndim == 4 else outputs.numpy()


def test_reference_cnn_from_the_design_document_matches(pytorch_reference):
    model = SimpleCNN(num_classes=10)
    params = model.init(jax.random.PRNGKey(0), jnp.asarray(IMAGES))["params"]
    network = pytorch_reference.CNN()
    network.load_state_dict(to_torch({"params": params}, model, IMAGES))
    np.testing.assert_allclose(model.apply({"params": params}, IMAGES), eval_outputs(network, IMAGES), rtol=1e-4, atol=1e-4)


@pytest.mark.slow
def test_train_mode_gradients_of_the_cnn_match_pytorch_autograd():
    """SimpleCNN's hand-shaped gradients (bias after pooling, conv2's kernel gradient from a
    channels-major copy of conv1) against PyTorch's autograd on the same weights."""
    model = SimpleCNN(num_classes=10)
    params = jittered(model.init(jax.random.PRNGKey(0), jnp.asarray(IMAGES))["params"], 0.01)
    labels = np.arange(4) % 10

    def loss(params):
        logits = model.apply({"params": params}, IMAGES, train=True)
        return -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(4), labels])

    grads = {"params": jax.tree.map(np.asarray, jax.grad(loss)(params))}
    network = twin_network(model, IMAGES.shape[1:])
    network.load_state_dict(to_torch({"params": params}, model, IMAGES))
    torch.nn.functional.cross_entropy(network(nchw(IMAGES)), torch.from_numpy(labels)).backward()
    expected = to_torch(grads, model, IMAGES)
    for name, parameter in network.named_parameters():
        np.testing.assert_allclose(expected[name].numpy(), parameter.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


def test_the_cnn_twin_drops_out_at_the_models_rates_in_training_only():
    model = SimpleCNN(num_classes=10, dropout_rates=(0.25, 0.5))
    network = twin_network(model, IMAGES.shape[1:])
    assert (network.conv_dropout, network.dense_dropout) == (0.25, 0.5)
    inputs = nchw(IMAGES)
    network.eval()
    assert torch.equal(network(inputs), network(inputs))
    network.train()
    assert not torch.equal(network(inputs), network(inputs))


def ngram_classifier(**fields) -> SequenceClassifier:
    return SequenceClassifier(
        VOCAB, 5, embed_dim=6, hidden_size=8, dropout_rate=0.5, embedding_dropout=0.25,
        ngram_orders=(2, 3, 4), ngram_buckets=97, **fields,
    )


def classifier_state_dict(model: SequenceClassifier, params) -> dict:
    """The port's layout for everything but the n-gram tables, which move as they are."""
    without_ngrams = model.clone(ngram_orders=())
    rest = {key: value for key, value in params.items() if key != "ngrams"}
    state_dict = dict(to_torch({"params": rest}, without_ngrams))
    for order in model.ngram_orders:
        table = np.asarray(params["ngrams"][f"order_{order}"]["embedding"])
        state_dict[f"ngrams.tables.order_{order}.weight"] = torch.from_numpy(table.copy())
    return state_dict


@pytest.mark.slow
def test_the_ngram_bilstm_twin_hashes_and_pools_as_the_model_does():
    model = ngram_classifier()
    params = jittered(model.init(jax.random.PRNGKey(0), SOURCE)["params"])
    network = twin_network(model, SOURCE.shape[1:])
    network.load_state_dict(classifier_state_dict(model, params))
    np.testing.assert_allclose(eval_outputs(network, SOURCE), model.apply({"params": params}, SOURCE), atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("independent", [True, False])
def test_an_ensemble_twin_is_its_members_side_by_side(independent):
    model = Ensemble(ngram_classifier(), size=3, independent=independent)
    params = jittered(model.init(jax.random.PRNGKey(0), SOURCE)["params"])
    network = twin_network(model, SOURCE.shape[1:])
    state_dict = {}
    for index, member in enumerate(network.members):
        member_params = jax.tree.map(lambda leaf, i=index: leaf[i], params["members"]["member"])
        state_dict |= {f"members.{index}.{key}": value for key, value in classifier_state_dict(model.member, member_params).items()}
    network.load_state_dict(state_dict)
    np.testing.assert_allclose(eval_outputs(network, SOURCE), model.apply({"params": params}, SOURCE), atol=1e-5)
    network.train()
    outputs = network(torch.from_numpy(SOURCE).long())
    assert outputs.shape == ((4, 3, 5) if independent else (4, 5))


def test_the_autoencoder_twin_pads_its_transposed_convolutions_as_flax():
    model = ConvAutoencoder(widths=(4, 8))
    params = jittered(model.init(jax.random.PRNGKey(0), IMAGES)["params"])
    state_dict = {}
    for index, name in enumerate(["encoder1", "encoder2"]):
        state_dict[f"encoders.{index}.weight"] = params[name]["kernel"].transpose(3, 2, 0, 1)
        state_dict[f"encoders.{index}.bias"] = params[name]["bias"]
    for index, name in enumerate(["decoder1", "output"]):  # flax does not flip a transposed kernel; PyTorch does
        state_dict[f"decoders.{index}.weight"] = params[name]["kernel"][::-1, ::-1].transpose(2, 3, 0, 1)
        state_dict[f"decoders.{index}.bias"] = params[name]["bias"]
    network = twin_network(model, IMAGES.shape[1:])
    network.load_state_dict(tensors(state_dict))
    np.testing.assert_allclose(eval_outputs(network, IMAGES), model.apply({"params": params}, IMAGES), atol=1e-6)


def seq2seq_state_dict(model: Seq2Seq, params) -> dict:
    """Flax's Seq2Seq weights under the twin's names, by the port's rules for each layer: the two
    encoder stacks are the bidirectional ``encoder``'s two directions."""
    variables = {"params": params}
    shapes = {path: leaf.shape for path, leaf in traverse_util.flatten_dict(variables).items()}
    leaves = {path: np.asarray(leaf) for path, leaf in traverse_util.flatten_dict(variables).items()}
    layers = [rules.embedding(shapes, (name,), name) for name in ("source_embed", "target_embed")]
    for name in ("bridge", "combine", "readout", "generate_gate", "attend/key_projection", "attend/query_projection",
                 "attend/energy"):
        if ("params", *name.split("/"), "kernel") in shapes:
            layers.append(rules.dense(shapes, tuple(name.split("/")), name.replace("/", ".")))
    state_dict = {key: value for rule in layers for key, value in rule.to_torch(leaves).items()}
    stack = RecurrentStack(model.hidden_size, cell_type=model.cell_type)
    for flax_name, torch_name, suffix in (
        ("forward_encoder", "encoder", ""), ("backward_encoder", "encoder", "_reverse"), ("decoder", "decoder", ""),
    ):
        for rule in _recurrent_stack(stack, shapes, (flax_name,)):
            state_dict |= {key.replace("rnn.", f"{torch_name}.") + suffix: value for key, value in rule.to_torch(leaves).items()}
    return tensors(state_dict)


def seq2seq(**fields) -> Seq2Seq:
    return Seq2Seq(VOCAB, VOCAB, source_length=7, bos_id=1, eos_id=2, embed_dim=6, hidden_size=8, **fields)


@pytest.mark.slow
@pytest.mark.parametrize("fields", [
    {}, {"attention": "additive"}, {"copy_source": True}, {"cell_type": "gru", "attention": "additive"},
], ids=["multiplicative", "additive", "copying", "gru"])
def test_the_seq2seq_twin_gives_the_models_teacher_forced_outputs(fields):
    model = seq2seq(dropout_rate=0.2, **fields)
    targets = rng.integers(3, VOCAB, size=(4, 5)).astype(np.int32)
    inputs = np.concatenate([SOURCE, np.concatenate([np.ones((4, 1), np.int32), targets[:, :-1]], axis=1)], axis=1)
    params = jittered(model.init(jax.random.PRNGKey(0), inputs)["params"])
    network = twin_network(model, inputs.shape[1:])
    network.load_state_dict(seq2seq_state_dict(model, params))
    np.testing.assert_allclose(eval_outputs(network, inputs), model.apply({"params": params}, inputs), atol=2e-5)


@pytest.mark.slow
def test_the_seq2seq_twin_decodes_greedily_as_the_model_does():
    model = seq2seq()
    params = jittered(model.init(jax.random.PRNGKey(0), np.zeros((1, 12), np.int32))["params"], 0.5)
    network = twin_network(model, (12,)).eval()
    network.load_state_dict(seq2seq_state_dict(model, params))
    expected, _ = decode(model, {"params": params}, SOURCE, beam_size=1, max_length=9)
    tokens, steps = greedy_decode(network, torch.from_numpy(SOURCE).long(), 9)
    np.testing.assert_array_equal(tokens.numpy(), np.asarray(expected))
    assert 1 <= steps <= 9
