"""Several configs of one entry trained as members of one compiled program (``jax_zoo.train.members``).

Configs can share a program when their experiments differ only in the seed and the optimizer
(learning rate, weight decay, momentum, schedule): everything else, the model (widths, dropout
rates), the loss, the batch size, the augmentation, changes what is computed and needs a
program of its own (``program_groups``).
"""

import dataclasses
import functools
import json
import os
import shlex
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np

from jax_zoo.train import TrainState, xla_flags
from jax_zoo.train.batching import eval_batches
from jax_zoo.train.member_fit import MemberFitResult, evaluate_members, fit_members
from jax_zoo.train.members import make_member_eval_step, make_member_predict_step, stack_members, unstack_member
from jax_zoo.train.records import environment, write_json_atomic
from jax_zoo.core.config import resolve_config
from jax_zoo.core.errors import ConfigError, WorkdirError
from jax_zoo.core.experiment import Experiment
from jax_zoo.datasets import dataset_info, load_dataset
from jax_zoo.api.build import Built, build_from_config, for_testing, parameter_count

_FREE_FIELDS = ("optimizer", "seed", "_optimizers")
"""Experiment fields members of one program may differ in."""


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, functools.partial) and isinstance(b, functools.partial):
        return a.func is b.func and _same(a.args, b.args) and _same(a.keywords, b.keywords)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a is b or a == b


def program_difference(first: Experiment, other: Experiment) -> list[str]:
    """The experiment fields, other than seed and optimizer, in which ``other`` differs from ``first``."""
    return [
        field.name for field in dataclasses.fields(Experiment)
        if field.name not in _FREE_FIELDS and not _same(getattr(first, field.name), getattr(other, field.name))
    ]


def program_groups(built: Sequence[Built]) -> list[list[int]]:
    """Indices of the members that can share one program, in order of their first member."""
    groups: list[list[int]] = []
    for index, member in enumerate(built):
        for group in groups:
            if not program_difference(built[group[0]].experiment, member.experiment):
                group.append(index)
                break
        else:
            groups.append([index])
    return groups


