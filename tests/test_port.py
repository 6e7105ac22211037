"""zoo.port: PyTorch weights into the zoo's models give PyTorch's outputs, and come back exactly."""

import pickle
import re
from pathlib import Path

import jax
import numpy as np
import pytest
from ci_setup import require_extra

from jax_zoo.models import (
    VGG, CharLanguageModel, ConvAutoencoder, FlipAveraged, LeNet5, PyTorchMnistCNN, ResNet, ResNet20,
    SequenceClassifier, SimpleCNN, TutorialRNN,
)
from jax_zoo.core.errors import StateDictError

torch = require_extra("torch", "torch")

import torch_networks as twins  # noqa: E402  (needs torch)
from jax_zoo.bench.torch_twins import twin_network  # noqa: E402
from jax_zoo.port import from_torch, load_state_dict, to_torch, torch_specs  # noqa: E402

TOLERANCE = 2.5e-7
"""The largest difference from PyTorch's outputs the README and docs/pytorch.md promise (1.2e-7 measured)."""
rng = np.random.default_rng(0)
IMAGES = rng.uniform(size=(4, 28, 28, 1)).astype(np.float32)
DIGITS = rng.uniform(size=(4, 8, 8, 1)).astype(np.float32)
VOCAB = 12
TOKENS = np.zeros((4, 7), np.int32)
for row, length in enumerate((7, 3, 5, 1)):
    TOKENS[row, :length] = rng.integers(1, VOCAB, size=length)


def bidirectional_lstm():
    return SequenceClassifier(vocab_size=VOCAB, num_classes=5, embed_dim=6, hidden_size=8, num_layers=2)


CASES = {
    # name: (flax model, inputs, PyTorch twin of the model)
    "SimpleCNN 8x8": (SimpleCNN(), DIGITS, lambda model: twin_network(model, (8, 8, 1))),
    "PyTorchMnistCNN": (PyTorchMnistCNN(), IMAGES, lambda model: twin_network(model, (28, 28, 1))),
    "LeNet5": (LeNet5(), IMAGES, twins.twin),
    "VGG": (VGG(stage_widths=(8, 16, 32), dense_width=32), IMAGES, twins.twin),
    "VGG without BatchNorm": (VGG(stage_widths=(8, 16), dense_width=32, batch_norm=False), IMAGES, twins.twin),
    "ResNet20": (ResNet20(), IMAGES, twins.twin),
    "ResNet, 4 stages, stride-2 stem": (
        ResNet(stage_sizes=(1, 1, 2, 1), num_filters=8, stem_strides=2), IMAGES, twins.twin,
    ),
    "TutorialRNN": (TutorialRNN(vocab_size=VOCAB, num_classes=5, hidden_size=16), TOKENS, twins.twin),
    "bidirectional LSTM x2": (bidirectional_lstm(), TOKENS, twins.twin),
    "LSTM x2, mean": (
        SequenceClassifier(VOCAB, 5, embed_dim=6, hidden_size=8, num_layers=2, bidirectional=False, pooling="mean"),
        TOKENS, twins.twin,
    ),
    "GRU": (
        SequenceClassifier(VOCAB, 5, embed_dim=6, hidden_size=8, cell_type="gru", bidirectional=False),
        TOKENS, twins.twin,
    ),
    "bidirectional GRU x2, max": (
        SequenceClassifier(VOCAB, 5, embed_dim=6, hidden_size=8, num_layers=2, cell_type="gru", pooling="max"),
        TOKENS, twins.twin,
    ),
    "CharLanguageModel": (
        CharLanguageModel(vocab_size=VOCAB, embed_dim=6, hidden_size=8, num_layers=2), TOKENS[:1],
        lambda model: twin_network(model, (7,)),
    ),
}


