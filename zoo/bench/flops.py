"""FLOPs of a compiled JAX function, and of a ``Seq2Seq``'s greedy decoding of a batch."""

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jax_zoo.bench.hlo_flops import matmul_flops
from jax_zoo.models import Seq2Seq


def compiled_flops(compiled) -> dict[str, Any]:
    """``flops`` of one call of ``compiled`` (``jax.jit(f).lower(...).compile()``) and how they were counted.

    XLA's cost analysis counts a loop body once: with products inside a loop (a scan over time),
    the products counted with their trip counts (``jax_zoo.bench.hlo_flops``) are the truer figure.
    """
    cost = compiled.cost_analysis()
    cost_flops = (cost[0] if isinstance(cost, list) else cost).get("flops", float("nan"))
    products = matmul_flops(compiled.as_text())
    return {
        "flops": products.total if products.in_loops else cost_flops,
        "flops_source": "products with loop trip counts" if products.in_loops else "XLA cost analysis",
        "xla_cost_analysis_flops": cost_flops,
        "matmul_flops": products.total,
        "matmul_flops_exact": products.exact,
    }


def steps_taken(tokens: np.ndarray, eos_id: int) -> int:
    """Decoder steps a greedy search ran for ``<int>[batch, max_length]`` outputs: until every row
    had emitted ``eos_id``, or all ``max_length``."""
    ended = tokens == eos_id
    per_row = np.where(ended.any(axis=1), ended.argmax(axis=1) + 1, tokens.shape[1])
    return int(per_row.max())


def greedy_decode_flops(model: Seq2Seq, variables, source: jax.Array) -> tuple[float, float]:
    """``(encoder FLOPs, FLOPs per decoder step)`` of greedy decoding ``<int32>[batch, source_length]``:
    a batch decoded in ``n`` steps costs ``encoder + n * step`` (the search's own bookkeeping aside)."""
    encode = jax.jit(functools.partial(model.apply, method=Seq2Seq.encode))
    step = jax.jit(functools.partial(model.apply, method=Seq2Seq.decode_step))
    encoded, carry = jax.eval_shape(encode, variables, source)
    tokens = jax.ShapeDtypeStruct((source.shape[0],), jnp.int32)
    encoder = compiled_flops(encode.lower(variables, source).compile())["flops"]
    per_step = compiled_flops(step.lower(variables, carry, tokens, encoded).compile())["flops"]
    return encoder, per_step
