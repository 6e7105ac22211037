"""``fit`` trains one run, ``fit_stacked`` K runs as one program; both in the same loop
(``jax_zoo.train.loop``), with the same workdir, resuming, stopping and checkpoints.

Workdir layout: ``metrics.jsonl`` (one line per epoch, and run when stacked),
``checkpoints/<step>`` (the latest few, each with the whole train state and a JSON record of the
loop's progress) and, with early stopping or ``CheckpointPolicy.best_metric``,
``best_checkpoint/<step>`` (the best evaluation so far).
"""

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from jax_zoo.train.batching import Arrays
from jax_zoo.train.checkpoints import CheckpointPolicy
from jax_zoo.train.early_stopping import EarlyStoppingPolicy
from jax_zoo.train.input_checks import InputError, check_fit_inputs, check_seed
from jax_zoo.train.loop import EpochCallback, run_loop
from jax_zoo.train.parallel import DataParallel
from jax_zoo.train.run_files import BEST_CHECKPOINT, CHECKPOINTS, load_final_state
from jax_zoo.train.runs import EvalScores, OneRun, StackedRuns
from jax_zoo.train.stacked import run_count
from jax_zoo.train.state import TrainState
from jax_zoo.train.steps import Step
from jax_zoo.train.thread_groups import default_thread_groups

__all__ = [
    "BEST_CHECKPOINT", "CHECKPOINTS", "CheckpointPolicy", "FitResult", "StackedFitResult", "fit", "fit_stacked",
    "load_final_state",
]


@dataclasses.dataclass
class FitResult:
    """What ``fit`` returns: the final state, the epoch records and how the call went."""

    state: TrainState
    """The final state: the best evaluation's when early stopping restores the best."""
    history: list[dict[str, Any]]
    """One record per epoch: ``train_*`` and ``eval_*`` metrics, ``epoch``, ``step``, ``epoch_seconds``."""
    wall_seconds: float
    compile_seconds: float
    """Tracing, lowering and XLA compilation inside this call (included in ``wall_seconds``)."""
    completed: bool
    """False when ``stop_at_step`` ended the call before the last epoch."""
    resumed_from_step: int | None = None
    stopped_early: bool = False
    best_step: int | None = None
    nonfinite_steps: list[int] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class StackedFitResult:
    """What ``fit_stacked`` returns: the stacked final states and, per run, its records and outcome."""

    states: TrainState
    """Final states, ``[runs]`` leading axis: each run's best when early stopping restores it."""
    histories: list[list[dict[str, Any]]]
    """Per run, one record per epoch it trained in (``run``, ``epoch``, ``step``, ``train_*``, ``eval_*``)."""
    wall_seconds: float
    compile_seconds: float
    completed: bool
    resumed_from_step: int | None
    stopped_early: list[bool]
    best_steps: list[int | None]
    nonfinite_steps: list[list[int]]
    """Per run, the steps skipped as non-finite under ``nan_policy="skip"``."""
    diverged: list[dict[str, Any] | None]
    """Per run: None, or ``{"step", "quantity"}`` of the non-finite step that stopped it."""
    thread_groups: int = 1
    """How many groups of runs trained at once, each from a host thread (``jax_zoo.train.thread_groups``)."""


def fit(
    state: TrainState,
    *,
    train_step: Step,
    eval_step: Step,
    train_data: Arrays,
    eval_data: Arrays | None,
    batch_size: int,
    epochs: int,
    seed: int,
    eval_batch_size: int | None = None,
    workdir: str | os.PathLike | None = None,
    progress: bool = True,
    checkpoint_policy: CheckpointPolicy = CheckpointPolicy(),
    early_stopping: EarlyStoppingPolicy | None = None,
    run_record: dict[str, Any] | None = None,
    num_classes: int | None = None,
    stop_at_step: int | None = None,
    parallel: DataParallel | None = None,
    on_epoch_end: EpochCallback | None = None,
    eval_scores: EvalScores | None = None,
) -> FitResult:
    """Trains for ``epochs`` epochs, evaluating on ``eval_data`` after each (none when it is None).

    With a ``workdir``, checkpoints are saved by ``checkpoint_policy`` and a workdir that already
    holds checkpoints is resumed from the latest one (``run_record``, e.g. the entry and its
    config, must then equal the saved one). SIGTERM/SIGINT finish the current step, save and
    raise ``Preempted``. ``stop_at_step`` saves and returns once that global step is done.
    Inputs are validated before anything is compiled (``jax_zoo.train.input_checks``).

    Training is data-parallel over ``parallel`` (default: every device of every process; see
    ``jax_zoo.train.parallel``): batches are sharded, the state replicated, and only process 0 writes
    ``metrics.jsonl`` (orbax coordinates the checkpoint writes of all processes).

    ``on_epoch_end(record)``, when given, is called with each epoch's record once it is logged
    (e.g. to write TensorBoard events beside ``metrics.jsonl``).

    ``eval_scores(state)``, when given, adds scores computed outside the eval step to each
    evaluation (``jax_zoo.train.runs.EvalScores``, e.g. of decoded outputs): early stopping and
    ``checkpoint_policy.best_metric`` can watch them like the eval step's metrics.
    """
    parallel = parallel or DataParallel()
    if eval_scores is not None and eval_data is None:
        raise InputError("eval_scores: expected evaluation data to score after each epoch, got eval_data=None")
    check_fit_inputs(
        train_step=train_step, eval_step=eval_step, train_data=train_data, eval_data=eval_data,
        batch_size=batch_size, eval_batch_size=eval_batch_size, epochs=epochs, seed=seed,
        num_classes=num_classes, device_count=parallel.device_count,
    )
    runs = OneRun(
        train_step=train_step, eval_step=eval_step, train_data=train_data, eval_data=eval_data, batch_size=batch_size,
        eval_batch_size=eval_batch_size or batch_size, seed=seed, parallel=parallel, eval_scores=eval_scores,
    )
    outcome = run_loop(
        runs, state, train_step=train_step, eval_step=eval_step, has_eval_data=eval_data is not None, epochs=epochs,
        workdir=workdir, progress=progress, checkpoint_policy=checkpoint_policy, early_stopping=early_stopping,
        run_record=run_record, stop_at_step=stop_at_step, on_epoch_end=on_epoch_end,
    )
    (run,) = outcome.progress
    return FitResult(
        state=outcome.state, history=run.history, wall_seconds=outcome.wall_seconds,
        compile_seconds=outcome.compile_seconds, completed=outcome.completed,
        resumed_from_step=outcome.resumed_from_step, stopped_early=run.stopped_early, best_step=run.best_step,
        nonfinite_steps=outcome.nonfinite_steps[0],
    )


