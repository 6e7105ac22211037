"""The train state: flax's TrainState plus BatchNorm statistics and the base dropout key."""

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax.training import train_state


class TrainState(train_state.TrainState):
    """Parameters, optimizer state and step (from flax), plus:

    - ``batch_stats``: the ``batch_stats`` collection (BatchNorm running statistics), an empty
      dict for models without BatchNorm;
    - ``key``: the base random key. Step ``n`` draws its randomness from
      ``jax.random.fold_in(key, n)``, so there is no key chain to carry or save.
    """

    batch_stats: Any
    key: jax.Array


def create_train_state(
    apply_fn: Callable[..., Any],
    variables: dict[str, Any],
    tx: optax.GradientTransformation,
    key: jax.Array,
) -> TrainState:
    """Builds the state from ``model.init``'s variables (``params`` and optional ``batch_stats``)."""
    unknown = sorted(set(variables) - {"params", "batch_stats"})
    if unknown:
        raise ValueError(
            f"expected model variables with collections 'params' and optionally 'batch_stats', "
            f"got extra collections {unknown}"
        )
    state = TrainState.create(
        apply_fn=apply_fn,
        params=variables["params"],
        tx=tx,
        batch_stats=variables.get("batch_stats", {}),
        key=key,
    )
    # An array step keeps one dtype through jit, checkpoints and restores.
    return state.replace(step=jnp.zeros((), jnp.int32))
