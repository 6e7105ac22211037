"""Human-readable summaries of entries: ``zoo list`` rows and ``zoo show``."""

import json
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp

from zoo import registry
from zoo.config import resolve_config
from zoo.datasets import dataset_info
from zoo.published import published_result
from zoo.results import result_summary
from zoo.run import parameter_count


def _example_input(dataset: str) -> jnp.ndarray:
    spec = dataset_info(dataset).example_spec["inputs"]
    return jnp.zeros((1, *spec.shape), spec.dtype)


def summary_row(entry: str) -> tuple[str, ...]:
    """``(entry, task, model, dataset, parameters, published result)`` with the default config."""
    experiment = registry.get(entry)(**resolve_config(entry))
    shapes = jax.eval_shape(
        lambda: experiment.model.init(jax.random.PRNGKey(0), _example_input(experiment.dataset))
    )
    published = published_result(entry)
    return (
        entry,
        experiment.task,
        type(experiment.model).__name__,
        experiment.dataset,
        f"{parameter_count(shapes['params']):,}",
        result_summary(published) if published else "-",
    )


def describe(entry: str, overrides: Mapping[str, Any] | None = None) -> str:
    """The entry's docstring, resolved config and flax's ``tabulate`` parameter table."""
    config = resolve_config(entry, overrides)
    experiment = registry.get(entry)(**config)
    table = experiment.model.tabulate(
        jax.random.PRNGKey(0), _example_input(experiment.dataset), console_kwargs={"width": 110}
    )
    doc = (registry.get(entry).__doc__ or "").strip()
    return f"{entry}: {doc}\n\nconfig: {json.dumps(config, indent=2)}\n{table}"
