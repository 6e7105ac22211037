"""``fit_stacked``'s runs trained one after another by ``fit``: for models whose stacked step costs
more than its runs' single steps (convolutions on XLA:CPU, where ``vmap`` makes them grouped).

Each run trains exactly as ``fit_stacked`` would train it (its rows, its seed's data order, its
evaluation rows) in ``<workdir>/run-<r>/``, resumed there; runs whose states share one optimizer
object and one ``apply_fn`` share one compiled step. The result has ``fit_stacked``'s shape.
"""

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jax_zoo.train.batching import Arrays
from jax_zoo.train.checkpoints import CheckpointPolicy
from jax_zoo.train.early_stopping import EarlyStoppingPolicy
from jax_zoo.train.fit import StackedFitResult, fit
from jax_zoo.train.nonfinite import NonFiniteError
from jax_zoo.train.parallel import DataParallel
from jax_zoo.train.stacked import stack_runs
from jax_zoo.train.state import TrainState
from jax_zoo.train.steps import Step


def fit_in_sequence(
    states: Sequence[TrainState],
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
    parallel: DataParallel | None = None,
) -> StackedFitResult:
    """The runs of ``fit_stacked(stack_runs(states), ...)``, each trained alone. A run whose step is
    not finite under ``nan_policy="fail"`` is reported in ``diverged`` and keeps the state it
    started with; the others go on."""
    results, diverged = [], []
    for run, (state, seed) in enumerate(zip(states, seeds, strict=True)):
        rows = None if train_indices is None else np.asarray(train_indices[run])
        evaluated = None if eval_indices is None else np.asarray(eval_indices[run])
        try:
            result = fit(
                state, train_step=train_step, eval_step=eval_step,
                train_data=train_data if rows is None else _rows(train_data, rows),
                eval_data=eval_data if evaluated is None or eval_data is None else _rows(eval_data, evaluated),
                batch_size=batch_size, eval_batch_size=eval_batch_size, epochs=epochs, seed=seed,
                workdir=None if workdir is None else Path(workdir) / f"run-{run}", progress=progress,
                checkpoint_policy=checkpoint_policy, early_stopping=early_stopping,
                run_record=(run_record or {}) | {"run": run}, num_classes=num_classes, parallel=parallel,
            )
            diverged.append(None)
        except NonFiniteError as error:
            result = None
            diverged.append({"step": error.step, "quantity": error.quantity})
        results.append(result)
    final = [result.state if result else state for result, state in zip(results, states)]
    return StackedFitResult(
        states=stack_runs(final),
        histories=[[{"run": run} | record for record in result.history] if result else [] for run, result in enumerate(results)],
        wall_seconds=sum(result.wall_seconds for result in results if result),
        compile_seconds=sum(result.compile_seconds for result in results if result),
        completed=all(result is None or result.completed for result in results),
        resumed_from_step=next((r.resumed_from_step for r in results if r and r.resumed_from_step is not None), None),
        stopped_early=[bool(result and result.stopped_early) for result in results],
        best_steps=[result.best_step if result else None for result in results],
        nonfinite_steps=[result.nonfinite_steps if result else [] for result in results],
        diverged=diverged,
    )


def _rows(arrays: Arrays, rows: np.ndarray) -> dict[str, np.ndarray]:
    return {key: value[rows] for key, value in arrays.items()}
