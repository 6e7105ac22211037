"""``train_and_evaluate``: train an entry in a workdir, resuming it, and write its results.

A workdir holds one run: ``config.json`` (entry and config), ``metrics.jsonl`` (one line per
epoch), ``checkpoints/`` (orbax) and, once training finished, ``results.json``.
"""

import os
import shlex
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jax

from train import (
    DataParallel, TrainState, classification_report, confusion_matrix, evaluate, fit, mean_squared_error, predict,
    xla_flags,
)
from train.records import environment, remove_interrupted_writes, write_json_atomic
from zoo.core import registry
from zoo.core.config import resolve_config
from zoo.core.errors import WorkdirError
from zoo.datasets import dataset_info, load_dataset
from zoo.jobs.build import Built, build_from_config, for_testing, parameter_count
from zoo.jobs.restore import read_json, read_run_config, saved_config
from zoo.jobs.results import xla_flags_prefix


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
    return saved_config(workdir, saved)


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
        return read_json(workdir / "results.json", "the results `zoo train` writes once a run has finished")
    built = build_from_config(entry, config)
    experiment = built.experiment
    info = dataset_info(experiment.dataset)
    train_data = load_dataset(experiment.dataset, experiment.train_split)
    eval_data = load_dataset(experiment.dataset, experiment.eval_split) if experiment.eval_split else None
    test_data = load_dataset(experiment.dataset, "test")
    parallel = DataParallel()
    workdir.mkdir(parents=True, exist_ok=True)
    is_writer = jax.process_index() == 0  # with several processes, process 0 writes for all
    if is_writer:
        remove_interrupted_writes(workdir, ("config.json", "metrics.jsonl", "results.json"))
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


