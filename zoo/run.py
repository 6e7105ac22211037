"""Train, evaluate and describe entries: the functions behind the ``zoo`` command and notebooks.

A workdir holds one run: ``config.json`` (entry and config), ``metrics.jsonl`` (one line per
epoch), ``checkpoints/`` (orbax) and, once training finished, ``results.json``.
"""

import dataclasses
import json
import math
import os
import shlex
import time
import warnings
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp

from train import (
    DataParallel, Step, TrainState, classification_report, confusion_matrix, create_train_state, evaluate, fit,
    load_final_state, make_eval_step, make_predict_step, make_train_step, mean_squared_error, predict,
)
from train import xla_flags
from train.records import environment, write_json_atomic
from zoo import registry
from zoo.config import resolve_config
from zoo.datasets import dataset_info, load_dataset
from zoo.errors import ConfigError, WorkdirError
from zoo.experiment import Experiment
from zoo.results import xla_flags_prefix


@dataclasses.dataclass
class Built:
    """An entry made concrete: its experiment, a fresh train state and the jitted steps (compiled
    with ``xla_options``, those of the entry's ``xla_flags`` this jaxlib takes)."""

    name: str
    config: dict[str, Any]
    experiment: Experiment
    state: TrainState
    train_step: Step
    eval_step: Step
    predict_step: Step
    xla_options: dict[str, Any] = dataclasses.field(default_factory=dict)


def build(entry: str, overrides: Mapping[str, Any] | None = None) -> Built:
    """Resolves the config, calls the entry function and initialises the model from its seed."""
    config = resolve_config(entry, overrides)
    experiment = registry.get(entry)(**config)
    options = xla_flags.compiler_options(experiment.xla_flags, reason=f"{entry} runs faster with it")
    spec = dataset_info(experiment.dataset).example_spec
    init_key, dropout_key = jax.random.split(jax.random.PRNGKey(experiment.seed))
    example = jnp.zeros((1, *spec["inputs"].shape), spec["inputs"].dtype)
    variables = experiment.model.init(init_key, example, train=False)
    if experiment.test_model is not None:
        _require_same_variables(entry, experiment, init_key, example, variables)
    state = create_train_state(
        experiment.model.apply, variables, experiment.optimizer, dropout_key, ema_decay=experiment.ema_decay
    )
    return Built(
        name=entry,
        config=config,
        experiment=experiment,
        state=state,
        train_step=make_train_step(
            experiment.loss, experiment.metrics, example_spec=spec, augment=experiment.augment,
            nan_policy=experiment.nan_policy, compiler_options=options,
        ),
        eval_step=make_eval_step(experiment.loss, experiment.metrics, example_spec=spec, compiler_options=options),
        predict_step=make_predict_step(example_spec=spec, compiler_options=options),
        xla_options=options,
    )


def _require_same_variables(entry, experiment, init_key, example, variables) -> None:
    test_variables = jax.eval_shape(lambda: experiment.test_model.init(init_key, example, train=False))
    expected = jax.tree.map(lambda leaf: (leaf.shape, leaf.dtype), variables)
    given = jax.tree.map(lambda leaf: (leaf.shape, leaf.dtype), test_variables)
    if given != expected:
        raise ConfigError(
            f"{entry}: test_model must take the variables of model ({type(experiment.model).__name__}), "
            f"but {type(experiment.test_model).__name__}'s differ"
        )


def for_testing(experiment: Experiment, state: TrainState) -> TrainState:
    """``state`` applied by the experiment's ``test_model`` when it has one."""
    if experiment.test_model is None:
        return state
    return state.replace(apply_fn=experiment.test_model.apply)


def parameter_count(params: Any) -> int:
    return sum(math.prod(leaf.shape) for leaf in jax.tree.leaves(params))


