"""A frozen body: an optimizer that updates only some variables (``optax.multi_transform``).

``zoo train ... --init-from pretrained --freeze body`` trains only the classifier head and the
variables that were not loaded; ``--freeze-epochs N`` frees the whole network after N epochs.
The run's ``init_from`` record keeps what was frozen, so a resumed or restored run builds the
same optimizer (its checkpointed state has that optimizer's structure).
"""

import dataclasses
from typing import Any

import jax.numpy as jnp
import optax
from flax import traverse_util

from jax_zoo.core.experiment import Experiment
from jax_zoo.datasets import split_size
from jax_zoo.api.build import Built, initial_state

FREEZE_CHOICES = ("body",)
"""``body``: every loaded variable outside the classifier head."""


def frozen_body(experiment: Experiment, trainable: set[str], epochs: int | None) -> Experiment:
    """``experiment`` whose optimizer updates only the ``trainable`` variables' parameters
    (``"params/fc2/kernel"``; for the first ``epochs`` epochs, then all, when ``epochs`` is given)."""

    def labels(params):
        return traverse_util.path_aware_map(
            lambda path, _: "trained" if "/".join(("params", *path)) in trainable else "frozen", params
        )

    def optimizer(steps_per_epoch: int) -> optax.GradientTransformation:
        inner = experiment.make_optimizer(steps_per_epoch)
        if epochs is None:
            frozen = optax.set_to_zero()
        else:
            start = epochs * steps_per_epoch
            # The body's optimizer runs from the start (its moments see every gradient); its updates count from `start`.
            frozen = optax.chain(inner, optax.scale_by_schedule(lambda step: (step >= start).astype(jnp.float32)))
        return optax.multi_transform({"trained": inner, "frozen": frozen}, labels)

    return dataclasses.replace(experiment, optimizer=optimizer)


def resumed_freeze(saved: dict[str, Any] | None, freeze: str | None, freeze_epochs: int | None) -> tuple[str | None, int | None]:
    """``(freeze, freeze_epochs)`` for a run: as asked, or when resuming without them, as the
    run started (its ``init_from`` record ``saved``)."""
    if freeze is None and freeze_epochs is None and saved and saved.get("freeze"):
        return saved["freeze"]["variables"], saved["freeze"]["epochs"]
    return freeze, freeze_epochs


def as_trained(built: Built, init_record: dict[str, Any] | None) -> Built:
    """``built`` with the optimizer its run trained with: frozen as ``init_record`` says."""
    freeze = (init_record or {}).get("freeze")
    if not freeze:
        return built
    experiment = frozen_body(built.experiment, set(freeze["trained"]), freeze["epochs"])
    variables = {"params": built.state.params} | ({"batch_stats": built.state.batch_stats} if built.state.batch_stats else {})
    state = initial_state(experiment, split_size(experiment.dataset, experiment.train_split), variables)
    return dataclasses.replace(built, experiment=experiment, state=state)
