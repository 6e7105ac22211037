"""Two rewrites of the XLA:CPU LSTM's backward pass, each timed against the shipped one on an entry's train step.

    PYTHONPATH=$PWD python -m benchmarks.lstm_backward_variants [kjv_char_lstm] [--steps 3] [--rounds 3]

- ``per_step`` (shipped, ``jax_zoo.models.xla_cpu.lstm_vjp``): the recurrent kernel's gradient
  accumulated in the backward loop, one ``[f, b] x [b, 4f]`` product a step; the first layer's
  input projection folded into a ``[vocab, 4f]`` table read a row per token inside the loop.
- ``after_loop``: the loop stacks each step's gate gradients and the kernel's gradient is one
  ``[f, T*b] x [T*b, 4f]`` product after it.
- ``gathered``: ``after_loop``, and the first layer's table rows gathered for every step before
  the forward loop, their gradient scattered back once after the backward loop.

The variants are swapped in by replacing the module's loop and token scan before each build
(the same parameters; the losses printed agree to the last digit), timed in interleaved rounds
after a warm-up step; medians per step.
"""

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.custom_derivatives import SymbolicZero

import jax_zoo as zoo
from jax_zoo.models.xla_cpu import lstm_vjp

SHIPPED_LOOP, SHIPPED_TOKEN_SCAN = lstm_vjp._backward_loop, lstm_vjp.lstm_scan_tokens


def after_loop(saved, hidden, kernel_hh, initial_h, initial_c, cotangents, step_inputs, accumulate, extra):
    """``lstm_vjp._backward_loop`` with the recurrent kernel's gradient taken after the loop."""
    hidden_grads, cell_grads = cotangents
    if isinstance(hidden_grads, SymbolicZero):
        hidden_grads = jnp.zeros(hidden.shape, hidden.dtype)
    has_cell_grads = not isinstance(cell_grads, SymbolicZero)
    kernel_hh_t = kernel_hh.T
    previous_c = jnp.concatenate([initial_c[None], saved[1][:-1]])
    previous_h = jnp.concatenate([initial_h[None], hidden[:-1]])

    def step(carry, xs):
        dh_next, dc_next, extra = carry
        dh_out, saved_t, c_prev, dc_out, inputs_t = xs
        if has_cell_grads:
            dc_next = dc_next + dc_out
        gate_grads, dc_prev = lstm_vjp._cell_grads(saved_t, c_prev, dh_out + dh_next, dc_next)
        extra, stacked = accumulate(extra, gate_grads, *inputs_t)
        return (gate_grads @ kernel_hh_t, dc_prev, extra), (gate_grads, stacked)

    xs = (hidden_grads, saved, previous_c, cell_grads if has_cell_grads else None, step_inputs)
    start = (jnp.zeros_like(initial_h), jnp.zeros_like(initial_c), extra)
    (initial_h_grad, initial_c_grad, extra), (gate_grads, stacked) = lax.scan(step, start, xs, reverse=True)
    kernel_hh_grad = previous_h.reshape(-1, previous_h.shape[-1]).T @ gate_grads.reshape(-1, gate_grads.shape[-1])
    return initial_h_grad, initial_c_grad, kernel_hh_grad, extra, stacked


def _forward_gathered(tokens, gate_table, kernel_hh, initial_h, initial_c):
    features = kernel_hh.shape[0]

    def step(carry, rows_t):
        h, c, saved = lstm_vjp._cell(rows_t + carry[0] @ kernel_hh, carry[1], features)
        return (h, c), saved

    _, saved = lax.scan(step, (initial_h, initial_c), jnp.take(gate_table, tokens, axis=0))
    hidden, cells = lstm_vjp._outputs(saved, features)
    return (hidden, cells), (tokens, gate_table, kernel_hh, initial_h, initial_c, hidden, saved)


@jax.custom_vjp
def gathered_token_scan(tokens, gate_table, kernel_hh, initial_h, initial_c):
    """``lstm_vjp.lstm_scan_tokens`` with the table rows gathered before the loop."""
    return _forward_gathered(tokens, gate_table, kernel_hh, initial_h, initial_c)[0]


def _gathered_backward(residuals, cotangents):
    tokens, gate_table, kernel_hh, initial_h, initial_c, hidden, saved = residuals
    initial_h_grad, initial_c_grad, kernel_hh_grad, _, gate_grads = after_loop(
        saved, hidden, kernel_hh, initial_h, initial_c, cotangents, (),
        accumulate=lambda extra, gate_grads: (extra, gate_grads), extra=(),
    )
    width = gate_grads.shape[-1]
    table_grad = jnp.zeros_like(gate_table).at[tokens.reshape(-1)].add(gate_grads.reshape(-1, width))
    return None, table_grad, kernel_hh_grad, initial_h_grad, initial_c_grad


gathered_token_scan.defvjp(
    lambda *primals: _forward_gathered(*(primal.value for primal in primals)), _gathered_backward,
    symbolic_zeros=True,
)

VARIANTS = {
    "per_step": (SHIPPED_LOOP, SHIPPED_TOKEN_SCAN),
    "after_loop": (after_loop, SHIPPED_TOKEN_SCAN),
    "gathered": (after_loop, gathered_token_scan),
}


def built_variant(entry: str, name: str):
    """The entry's XLA:CPU train step traced with variant ``name``, its state after one warm-up step, a batch."""
    lstm_vjp._backward_loop, lstm_vjp.lstm_scan_tokens = VARIANTS[name]
    built = zoo.build(entry, implementation="xla_cpu")
    train = zoo.load_dataset(built.experiment.dataset, "train")
    batch = {key: np.asarray(value[: built.experiment.batch_size]) for key, value in train.items()}
    start = time.perf_counter()
    state, metrics = built.train_step(built.state, batch)
    jax.block_until_ready(metrics)
    return built, state, batch, time.perf_counter() - start


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entry", nargs="?", default="kjv_char_lstm")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    from jax_zoo.cli.process import prepare_process

    prepare_process()
    prepared = {name: built_variant(args.entry, name) for name in VARIANTS}
    seconds = {name: [] for name in VARIANTS}
    for _ in range(args.rounds):
        for name, (built, state, batch, first) in prepared.items():
            start = time.perf_counter()
            for _ in range(args.steps):
                state, metrics = built.train_step(state, batch)
            jax.block_until_ready(metrics)
            seconds[name].append((time.perf_counter() - start) / args.steps)
            prepared[name] = (built, state, batch, first)
            print(f"{name}: {seconds[name][-1] * 1000:.1f} ms/step, loss {float(metrics['loss']):.5f}", flush=True)
    report = {name: {"median_ms": round(statistics.median(times) * 1000, 1),
                     "first_step_seconds": round(prepared[name][3], 2),
                     "speed_up": round(statistics.median(seconds["per_step"]) / statistics.median(times), 3)}
              for name, times in seconds.items()}
    for name, row in report.items():
        print(f"{name}: median {row['median_ms']} ms/step, {row['speed_up']}x the shipped one")
    return report


if __name__ == "__main__":
    main()
