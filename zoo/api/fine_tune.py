"""Fine-tuning: trained variables start a run on other data, with a new classifier head.

``zoo train ENTRY --data DIR --init-from pretrained`` (or ``--init-from WORKDIR``): every
variable whose shape and dtype fit the model comes from those weights; the classifier head
(the variables whose shape depends on the number of classes) is freshly initialised unless the
data's classes are the weights' own (the same names in the same order), and so is any variable
the data reshaped (an embedding of another vocabulary). The run says which were loaded and
which are new, printed and in ``init_from`` of ``config.json`` and ``results.json``.

``freeze="body"`` trains only the head and the new variables (``jax_zoo.api.freezing``);
``freeze_epochs=N`` frees the whole network after N epochs.

    digits5 = jax_zoo.pretrained("digits_cnn", num_classes=5)   # shipped body, new 5-class head
    digits5.new                                                 # ('params/fc2/bias', 'params/fc2/kernel')
"""

import dataclasses
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
from flax import traverse_util

from jax_zoo.core.errors import ConfigError
from jax_zoo.core.experiment import Experiment
from jax_zoo.datasets import dataset_info, split_size
from jax_zoo.datasets.own_data import OwnData
from jax_zoo.api.build import Built, init_variables, initial_state
from jax_zoo.api.freezing import FREEZE_CHOICES, frozen_body, resumed_freeze
from jax_zoo.api.pretrained import Pretrained, require_model_variables, starting_source
from jax_zoo.api.run_data import retargeted

def head_variables(experiment: Experiment) -> set[str]:
    """Paths (``"params/Dense_1/kernel"``) of the variables whose shape depends on the number
    of classes: the model's with 2 classes and with 3 differ there."""
    shapes = []
    for classes in (2, 3):
        model, found = retargeted(experiment.model, {"num_classes": classes})
        if not found:
            return set()
        shapes.append(_specs(jax.eval_shape(lambda: init_variables(experiment, model))))
    return {path for path in shapes[0] if shapes[0][path] != shapes[1].get(path)}


def merged(fresh: Mapping[str, Any], trained: Mapping[str, Any], renew: set[str]) -> tuple[dict, list[str], list[str]]:
    """``(variables, loaded, new)``: ``fresh`` with every variable of ``trained`` that fits its
    shape and dtype and is not in ``renew``; the paths taken and those left fresh."""
    fresh_flat = traverse_util.flatten_dict(fresh, sep="/")
    trained_flat = traverse_util.flatten_dict(trained, sep="/")
    loaded, new, merged_flat = [], [], {}
    for path, leaf in fresh_flat.items():
        given = trained_flat.get(path)
        fits = given is not None and given.shape == leaf.shape and given.dtype == leaf.dtype
        if fits and path not in renew:
            merged_flat[path] = jnp.asarray(given)
            loaded.append(path)
        else:
            merged_flat[path] = leaf
            new.append(path)
    return traverse_util.unflatten_dict(merged_flat, sep="/"), sorted(loaded), sorted(new)


def with_classes(trained: Pretrained, num_classes: int) -> Pretrained:
    """``trained``'s model with ``num_classes`` classes: its variables where they fit, a new head
    (initialised from the entry's seed) where the number of classes changed them."""
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ConfigError(f"num_classes: expected at least 2 classes, got {num_classes!r}")
    experiment = trained.experiment
    model, found = retargeted(experiment.model, {"num_classes": num_classes})
    if not found:
        raise ConfigError(f"{trained.entry}: its model ({type(experiment.model).__name__}) has no classes to set")
    final_eval_model = (
        retargeted(experiment.final_eval_model, {"num_classes": num_classes})[0] if experiment.final_eval_model else None
    )
    experiment = dataclasses.replace(experiment, model=model, final_eval_model=final_eval_model)
    variables, _, new = merged(init_variables(experiment), trained.variables, renew=set())
    return dataclasses.replace(
        trained, model=final_eval_model or model, variables=variables, experiment=experiment, new=tuple(new),
        source=f"{trained.source}, {len(new)} variables new for {num_classes} classes" if new else trained.source,
    )


