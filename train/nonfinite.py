"""Non-finite losses and gradients: detected inside the jitted step, acted on by the fit loop.

``nan_policy``:
- ``"fail"`` (default): stop with ``NonFiniteError`` naming the step and what went non-finite;
  the update is not applied and no checkpoint is written from that point on;
- ``"skip"``: leave the state as it was (the step counter still advances, so the next batch and
  key are the ones an unaffected run would use), count and log the step, carry on;
- ``"off"``: no check (no cost), for benchmarks.
"""

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

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


def inputs_are_finite(inputs: jax.Array) -> jax.Array:
    """Whether every element of ``inputs`` is finite (always true for integer inputs)."""
    # x * 0 is 0 for finite x and NaN for inf or NaN: the sum is finite exactly when every input
    # is, as exact as jnp.all(jnp.isfinite(inputs)) and faster to compile on XLA:CPU.
    if not jnp.issubdtype(inputs.dtype, jnp.inexact):
        return jnp.array(True)
    return jnp.isfinite(jnp.sum(inputs * 0))


def finiteness(inputs_finite: jax.Array, loss: jax.Array, grads) -> tuple[jax.Array, jax.Array]:
    """``(all_finite, first_offender)``: the offender indexes ``[inputs, loss, *gradient leaves]``;
    ``inputs_finite`` is ``inputs_are_finite`` of the step's inputs."""
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


class NonFiniteLog:
    """Per-step finiteness flags of every run, kept on the device and read with a lag, so that
    checking them never makes the host wait for the step it just dispatched.

    A step's ``nonfinite`` and ``nonfinite_source`` metrics are scalars for one run and carry a
    ``[runs]`` axis for stacked runs. Under ``"fail"`` each flag is read once the next step is
    dispatched, and a non-finite step is handed to ``on_fail(run, step, quantity)``; under
    ``"skip"`` flags are read when ``resolve`` is called (at epoch ends and saves), and each
    skipped step is printed and listed in ``steps[run]``.
    """

    def __init__(
        self, policy: str, params, steps: list[list[int]], on_fail: Callable[[int, int, str], None],
        label: Callable[[int], str],
    ):
        self.policy, self.params, self.on_fail, self.label = policy, params, on_fail, label
        self.steps = [list(seen) for seen in steps]
        self._pending: list[tuple[int, jax.Array, jax.Array]] = []

    def add(self, step: int, metrics: dict) -> None:
        """Takes the flags out of a step's ``metrics``."""
        if "nonfinite" in metrics:
            self._pending.append((step, metrics.pop("nonfinite"), metrics.pop("nonfinite_source")))
        if self.policy == "fail" and len(self._pending) > 1:
            self.resolve(keep_last=True)

    def resolve(self, keep_last: bool = False) -> None:
        """Reads the pending flags (all but the latest with ``keep_last``)."""
        ready = self._pending[:-1] if keep_last else self._pending
        self._pending = self._pending[-1:] if keep_last else []
        for step, flags, sources in ready:
            flags = np.atleast_1d(jax.device_get(flags))
            if not flags.any():
                continue
            sources = np.atleast_1d(jax.device_get(sources))
            for run in np.flatnonzero(flags):
                quantity = describe_offender(int(sources[run]), self.params)
                if self.policy == "fail":
                    self.on_fail(int(run), step, quantity)
                else:
                    tqdm.write(f"{self.label(int(run))}skipped step {step}: {quantity} contains NaN or inf "
                               f"(nan_policy='skip')")
                    self.steps[run].append(step)
