"""Shipped weights: the evaluation variables of our published runs, loaded with one call.

``zoo/published/weights/<entry>.safetensors`` holds ``{"params", "batch_stats"?}`` as the published
run evaluated them (its moving average when it kept one), one tensor per flattened variable path
(``"params/conv1/kernel"``, ``jax_zoo.api.weights_format``); ``<entry>.weights.json`` beside it
names that file and holds its sha256, the config the weights were trained with, the parameter
count and the published results file (``zoo/published/<entry>.json``) they scored. A record that
names a ``.msgpack`` file (``flax.serialization``) is read as well.

``python -m jax_zoo.api.export_weights ENTRY WORKDIR`` writes them from a finished run.
"""

import dataclasses
import hashlib
import json
import os
from importlib import resources
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from flax import traverse_util

from jax_zoo.core import registry
from jax_zoo.core.config import resolve_config
from jax_zoo.core.errors import ConfigError, ZooError
from jax_zoo.core.experiment import Experiment
from jax_zoo.api.build import Built, build_from_config, init_variables
from jax_zoo.api.restore import evaluate_trained, restore
from jax_zoo.api.weights_format import FORMATS, read_variables


@dataclasses.dataclass(frozen=True)
class Pretrained:
    """A trained entry ready for inference: ``model.apply(variables, inputs, train=False)``.

    ``model`` is the one the published numbers were evaluated with (the entry's ``final_eval_model``
    when it has one, e.g. ten views); ``source`` says where the variables came from.
    """

    entry: str
    model: nn.Module
    variables: dict[str, Any]
    config: dict[str, Any]
    experiment: Experiment
    source: str
    step: int | None = None
    """The train step the variables are from, when known."""
    workdir: str | None = None
    """The run's workdir, when the variables come from one (its trained tokenizers live there)."""
    new: tuple[str, ...] = ()
    """Variables freshly initialised rather than trained (a new classifier head, ``num_classes``)."""
    tokenizers: str | None = None
    """The folder of the trained tokenizers shipped with the weights (subword models), when any."""

    def apply(self, inputs: jax.Array) -> jax.Array:
        """``model.apply(variables, inputs, train=False)``: the model's outputs for a batch of inputs."""
        return self.model.apply(self.variables, inputs, train=False)


def package_weights_directory():
    """``zoo/published/weights`` of the installed package (an importlib resource)."""
    return resources.files("jax_zoo") / "published" / "weights"


def weights_files(entry: str, directory=None) -> tuple[Any, Any]:
    """``(weights, <entry>.weights.json)`` in ``directory`` (default: the package's): the weights
    file the record names, ``<entry>.safetensors`` where there is no record yet."""
    directory = directory or package_weights_directory()
    record_path = directory / f"{entry}.weights.json"
    name = f"{entry}{FORMATS[0]}"
    if record_path.is_file():
        name = json.loads(record_path.read_text()).get("weights", name)
    return directory / name, record_path


def shipped_entries() -> list[str]:
    """The entries whose weights ship with the package."""
    directory = package_weights_directory()
    suffix = ".weights.json"
    if not directory.is_dir():
        return []
    return sorted(item.name[: -len(suffix)] for item in directory.iterdir() if item.name.endswith(suffix))


def weights_record(entry: str) -> dict[str, Any]:
    """``<entry>.weights.json``, or ``ZooError`` naming the entries that have shipped weights."""
    registry.get(entry)
    _, record_path = weights_files(entry)
    if not record_path.is_file():
        shipped = ", ".join(shipped_entries()) or "none"
        raise ZooError(
            f"entry {entry!r} has no shipped weights (entries with shipped weights: {shipped}); "
            f"train it with `zoo train {entry}` and pass --workdir instead of --pretrained"
        )
    return json.loads(record_path.read_text())


def pretrained(entry: str, num_classes: int | None = None) -> Pretrained:
    """The shipped weights of ``entry`` with its model, checked against their sha256 and against
    the variables the entry's model has today (any missing, extra or reshaped one is an error).

    ``num_classes``: the model with that many classes, its body shipped and its classifier head
    new when the number differs from the entry's (``jax_zoo.api.fine_tune.with_classes``)."""
    record = weights_record(entry)
    weights_path, _ = weights_files(entry)
    data = weights_path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != record["sha256"]:
        raise ZooError(
            f"shipped weights of {entry!r} are damaged: {weights_path} has sha256 {digest}, "
            f"expected {record['sha256']} (reinstall the package)"
        )
    try:
        config = resolve_config(entry, record["config"])
    except ConfigError as error:
        raise ZooError(f"shipped weights of {entry!r} were trained with a config the entry no longer takes: {error}") from None
    experiment = registry.get(entry)(**config)
    if experiment.dataset != record["dataset"]:
        raise ZooError(
            f"shipped weights of {entry!r} were trained on dataset {record['dataset']!r}, but here the entry "
            f"reads {experiment.dataset!r} (the entry picks its data by what is installed; see `zoo show {entry}`)"
        )
    variables = read_variables(weights_path.name, data)
    require_model_variables(entry, experiment, variables, what="shipped weights")
    tokenizers = shipped_tokenizers(entry, record, weights_path.parent)
    shipped = Pretrained(
        entry=entry,
        model=experiment.final_eval_model or experiment.model,
        variables=jax.tree.map(jnp.asarray, variables),
        config=config,
        experiment=experiment,
        source=f"shipped weights {weights_path.name} (sha256 {digest[:12]})",
        step=record.get("step"),
        tokenizers=tokenizers,
    )
    if num_classes is None:
        return shipped
    from jax_zoo.api.fine_tune import with_classes  # fine_tune builds on this module's loading

    return with_classes(shipped, num_classes)


