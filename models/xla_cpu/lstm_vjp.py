"""An LSTM layer over a whole sequence with a backward pass written for XLA:CPU.

``lstm_layer`` computes what ``nn.RNN(nn.OptimizedLSTMCell(features))`` computes, from that cell's
own parameters, packed inside the step (``kernel_ih [in, 4f]``, ``kernel_hh [f, 4f]``,
``bias [4f]``, gates in flax's and PyTorch's order i, f, g, o). ``lstm_scan`` and
``lstm_scan_tokens`` have their own VJPs: the recurrent kernel is transposed once, outside the
loop, and its gradient accumulated as one ``[f, 4f]`` product a step, where autodiff of flax's
cell multiplies through Eigen's transposed-operand path and accumulates four ``[f, f]`` slices.
The forward loop stacks the gate activations and the cell states as two outputs rather than one
concatenated row: no concatenation a step, and XLA zero-fills the two stacks at once.

Given token ids and an embedding table, the layer folds its input projection into the table:
``embedding @ kernel_ih + bias`` is ``[vocab, 4f]``, and each step reads its tokens' rows inside
the loop and adds its gradient back into them, where the unfolded layer would write and read a
``[time, batch, 4f]`` projection and multiply by ``kernel_ih`` three times over the sequence.
"""

from typing import Any

import jax
import jax.numpy as jnp
from jax import lax
from jax.custom_derivatives import SymbolicZero

GATES = "ifgo"  # the packed gate order: input, forget, cell candidate, output (flax's per-gate names)


def _gate_activations(z: jax.Array, features: int) -> jax.Array:
    """``[..., 4 * features]`` pre-activations -> sigmoid for i, f, o and tanh for g, in one pass."""
    column = lax.broadcasted_iota(jnp.int32, z.shape, z.ndim - 1)
    is_candidate = (column >= 2 * features) & (column < 3 * features)
    return jnp.where(is_candidate, jnp.tanh(z), jax.nn.sigmoid(z))


def _cell(pre_activations, c, features):
    """One step from its gate pre-activations: ``(h, c, saved)``, saved = ``(gates, c)``."""
    gates = _gate_activations(pre_activations, features)
    i, f, g, o = jnp.split(gates, 4, axis=-1)
    c = f * c + i * g
    return o * jnp.tanh(c), c, (gates, c)


def _cell_grads(saved_t, c_prev, dh, dc_next):
    """The gradient of a step's gate pre-activations, ``[batch, 4f]``, and of its incoming cell state."""
    gates, c = saved_t
    i, f, g, o = jnp.split(gates, 4, axis=-1)
    tanh_c = jnp.tanh(c)
    dc = dh * o * (1 - tanh_c * tanh_c) + dc_next
    gate_grads = jnp.concatenate(
        [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g), dh * tanh_c * o * (1 - o)], axis=-1
    )
    return gate_grads, dc * f


def _outputs(saved, features):
    """Every step's ``(h, c)``, ``[time, batch, features]`` each, from the saved gates and cells."""
    gates, cells = saved
    return gates[..., 3 * features :] * jnp.tanh(cells), cells


def _backward_loop(saved, hidden, kernel_hh, initial_h, initial_c, cotangents, step_inputs, accumulate, extra):
    """Runs the cells' gradients from the last step to the first.

    ``step_inputs`` are extra per-step operands for ``accumulate(extra, gate_grads, *inputs_t)``,
    which folds each step's gate gradients into ``extra`` (a carried gradient) and returns it
    with what the step stacks (or None). Returns ``(h0 grad, c0 grad, kernel_hh grad, extra, stacked)``.
    """
    hidden_grads, cell_grads = cotangents
    if isinstance(hidden_grads, SymbolicZero):
        hidden_grads = jnp.zeros(hidden.shape, hidden.dtype)
    has_cell_grads = not isinstance(cell_grads, SymbolicZero)
    kernel_hh_t = kernel_hh.T  # once, so the loop's product reads an untransposed operand
    previous_c = jnp.concatenate([initial_c[None], saved[1][:-1]])
    previous_h = jnp.concatenate([initial_h[None], hidden[:-1]])

    def step(carry, xs):
        dh_next, dc_next, kernel_hh_grad, extra = carry
        dh_out, saved_t, c_prev, h_prev, dc_out, inputs_t = xs
        if has_cell_grads:
            dc_next = dc_next + dc_out
        gate_grads, dc_prev = _cell_grads(saved_t, c_prev, dh_out + dh_next, dc_next)
        extra, stacked = accumulate(extra, gate_grads, *inputs_t)
        return (gate_grads @ kernel_hh_t, dc_prev, kernel_hh_grad + h_prev.T @ gate_grads, extra), stacked

    xs = (hidden_grads, saved, previous_c, previous_h, cell_grads if has_cell_grads else None, step_inputs)
    start = (jnp.zeros_like(initial_h), jnp.zeros_like(initial_c), jnp.zeros_like(kernel_hh), extra)
    (initial_h_grad, initial_c_grad, kernel_hh_grad, extra), stacked = lax.scan(step, start, xs, reverse=True)
    return initial_h_grad, initial_c_grad, kernel_hh_grad, extra, stacked


