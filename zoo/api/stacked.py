"""Several configs of one entry trained as stacked runs of one compiled program (``jax_zoo.train.stacked``).

Configs can share a program when their experiments differ only in the seed and the optimizer
(learning rate, weight decay, momentum, schedule): everything else, the model (widths, dropout
rates), the loss, the batch size, the augmentation, changes what is computed and needs a
program of its own (``program_groups``). A workdir of stacked runs holds ``runs.json`` (the
entry and the configs) where a single run's holds ``config.json``; the rest is alike
(``jax_zoo.api.workdir``).
"""

import dataclasses
import functools
import json
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np

from jax_zoo.train import DataParallel, StackedFitResult, TrainState, evaluate_stacked, fit_stacked, stack_runs, unstack_run
from jax_zoo.train.batching import eval_batches
from jax_zoo.train.sequence import fit_in_sequence
from jax_zoo.train.stacked import make_stacked_eval_step, make_stacked_predict_step
from jax_zoo.core.config import resolve_config
from jax_zoo.core.errors import ConfigError, WorkdirError
from jax_zoo.core.experiment import Experiment
from jax_zoo.datasets import dataset_info, load_dataset
from jax_zoo.api.build import Built, build_from_config, parameter_count
from jax_zoo.api.train import class_count
from jax_zoo.api.workdir import finish_run, finished_results, recorded_command, run_summary, saved_run, start_run

RUN_FILE = "runs.json"

_FREE_FIELDS = ("optimizer", "seed", "_optimizers")
"""Experiment fields runs of one program may differ in."""


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
    """Indices of the runs that can share one program, in order of their first run."""
    groups: list[list[int]] = []
    for index, run in enumerate(built):
        for group in groups:
            if not program_difference(built[group[0]].experiment, run.experiment):
                group.append(index)
                break
        else:
            groups.append([index])
    return groups


RUNS_AS = ("auto", "stacked", "sequence")
"""How the runs of one program train: ``stacked`` (one vmapped step), ``sequence`` (one after
another, sharing the compiled step), or ``auto``: ``sequence`` where ``stacking_loses`` says why."""


def stacking_loses(built: Built, runs: int) -> str | None:
    """Why ``runs`` stacked runs of ``built``'s model would train slower than in sequence, or None
    (docs/vmap.md): on XLA:CPU, convolutions become grouped convolutions under ``vmap``, and a step
    whose batch parts run on threads already keeps a core per part busy, so no more runs than parts
    gain from stacking."""
    if jax.default_backend() != "cpu":
        return None
    kernels = [leaf for path, leaf in jax.tree_util.tree_leaves_with_path(built.state.params)
               if getattr(path[-1], "key", None) == "kernel"]
    if any(np.ndim(kernel) >= 3 for kernel in kernels):
        return "stacked, their convolutions would be grouped convolutions, slower on a CPU"
    threads = getattr(built.train_step, "threads", 1)
    if threads > 1 and runs <= threads:
        return f"each run's step already takes a core for each of its {built.batch_parts} batch parts"
    return None


def stacked_states(built: Sequence[Built], train_examples: int) -> TrainState:
    """The runs' fresh states stacked; runs whose configs differ only in the seed share their
    optimizer (so the stacked step runs one update per distinct optimizer)."""
    return stack_runs(run_states(built, train_examples))


