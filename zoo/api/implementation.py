"""Which implementation of an entry's model runs: the reference model, or its XLA:CPU variant
(``jax_zoo.models.xla_cpu``: the same parameters, a train step arranged for XLA's CPU backend).

``build``'s ``implementation``, else the ``ZOO_IMPLEMENTATION`` environment variable, else
``"auto"``: the variant on XLA:CPU for the models whose variant measured faster there
(``FASTER_ON_XLA_CPU``), the reference everywhere else. ``"reference"`` and ``"xla_cpu"`` force
one. Both start from the same variables, the reference model's initialisation.

On one XLA:CPU device, an entry of ``PARTED_ON_XLA_CPU`` also trains on its batch in parts,
each part's gradient computed on a core of its own (``jax_zoo.train.make_train_step``'s
``batch_parts``); asking for ``"reference"`` gives the reference model on whole batches. The
results record both choices (``implementation``, ``batch_parts``).
"""

import dataclasses
import os

import jax

from jax_zoo.core.errors import ConfigError
from jax_zoo.core.experiment import Experiment
from jax_zoo.models import xla_cpu

IMPLEMENTATIONS = ("reference", "xla_cpu")
CHOICES = ("auto", *IMPLEMENTATIONS)
ENVIRONMENT_VARIABLE = "ZOO_IMPLEMENTATION"
FASTER_ON_XLA_CPU = frozenset({"SimpleCNN", "CharLanguageModel", "Seq2Seq"})
"""Models whose XLA:CPU variant trains faster than the reference on XLA:CPU (docs/performance.md)."""
PARTED_ON_XLA_CPU = {"names_tutorial_rnn": 2, "numbers_en_fr": 2}
"""Entries whose train step runs faster on XLA:CPU in that many batch parts (docs/performance.md)."""


def requested_implementation(requested: str | None = None) -> str:
    """``requested``, else ``$ZOO_IMPLEMENTATION``, else ``"auto"``; ``ConfigError`` for anything else."""
    source = "implementation"
    if requested is None:
        requested, source = os.environ.get(ENVIRONMENT_VARIABLE) or "auto", ENVIRONMENT_VARIABLE
    if requested not in CHOICES:
        raise ConfigError(f"{source}: expected one of {', '.join(CHOICES)}, got {requested!r}")
    return requested


def choose_implementation(experiment: Experiment, requested: str | None = None) -> str:
    """``"reference"`` or ``"xla_cpu"``: what runs ``experiment.model`` (see the module's docstring)."""
    requested = requested_implementation(requested)
    model_name = type(experiment.model).__name__
    if requested == "auto":
        faster = jax.default_backend() == "cpu" and model_name in FASTER_ON_XLA_CPU
        return "xla_cpu" if faster and xla_cpu.variant_of(experiment.model) is not None else "reference"
    if requested == "xla_cpu" and xla_cpu.variant_of(experiment.model) is None:
        raise ConfigError(
            f"implementation: {model_name} (as this entry configures it) has no XLA:CPU variant; "
            f"run it with implementation 'reference' or 'auto'"
        )
    return requested


def choose_batch_parts(entry: str, batch_size: int, requested: str | None = None) -> int:
    """How many parts ``entry``'s train step splits each batch into (see the module's docstring):
    ``PARTED_ON_XLA_CPU``'s count on one CPU device whatever its cores (so a run's numbers do
    not depend on them), 1 for the reference, elsewhere, or a batch that does not split evenly."""
    parts = PARTED_ON_XLA_CPU.get(entry, 1)
    one_cpu = jax.default_backend() == "cpu" and jax.device_count() == 1
    if requested_implementation(requested) == "reference" or not one_cpu or batch_size % parts:
        return 1
    return parts


def with_implementation(experiment: Experiment, implementation: str) -> Experiment:
    """``experiment`` whose model (and final evaluation model) are ``implementation``'s."""
    if implementation == "reference":
        return experiment
    final_eval_model = experiment.final_eval_model
    if final_eval_model is not None:
        final_eval_model = xla_cpu.variant_of(final_eval_model) or final_eval_model
    return dataclasses.replace(
        experiment, model=xla_cpu.variant_of(experiment.model), final_eval_model=final_eval_model,
    )
