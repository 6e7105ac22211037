"""Variants of the reference models arranged for XLA:CPU, each with its reference's parameters.

A variant computes its reference model's function (up to rounding; dropout draws other masks)
from the same variables, so weights move between the two untouched; only how the train step is
computed changes, to suit XLA's CPU backend: custom VJPs, a channels-major copy, 16-bit dropout
masks, a reshape for pooling, an embedding lookup folded into an LSTM's input projection. Each
module is named for its trick; ``variant_of`` maps a reference model to its variant. Which
entries run faster with one is measured in docs/performance.md.
"""

import dataclasses

import flax.linen as nn

from jax_zoo.models.rnn import CharLanguageModel, RecurrentStack, SequenceClassifier
from jax_zoo.models.seq2seq import Seq2Seq
from jax_zoo.models.simple_cnn import SimpleCNN as ReferenceSimpleCNN
from jax_zoo.models.xla_cpu.conv_gradients import Conv, add_channel_bias, convolve_with_chwn_input
from jax_zoo.models.xla_cpu.dropout16 import Dropout16
from jax_zoo.models.xla_cpu.lstm_stack import LSTMStack
from jax_zoo.models.xla_cpu.lstm_vjp import lstm_layer, lstm_scan, lstm_scan_tokens, pack_cell_parameters
from jax_zoo.models.xla_cpu.reshape_pooling import max_pool_2x2
from jax_zoo.models.xla_cpu.simple_cnn import SimpleCNN

__all__ = [
    "Conv", "Dropout16", "LSTMStack", "SimpleCNN", "add_channel_bias", "convolve_with_chwn_input", "lstm_layer",
    "lstm_scan", "lstm_scan_tokens", "max_pool_2x2", "pack_cell_parameters", "variant_of",
]


def _fields(model: nn.Module) -> dict:
    return {
        field.name: getattr(model, field.name)
        for field in dataclasses.fields(model)
        if field.init and field.name not in ("parent", "name")
    }


def variant_of(model: nn.Module) -> nn.Module | None:
    """``model`` with its XLA:CPU variant in place of each part that has one (inside ``member``
    of a wrapper too), or None when no part has one."""
    if type(model) is ReferenceSimpleCNN:
        return SimpleCNN(**_fields(model))
    if isinstance(model, (SequenceClassifier, CharLanguageModel, Seq2Seq)):
        unidirectional_lstm = getattr(model, "cell_type", "lstm") == "lstm" and not getattr(model, "bidirectional", False)
        return model.clone(stack=LSTMStack) if unidirectional_lstm and model.stack is RecurrentStack else None
    member = getattr(model, "member", None)
    if isinstance(member, nn.Module) and (variant := variant_of(member)) is not None:
        return model.clone(member=variant)
    return None
