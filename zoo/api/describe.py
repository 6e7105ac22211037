"""Human-readable summaries of entries: ``zoo list`` rows and ``zoo show``."""

import json
from collections.abc import Mapping
from typing import Any

import jax

from jax_zoo.core import registry
from jax_zoo.core.config import resolve_config
from jax_zoo.api.published import published_result
from jax_zoo.api.results import result_summary
from jax_zoo.api.build import example_input, init_variables, parameter_count


def summary_row(entry: str) -> tuple[str, ...]:
    """``(entry, task, model, dataset, parameters, published result)`` with the default config."""
    experiment = registry.get(entry)(**resolve_config(entry))
    shapes = jax.eval_shape(lambda: init_variables(experiment))
    published = published_result(entry)
    if published and published.get("dataset") != experiment.dataset:
        published = None  # measured on another dataset than this config trains on
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
        jax.random.PRNGKey(0), example_input(experiment.dataset), console_kwargs={"width": 110}
    )
    doc = (registry.get(entry).__doc__ or "").strip()
    return f"{entry}: {doc}\n\nconfig: {json.dumps(config, indent=2)}\n{table}"
