"""Rules that move one layer's weights between a PyTorch ``state_dict`` and flax variables.

A ``Rule`` names the PyTorch tensors of one layer (their shapes and kinds) and converts them to
the layer's flax leaves and back. Flax leaves are keyed by their path in the variables,
``("params", "conv1", "kernel")``; every array is numpy.

Layouts: PyTorch convolutions are ``[out, in, kh, kw]``, flax's ``[kh, kw, in, out]``; linear
layers ``[out, in]`` against ``[in, out]``. PyTorch's recurrent layers keep two biases where
flax keeps one (LSTM) or one per gate but the candidate's (GRU): only the sums enter the
outputs, so ``to_flax`` adds them and ``to_torch`` puts each sum in ``bias_ih`` and zeros in
``bias_hh``: the same outputs, and an exact round trip from flax.
"""

import dataclasses
import math
from collections.abc import Callable

import numpy as np

FlaxPath = tuple[str, ...]
FLOAT, COUNT = "float", "count"


@dataclasses.dataclass(frozen=True)
class Rule:
    """One layer: ``torch_specs`` maps each PyTorch key to ``(shape, kind)``, kind ``"float"`` for
    weights or ``"count"`` for an integer counter that flax does not keep."""

    torch_specs: dict[str, tuple[tuple[int, ...], str]]
    to_flax: Callable[[dict[str, np.ndarray]], dict[FlaxPath, np.ndarray]]
    to_torch: Callable[[dict[FlaxPath, np.ndarray]], dict[str, np.ndarray]]


Shapes = dict[FlaxPath, tuple[int, ...]]


def dense(shapes: Shapes, path: FlaxPath, prefix: str) -> Rule:
    """``nn.Dense`` <-> ``nn.Linear``: kernel ``[in, out]`` is the transposed weight."""
    return _linear(shapes, path, prefix, lambda weight: weight.T, lambda kernel: kernel.T)


def flattened_dense(shapes: Shapes, path: FlaxPath, prefix: str, feature_map: tuple[int, int, int]) -> Rule:
    """The first ``nn.Dense`` after a flatten of ``[batch, height, width, channels]`` activations.

    PyTorch flattens NCHW activations in ``(channel, row, column)`` order, flax NHWC ones in
    ``(row, column, channel)`` order: the kernel's rows are permuted between the two.
    """
    height, width, channels = feature_map

    def to_flax(weight):
        out = weight.shape[0]
        return weight.reshape(out, channels, height, width).transpose(2, 3, 1, 0).reshape(-1, out)

    def to_torch(kernel):
        out = kernel.shape[1]
        return kernel.reshape(height, width, channels, out).transpose(3, 2, 0, 1).reshape(out, -1)

    return _linear(shapes, path, prefix, to_flax, to_torch)


def conv(shapes: Shapes, path: FlaxPath, prefix: str) -> Rule:
    """``nn.Conv`` <-> ``nn.Conv2d``: HWIO <-> OIHW."""
    return _linear(
        shapes, path, prefix, lambda weight: weight.transpose(2, 3, 1, 0), lambda kernel: kernel.transpose(3, 2, 0, 1)
    )


def _linear(shapes, path, prefix, kernel_from_weight, weight_from_kernel) -> Rule:
    kernel_path, bias_path = ("params", *path, "kernel"), ("params", *path, "bias")
    kernel_shape = shapes[kernel_path]
    weight_shape = _permuted_shape(kernel_shape, weight_from_kernel)
    specs = {f"{prefix}.weight": (weight_shape, FLOAT)}
    has_bias = bias_path in shapes
    if has_bias:
        specs[f"{prefix}.bias"] = (shapes[bias_path], FLOAT)

    def to_flax(tensors):
        leaves = {kernel_path: kernel_from_weight(tensors[f"{prefix}.weight"])}
        if has_bias:
            leaves[bias_path] = tensors[f"{prefix}.bias"]
        return leaves

    def to_torch(leaves):
        tensors = {f"{prefix}.weight": weight_from_kernel(leaves[kernel_path])}
        if has_bias:
            tensors[f"{prefix}.bias"] = leaves[bias_path]
        return tensors

    return Rule(specs, to_flax, to_torch)


def _permuted_shape(shape, permute) -> tuple[int, ...]:
    # The permutations are reshapes and transposes: apply them to a stand-in array of that shape.
    return tuple(permute(np.empty(shape, np.int8)).shape)


def batch_norm(shapes: Shapes, path: FlaxPath, prefix: str) -> Rule:
    """``nn.BatchNorm`` <-> ``nn.BatchNorm2d``: scale/bias are weight/bias, the ``batch_stats``
    mean/var are running_mean/running_var. ``num_batches_tracked`` has no flax counterpart: it
    is accepted and ignored, and written as 0 (PyTorch reads it only with ``momentum=None``)."""
    names = {
        ("params", *path, "scale"): f"{prefix}.weight",
        ("params", *path, "bias"): f"{prefix}.bias",
        ("batch_stats", *path, "mean"): f"{prefix}.running_mean",
        ("batch_stats", *path, "var"): f"{prefix}.running_var",
    }
    specs = {key: (shapes[leaf], FLOAT) for leaf, key in names.items()}
    specs[f"{prefix}.num_batches_tracked"] = ((), COUNT)

    def to_torch(leaves):
        return {key: leaves[leaf] for leaf, key in names.items()} | {
            f"{prefix}.num_batches_tracked": np.zeros((), np.int64)
        }

    return Rule(specs, lambda tensors: {leaf: tensors[key] for leaf, key in names.items()}, to_torch)


