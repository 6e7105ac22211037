"""Non-finite losses and gradients: detected inside the jitted step, acted on by the fit loop.

``nan_policy``:
- ``"fail"`` (default): stop with ``NonFiniteError`` naming the step and what went non-finite;
  the update is not applied and no checkpoint is written from that point on;
- ``"skip"``: leave the state as it was (the step counter still advances, so the next batch and
  key are the ones an unaffected run would use), count and log the step, carry on;
- ``"off"``: no check (no cost), for benchmarks.
"""

import jax
import jax.numpy as jnp
import numpy as np

NAN_POLICIES = ("fail", "skip", "off")


class NonFiniteError(FloatingPointError):
    """A step produced a non-finite loss or gradient under ``nan_policy="fail"``."""

    def __init__(self, step: int, quantity: str):
        super().__init__(
            f"step {step}: {quantity} contains NaN or inf; the update was not applied. "
            f"The last good checkpoint is kept. Use nan_policy='skip' to skip such steps instead."
        )
        self.step = step
        self.quantity = quantity


def check_policy(nan_policy: str) -> None:
    if nan_policy not in NAN_POLICIES:
        raise ValueError(f"nan_policy must be one of {NAN_POLICIES}, got {nan_policy!r}")


def finiteness(inputs: jax.Array, loss: jax.Array, grads) -> tuple[jax.Array, jax.Array]:
    """``(all_finite, first_offender)``: the offender indexes ``[inputs, loss, *gradient leaves]``."""
    # x * 0 is 0 for finite x and NaN for inf or NaN: the sum is finite exactly when every input
    # is, as exact as jnp.all(jnp.isfinite(inputs)) and faster to compile on XLA:CPU.
    inputs_finite = jnp.isfinite(jnp.sum(inputs * 0)) if jnp.issubdtype(inputs.dtype, jnp.inexact) else jnp.array(True)
    leaves = jax.tree.leaves(grads)
    if leaves:
        # The gradient leaves are searched as one vector, the first non-finite element found by
        # one argmin into which XLA fuses the concatenation: a reduction per leaf gives the same
        # answer in more kernels, which compile slower (docs/performance.md).
        flat = jnp.concatenate([jnp.ravel(leaf) for leaf in leaves])
        first = jnp.argmin(jnp.isfinite(flat))
        grads_finite = jnp.isfinite(flat[first])
        starts = np.cumsum([0] + [leaf.size for leaf in leaves[:-1]])
        leaf_index = jnp.searchsorted(jnp.asarray(starts), first, side="right") - 1
    else:
        grads_finite, leaf_index = jnp.array(True), jnp.array(0)
    loss_finite = jnp.isfinite(loss)
    checks = jnp.stack([inputs_finite, loss_finite, grads_finite])
    offender = jnp.where(inputs_finite & loss_finite, 2 + leaf_index, jnp.argmin(checks))
    return jnp.all(checks), offender.astype(jnp.int32)


def describe_offender(index: int, params) -> str:
    """Names the quantity at ``index`` of ``[inputs, loss, *gradient leaves of params]``."""
    if index == 0:
        return "the batch's inputs"
    if index == 1:
        return "the loss"
    paths = [jax.tree_util.keystr(path) for path, _ in jax.tree_util.tree_flatten_with_path(params)[0]]
    return f"the gradient of params{paths[index - 2]}"
