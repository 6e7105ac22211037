"""Which PyTorch module holds each layer of a zoo model: the ``state_dict`` keys it reads and writes.

A layout lists a model's ``Rule``s (``jax_zoo.port.rules``). PyTorch names follow the flax module
names where the model names its layers (``conv1``, ``fc1``, ``norm1_1``, ``embed``, ``rnn``,
``classifier``...), and torchvision's ResNet names for ``ResNet`` (``conv1``, ``bn1``,
``layer1.0.conv1``, ``layer1.0.downsample.0``, ``fc``). A recurrent stack is one ``nn.LSTM`` or
``nn.GRU`` (``num_layers``, ``bidirectional``, ``batch_first=True``) named ``rnn``.
"""

from collections.abc import Callable

from jax_zoo.models import (
    VGG, CharLanguageModel, Ensemble, FlipAveraged, LeNet5, RecurrentStack, ResNet, SequenceClassifier, SimpleCNN,
    TutorialRNN,
)
from jax_zoo.core.errors import StateDictError
from jax_zoo.port import rules
from jax_zoo.port.rules import FlaxPath, Rule, Shapes

SUPPORTED = (
    "SimpleCNN (and PyTorchMnistCNN), LeNet5, VGG, ResNet, TutorialRNN, SequenceClassifier (LSTM or GRU, "
    "uni- or bidirectional, without n-gram embeddings), CharLanguageModel, and FlipAveraged around any of them"
)
FeatureMap = Callable[[FlaxPath, int], tuple[int, int, int] | None]
"""``(module path, poolings after it) -> (height, width, channels)`` of the activations the model
flattens after that module, or None when unknown (no example input)."""


def layout(model, shapes: Shapes, feature_map: FeatureMap, at: FlaxPath = ()) -> list[Rule]:
    """The rules of every layer of ``model``, whose variables have ``shapes``, rooted at ``at``."""
    if isinstance(model, FlipAveraged):  # the averaging has no weights: the PyTorch network is its member
        return layout(model.member, shapes, feature_map, (*at, "member"))
    if isinstance(model, Ensemble):
        raise StateDictError(
            "no PyTorch layout for Ensemble: an ensemble is several networks; port a single one "
            "(names_bilstm: --set ensemble_size=1)"
        )
    for model_type, rules_of in _LAYOUTS.items():
        if isinstance(model, model_type):
            return rules_of(model, shapes, feature_map, at)
    raise StateDictError(f"no PyTorch layout for {type(model).__name__}: supported models are {SUPPORTED}")


def _flattened(shapes, at, dense_name, source, poolings, feature_map, channels) -> Rule:
    kernel_rows = shapes[("params", *at, dense_name, "kernel")][0]
    found = feature_map((*at, source), poolings) or rules.square_feature_map(kernel_rows, channels)
    if found is None:
        raise StateDictError(
            f"{dense_name} reads {kernel_rows} flattened features of {channels} channels, not a square map: "
            f"pass the example input to find its height and width"
        )
    return rules.flattened_dense(shapes, (*at, dense_name), dense_name, found)


def _simple_cnn(model, shapes, feature_map, at):
    return [
        rules.conv(shapes, (*at, "conv1"), "conv1"),
        rules.conv(shapes, (*at, "conv2"), "conv2"),
        _flattened(shapes, at, "fc1", "conv2", 1, feature_map, shapes[("params", *at, "conv2", "bias")][0]),
        rules.dense(shapes, (*at, "fc2"), "fc2"),
    ]


def _lenet(model, shapes, feature_map, at):
    return [
        rules.conv(shapes, (*at, "conv1"), "conv1"),
        rules.conv(shapes, (*at, "conv2"), "conv2"),
        _flattened(shapes, at, "fc1", "conv2", 1, feature_map, shapes[("params", *at, "conv2", "bias")][0]),
        rules.dense(shapes, (*at, "fc2"), "fc2"),
        rules.dense(shapes, (*at, "fc3"), "fc3"),
    ]


