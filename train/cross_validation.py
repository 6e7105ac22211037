"""Stratified K-fold cross-validation that compiles its steps once for all folds."""

from collections.abc import Callable
from typing import Any

import numpy as np

from jax_zoo.train.batching import Arrays
from jax_zoo.train.compilation import CompilationLog
from jax_zoo.train.fit import fit, fit_stacked
from jax_zoo.train.input_checks import InputError
from jax_zoo.train.stacked import stack_runs
from jax_zoo.train.state import TrainState
from jax_zoo.train.steps import Step


def stratified_folds(labels: np.ndarray, folds: int, seed: int) -> list[np.ndarray]:
    """Indices of ``folds`` disjoint held-out sets covering every example, each with (to within
    one example) the same share of every class. Written by hand (a few lines of numpy) because
    ``train`` does not depend on scikit-learn; it matches ``StratifiedKFold``'s contract."""
    labels = np.asarray(labels)
    counts = np.bincount(labels) if labels.size else np.array([])
    if folds < 2:
        raise InputError(f"cross-validation needs at least 2 folds, got {folds}")
    if folds > len(labels):
        raise InputError(f"{folds} folds need at least {folds} examples, got {len(labels)}")
    rng = np.random.default_rng(seed)
    assignment = np.empty(len(labels), dtype=np.int64)
    offset = 0
    for label in np.flatnonzero(counts):
        of_class = rng.permutation(np.flatnonzero(labels == label))
        # Continue the round robin where the previous class stopped, so fold sizes stay balanced.
        assignment[of_class] = (offset + np.arange(len(of_class))) % folds
        offset += len(of_class)
    return [np.flatnonzero(assignment == fold) for fold in range(folds)]


def cross_validate(
    initial_state: Callable[[int], TrainState],
    *,
    train_step: Step,
    eval_step: Step,
    data: Arrays,
    folds: int,
    batch_size: int,
    epochs: int,
    seed: int,
    eval_batch_size: int | None = None,
    num_classes: int | None = None,
    progress: bool = False,
    parallel: bool = False,
) -> dict[str, Any]:
    """Trains on ``folds - 1`` folds and evaluates on the held-out one, for every fold.

    ``initial_state(train_examples)`` makes each fold's fresh state from the number of examples
    it trains on, so an optimizer schedule sized by steps ends where the fold's training does.
    The same ``train_step`` and ``eval_step`` serve every fold: batches have one shape, so
    each is compiled once (``compiles`` in the result counts XLA compilations by step).
    Returns per-fold final metrics and their mean and (population) standard deviation.

    ``parallel`` trains the folds as stacked runs (``jax_zoo.train.fit_stacked``; ``thread_groups``
    in the result says in how many groups): each run reads its own fold's batches, in the order
    the sequential run gives them, so the numbers are the sequential ones to within float rounding.
    """
    held_out = stratified_folds(data["targets"], folds, seed)
    trainings = [np.setdiff1d(np.arange(len(data["targets"])), validation) for validation in held_out]
    with CompilationLog() as compilation:
        if parallel:
            result = fit_stacked(
                stack_runs([initial_state(len(training)) for training in trainings]),
                train_step=train_step, eval_step=eval_step, train_data=data, train_indices=trainings,
                eval_data=data, eval_indices=held_out, batch_size=batch_size, eval_batch_size=eval_batch_size,
                epochs=epochs, seeds=[seed] * folds, num_classes=num_classes, progress=progress,
            )
            finals = [history[-1] for history in result.histories]
            thread_groups = result.thread_groups
        else:
            thread_groups = 1
            finals = [
                fit(
                    initial_state(len(training)),
                    train_step=train_step, eval_step=eval_step,
                    train_data={key: value[training] for key, value in data.items()},
                    eval_data={key: value[validation] for key, value in data.items()},
                    batch_size=batch_size, eval_batch_size=eval_batch_size, epochs=epochs, seed=seed,
                    num_classes=num_classes, progress=progress,
                ).history[-1]
                for training, validation in zip(trainings, held_out)
            ]
    per_fold = [
        {"fold": fold, "train_examples": len(training), "validation_examples": len(validation),
         **{k.removeprefix("eval_"): v for k, v in final.items() if k.startswith("eval_")}}
        for fold, (training, validation, final) in enumerate(zip(trainings, held_out, finals))
    ]
    names = [name for name in per_fold[0] if name not in ("fold", "train_examples", "validation_examples")]
    return {
        "folds": per_fold,
        "mean": {name: float(np.mean([fold[name] for fold in per_fold])) for name in names},
        "std": {name: float(np.std([fold[name] for fold in per_fold])) for name in names},
        "thread_groups": thread_groups,
        "compiles": {
            "train_step": compilation.compiles(train_step.name),
            "eval_step": compilation.compiles(eval_step.name),
        },
        "parallel": parallel,
    }
