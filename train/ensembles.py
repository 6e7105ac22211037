"""Losses and metrics of independently trained ensemble members (``jax_zoo.models.Ensemble(independent=True)``)."""

import functools
from collections.abc import Callable

import jax


def member_mean(fn: Callable[..., jax.Array]) -> Callable[..., jax.Array]:
    """``fn`` (a loss or a per-example metric) averaged over ensemble members.

    Outputs with a member axis, ``[batch, members, ...]`` (one more axis than ``fn`` expects:
    ``targets.ndim + 2`` for classification logits), are what an independent ensemble returns
    in training; each member's outputs go through ``fn`` alone and the results are averaged, so
    a loss's gradient reaches each member from its own loss only. Any other outputs (the
    ensemble's combined prediction, at evaluation) go to ``fn`` unchanged.
    """

    @functools.wraps(fn)
    def averaged(outputs: jax.Array, targets: jax.Array, **kwargs) -> jax.Array:
        if outputs.ndim != targets.ndim + 2:
            return fn(outputs, targets, **kwargs)
        per_member = jax.vmap(lambda member_outputs: fn(member_outputs, targets, **kwargs), in_axes=1)(outputs)
        return per_member.mean(axis=0)

    return averaged
