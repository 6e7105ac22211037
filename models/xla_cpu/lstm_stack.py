"""``RecurrentStack``'s unidirectional LSTM with each layer run by ``lstm_layer``: same parameters, same function."""

import flax.linen as nn
import jax
import jax.numpy as jnp

from jax_zoo.models import rnn
from jax_zoo.models.xla_cpu.lstm_vjp import lstm_layer


class LSTMStack(rnn.RecurrentStack):
    """``RecurrentStack`` with ``cell_type="lstm"``, unidirectional: its fields, call and
    parameters (an ``nn.OptimizedLSTMCell``'s per layer); outputs and gradients up to rounding.

    Each layer runs ``lstm_layer`` (a backward pass written for XLA:CPU) on its cell's
    parameters. Given ``embed``, the first layer reads ``embed.embedding`` (``nn.Embed``'s table)
    and folds the lookup into its input projection instead of embedding the tokens first.
    """

    @nn.compact
    def __call__(
        self, inputs, seq_lengths, *, embed: nn.Module | None = None, train: bool = False, initial_carries=None,
        return_carries: bool = False,
    ):
        self.check_options(return_carries)
        if self.cell_type != "lstm" or self.bidirectional:
            raise ValueError(
                f"LSTMStack: expected a unidirectional LSTM stack, got cell_type={self.cell_type!r}, "
                f"bidirectional={self.bidirectional}"
            )
        outputs, carries = inputs, []
        for layer in range(self.num_layers):
            if layer:
                outputs = nn.Dropout(self.dropout_rate, deterministic=not train)(outputs)
            table = embed.embedding if layer == 0 and embed is not None else None
            # Created as RecurrentStack creates it, so its parameters get the same names and initial values.
            cell = nn.OptimizedLSTMCell(self.hidden_size)
            if self.is_initializing():
                step = outputs[:, 0] if table is None else jnp.take(table, outputs[:, 0], axis=0)
                cell(cell.initialize_carry(jax.random.key(0), step.shape), step)
            initial = None if initial_carries is None else initial_carries[layer]
            carry, outputs = lstm_layer(
                cell.variables["params"], outputs, embedding=table, initial_carry=initial, seq_lengths=seq_lengths
            )
            carries.append(carry)
        return (outputs, tuple(carries)) if return_carries else outputs