def fit_stacked(
    states: TrainState,
    *,
    train_step: Step,
    eval_step: Step,
    train_data: Arrays,
    batch_size: int,
    epochs: int,
    seeds: Sequence[int],
    train_indices: Sequence[np.ndarray] | None = None,
    eval_data: Arrays | None = None,
    eval_indices: Sequence[np.ndarray] | None = None,
    eval_batch_size: int | None = None,
    workdir: str | os.PathLike | None = None,
    progress: bool = True,
    checkpoint_policy: CheckpointPolicy = CheckpointPolicy(),
    early_stopping: EarlyStoppingPolicy | None = None,
    run_record: dict[str, Any] | None = None,
    num_classes: int | None = None,
    stop_at_step: int | None = None,
    parallel: DataParallel | None = None,
    on_epoch_end: EpochCallback | None = None,
    thread_groups: int | None = None,
) -> StackedFitResult:
    """``fit`` for the stacked ``states`` of K runs (``jax_zoo.train.stacked.stack_runs``), with the
    single-run ``train_step`` and ``eval_step``: one compiled program trains every run.

    Run ``r`` trains on ``train_data`` rows ``train_indices[r]`` (default: every row) in the data
    order of its own ``seeds[r]``, exactly the batches ``fit`` would give it alone, and is
    evaluated after each epoch on its own rows of ``eval_data`` (``eval_indices``) or on all of it.
    Runs stop on their own: early stopping per run, and under ``nan_policy="fail"`` a run whose
    step is not finite keeps its last good state and is reported while the others go on.
    Everything else is ``fit``'s: the workdir, resuming, signals, ``stop_at_step``, checkpoints
    and data parallelism; each line of ``metrics.jsonl`` names its ``run``.

    ``thread_groups`` splits the runs into that many groups whose steps run at once, each called
    from a thread of its own (``jax_zoo.train.thread_groups``); None: one group per usable core
    on a single CPU device (where one stacked program keeps about one core busy), else 1.
    """
    parallel = parallel or DataParallel()
    if thread_groups is None:
        thread_groups = default_thread_groups(run_count(states), parallel.device_count)
    for seed in seeds:
        check_seed(seed)
    check_fit_inputs(
        train_step=train_step, eval_step=eval_step, train_data=train_data, eval_data=eval_data,
        batch_size=batch_size, eval_batch_size=eval_batch_size, epochs=epochs, seed=min(seeds, default=0),
        num_classes=num_classes, device_count=parallel.device_count,
    )
    runs = StackedRuns(
        states, train_step=train_step, eval_step=eval_step, train_data=train_data, eval_data=eval_data,
        batch_size=batch_size, eval_batch_size=eval_batch_size or batch_size, seeds=seeds, train_rows=train_indices,
        eval_rows=eval_indices, parallel=parallel, thread_groups=thread_groups,
    )
    try:
        outcome = run_loop(
            runs, states, train_step=train_step, eval_step=eval_step, has_eval_data=eval_data is not None,
            epochs=epochs, workdir=workdir, progress=progress, checkpoint_policy=checkpoint_policy,
            early_stopping=early_stopping, run_record=run_record, stop_at_step=stop_at_step, on_epoch_end=on_epoch_end,
        )
    finally:
        runs.close()
    return StackedFitResult(
        states=outcome.state, histories=[run.history for run in outcome.progress], wall_seconds=outcome.wall_seconds,
        compile_seconds=outcome.compile_seconds, completed=outcome.completed,
        resumed_from_step=outcome.resumed_from_step, stopped_early=[run.stopped_early for run in outcome.progress],
        best_steps=[run.best_step for run in outcome.progress], nonfinite_steps=outcome.nonfinite_steps,
        diverged=[run.diverged for run in outcome.progress], thread_groups=thread_groups,
    )