def starting_point(
    built: Built, init_from: str | None, saved: dict[str, Any] | None, own: OwnData | None,
    freeze: str | None = None, freeze_epochs: int | None = None,
) -> tuple[Built, dict[str, Any]]:
    """``train_and_evaluate``'s ``init_from``: ``built`` starting from the shipped weights
    (``"pretrained"``) or a finished run's workdir, partially on data of one's own (``own``),
    frozen as asked or, resuming, as the run started (its ``init_from`` record ``saved``).
    Prints what was loaded, renewed and frozen when it is not simply everything."""
    if init_from is None:
        raise ConfigError(f"--freeze {freeze}: freezes weights loaded by --init-from; expected --init-from pretrained|WORKDIR")
    source, record = starting_source(built.name, init_from)
    freeze, freeze_epochs = resumed_freeze(saved, freeze, freeze_epochs)
    built, record = fine_tuned(built, source, record, partial=own is not None, freeze=freeze, freeze_epochs=freeze_epochs)
    if own is not None or freeze is not None:
        print(described(record))
    return built, record


def fine_tuned(
    built: Built, source: Pretrained, record: dict[str, Any], *, partial: bool, freeze: str | None = None,
    freeze_epochs: int | None = None,
) -> tuple[Built, dict[str, Any]]:
    """``built`` starting from ``source``'s variables, with a fresh optimizer state, and the run's
    ``init_from`` record. ``partial`` (data of one's own) loads what fits and renews the head
    when the classes differ; otherwise every variable must fit. ``freeze``: see the module."""
    experiment = built.experiment
    if freeze is not None and freeze not in FREEZE_CHOICES:
        raise ConfigError(f"--freeze: expected one of {', '.join(FREEZE_CHOICES)}, got {freeze!r}")
    if freeze_epochs is not None and (freeze is None or not 0 < freeze_epochs < experiment.epochs):
        raise ConfigError(
            f"--freeze-epochs: expected a number of epochs in [1, {experiment.epochs}) with --freeze body, "
            f"got {freeze_epochs!r}{'' if freeze else ' without --freeze'}"
        )
    head = head_variables(experiment)
    if partial:
        same_classes = dataset_info(experiment.dataset).class_names == dataset_info(source.experiment.dataset).class_names
        variables, loaded, new = merged(init_variables(experiment), source.variables, set() if same_classes else head)
        record = record | {"loaded": loaded, "new": new}
    else:
        require_model_variables(built.name, experiment, source.variables, what=f"the variables of {source.source}")
        variables, new = source.variables, []
    if freeze is not None:
        trainable = head | set(new)
        if not trainable:
            raise ConfigError(f"--freeze body: {built.name}'s model has no classifier head to train on its own")
        experiment = frozen_body(experiment, trainable, freeze_epochs)
        record = record | {"freeze": {"variables": freeze, "epochs": freeze_epochs, "trained": sorted(trainable)}}
    train_examples = split_size(experiment.dataset, experiment.train_split)
    state = initial_state(experiment, train_examples, variables)
    return dataclasses.replace(built, experiment=experiment, state=state), record


def described(record: dict[str, Any]) -> str:
    """One paragraph on what a fine-tuning run loaded, renewed and froze, for the terminal."""
    source = "the shipped weights" if record["source"] == "pretrained" else f"the run in {record['workdir']}"
    loaded = record.get("loaded")
    text = f"Started from {source}: " + (f"{len(loaded)} variables loaded" if loaded is not None else "every variable loaded")
    if record.get("new"):
        text += f", {len(record['new'])} new (freshly initialised): {', '.join(record['new'])}"
    freeze = record.get("freeze")
    if freeze:
        when = "in every epoch" if freeze["epochs"] is None else f"in the first {freeze['epochs']} epochs"
        text += f". Training only {', '.join(freeze['trained'])} {when} (--freeze {freeze['variables']})"
    return text + "."


def _specs(variables) -> dict[str, tuple]:
    return {path: (tuple(leaf.shape), leaf.dtype) for path, leaf in traverse_util.flatten_dict(variables, sep="/").items()}
