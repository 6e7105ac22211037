"""Packed LSTM weights rewritten per gate are nn.OptimizedLSTMCell's; the shipped ones already are."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.api.lstm_weights import unpack_lstm_layers, upgrade_shipped_weights
from jax_zoo.api.pretrained import shipped_entries, weights_files
from jax_zoo.models import CharLanguageModel
from jax_zoo.models.xla_cpu import pack_cell_parameters


def test_unpacking_gives_back_the_cells_of_the_model():
    model = CharLanguageModel(vocab_size=10, embed_dim=6, hidden_size=8, num_layers=2)
    variables = jax.tree.map(np.asarray, jax.jit(model.init)(jax.random.key(0), jnp.ones((1, 5), jnp.int32)))
    rnn = variables["params"]["rnn"]
    keys = iter(jax.random.split(jax.random.key(1), 8))
    for cell in rnn.values():  # non-zero biases, each gate's own
        for gate in "ifgo":
            cell[f"h{gate}"]["bias"] = np.asarray(jax.random.normal(next(keys), (8,)))
    packed = {
        "params": {
            **{name: value for name, value in variables["params"].items() if name != "rnn"},
            "rnn": {
                f"lstm_{layer}": dict(zip(("kernel_ih", "kernel_hh", "bias"), pack_cell_parameters(rnn[f"OptimizedLSTMCell_{layer}"])))
                for layer in range(2)
            },
        }
    }
    unpacked = unpack_lstm_layers(packed)
    assert jax.tree.structure(unpacked) == jax.tree.structure(variables)
    assert jax.tree.all(jax.tree.map(np.array_equal, unpacked, variables))


def test_anything_else_is_left_as_it_is():
    tree = {"params": {"lstm_0": {"kernel": np.ones(2)}, "conv1": {"kernel": np.ones(3), "bias": np.zeros(1)}}}
    unpacked = unpack_lstm_layers(tree)
    assert jax.tree.structure(unpacked) == jax.tree.structure(tree)
    assert all(a is b for a, b in zip(jax.tree.leaves(unpacked), jax.tree.leaves(tree)))


@pytest.mark.parametrize("entry", ["kjv_char_lstm", "numbers_en_fr"])
def test_the_shipped_lstm_weights_are_per_gate_already(entry, tmp_path):
    assert entry in shipped_entries()
    for path in weights_files(entry):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    assert upgrade_shipped_weights(entry, tmp_path) is False