def embedding(shapes: Shapes, path: FlaxPath, prefix: str) -> Rule:
    """``nn.Embed`` <-> ``nn.Embedding``: the same ``[vocab, features]`` table."""
    leaf, key = ("params", *path, "embedding"), f"{prefix}.weight"
    return Rule({key: (shapes[leaf], FLOAT)}, lambda tensors: {leaf: tensors[key]}, lambda leaves: {key: leaves[leaf]})


def _recurrent_keys(prefix: str, layer: int, reverse: bool) -> dict[str, str]:
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    return {name: f"{prefix}.{name}{suffix}" for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


def _recurrent_specs(keys, gates, in_features, features):
    rows = gates * features
    shapes = {"weight_ih": (rows, in_features), "weight_hh": (rows, features), "bias_ih": (rows,), "bias_hh": (rows,)}
    return {keys[name]: (shape, FLOAT) for name, shape in shapes.items()}


def lstm_cell(shapes: Shapes, path: FlaxPath, prefix: str, layer: int, reverse: bool = False) -> Rule:
    """``nn.OptimizedLSTMCell`` (or ``nn.LSTMCell``) <-> one direction of one ``nn.LSTM`` layer.

    Flax keeps a dense layer per gate: ``ii, if, ig, io`` on the input (no bias), ``hi, hf, hg,
    ho`` on the hidden state (with the gate's bias); PyTorch stacks the gates i, f, g, o.
    """
    return _gated_cell(shapes, path, prefix, layer, reverse, gates="ifgo", bias_ih_gates="", bias_hh_gates="ifgo")


def gru_cell(shapes: Shapes, path: FlaxPath, prefix: str, layer: int, reverse: bool = False) -> Rule:
    """``nn.GRUCell`` <-> one direction of one ``nn.GRU`` layer (gates r, z, n).

    Both compute the candidate as ``tanh(W_in x + b_in + r * (W_hn h + b_hn))``: the reset gate
    scales the recurrent product with its bias (PyTorch's and cuDNN's formulation, not Cho et
    al.'s ``W_hn (r * h)``), so the port is exact. Flax's ``ir``/``iz`` biases hold
    ``b_ir + b_hr`` and ``b_iz + b_hz``; ``in`` and ``hn`` keep their own.
    """
    return _gated_cell(shapes, path, prefix, layer, reverse, gates="rzn", bias_ih_gates="rzn", bias_hh_gates="n")


def _gated_cell(shapes, path, prefix, layer, reverse, gates, bias_ih_gates, bias_hh_gates) -> Rule:
    """Per-gate flax dense layers ``i<gate>``/``h<gate>``; a gate's PyTorch biases (``bias_ih`` and
    ``bias_hh`` rows) are summed into whichever of the two flax layers has a bias."""
    keys = _recurrent_keys(prefix, layer, reverse)
    in_features, features = shapes[("params", *path, f"i{gates[0]}", "kernel")]

    def leaf(side, gate, name):
        return ("params", *path, f"{side}{gate}", name)

    def rows(array, index):
        return array[index * features : (index + 1) * features]

    def bias_leaf(gate, side):
        """The flax leaf holding the ``side`` ("i" or "h") PyTorch bias of ``gate``."""
        if gate in bias_ih_gates and gate in bias_hh_gates:
            return leaf(side, gate, "bias")
        return leaf("i" if gate in bias_ih_gates else "h", gate, "bias")

    def to_flax(tensors):
        leaves = {}
        for index, gate in enumerate(gates):
            leaves[leaf("i", gate, "kernel")] = rows(tensors[keys["weight_ih"]], index).T
            leaves[leaf("h", gate, "kernel")] = rows(tensors[keys["weight_hh"]], index).T
            for side in "ih":
                bias = bias_leaf(gate, side)
                leaves[bias] = leaves.get(bias, 0) + rows(tensors[keys[f"bias_{side}h"]], index)
        return leaves

    def to_torch(leaves):
        stacked = {name: [] for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        for gate in gates:
            stacked["weight_ih"].append(leaves[leaf("i", gate, "kernel")].T)
            stacked["weight_hh"].append(leaves[leaf("h", gate, "kernel")].T)
            input_bias, hidden_bias = bias_leaf(gate, "i"), bias_leaf(gate, "h")
            zeros = np.zeros(features, np.float32)
            # A summed bias goes whole to bias_ih.
            stacked["bias_ih"].append(leaves[input_bias])
            stacked["bias_hh"].append(zeros if hidden_bias == input_bias else leaves[hidden_bias])
        return {keys[name]: np.concatenate(parts) for name, parts in stacked.items()}

    return Rule(_recurrent_specs(keys, len(gates), in_features, features), to_flax, to_torch)


def square_feature_map(rows: int, channels: int) -> tuple[int, int, int] | None:
    """``(side, side, channels)`` when ``rows`` flattened features are a square map, else None."""
    side = math.isqrt(rows // channels)
    return (side, side, channels) if side * side * channels == rows else None