def command_line(entry: str, overrides: Mapping[str, Any] | None, workdir: str | os.PathLike) -> str:
    """The ``zoo train`` command that reproduces a run, with ``XLA_FLAGS`` in front when set."""
    words = ["zoo", "train", entry, "--workdir", str(workdir)]
    for name, value in (overrides or {}).items():
        words += ["--set", f"{name}={value}"]
    return xla_flags_prefix(xla_flags.user_flags()) + shlex.join(words)


def _set_aside(workdir: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside = workdir.with_name(f"{workdir.name}.old-{stamp}")
    workdir.rename(aside)
    return aside


def _resolve_run(entry: str, workdir: Path, overrides: Mapping[str, Any] | None, restart: bool) -> dict[str, Any]:
    """The config to train with: the requested one for a new run, the saved one to resume.

    A workdir holding another entry's run, or this entry's run with another config, is refused
    rather than mixed; ``restart`` moves whatever is there aside first (never deleting it).
    """
    if restart and workdir.exists() and any(workdir.iterdir()):
        print(f"Moved the previous run aside to {_set_aside(workdir)}.")
    if not (workdir / "config.json").is_file():
        if workdir.exists() and any(workdir.iterdir()):
            raise WorkdirError(
                f"workdir {workdir} holds files but no run (no config.json); choose an empty or new --workdir"
            )
        return resolve_config(entry, overrides)
    saved = read_run_config(workdir)
    if saved["entry"] != entry:
        raise WorkdirError(
            f"workdir {workdir} holds a run of entry {saved['entry']!r}, not {entry!r}; "
            f"pass --restart to move it aside, or choose another --workdir"
        )
    if overrides:
        requested = resolve_config(entry, overrides)
        changed = {k: (saved["config"].get(k), v) for k, v in requested.items() if saved["config"].get(k) != v}
        if changed:
            details = ", ".join(f"{k}: saved {old!r}, asked {new!r}" for k, (old, new) in changed.items())
            raise WorkdirError(
                f"workdir {workdir} holds a run of {entry} with another config ({details}); "
                f"resume without --set, pass --restart to start over, or choose another --workdir"
            )
    return saved["config"]


def train_and_evaluate(
    entry: str,
    workdir: str | os.PathLike,
    overrides: Mapping[str, Any] | None = None,
    *,
    restart: bool = False,
    progress: bool = True,
    stop_at_step: int | None = None,
) -> dict[str, Any]:
    """Trains ``entry`` in ``workdir`` and returns ``results.json``'s content.

    A workdir with checkpoints of the same entry and config is resumed from the latest one; a
    finished one just returns its results. ``stop_at_step`` saves and returns early (the result
    then says ``"completed": False``), e.g. to train in chunks.
    """
    start = time.perf_counter()
    workdir = Path(workdir)
    registry.get(entry)
    config = _resolve_run(entry, workdir, overrides, restart)
    if (workdir / "results.json").is_file():
        return json.loads((workdir / "results.json").read_text())
    built = build(entry, config)
    experiment = built.experiment
    info = dataset_info(experiment.dataset)
    train_data = load_dataset(experiment.dataset, experiment.train_split)
    eval_data = load_dataset(experiment.dataset, experiment.eval_split) if experiment.eval_split else None
    test_data = load_dataset(experiment.dataset, "test")
    parallel = DataParallel()
    workdir.mkdir(parents=True, exist_ok=True)
    is_writer = jax.process_index() == 0  # with several processes, process 0 writes for all
    if is_writer:
        write_json_atomic(workdir / "config.json", {"entry": entry, "config": built.config})
    result = fit(
        built.state,
        train_step=built.train_step,
        eval_step=built.eval_step,
        train_data=train_data,
        eval_data=eval_data,
        batch_size=experiment.batch_size,
        eval_batch_size=experiment.eval_batch_size,
        epochs=experiment.epochs,
        seed=experiment.seed,
        workdir=workdir,
        progress=progress,
        checkpoint_policy=experiment.checkpoint_policy,
        early_stopping=experiment.early_stopping,
        run_record={"entry": entry, "config": built.config},
        num_classes=info.num_classes if experiment.task == "classification" else None,
        stop_at_step=stop_at_step,
        parallel=parallel,
    )
    if not result.completed:
        return {"entry": entry, "completed": False, "step": int(result.state.step)}
    results = {
        "entry": entry,
        "config": built.config,
        "dataset": experiment.dataset,
        "task": experiment.task,
        "model": type(experiment.model).__name__,
        "parameters": parameter_count(result.state.params),
        "test": test_report(built, for_testing(experiment, result.state), test_data, parallel),
        "epochs": len(result.history),
        "steps": result.history[-1]["step"] if result.history else 0,
        "final_state_step": int(result.state.step),
        "stopped_early": result.stopped_early,
        "nonfinite_steps": result.nonfinite_steps,
        "resumed_from_step": result.resumed_from_step,
        "fit_seconds": round(result.wall_seconds, 3),
        "compile_seconds": round(result.compile_seconds, 3),
        "wall_seconds": round(time.perf_counter() - start, 3),
        "command": command_line(entry, overrides, workdir),
        "xla_options": xla_flags.as_flags(built.xla_options),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **environment(),
    }
    if is_writer:
        write_json_atomic(workdir / "results.json", results)
    return results


def test_report(built: Built, state: TrainState, data: dict, parallel: DataParallel | None = None) -> dict[str, Any]:
    """The eval step's metrics; for classification also the confusion matrix, per-class
    accuracy, precision, F1 and macro-F1; for denoising also the noisy input's own MSE."""
    experiment = built.experiment
    metrics: dict[str, Any] = evaluate(built.eval_step, state, data, experiment.eval_batch_size, parallel)
    if experiment.task == "denoising":
        metrics["noisy_input_mse"] = float(mean_squared_error(data["inputs"], data["targets"]))
    num_classes = dataset_info(experiment.dataset).num_classes
    if experiment.task == "classification" and num_classes:
        outputs = predict(built.predict_step, state, data, experiment.eval_batch_size, parallel)
        confusion = confusion_matrix(data["targets"], outputs.argmax(axis=-1), num_classes)
        metrics |= classification_report(confusion)
    return metrics


def read_run_config(workdir: str | os.PathLike) -> dict[str, Any]:
    path = Path(workdir) / "config.json"
    if not path.is_file():
        raise WorkdirError(f"{workdir} holds no run: expected {path}, written by `zoo train`")
    return json.loads(path.read_text())


def restore(workdir: str | os.PathLike, entry: str | None = None) -> Built:
    """The entry trained in ``workdir``, rebuilt from its saved config with the saved state.

    ``entry``, when given, must be the entry the workdir was trained for.
    """
    run = read_run_config(workdir)
    if entry is not None and run["entry"] != entry:
        raise WorkdirError(f"{workdir} was trained for entry {run['entry']!r}, not {entry!r}")
    built = build(run["entry"], run["config"])
    checkpoints_dir = Path(workdir) / "checkpoints"
    if not checkpoints_dir.is_dir():
        raise WorkdirError(f"{workdir} has no checkpoint: expected {checkpoints_dir}, written while `zoo train` runs")
    state, _ = load_final_state(workdir, built.state)
    return dataclasses.replace(built, state=state)


def evaluate_workdir(entry: str, workdir: str | os.PathLike, split: str = "test") -> dict[str, float]:
    """Restores the state saved in ``workdir`` and evaluates it on ``split`` (warning when the run trained on it)."""
    trained = restore(workdir, entry)
    data = load_dataset(trained.experiment.dataset, split)
    train_split = trained.experiment.train_split
    if set(split.split("+")) & set(train_split.split("+")):
        warnings.warn(
            f"{trained.name} trained on {train_split!r}: its metrics on split {split!r} are not held out", stacklevel=2
        )
    state = for_testing(trained.experiment, trained.state)
    return evaluate(trained.eval_step, state, data, trained.experiment.eval_batch_size)