def _vgg(model, shapes, feature_map, at):
    layers, last = [], None
    for stage in range(1, len(model.stage_widths) + 1):
        for index in range(1, model.convs_per_stage + 1):
            name = f"{stage}_{index}"
            layers.append(rules.conv(shapes, (*at, f"conv{name}"), f"conv{name}"))
            last = f"conv{name}"
            if model.batch_norm:
                layers.append(rules.batch_norm(shapes, (*at, f"norm{name}"), f"norm{name}"))
                last = f"norm{name}"
    channels = model.stage_widths[-1]
    layers.append(_flattened(shapes, at, "fc1", last, 1, feature_map, channels))
    layers.append(rules.dense(shapes, (*at, "fc2"), "fc2"))
    return layers


def _resnet(model, shapes, feature_map, at):
    layers = [rules.conv(shapes, (*at, "stem"), "conv1"), rules.batch_norm(shapes, (*at, "stem_norm"), "bn1")]
    block_index = 0
    for stage, blocks in enumerate(model.stage_sizes):
        for block in range(blocks):
            flax_block, torch_block = (*at, f"BasicBlock_{block_index}"), f"layer{stage + 1}.{block}"
            block_index += 1
            for index in range(2):
                layers.append(rules.conv(shapes, (*flax_block, f"Conv_{index}"), f"{torch_block}.conv{index + 1}"))
                layers.append(
                    rules.batch_norm(shapes, (*flax_block, f"BatchNorm_{index}"), f"{torch_block}.bn{index + 1}")
                )
            if ("params", *flax_block, "projection", "kernel") in shapes:
                layers.append(rules.conv(shapes, (*flax_block, "projection"), f"{torch_block}.downsample.0"))
                layers.append(rules.batch_norm(shapes, (*flax_block, "projection_norm"), f"{torch_block}.downsample.1"))
    layers.append(rules.dense(shapes, (*at, "Dense_0"), "fc"))
    return layers


def _tutorial_rnn(model, shapes, feature_map, at):
    # The reference RNN's i2h and i2o read cat(input, hidden), as the cell's concatenation does.
    return [rules.dense(shapes, (*at, "cell", name), name) for name in ("i2h", "i2o")]


def _recurrent_stack(stack: RecurrentStack, shapes, at) -> list[Rule]:
    cell = rules.lstm_cell if stack.cell_type == "lstm" else rules.gru_cell
    cell_name = "OptimizedLSTMCell" if stack.cell_type == "lstm" else "GRUCell"
    layers = []
    for layer in range(stack.num_layers):
        if stack.bidirectional:
            # nn.RNN's cells are named in creation order: each layer's forward, then its backward cell.
            layers.append(cell(shapes, (*at, f"{cell_name}_{2 * layer}"), "rnn", layer))
            layers.append(cell(shapes, (*at, f"{cell_name}_{2 * layer + 1}"), "rnn", layer, reverse=True))
        else:
            layers.append(cell(shapes, (*at, f"{cell_name}_{layer}"), "rnn", layer))
    return layers


def _sequence_classifier(model, shapes, feature_map, at):
    if model.ngram_orders:
        raise StateDictError(
            f"SequenceClassifier with n-gram embeddings (ngram_orders={tuple(model.ngram_orders)}) has no PyTorch "
            f"counterpart; port a model without them (names_bilstm: --set max_ngram=1)"
        )
    stack = RecurrentStack(model.hidden_size, model.num_layers, model.cell_type, model.bidirectional)
    return [
        rules.embedding(shapes, (*at, "embed"), "embed"),
        *_recurrent_stack(stack, shapes, (*at, "rnn")),
        rules.dense(shapes, (*at, "classifier"), "classifier"),
    ]


def _char_language_model(model, shapes, feature_map, at):
    stack = RecurrentStack(model.hidden_size, model.num_layers, "lstm")
    return [
        rules.embedding(shapes, (*at, "embed"), "embed"),
        *_recurrent_stack(stack, shapes, (*at, "rnn")),
        rules.dense(shapes, (*at, "readout"), "readout"),
    ]


_LAYOUTS = {
    SimpleCNN: _simple_cnn, LeNet5: _lenet, VGG: _vgg, ResNet: _resnet, TutorialRNN: _tutorial_rnn,
    SequenceClassifier: _sequence_classifier, CharLanguageModel: _char_language_model,
}
