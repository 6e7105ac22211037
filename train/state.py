"""The train state: flax's TrainState plus BatchNorm statistics, the base dropout key and an
optional exponential moving average (EMA) of the weights."""

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax import struct
from flax.training import train_state


class TrainState(train_state.TrainState):
    """Parameters, optimizer state and step (from flax), plus:

    - ``batch_stats``: the ``batch_stats`` collection (BatchNorm running statistics), an empty
      dict for models without BatchNorm;
    - ``key``: the base random key. Step ``n`` draws its randomness from
      ``jax.random.fold_in(key, n)``, so there is no key chain to carry or save;
    - ``ema``: with ``ema_decay`` set, a moving average of ``{"params", "batch_stats"}``
      (Polyak averaging), updated after every train step (``update_ema``) and evaluated instead
      of the latest weights (``for_evaluation``); None otherwise. It follows the present
      variables until step ``ema_start``, then averages from there (tail averaging). ``ema_decay``
      and ``ema_start`` are static: part of the compiled step, not of the checkpoint.
    """

    batch_stats: Any
    key: jax.Array
    ema: Any = None
    ema_decay: float | None = struct.field(pytree_node=False, default=None)
    ema_start: int = struct.field(pytree_node=False, default=0)

    def update_ema(self) -> "TrainState":
        """Moves the average towards the present variables; call once per step, after the update.

        The weight of the present variables is ``max(1 - ema_decay, 1 / n)`` at the ``n``-th
        step after ``ema_start`` (1 until then): the plain mean of the variables after each of
        those steps until ``1 / (1 - ema_decay)`` of them have passed, exponential forgetting
        after. So the average never leans on the initial weights, or on those before
        ``ema_start``, and needs no bias correction when it is read.
        """
        if self.ema_decay is None:
            return self
        since = jnp.maximum(self.step - self.ema_start, 1).astype(jnp.float32)
        weight = jnp.maximum(1.0 - self.ema_decay, 1.0 / since)
        present = {"params": self.params, "batch_stats": self.batch_stats}
        return self.replace(ema=optax.incremental_update(present, self.ema, weight))

    def for_evaluation(self) -> "TrainState":
        """The state whose variables evaluation reads: the moving average when there is one."""
        if self.ema is None:
            return self
        return self.replace(params=self.ema["params"], batch_stats=self.ema["batch_stats"])


def create_train_state(
    apply_fn: Callable[..., Any],
    variables: dict[str, Any],
    tx: optax.GradientTransformation,
    key: jax.Array,
    *,
    ema_decay: float | None = None,
    ema_start: int = 0,
) -> TrainState:
    """Builds the state from ``model.init``'s variables (``params`` and optional ``batch_stats``).

    The state holds copies of ``variables``: the train step donates (frees) the state it is
    given, and the caller's arrays must survive that, e.g. to build a second state from them.

    ``ema_decay`` in (0, 1), e.g. 0.999, keeps a moving average of the variables over about
    ``1 / (1 - ema_decay)`` steps, starting after ``ema_start`` steps (see ``TrainState.update_ema``).
    """
    unknown = sorted(set(variables) - {"params", "batch_stats"})
    if unknown:
        raise ValueError(
            f"expected model variables with collections 'params' and optionally 'batch_stats', "
            f"got extra collections {unknown}"
        )
    if ema_decay is not None and not 0 < ema_decay < 1:
        raise ValueError(f"ema_decay: expected None or a value in (0, 1), got {ema_decay!r}")
    if not isinstance(ema_start, int) or ema_start < 0:
        raise ValueError(f"ema_start: expected a step count >= 0, got {ema_start!r}")
    variables = jax.tree.map(lambda leaf: jnp.array(leaf, copy=True), variables)
    batch_stats = variables.get("batch_stats", {})
    ema = {"params": variables["params"], "batch_stats": batch_stats}
    state = TrainState.create(
        apply_fn=apply_fn,
        params=variables["params"],
        tx=tx,
        batch_stats=batch_stats,
        key=key,
        ema=None if ema_decay is None else jax.tree.map(lambda leaf: jnp.array(leaf, copy=True), ema),
        ema_decay=ema_decay,
        ema_start=ema_start,
    )
    # An array step keeps one dtype through jit, checkpoints and restores.
    return state.replace(step=jnp.zeros((), jnp.int32))