def _forward(inputs, kernel_ih, kernel_hh, bias, initial_h, initial_c):
    time, batch, _ = inputs.shape
    features = kernel_hh.shape[0]
    projected = (inputs.reshape(time * batch, -1) @ kernel_ih).reshape(time, batch, 4 * features)

    def step(carry, projected_t):
        h, c, saved = _cell(projected_t + carry[0] @ kernel_hh + bias, carry[1], features)
        return (h, c), saved

    _, saved = lax.scan(step, (initial_h, initial_c), projected)
    hidden, cells = _outputs(saved, features)
    return (hidden, cells), (inputs, kernel_ih, kernel_hh, initial_h, initial_c, hidden, saved)


@jax.custom_vjp
def lstm_scan(inputs, kernel_ih, kernel_hh, bias, initial_h, initial_c):
    """An LSTM over time-major ``[time, batch, in_features]`` inputs.

    ``kernel_ih: [in_features, 4 * features]``, ``kernel_hh: [features, 4 * features]`` and
    ``bias: [4 * features]`` hold the gates in the order i, f, g, o; ``initial_h`` and
    ``initial_c`` are ``[batch, features]``. Returns every step's hidden state and cell state,
    ``([time, batch, features], [time, batch, features])``.
    """
    return _forward(inputs, kernel_ih, kernel_hh, bias, initial_h, initial_c)[0]


def _forward_rule(*primals):
    return _forward(*(primal.value for primal in primals))


def _backward_rule(residuals, cotangents):
    inputs, kernel_ih, kernel_hh, initial_h, initial_c, hidden, saved = residuals
    initial_h_grad, initial_c_grad, kernel_hh_grad, _, gate_grads = _backward_loop(
        saved, hidden, kernel_hh, initial_h, initial_c, cotangents, (),
        accumulate=lambda extra, gate_grads: (extra, gate_grads), extra=(),
    )
    flat_gate_grads = gate_grads.reshape(-1, gate_grads.shape[-1])
    inputs_grad = (flat_gate_grads @ kernel_ih.T).reshape(inputs.shape)
    kernel_ih_grad = inputs.reshape(-1, inputs.shape[-1]).T @ flat_gate_grads
    bias_grad = flat_gate_grads.sum(axis=0)
    return inputs_grad, kernel_ih_grad, kernel_hh_grad, bias_grad, initial_h_grad, initial_c_grad


lstm_scan.defvjp(_forward_rule, _backward_rule, symbolic_zeros=True)


def _forward_tokens(tokens, gate_table, kernel_hh, initial_h, initial_c):
    features = kernel_hh.shape[0]

    def step(carry, tokens_t):
        # jnp.take as nn.Embed reads its table: negative ids wrap, ids >= vocab give NaN.
        pre_activations = jnp.take(gate_table, tokens_t, axis=0) + carry[0] @ kernel_hh
        h, c, saved = _cell(pre_activations, carry[1], features)
        return (h, c), saved

    _, saved = lax.scan(step, (initial_h, initial_c), tokens)
    hidden, cells = _outputs(saved, features)
    return (hidden, cells), (tokens, gate_table, kernel_hh, initial_h, initial_c, hidden, saved)


@jax.custom_vjp
def lstm_scan_tokens(tokens, gate_table, kernel_hh, initial_h, initial_c):
    """An LSTM over time-major ``<int>[time, batch]`` token ids whose input is a table row per token.

    ``gate_table: [vocab, 4 * features]`` holds each token's contribution to the gate
    pre-activations (for an embedding followed by the layer, ``embedding @ kernel_ih + bias``):
    step ``t`` computes ``gate_table[tokens[t]] + h @ kernel_hh``. Otherwise as ``lstm_scan``.
    """
    return _forward_tokens(tokens, gate_table, kernel_hh, initial_h, initial_c)[0]


