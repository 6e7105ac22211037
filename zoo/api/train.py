"""``train_and_evaluate``: train an entry in a workdir, resuming it, and write its results.

A workdir holds one run: ``config.json`` (entry and config), ``metrics.jsonl`` (one line per
epoch), ``checkpoints/`` (orbax), for a dataset with trained tokenizers their copy in
``tokenizers/`` (``text_pairs.save_run_tokenizers``), for files of one's own their record in
``data.json`` (``jax_zoo.api.run_data``) and, once training finished, ``results.json``.
"""

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jax_zoo.train import (
    DataParallel, TrainState, classification_report, confusion_matrix, evaluate, fit, mean_squared_error, predict,
)
from jax_zoo.core import registry
from jax_zoo.core.config import resolve_config
from jax_zoo.core.errors import WorkdirError
from jax_zoo.datasets import data_dir, dataset_info, load_dataset, split_size
from jax_zoo.datasets.own_data import RECORD_FILE, SplitRule
from jax_zoo.datasets.text_pairs import save_run_tokenizers
from jax_zoo.api.decoded_validation import decoded_validation
from jax_zoo.api.build import Built, build_from_config, parameter_count
from jax_zoo.api.fine_tune import starting_point
from jax_zoo.api.run_data import command_options, data_summary, run_data
from jax_zoo.api.restore import read_run_config, saved_config
from jax_zoo.api.tensorboard import EpochEvents
from jax_zoo.api.text_outputs import text_report
from jax_zoo.api.workdir import (
    finish_run, finished_results, is_writer, recorded_command, run_summary, saved_run, start_run,
)

RUN_FILE = "config.json"


def command_line(
    entry: str, overrides: Mapping[str, Any] | None, workdir: str | os.PathLike, init_from: str | None = None,
    options: tuple[str, ...] = (),
) -> str:
    """The ``zoo train`` command that reproduces a run, with ``XLA_FLAGS`` in front when set;
    ``options``: its ``--data`` and ``--freeze`` words (``run_data.command_options``)."""
    words = ["zoo", "train", entry, "--workdir", str(workdir)]
    if init_from is not None:
        words += ["--init-from", str(init_from)]
    return recorded_command([*words, *options], overrides)