def shipped_tokenizers(entry: str, record: dict[str, Any], directory) -> str | None:
    """The folder of ``entry``'s shipped tokenizers, each file checked against its sha256, or None."""
    listed = record.get("tokenizers")
    if listed is None:
        return None
    folder = directory / listed["folder"]
    for name, expected in listed["sha256"].items():
        path = folder / name
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
        if digest != expected:
            raise ZooError(
                f"shipped tokenizers of {entry!r} are damaged: {path} has sha256 {digest}, expected {expected} "
                f"(reinstall the package)"
            )
    return str(folder)


def from_workdir(workdir: str | os.PathLike, entry: str | None = None) -> Pretrained:
    """The run trained in ``workdir`` (``entry``'s, when given) as ``Pretrained``: its evaluation
    variables (the moving average when the run kept one), with the reference model."""
    trained = restore(workdir, entry, implementation="reference")
    state = trained.state.for_evaluation()
    variables = {"params": state.params}
    if jax.tree.leaves(state.batch_stats):
        variables["batch_stats"] = state.batch_stats
    return Pretrained(
        entry=trained.name,
        model=trained.experiment.final_eval_model or trained.experiment.model,
        variables=variables,
        config=trained.config,
        experiment=trained.experiment,
        source=f"workdir {workdir} (step {int(trained.state.step)})",
        step=int(trained.state.step),
        workdir=str(workdir),
    )


def pretrained_built(entry: str) -> Built:
    """``entry`` built from its shipped weights' config, its state holding those weights: the
    steps of a run, for evaluating or predicting with them."""
    loaded = pretrained(entry)
    return with_variables(build_from_config(entry, loaded.config), loaded.variables)


def with_variables(built: Built, variables: dict[str, Any]) -> Built:
    """``built`` whose state holds ``variables`` (``{"params", "batch_stats"?}``) and no moving average."""
    state = built.state.replace(params=variables["params"], batch_stats=variables.get("batch_stats", {}), ema=None)
    return dataclasses.replace(built, state=state)


def evaluate_pretrained(entry: str, split: str = "test") -> dict[str, float]:
    """The shipped weights of ``entry`` evaluated on ``split`` as its published run was (its
    eval step and test model): on ``test`` they reproduce the published metrics."""
    return evaluate_trained(pretrained_built(entry), split)


def starting_source(entry: str, init_from: str | os.PathLike) -> tuple[Pretrained, dict]:
    """``(trained, record)`` to fine-tune ``entry`` from: its shipped weights
    (``init_from="pretrained"``) or the evaluation variables of the run in workdir ``init_from``;
    ``record`` says which, for the run's config and results (``jax_zoo.api.fine_tune``)."""
    if str(init_from) == "pretrained":
        return pretrained(entry), {"source": "pretrained", "sha256": weights_record(entry)["sha256"]}
    loaded = from_workdir(init_from, entry)
    return loaded, {"source": "workdir", "workdir": str(init_from), "step": loaded.step}


def require_model_variables(entry: str, experiment: Experiment, variables: dict[str, Any], *, what: str) -> None:
    """Raises ``ZooError`` naming the variables of ``variables`` that the entry's model lacks,
    those it has that ``variables`` lacks, and those whose shape or dtype differ."""
    expected = _leaf_specs(jax.eval_shape(lambda: init_variables(experiment)))
    given = _leaf_specs(variables)
    missing = sorted(set(expected) - set(given))
    unexpected = sorted(set(given) - set(expected))
    reshaped = sorted(
        f"{key} {given[key]} (model: {expected[key]})" for key in set(given) & set(expected) if given[key] != expected[key]
    )
    problems = [
        f"{label}: {', '.join(keys)}"
        for label, keys in (("missing", missing), ("not in the model", unexpected), ("other shape", reshaped))
        if keys
    ]
    if problems:
        raise ZooError(f"{what} of {entry!r} do not fit the entry's model ({'; '.join(problems)})")


def _leaf_specs(variables) -> dict[str, str]:
    flat = traverse_util.flatten_dict(variables, sep="/")
    return {key: f"{np.dtype(leaf.dtype).name}{list(leaf.shape)}" for key, leaf in flat.items()}