def member_states(built: Sequence[Built], train_examples: int) -> TrainState:
    """The members' fresh states stacked; members whose configs differ only in the seed share
    their optimizer (so the member step runs one update per distinct optimizer)."""
    differing = [program_difference(built[0].experiment, member.experiment) for member in built]
    if any(differing):
        fields = sorted({name for names in differing for name in names})
        raise ConfigError(f"members of one program may differ in the seed and optimizer only, these differ in {fields}")
    optimizers: dict[str, Any] = {}
    states = []
    for member in built:
        without_seed = json.dumps({k: v for k, v in member.config.items() if k != "seed"}, sort_keys=True)
        optimizer = optimizers.setdefault(
            without_seed, member.experiment.make_optimizer(train_examples // member.experiment.batch_size)
        )
        states.append(member.state.replace(tx=optimizer))
    return stack_members(states)


def train_members(
    entry: str,
    configs: Sequence[Mapping[str, Any]],
    workdir: str | os.PathLike,
    *,
    progress: bool = True,
    evaluate_test: bool = True,
    command: str | None = None,
) -> dict[str, Any]:
    """Trains the configs (one program) in ``workdir``, resuming it, and writes ``results.json``:
    each member's history and final validation metrics and, with ``evaluate_test``, each
    member's test metrics and those of the members' averaged prediction."""
    start = time.perf_counter()
    workdir = Path(workdir)
    configs = [dict(config) for config in configs]
    run = {"entry": entry, "configs": configs}
    if (workdir / "members.json").is_file():
        saved = json.loads((workdir / "members.json").read_text())
        if saved != run:
            raise WorkdirError(f"workdir {workdir} holds other members ({saved}); choose another --workdir")
        if (workdir / "results.json").is_file():
            return json.loads((workdir / "results.json").read_text())
    built = [build_from_config(entry, config) for config in configs]
    experiment = built[0].experiment
    train_data = load_dataset(experiment.dataset, experiment.train_split)
    eval_data = load_dataset(experiment.dataset, experiment.eval_split) if experiment.eval_split else None
    states = member_states(built, len(train_data["targets"]))
    workdir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(workdir / "members.json", run)
    result = fit_members(
        states, train_step=built[0].train_step, eval_step=built[0].eval_step, train_data=train_data,
        eval_data=eval_data, batch_size=experiment.batch_size, eval_batch_size=experiment.eval_batch_size,
        epochs=experiment.epochs, seeds=[member.experiment.seed for member in built], workdir=workdir,
        progress=progress, early_stopping=experiment.early_stopping, run_record=run,
        checkpoint_every_epochs=experiment.checkpoint_policy.every_epochs or experiment.epochs,
    )
    results = {
        "entry": entry,
        "members": [_member_summary(config, result, index) for index, config in enumerate(configs)],
        "parameters_per_member": parameter_count(unstack_member(result.states, 0).params),
        "fit_seconds": round(result.wall_seconds, 3),
        "compile_seconds": round(result.compile_seconds, 3),
        "resumed_from_epoch": result.resumed_from_epoch,
    }
    if evaluate_test:
        results["test"] = test_members(built[0], result, load_dataset(experiment.dataset, "test"))
    results |= {"wall_seconds": round(time.perf_counter() - start, 3), "command": command,
                "xla_options": xla_flags.as_flags(built[0].xla_options), **environment()}
    write_json_atomic(workdir / "results.json", results)
    return results


def _member_summary(config: dict[str, Any], result: MemberFitResult, index: int) -> dict[str, Any]:
    history = result.histories[index]
    final = {k.removeprefix("eval_"): v for k, v in (history[-1] if history else {}).items() if k.startswith("eval_")}
    return {
        "member": index, "config": config, "validation": final, "epochs": len(history),
        "diverged": result.diverged[index], "skipped_steps": result.skipped_steps[index],
        "stopped_early": result.stopped_early[index], "best_step": result.best_steps[index],
    }


def test_members(built: Built, result: MemberFitResult, data: dict) -> dict[str, Any]:
    """Test metrics of every member and, for classification, of the mean of their predicted
    probabilities (``ensemble``); members that diverged are left out of the mean."""
    experiment = built.experiment
    states = for_testing(experiment, result.states)
    members = len(result.histories)
    member_eval = make_member_eval_step(built.eval_step, shared_batch=True)
    report: dict[str, Any] = {"members": evaluate_members(member_eval, states, data, experiment.eval_batch_size)}
    if experiment.task == "classification" and dataset_info(experiment.dataset).num_classes:
        kept = [m for m in range(members) if result.diverged[m] is None]
        probabilities = member_probabilities(built, states, data)[kept].mean(axis=0)
        targets = np.asarray(data["targets"])
        report["ensemble"] = {
            "members": len(kept),
            "accuracy": float((probabilities.argmax(axis=-1) == targets).mean()),
            "loss": float(-np.log(np.maximum(probabilities[np.arange(len(targets)), targets], 1e-30)).mean()),
            "count": len(targets),
        }
    return report


def member_probabilities(built: Built, states: TrainState, data: dict) -> np.ndarray:
    """``<float32>[members, examples, classes]``: each member's softmax of its outputs."""
    predict = make_member_predict_step(built.predict_step)
    outputs = []
    for batch in eval_batches(data, built.experiment.eval_batch_size):
        probabilities = jax.nn.softmax(predict(states, batch).astype("float32"), axis=-1)
        outputs.append(np.asarray(probabilities)[:, batch["mask"] > 0])
    return np.concatenate(outputs, axis=1)


def train_seeds(
    entry: str, seeds: int, workdir: str | os.PathLike, overrides: Mapping[str, Any] | None = None,
    *, progress: bool = True,
) -> dict[str, Any]:
    """``zoo train ENTRY --seeds N``: the config with seeds ``seed, seed + 1, ..., seed + N - 1``
    trained as ``N`` members of one program, each evaluated on test and so is their mean."""
    if seeds < 1:
        raise ConfigError(f"--seeds: expected a positive number of members, got {seeds}")
    config = resolve_config(entry, overrides)
    configs = [config | {"seed": config["seed"] + offset} for offset in range(seeds)]
    words = ["zoo", "train", entry, "--seeds", str(seeds), "--workdir", str(workdir)]
    for name, value in (overrides or {}).items():
        words += ["--set", f"{name}={value}"]
    return train_members(entry, configs, workdir, progress=progress, command=shlex.join(words))