def _resolve_run(entry: str, workdir: Path, overrides: Mapping[str, Any] | None, restart: bool) -> dict[str, Any]:
    """The config to train with: the requested one for a new run, the saved one to resume.

    A workdir holding another entry's run, or this entry's run with another config, is refused
    rather than mixed; ``restart`` moves whatever is there aside first (never deleting it).
    """
    if saved_run(workdir, RUN_FILE, restart=restart) is None:
        return resolve_config(entry, overrides)
    saved = read_run_config(workdir)
    if saved["entry"] != entry:
        raise WorkdirError(
            f"workdir {workdir} holds a run of entry {saved['entry']!r}, not {entry!r}; "
            f"pass --restart to move it aside, or choose another --workdir"
        )
    if overrides:
        requested = resolve_config(entry, overrides)
        values = registry.saved_config_values(entry, saved["config"])
        changed = {k: (values.get(k), v) for k, v in requested.items() if values.get(k) != v}
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
    init_from: str | os.PathLike | None = None,
    tensorboard: bool = False,
    data: str | os.PathLike | None = None,
    split: SplitRule | None = None,
    freeze: str | None = None,
    freeze_epochs: int | None = None,
    storage: str = "auto",
) -> dict[str, Any]:
    """Trains ``entry`` in ``workdir`` and returns ``results.json``'s content.

    A workdir with checkpoints of the same entry and config is resumed from the latest one; a
    finished one just returns its results. ``stop_at_step`` saves and returns early (the result
    then says ``"completed": False``), e.g. to train in chunks. ``init_from`` fine-tunes: the
    model starts from the shipped weights (``"pretrained"``) or a finished run's workdir, with
    a fresh optimizer state; ``config.json`` and the results record it as ``init_from``.
    ``tensorboard`` also writes each epoch's metrics as TensorBoard events into the workdir
    (``jax_zoo.api.tensorboard``).
    ``data`` trains on files of one's own (an image folder, a table of texts), split by
    ``split`` (default: 10% validation, 10% test, seed 0), read and checked before anything is
    written (``jax_zoo.api.run_data``); with ``init_from``, ``freeze="body"`` trains only the
    classifier head (for the first ``freeze_epochs`` epochs when given, see ``jax_zoo.api.fine_tune``).
    ``storage`` keeps an image folder's pictures in memory, in records read while training, or
    picks by their size (``"auto"``, see ``jax_zoo.datasets.image_folder.STORAGES``).
    """
    start = time.perf_counter()
    workdir = Path(workdir)
    registry.get(entry)
    own = run_data(
        entry, workdir, data, split=split, restart=restart, fine_tuning=init_from is not None, storage=storage,
    )
    config = _resolve_run(entry, workdir, overrides, restart)
    finished = finished_results(workdir)
    if finished is not None:
        return finished
    # A resumed run keeps the batch parts it started with: its parts' dropout masks stay its own.
    saved_parts = read_run_config(workdir).get("batch_parts", 1) if (workdir / RUN_FILE).is_file() else None
    built = build_from_config(entry, config, dataset=own.name if own else None, batch_parts=saved_parts)
    experiment = built.experiment
    init_record = None
    init_from = _resolve_init_from(workdir, init_from)
    if init_from is not None or freeze is not None:
        saved_init = read_run_config(workdir).get("init_from") if (workdir / RUN_FILE).is_file() else None
        built, init_record = starting_point(built, init_from, saved_init, own, freeze, freeze_epochs)
        experiment = built.experiment
        _require_same_init(workdir, init_record)
    info = dataset_info(experiment.dataset)
    data_record = {"data": data_summary(own)} if own else {}
    run_record = {"entry": entry, "config": built.config} | ({"init_from": init_record} if init_record else {})
    run_record |= {"batch_parts": built.batch_parts} if built.batch_parts > 1 else {}
    run_record |= info.run_record() | data_record  # a validation split carved out of train, one's own files
    train_data = load_dataset(experiment.dataset, experiment.train_split)
    eval_data = load_dataset(experiment.dataset, experiment.eval_split) if experiment.eval_split else None
    split_size(experiment.dataset, "test")  # known before training; read once, after it
    parallel = DataParallel()
    start_run(workdir, RUN_FILE, run_record, {RECORD_FILE: own.to_json()} if own else {})
    if is_writer():
        save_run_tokenizers(experiment.dataset, data_dir(), workdir)
    events = EpochEvents(workdir) if tensorboard and is_writer() else None
    try:
        result = fit(
            built.state, train_step=built.train_step, eval_step=built.eval_step, train_data=train_data,
            eval_data=eval_data, batch_size=experiment.batch_size, eval_batch_size=experiment.eval_batch_size,
            epochs=experiment.epochs, seed=experiment.seed, workdir=workdir, progress=progress,
            checkpoint_policy=experiment.checkpoint_policy, early_stopping=experiment.early_stopping,
            run_record=run_record, num_classes=class_count(experiment), stop_at_step=stop_at_step,
            parallel=parallel, on_epoch_end=events, eval_scores=decoded_validation(experiment, workdir),
        )
    finally:
        if events is not None:
            events.close()
    if not result.completed:
        return {"entry": entry, "completed": False, "step": int(result.state.step)}
    return finish_run(workdir, {
        "entry": entry,
        "config": built.config,
        **({"init_from": init_record} if init_record else {}),
        "dataset": experiment.dataset,
        **info.run_record(),
        **data_record,
        "task": experiment.task,
        "model": type(experiment.model).__name__,
        "implementation": built.implementation,
        **batch_parts_record(built),
        "parameters": parameter_count(result.state.params),
        "test": test_report(
            built, experiment.final_eval_state(result.state), load_dataset(experiment.dataset, "test"), parallel,
            workdir=workdir,
        ),
        "epochs": len(result.history),
        "steps": result.history[-1]["step"] if result.history else 0,
        "final_state_step": int(result.state.step),
        "stopped_early": result.stopped_early,
        "nonfinite_steps": result.nonfinite_steps,
        **run_summary(
            result, start=start, xla_options=built.xla_options,
            command=command_line(entry, overrides, workdir, init_from, command_options(own, init_record)),
        ),
    })


