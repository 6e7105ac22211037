"""Weights saved with packed LSTM layers, rewritten as ``nn.OptimizedLSTMCell``'s parameters.

A recurrent stack's LSTM layer once kept three packed parameters, ``lstm_<k>: {kernel_ih
[in, 4f], kernel_hh [f, 4f], bias [4f]}`` (gates i, f, g, o side by side); it now keeps flax's
cell's, ``OptimizedLSTMCell_<k>: {ii, if, ig, io: {kernel}, hi, hf, hg, ho: {kernel, bias}}``.
The numbers are the same, split per gate.

    python -m jax_zoo.api.lstm_weights ENTRY...

rewrites the shipped weights of each ENTRY (``zoo/published/weights``) and their sha256 record.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

from flax import traverse_util

from jax_zoo.api.export_weights import SOURCE_WEIGHTS_DIRECTORY, write_weights
from jax_zoo.api.pretrained import weights_files
from jax_zoo.api.weights_format import read_variables

PACKED = {"kernel_ih", "kernel_hh", "bias"}
GATES = "ifgo"


def unpack_lstm_layers(tree: dict[str, Any]) -> dict[str, Any]:
    """``tree`` (nested dicts of arrays) with every packed LSTM layer ``lstm_<k>`` replaced by
    ``OptimizedLSTMCell_<k>``, the same numbers per gate; everything else as it was."""
    unpacked = {}
    for name, value in tree.items():
        if isinstance(value, dict) and set(value) == PACKED and name.startswith("lstm_"):
            unpacked[f"OptimizedLSTMCell_{name.removeprefix('lstm_')}"] = _per_gate(value)
        elif isinstance(value, dict):
            unpacked[name] = unpack_lstm_layers(value)
        else:
            unpacked[name] = value
    return unpacked


def _per_gate(packed: dict[str, Any]) -> dict[str, Any]:
    features = packed["kernel_hh"].shape[0]

    def gate(array, index):
        return array[..., index * features : (index + 1) * features]

    cell = {}
    for index, name in enumerate(GATES):
        cell[f"i{name}"] = {"kernel": gate(packed["kernel_ih"], index)}
        cell[f"h{name}"] = {"kernel": gate(packed["kernel_hh"], index), "bias": gate(packed["bias"], index)}
    return cell


def upgrade_shipped_weights(entry: str, directory: str | os.PathLike | None = None) -> bool:
    """Rewrites ``entry``'s shipped weights in ``directory`` (default: this checkout's) with its
    LSTM layers unpacked, as safetensors with their record (``export_weights.write_weights``);
    False when there was nothing to unpack."""
    directory = Path(directory or SOURCE_WEIGHTS_DIRECTORY)
    weights_path, record_path = weights_files(entry, directory)
    variables = read_variables(weights_path.name, weights_path.read_bytes())
    unpacked = unpack_lstm_layers(variables)
    if traverse_util.flatten_dict(unpacked).keys() == traverse_util.flatten_dict(variables).keys():
        return False
    write_weights(entry, unpacked, json.loads(record_path.read_text()), directory)
    return True


def main(argv: list[str] | None = None) -> int:
    entries = sys.argv[1:] if argv is None else argv
    for entry in entries:
        changed = upgrade_shipped_weights(entry)
        print(f"{entry}: {'rewritten' if changed else 'no packed LSTM layers'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