def torch_outputs(network, inputs: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return network(twins.nchw(inputs) if inputs.ndim == 4 else torch.from_numpy(inputs).long()).numpy()


def ported_outputs(state_dict, model, inputs) -> np.ndarray:
    return np.asarray(model.apply(from_torch(state_dict, model, inputs), inputs, train=False))


def max_abs_difference(name: str) -> float:
    model, inputs, twin = CASES[name]
    network = twins.randomize(twin(model))
    return float(np.abs(ported_outputs(network.state_dict(), model, inputs) - torch_outputs(network, inputs)).max())


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_ported_weights_give_pytorchs_outputs(name):
    assert max_abs_difference(name) <= TOLERANCE


def canonical(state_dict, model) -> dict:
    """The state_dict with each recurrent gate's two biases summed into ``bias_ih``: the form the
    port writes, as flax keeps one bias where PyTorch keeps two (GRU's candidate keeps both)."""
    result = dict(state_dict)
    hidden = getattr(model, "hidden_size", 0)
    summed_rows = 2 * hidden if getattr(model, "cell_type", "lstm") == "gru" else 4 * hidden
    for key, value in state_dict.items():
        if ".bias_ih_l" in key:
            other = key.replace("bias_ih", "bias_hh")
            result[key], result[other] = value.clone(), state_dict[other].clone()
            result[key][:summed_rows] += state_dict[other][:summed_rows]
            result[other][:summed_rows] = 0
    return result


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_the_round_trip_reproduces_the_state_dict_exactly(name):
    model, inputs, twin = CASES[name]
    state_dict = twins.randomize(twin(model)).state_dict()
    variables = from_torch(state_dict, model, inputs)
    back = to_torch(variables, model, inputs)
    expected = canonical(state_dict, model)
    assert list(back) == list(expected)
    for key, tensor in expected.items():
        assert back[key].dtype == tensor.dtype and torch.equal(back[key], tensor), key
    without_example = to_torch(variables, model)  # square feature maps inferred
    assert all(torch.equal(tensor, back[key]) for key, tensor in without_example.items())


def test_the_recurrent_biases_come_back_as_their_sums():
    model, inputs, twin = CASES["bidirectional LSTM x2"]
    state_dict = twins.randomize(twin(model)).state_dict()
    back = to_torch(from_torch(state_dict, model, inputs), model)
    for suffix in ("l0", "l0_reverse", "l1", "l1_reverse"):
        summed = state_dict[f"rnn.bias_ih_{suffix}"] + state_dict[f"rnn.bias_hh_{suffix}"]
        assert torch.equal(back[f"rnn.bias_ih_{suffix}"] + back[f"rnn.bias_hh_{suffix}"], summed)
        assert not back[f"rnn.bias_hh_{suffix}"].any()


def test_the_reference_cnn_of_the_design_document(pytorch_reference):
    network = twins.randomize(pytorch_reference.CNN())
    expected = torch_outputs(network, IMAGES)
    np.testing.assert_allclose(ported_outputs(network.state_dict(), SimpleCNN(), IMAGES), expected, rtol=0, atol=TOLERANCE)


def test_the_reference_rnn_of_the_design_document_step_by_step(pytorch_reference):
    """The reference RNN (linear hidden update, output from the previous hidden state) run one
    character at a time, as the tutorial does, against TutorialRNN(linear_hidden=True)."""
    model = TutorialRNN(vocab_size=VOCAB, num_classes=5, hidden_size=16, linear_hidden=True)
    network = twins.randomize(pytorch_reference.RNN(VOCAB, 16, 5))
    with torch.no_grad():
        expected = []
        for tokens in TOKENS:
            hidden = torch.zeros(1, 16)
            for token in tokens[tokens != 0]:
                output, hidden = network(torch.nn.functional.one_hot(torch.tensor([int(token)]), VOCAB).float(), hidden)
            expected.append(output[0].numpy())
    ported = ported_outputs(network.state_dict(), model, TOKENS)
    np.testing.assert_allclose(ported, np.stack(expected), rtol=0, atol=TOLERANCE)


def test_flip_averaging_ports_its_member():
    network = twins.randomize(twins.twin(LeNet5()))
    variables = from_torch(network.state_dict(), FlipAveraged(LeNet5()), IMAGES)
    member = from_torch(network.state_dict(), LeNet5(), IMAGES)
    assert jax.tree.all(jax.tree.map(np.array_equal, variables["params"]["member"], member["params"]))


def test_torch_specs_names_what_a_model_reads():
    specs = torch_specs(SimpleCNN(), IMAGES)
    assert specs == {
        "conv1.weight": ((32, 1, 3, 3), "float"), "conv1.bias": ((32,), "float"),
        "conv2.weight": ((64, 32, 3, 3), "float"), "conv2.bias": ((64,), "float"),
        "fc1.weight": ((128, 9216), "float"), "fc1.bias": ((128,), "float"),
        "fc2.weight": ((10, 128), "float"), "fc2.bias": ((10,), "float"),
    }
    assert torch_specs(ResNet20(), IMAGES)["layer2.0.downsample.1.num_batches_tracked"] == ((), "count")


def test_a_state_dict_that_does_not_fit_names_every_key():
    state_dict = twins.randomize(twin_network(SimpleCNN(), (28, 28, 1))).state_dict()
    del state_dict["conv1.bias"]
    state_dict["fc3.weight"] = torch.zeros(3)
    state_dict["fc2.weight"] = torch.zeros(10, 64)
    state_dict["fc2.bias"] = torch.zeros(10, dtype=torch.int64)
    with pytest.raises(StateDictError) as error:
        from_torch(state_dict, SimpleCNN(), IMAGES)
    message = str(error.value)
    assert "(4 problems)" in message
    assert "missing conv1.bias (float[32])" in message
    assert "unexpected fc3.weight" in message
    assert "fc2.weight: expected float[10, 128], got float32[10, 64]" in message
    assert "fc2.bias: expected float[10], got int64[10]" in message


def test_another_architecture_is_refused_key_by_key():
    lenet = twins.randomize(twins.twin(LeNet5())).state_dict()
    expected = r"(?s)does not fit SimpleCNN.*fc1.weight: expected float\[128, 9216\].*unexpected fc3.weight"
    with pytest.raises(StateDictError, match=expected):
        from_torch(lenet, SimpleCNN(), IMAGES)
    with pytest.raises(StateDictError, match="missing bn1.weight"):
        from_torch(lenet, ResNet20(), IMAGES)


def test_variables_of_another_model_are_refused_on_export():
    lenet = from_torch(twins.randomize(twins.twin(LeNet5())).state_dict(), LeNet5(), IMAGES)
    with pytest.raises(StateDictError, match="the variables are not SimpleCNN's"):
        to_torch(lenet, SimpleCNN(), IMAGES)
    with pytest.raises(StateDictError, match="the variables do not fit SimpleCNN"):
        to_torch(lenet, SimpleCNN())


def test_a_non_square_feature_map_needs_the_example_input():
    wide = rng.uniform(size=(2, 12, 20, 1)).astype(np.float32)
    network = twins.randomize(twin_network(SimpleCNN(), (12, 20, 1)))
    variables = from_torch(network.state_dict(), SimpleCNN(), wide)
    np.testing.assert_allclose(SimpleCNN().apply(variables, wide), torch_outputs(network, wide), rtol=0, atol=TOLERANCE)
    with pytest.raises(StateDictError, match="not a square map: pass the example input"):
        to_torch(variables, SimpleCNN())
    assert torch.equal(to_torch(variables, SimpleCNN(), wide)["fc1.weight"], network.state_dict()["fc1.weight"])


def test_models_without_a_pytorch_layout_are_refused():
    with pytest.raises(StateDictError, match="no PyTorch layout for ConvAutoencoder: supported models are SimpleCNN"):
        from_torch({}, ConvAutoencoder(), IMAGES)
    with pytest.raises(StateDictError, match="n-gram embeddings"):
        from_torch({}, SequenceClassifier(VOCAB, 5, ngram_orders=(2,)), TOKENS)


def test_half_precision_weights_are_read_as_float32():
    network = twins.randomize(twins.twin(LeNet5()))
    half = {key: tensor.to(torch.bfloat16) for key, tensor in network.state_dict().items()}
    variables = from_torch(half, LeNet5(), IMAGES)
    kernel = variables["params"]["conv1"]["kernel"]
    assert kernel.dtype == np.float32
    np.testing.assert_array_equal(kernel, half["conv1.weight"].float().numpy().transpose(2, 3, 1, 0))


class WritesAMarker:
    """Unpickling this calls Path.touch: what a malicious .pt file could do instead."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return Path.touch, (self.marker,)


def test_a_pickle_that_would_run_code_is_refused(tmp_path):
    marker, malicious = tmp_path / "executed", tmp_path / "model.pt"
    torch.save({"conv1.weight": WritesAMarker(marker)}, malicious)
    pickle.loads(pickle.dumps(WritesAMarker(tmp_path / "control")))  # the payload does run when unpickled in full
    assert (tmp_path / "control").exists()
    with pytest.raises(StateDictError, match="was refused: torch.load\\(weights_only=True\\)"):
        load_state_dict(malicious)
    assert not marker.exists()


def test_files_that_are_not_state_dicts(tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    torch.save({"epoch": 3, "model": {"w": torch.zeros(1)}}, checkpoint)
    with pytest.raises(StateDictError, match="the values of epoch, model are not tensors"):
        load_state_dict(checkpoint)
    with pytest.raises(StateDictError, match="no PyTorch file at"):
        load_state_dict(tmp_path / "absent.pt")
    (tmp_path / "garbage.pt").write_bytes(b"not a zip, not a pickle")
    with pytest.raises(StateDictError, match="was refused"):
        load_state_dict(tmp_path / "garbage.pt")


# The command line: zoo port -> zoo eval -> zoo train (fine-tuning) -> zoo export.


def digits_state_dict(tmp_path) -> tuple[Path, dict]:
    network = twins.randomize(twin_network(SimpleCNN(), (8, 8, 1)))
    path = tmp_path / "digits.pt"
    torch.save(network.state_dict(), path)
    return path, network.state_dict()


def test_a_malicious_file_given_to_zoo_port_exits_2_and_runs_nothing(tmp_path, capsys):
    from jax_zoo.cli import main

    marker, malicious = tmp_path / "executed", tmp_path / "model.pt"
    torch.save({"conv1.weight": WritesAMarker(marker)}, malicious)
    assert main(["port", "digits_cnn", str(malicious), "--workdir", str(tmp_path / "run")]) == 2
    assert "was refused" in capsys.readouterr().err
    assert not marker.exists() and not (tmp_path / "run").exists()


@pytest.mark.slow
def test_port_evaluate_fine_tune_and_export(tmp_path, capsys):
    from jax_zoo.cli import main
    from jax_zoo.api.restore import evaluate_workdir
    from jax_zoo.api.train import train_and_evaluate

    path, state_dict = digits_state_dict(tmp_path)
    workdir = tmp_path / "run"
    assert main(["port", "digits_cnn", str(path), "--workdir", str(workdir), "--set", "epochs=1"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digits.pt", "run"]  # no staging left behind

    assert main(["eval", "digits_cnn", "--workdir", str(workdir)]) == 0
    assert "test accuracy" in capsys.readouterr().out
    assert main(["export", "digits_cnn", "--workdir", str(workdir), str(tmp_path / "back.pt")]) == 0
    back = load_state_dict(tmp_path / "back.pt")
    assert list(back) == list(state_dict) and all(torch.equal(back[key], state_dict[key]) for key in state_dict)

    before = evaluate_workdir("digits_cnn", workdir)
    results = train_and_evaluate("digits_cnn", workdir, progress=False)  # resumes the ported run at step 0
    assert results["resumed_from_step"] == 0 and results["epochs"] == 1 and results["steps"] > 0
    assert results["test"]["accuracy"] != before["accuracy"]
    assert main(["export", "digits_cnn", "--workdir", str(workdir), str(tmp_path / "tuned.pt")]) == 0
    tuned = load_state_dict(tmp_path / "tuned.pt")
    assert not torch.equal(tuned["fc1.weight"], state_dict["fc1.weight"])


def test_zoo_port_refuses_mismatches_and_used_workdirs_writing_nothing(tmp_path, capsys):
    from jax_zoo.cli import main

    lenet = tmp_path / "lenet.pt"
    torch.save(twins.randomize(twins.twin(LeNet5())).state_dict(), lenet)
    assert main(["port", "digits_cnn", str(lenet), "--workdir", str(tmp_path / "run")]) == 2
    error = capsys.readouterr().err
    assert "does not fit SimpleCNN" in error and "unexpected fc3.bias" in error
    assert not (tmp_path / "run").exists()

    path, _ = digits_state_dict(tmp_path)
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    assert main(["port", "digits_cnn", str(path), "--workdir", str(tmp_path / "used")]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "used").iterdir()) == ["notes.txt"]


# A network trained by PyTorch's own loop, evaluated by PyTorch and by `zoo eval`.
TRAIN_IMAGES = 6_400  # one epoch over the first 6,400 training images: 50 steps, minutes on a busy 2-core CPU


@pytest.mark.slow
def test_a_network_trained_by_pytorch_evaluates_the_same_in_the_zoo(fashion_mnist_files, tmp_path, capsys):
    from jax_zoo.cli import main
    from jax_zoo.datasets import load_dataset

    train, test = load_dataset("fashion_mnist_local", "train"), load_dataset("fashion_mnist_local", "test")
    torch.manual_seed(0)
    network = twin_network(SimpleCNN(), (28, 28, 1))
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
    images = twins.nchw(train["inputs"][:TRAIN_IMAGES])
    labels = torch.from_numpy(train["targets"][:TRAIN_IMAGES].astype(np.int64))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=128, shuffle=True)
    network.train()
    for batch_images, batch_labels in loader:
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(network(batch_images), batch_labels).backward()
        optimizer.step()
    network.eval()
    with torch.no_grad():
        logits = torch.cat([network(twins.nchw(chunk)) for chunk in np.array_split(test["inputs"], 20)])
    correct = int((logits.argmax(dim=1).numpy() == test["targets"]).sum())
    torch.save(network.state_dict(), tmp_path / "model.pt")

    workdir = tmp_path / "ported"
    assert main(["port", "fashion_simple_cnn", str(tmp_path / "model.pt"), "--workdir", str(workdir)]) == 0
    capsys.readouterr()
    assert main(["eval", "fashion_simple_cnn", "--workdir", str(workdir)]) == 0
    printed = capsys.readouterr().out
    # Two decimals of a percentage of 10,000 images is one image.
    assert "on 10000 examples" in printed, printed
    assert re.search(r"\baccuracy (\d+\.\d\d)%", printed).group(1) == f"{100 * correct / 10_000:.2f}", (printed, correct)
    assert correct > 6_000  # it learned something: the comparison is not one of two constant guessers