def run_states(built: Sequence[Built], train_examples: int) -> list[TrainState]:
    """The runs' fresh states, one model and, for configs that differ only in the seed, one
    optimizer object: stacked, one update per distinct optimizer; in sequence, one compiled step."""
    differing = [program_difference(built[0].experiment, run.experiment) for run in built]
    if any(differing):
        fields = sorted({name for names in differing for name in names})
        raise ConfigError(f"runs of one program may differ in the seed and optimizer only, these differ in {fields}")
    optimizers: dict[str, Any] = {}
    states = []
    for run in built:
        without_seed = json.dumps({k: v for k, v in run.config.items() if k != "seed"}, sort_keys=True)
        optimizer = optimizers.setdefault(
            without_seed, run.experiment.make_optimizer(train_examples // run.experiment.batch_size)
        )
        states.append(run.state.replace(tx=optimizer, apply_fn=built[0].state.apply_fn))
    return states


def train_stacked(
    entry: str,
    configs: Sequence[Mapping[str, Any]],
    workdir: str | os.PathLike,
    *,
    progress: bool = True,
    evaluate_test: bool = True,
    command: str | None = None,
    runs_as: str = "auto",
    announce=print,
) -> dict[str, Any]:
    """Trains the configs (one program) in ``workdir``, resuming it, and writes ``results.json``:
    each run's history and final validation metrics and, with ``evaluate_test``, each run's test
    metrics and those of the runs' averaged prediction. ``runs_as``: see ``RUNS_AS``; runs in
    sequence train in ``workdir/run-<r>/``, and the results say ``"runs_as": "sequence"``."""
    start = time.perf_counter()
    workdir = Path(workdir)
    configs = [dict(config) for config in configs]
    if runs_as not in RUNS_AS:
        raise ConfigError(f"runs_as: expected one of {', '.join(RUNS_AS)}, got {runs_as!r}")
    built = [build_from_config(entry, config) for config in configs]
    saved = saved_run(workdir, RUN_FILE)
    stacked_record = {"entry": entry, "configs": configs}
    why_in_sequence = stacking_loses(built[0], len(built)) if runs_as == "auto" and len(built) > 1 else None
    in_sequence = runs_as == "sequence" or (
        why_in_sequence is not None and saved != stacked_record
    )  # a workdir of stacked runs resumes stacked
    run_record = stacked_record | ({"runs_as": "sequence"} if in_sequence else {})
    if saved is not None and saved != run_record:
        raise WorkdirError(f"workdir {workdir} holds other runs ({saved}); choose another --workdir")
    finished = finished_results(workdir)
    if finished is not None:
        return finished
    experiment = built[0].experiment
    train_data = load_dataset(experiment.dataset, experiment.train_split)
    eval_data = load_dataset(experiment.dataset, experiment.eval_split) if experiment.eval_split else None
    states = run_states(built, len(train_data["targets"]))
    parallel = DataParallel()
    start_run(workdir, RUN_FILE, run_record)
    if in_sequence and runs_as == "auto":
        announce(f"{len(built)} runs one after another, sharing one compiled step: {why_in_sequence} "
                 f"(docs/vmap.md; --runs-as stacked to stack them)")
    fitter = fit_in_sequence if in_sequence else fit_stacked
    result = fitter(
        states if in_sequence else stack_runs(states), train_step=built[0].train_step, eval_step=built[0].eval_step,
        train_data=train_data, eval_data=eval_data, batch_size=experiment.batch_size,
        eval_batch_size=experiment.eval_batch_size, epochs=experiment.epochs,
        seeds=[run.experiment.seed for run in built], workdir=workdir,
        progress=progress, checkpoint_policy=experiment.checkpoint_policy, early_stopping=experiment.early_stopping,
        run_record=run_record, num_classes=class_count(experiment), parallel=parallel,
    )
    results = {
        "entry": entry,
        "runs_as": "sequence" if in_sequence else "stacked",
        "thread_groups": result.thread_groups,
        "batch_parts": built[0].batch_parts,
        **({"batch_part_threads": built[0].train_step.threads} if in_sequence and built[0].batch_parts > 1 else {}),
        "runs": [_run_summary(config, result, index) for index, config in enumerate(configs)],
        "parameters_per_run": parameter_count(unstack_run(result.states, 0).params),
    }
    if evaluate_test:
        results["test"] = stacked_test_report(built[0], result, load_dataset(experiment.dataset, "test"), parallel)
    return finish_run(workdir, results | run_summary(result, start=start, command=command,
                                                      xla_options=built[0].xla_options))


def _run_summary(config: dict[str, Any], result: StackedFitResult, index: int) -> dict[str, Any]:
    history = result.histories[index]
    final = {k.removeprefix("eval_"): v for k, v in (history[-1] if history else {}).items() if k.startswith("eval_")}
    return {
        "run": index, "config": config, "validation": final, "epochs": len(history),
        "diverged": result.diverged[index], "nonfinite_steps": result.nonfinite_steps[index],
        "stopped_early": result.stopped_early[index], "best_step": result.best_steps[index],
    }


def stacked_test_report(
    built: Built, result: StackedFitResult, data: dict, parallel: DataParallel | None = None
) -> dict[str, Any]:
    """Test metrics of every run and, for a classifier, of the mean of their predicted
    probabilities (``ensemble``); runs that diverged are left out of the mean."""
    experiment = built.experiment
    states = experiment.final_eval_state(result.states)
    stacked_eval = make_stacked_eval_step(built.eval_step, shared_batch=True)
    report: dict[str, Any] = {
        "runs": evaluate_stacked(stacked_eval, states, data, experiment.eval_batch_size, parallel=parallel)
    }
    if experiment.predicts_classes and dataset_info(experiment.dataset).num_classes:
        kept = [index for index, diverged in enumerate(result.diverged) if diverged is None]
        probabilities = run_probabilities(built, states, data)[kept].mean(axis=0)
        targets = np.asarray(data["targets"])
        report["ensemble"] = {
            "runs": len(kept),
            "accuracy": float((probabilities.argmax(axis=-1) == targets).mean()),
            "loss": float(-np.log(np.maximum(probabilities[np.arange(len(targets)), targets], 1e-30)).mean()),
            "count": len(targets),
        }
    return report


def run_probabilities(built: Built, states: TrainState, data: dict) -> np.ndarray:
    """``<float32>[runs, examples, classes]``: each run's softmax of its outputs."""
    predict = make_stacked_predict_step(built.predict_step)
    outputs = []
    for batch in eval_batches(data, built.experiment.eval_batch_size):
        probabilities = jax.nn.softmax(predict(states, batch).astype("float32"), axis=-1)
        outputs.append(np.asarray(probabilities)[:, batch["mask"] > 0])
    return np.concatenate(outputs, axis=1)


def train_seeds(
    entry: str, seeds: int, workdir: str | os.PathLike, overrides: Mapping[str, Any] | None = None,
    *, progress: bool = True, runs_as: str = "auto",
) -> dict[str, Any]:
    """``zoo train ENTRY --seeds N``: the config with seeds ``seed, seed + 1, ..., seed + N - 1``
    trained as ``N`` stacked runs of one program (or in sequence, ``runs_as``), each evaluated on
    test and so is their mean."""
    if seeds < 1:
        raise ConfigError(f"--seeds: expected a positive number of runs, got {seeds}")
    config = resolve_config(entry, overrides)
    configs = [config | {"seed": config["seed"] + offset} for offset in range(seeds)]
    command = recorded_command(["zoo", "train", entry, "--seeds", str(seeds), "--workdir", str(workdir)], overrides)
    return train_stacked(entry, configs, workdir, progress=progress, command=command, runs_as=runs_as)
