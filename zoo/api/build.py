"""An entry made concrete: its experiment, a fresh train state and the jitted steps."""

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp

from jax_zoo.train import (
    Step, TrainState, create_train_state, make_eval_step, make_predict_step, make_train_step, xla_flags,
)
from jax_zoo.core import registry
from jax_zoo.core.config import resolve_config
from jax_zoo.core.errors import ConfigError
from jax_zoo.core.experiment import Experiment
from jax_zoo.datasets import dataset_info, split_size
from jax_zoo.datasets.registry import require_eval_split
from jax_zoo.api.implementation import choose_batch_parts, choose_implementation, with_implementation
from jax_zoo.api.run_data import on_dataset


@dataclasses.dataclass
class Built:
    """An entry made concrete: its experiment, a fresh train state and the jitted steps (compiled
    with ``xla_options``, those of the entry's ``xla_flags`` this jaxlib takes). ``implementation``
    says which of the model's implementations the experiment holds: ``"reference"`` or
    ``"xla_cpu"`` (``jax_zoo.api.implementation``); ``batch_parts``, into how many parts the train
    step splits each batch."""

    name: str
    config: dict[str, Any]
    experiment: Experiment
    state: TrainState
    train_step: Step
    eval_step: Step
    predict_step: Step
    xla_options: dict[str, Any] = dataclasses.field(default_factory=dict)
    implementation: str = "reference"
    batch_parts: int = 1


def build(
    entry: str, overrides: Mapping[str, Any] | None = None, *, implementation: str | None = None,
    batch_parts: int | None = None,
) -> Built:
    """Resolves the config, calls the entry function and initialises the model from its seed.

    ``implementation`` is ``"auto"`` (the default, unless ``$ZOO_IMPLEMENTATION`` says otherwise:
    the model's XLA:CPU variant where it trains faster, the reference elsewhere), ``"reference"``
    or ``"xla_cpu"``; both start from the reference model's initialisation. ``batch_parts``: into
    how many parts the train step splits each batch (``make_train_step``); None: as
    ``jax_zoo.api.implementation.choose_batch_parts`` decides for the entry.
    """
    return build_from_config(
        entry, resolve_config(entry, overrides), implementation=implementation, batch_parts=batch_parts,
    )


def build_from_config(
    entry: str, config: Mapping[str, Any], dataset: str | None = None, *, implementation: str | None = None,
    batch_parts: int | None = None,
) -> Built:
    """``build`` for a config already resolved (a saved run's, or one checked by ``resolve_config``);
    ``dataset``: a registered dataset of one's own files to train on (``jax_zoo.api.run_data``)."""
    experiment = registry.get(entry)(**config)
    if dataset is not None:
        experiment = on_dataset(experiment, dataset)
    train_examples = split_size(experiment.dataset, experiment.train_split)
    if experiment.eval_split is not None:
        require_eval_split(experiment.dataset, experiment.eval_split, entry)
    if experiment.batch_size > train_examples:
        raise ConfigError(
            f"batch_size: expected at most the {train_examples} examples of split {experiment.train_split!r}, "
            f"got {experiment.batch_size}"
        )
    options = xla_flags.compiler_options(experiment.xla_flags, reason=f"{entry} runs faster with it")
    spec = dataset_info(experiment.dataset).example_spec
    _require_buildable_sizes(entry, experiment)
    variables = init_variables(experiment)
    if experiment.final_eval_model is not None:
        _require_same_variables(entry, experiment, variables)
    if batch_parts is None:
        batch_parts = choose_batch_parts(entry, experiment.batch_size, implementation)
    implementation = choose_implementation(experiment, implementation)
    experiment = with_implementation(experiment, implementation)
    return Built(
        name=entry,
        config=dict(config),
        experiment=experiment,
        state=initial_state(experiment, train_examples, variables),
        train_step=make_train_step(
            experiment.loss, experiment.metrics, example_spec=spec, augment=experiment.augment,
            nan_policy=experiment.nan_policy, compiler_options=options, batch_parts=batch_parts,
        ),
        eval_step=make_eval_step(experiment.loss, experiment.metrics, example_spec=spec, compiler_options=options),
        predict_step=make_predict_step(example_spec={"inputs": spec["inputs"]}, compiler_options=options),
        xla_options=options,
        implementation=implementation,
        batch_parts=batch_parts,
    )


def _keys(experiment: Experiment) -> tuple[jax.Array, jax.Array]:
    """``(init_key, dropout_key)``: both drawn from the experiment's seed."""
    init_key, dropout_key = jax.random.split(jax.random.PRNGKey(experiment.seed))
    return init_key, dropout_key


def example_input(dataset: str) -> jax.Array:
    """A batch of one zero example of the dataset's input shape and dtype, to initialise a model."""
    spec = dataset_info(dataset).example_spec["inputs"]
    return jnp.zeros((1, *spec.shape), spec.dtype)


def init_variables(experiment: Experiment, model=None) -> dict[str, Any]:
    """``model.init`` (default: the experiment's model) from the experiment's seed."""
    model = model or experiment.model
    return model.init(_keys(experiment)[0], example_input(experiment.dataset), train=False)


def initial_state(experiment: Experiment, train_examples: int, variables: dict[str, Any] | None = None) -> TrainState:
    """A fresh train state for ``train_examples`` training examples: the optimizer's schedule is
    sized by the steps per epoch they make (``Experiment.make_optimizer``)."""
    variables = init_variables(experiment) if variables is None else variables
    steps_per_epoch = train_examples // experiment.batch_size
    return create_train_state(
        experiment.model.apply, variables, experiment.make_optimizer(steps_per_epoch),
        _keys(experiment)[1], ema_decay=experiment.ema_decay, ema_start=experiment.ema_start_epoch * steps_per_epoch,
    )


def _require_buildable_sizes(entry: str, experiment: Experiment) -> None:
    """Raises ``ConfigError`` when the config's sizes give parameters XLA cannot hold (a size
    beyond int32, a dimension of 2**31 or more), found on shapes alone, before any memory is used."""
    try:
        shapes = jax.eval_shape(lambda: init_variables(experiment))
    except OverflowError as error:
        raise ConfigError(f"{entry}: a size in the config is too large for the model ({error})") from None
    for path, leaf in jax.tree_util.tree_flatten_with_path(shapes)[0]:
        if any(size >= 2**31 for size in leaf.shape):
            raise ConfigError(
                f"{entry}: a size in the config is too large for the model: parameter {jax.tree_util.keystr(path)} "
                f"would have shape {list(leaf.shape)}, expected each dimension below 2**31"
            )


def _require_same_variables(entry: str, experiment: Experiment, variables: dict[str, Any]) -> None:
    final_variables = jax.eval_shape(lambda: init_variables(experiment, experiment.final_eval_model))
    expected = jax.tree.map(lambda leaf: (leaf.shape, leaf.dtype), variables)
    given = jax.tree.map(lambda leaf: (leaf.shape, leaf.dtype), final_variables)
    if given != expected:
        raise ConfigError(
            f"{entry}: final_eval_model must take the variables of model ({type(experiment.model).__name__}), "
            f"but {type(experiment.final_eval_model).__name__}'s differ"
        )


def parameter_count(params: Any) -> int:
    return sum(math.prod(leaf.shape) for leaf in jax.tree.leaves(params))