def _forward_tokens_rule(*primals):
    return _forward_tokens(*(primal.value for primal in primals))


def _backward_tokens_rule(residuals, cotangents):
    tokens, gate_table, kernel_hh, initial_h, initial_c, hidden, saved = residuals

    def accumulate(table_grad, gate_grads, tokens_t):
        # Row by row, as jnp.take's own gradient: negative ids wrap, ids past the table are dropped.
        return table_grad.at[tokens_t].add(gate_grads), None

    initial_h_grad, initial_c_grad, kernel_hh_grad, table_grad, _ = _backward_loop(
        saved, hidden, kernel_hh, initial_h, initial_c, cotangents, (tokens,),
        accumulate=accumulate, extra=jnp.zeros_like(gate_table),
    )
    return None, table_grad, kernel_hh_grad, initial_h_grad, initial_c_grad


lstm_scan_tokens.defvjp(_forward_tokens_rule, _backward_tokens_rule, symbolic_zeros=True)


def pack_cell_parameters(cell_params: dict[str, Any]) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``nn.OptimizedLSTMCell``'s parameters (``ii``..``io`` kernels, ``hi``..``ho`` kernels and
    biases) as ``(kernel_ih [in, 4f], kernel_hh [f, 4f], bias [4f])``, gates in the order i, f, g, o."""

    def side_by_side(side, leaf):
        return jnp.concatenate([cell_params[f"{side}{gate}"][leaf] for gate in GATES], axis=-1)

    return side_by_side("i", "kernel"), side_by_side("h", "kernel"), side_by_side("h", "bias")


def lstm_layer(cell_params, inputs, *, embedding=None, initial_carry=None, seq_lengths=None):
    """``nn.RNN(nn.OptimizedLSTMCell(features))(inputs, ..., return_carry=True)`` with the cell's
    parameters ``cell_params``, over ``lstm_scan``: ``(carry, outputs)``.

    ``inputs <float>[batch, time, in_features]`` -> ``outputs <float>[batch, time, features]``.
    With ``embedding`` (``[vocab, in_features]``), ``inputs`` are ``<int>[batch, time]`` token ids
    read as ``jnp.take(embedding, inputs, axis=0)`` (``nn.Embed``'s lookup), folded into the
    input projection (``lstm_scan_tokens``). As in flax, a carry is ``(c, h)``, each
    ``[batch, features]``; ``seq_lengths`` (``<int>[batch]``) only picks where the returned carry
    is read (each row's last real step): padding after a sequence never changes its real outputs.
    """
    kernel_ih, kernel_hh, bias = pack_cell_parameters(cell_params)
    features = kernel_hh.shape[0]
    if embedding is None:
        if inputs.ndim != 3:
            raise ValueError(f"lstm_layer: expected inputs [batch, time, in_features], got shape {inputs.shape}")
    elif inputs.ndim != 2 or not jnp.issubdtype(inputs.dtype, jnp.integer):
        raise ValueError(
            f"lstm_layer: with an embedding, expected <int>[batch, time] token ids, got {inputs.dtype}{list(inputs.shape)}"
        )
    batch, time = inputs.shape[:2]
    dtype = jnp.result_type(inputs if embedding is None else embedding, kernel_ih)
    if initial_carry is None:
        initial_c = initial_h = jnp.zeros((batch, features), dtype)
    else:
        initial_c, initial_h = initial_carry
        if initial_c.shape != (batch, features) or initial_h.shape != (batch, features):
            raise ValueError(
                f"lstm_layer: expected an initial carry (c, h) of shape {(batch, features)} each, got "
                f"{initial_c.shape} and {initial_h.shape}"
            )
    kernel_ih, kernel_hh, bias, initial_h, initial_c = (
        x.astype(dtype) for x in (kernel_ih, kernel_hh, bias, initial_h, initial_c)
    )
    if embedding is None:
        hidden, cells = lstm_scan(jnp.swapaxes(inputs, 0, 1).astype(dtype), kernel_ih, kernel_hh, bias, initial_h, initial_c)
    else:
        gate_table = embedding.astype(dtype) @ kernel_ih + bias
        hidden, cells = lstm_scan_tokens(jnp.swapaxes(inputs, 0, 1), gate_table, kernel_hh, initial_h, initial_c)
    last = jnp.full((batch,), time - 1) if seq_lengths is None else seq_lengths - 1  # nn.RNN's choice, -1 included
    rows = jnp.arange(batch)
    return (cells[last, rows], hidden[last, rows]), jnp.swapaxes(hidden, 0, 1)