def batch_parts_record(built: Built) -> dict[str, int]:
    """Into how many parts the train step split each batch and, with several, on how many threads."""
    if built.batch_parts == 1:
        return {"batch_parts": 1}
    return {"batch_parts": built.batch_parts, "batch_part_threads": built.train_step.threads}


def class_count(experiment) -> int | None:
    """The number of classes a classifier's targets index (checked before training), else None."""
    return dataset_info(experiment.dataset).num_classes if experiment.predicts_classes else None


def _resolve_init_from(workdir: Path, init_from: str | os.PathLike | None) -> str | None:
    """What the run starts from: ``init_from``, or when resuming without it, what the run started from."""
    if init_from is not None or not (workdir / "config.json").is_file():
        return None if init_from is None else str(init_from)
    saved = read_run_config(workdir).get("init_from")
    if saved is None:
        return None
    return "pretrained" if saved["source"] == "pretrained" else saved["workdir"]


def _require_same_init(workdir: Path, init_record: dict[str, Any]) -> None:
    if not (workdir / "config.json").is_file():
        return
    saved = read_run_config(workdir).get("init_from")
    if saved != init_record:
        raise WorkdirError(
            f"workdir {workdir} holds a run that started from {_described(saved)}, not {_described(init_record)}; "
            f"resume with the run's own --init-from, pass --restart to start over, or choose another --workdir"
        )


def _described(init_record: dict[str, Any] | None) -> str:
    if init_record is None:
        return "the entry's initialisation"
    if init_record["source"] == "pretrained":
        return f"the shipped weights (sha256 {init_record['sha256'][:12]})"
    return f"workdir {init_record['workdir']} (step {init_record['step']})"


def test_report(
    built: Built, state: TrainState, data: dict, parallel: DataParallel | None = None,
    workdir: str | os.PathLike | None = None,
) -> dict[str, Any]:
    """The eval step's metrics on ``data`` and what the entry's task adds (``TASK_REPORTS``)."""
    experiment = built.experiment
    metrics: dict[str, Any] = evaluate(built.eval_step, state, data, experiment.eval_batch_size, parallel)
    task_report = TASK_REPORTS.get(experiment.task)
    if task_report is not None:
        metrics |= task_report(built, state, data, parallel, workdir)
    return metrics


def _classification_report(built: Built, state: TrainState, data: dict, parallel, workdir) -> dict[str, Any]:
    """The confusion matrix, per-class accuracy, precision and F1, and macro-F1."""
    num_classes = dataset_info(built.experiment.dataset).num_classes
    if not num_classes:
        return {}
    outputs = predict(built.predict_step, state, data, built.experiment.eval_batch_size, parallel)
    return classification_report(confusion_matrix(data["targets"], outputs.argmax(axis=-1), num_classes))


def _denoising_report(built: Built, state: TrainState, data: dict, parallel, workdir) -> dict[str, Any]:
    """The noisy input's own MSE, the baseline a denoiser's is read against."""
    return {"noisy_input_mse": float(mean_squared_error(data["inputs"], data["targets"]))}


def _decoded_text_report(built: Built, state: TrainState, data: dict, parallel, workdir) -> dict[str, Any]:
    """BLEU, chrF (and ROUGE-L) of decoded outputs with samples, for text references
    (``jax_zoo.api.text_outputs``, tokenizers read from ``workdir``)."""
    return text_report(built.experiment, state, data, workdir)


TaskReport = Callable[[Built, TrainState, dict, "DataParallel | None", "str | os.PathLike | None"], dict[str, Any]]

TASK_REPORTS: dict[str, TaskReport] = {
    "classification": _classification_report,
    "denoising": _denoising_report,
    "translation": _decoded_text_report,
    "summarization": _decoded_text_report,
}
"""What a test report adds to the eval step's metrics, by ``Experiment.task``; other tasks add nothing."""
