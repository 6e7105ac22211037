"""Checks of everything ``fit`` is handed, run before anything is traced or compiled."""

from collections.abc import Mapping

import numpy as np

from jax_zoo.train.batch_spec import InputError, check_batch


def _positive_int(name: str, value, minimum: int = 1, limit: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if limit is not None and value >= limit:
        raise InputError(f"{name} must be an integer below {limit}, got {value!r}")


def check_seed(seed) -> None:
    _positive_int("seed", seed, minimum=0, limit=2**32)  # JAX's keys hold 32 bits of seed


def check_dataset(name: str, arrays: Mapping[str, np.ndarray]) -> int:
    """A dict of equally long arrays with ``inputs`` and ``targets`` and at least one example."""
    if not isinstance(arrays, Mapping) or not {"inputs", "targets"} <= set(arrays):
        keys = sorted(arrays) if isinstance(arrays, Mapping) else type(arrays).__name__
        raise InputError(f"{name} must be a dict with 'inputs' and 'targets' arrays, got {keys}")
    scalars = sorted(key for key, value in arrays.items() if np.ndim(value) == 0)
    if scalars:
        raise InputError(f"{name}: expected arrays of one row per example, got scalars for {scalars}")
    lengths = {key: np.shape(value)[0] for key, value in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise InputError(f"{name}: every array must have one length, got {lengths}")
    size = lengths["targets"]
    if size == 0:
        raise InputError(f"{name} is empty: expected at least one example")
    return size


def check_labels(name: str, targets: np.ndarray, num_classes: int) -> None:
    """Integer class labels in ``[0, num_classes)``."""
    targets = np.asarray(targets)
    if not np.issubdtype(targets.dtype, np.integer):
        raise InputError(f"{name} labels must be integers in [0, {num_classes}), got dtype {targets.dtype}")
    low, high = int(targets.min()), int(targets.max())
    if low < 0 or high >= num_classes:
        bad = targets[(targets < 0) | (targets >= num_classes)]
        raise InputError(
            f"{name} labels must lie in [0, {num_classes}), got values from {low} to {high} "
            f"({len(bad)} out of range, e.g. {bad[:5].tolist()})"
        )


def check_watched_metric(metric: str, train_step, eval_step, extra_eval_names: tuple[str, ...] = ()) -> None:
    """Early stopping must watch a metric the epoch records will hold (no ``eval_`` ones without
    ``eval_step``); ``extra_eval_names``: the scores computed beside the eval step (``EvalScores``)."""
    available = [f"train_{name}" for name in train_step.metric_names]
    if eval_step is not None:
        available += [f"eval_{name}" for name in (*eval_step.metric_names, *extra_eval_names)]
    if metric not in available:
        raise InputError(f"early stopping watches {metric!r}, but epoch records hold {available}")


def check_fit_inputs(
    *, train_step, eval_step, train_data, eval_data, batch_size, eval_batch_size, epochs, seed, num_classes,
    device_count: int = 1,
) -> None:
    _positive_int("batch_size", batch_size)
    _positive_int("epochs", epochs)
    check_seed(seed)
    if eval_batch_size is not None:
        _positive_int("eval_batch_size", eval_batch_size)
    train_size = check_dataset("training data", train_data)
    if eval_data is not None:
        check_dataset("evaluation data", eval_data)
    if batch_size > train_size:
        raise InputError(f"batch_size {batch_size} is larger than the {train_size} training examples")
    for size_name, size in (("batch_size", batch_size), ("eval_batch_size", eval_batch_size or batch_size)):
        if size % device_count:
            raise InputError(
                f"{size_name} {size} must divide evenly over the {device_count} devices "
                f"(e.g. {size - size % device_count or device_count})"
            )
    for step, name, data in ((train_step, "training data", train_data), (eval_step, "evaluation data", eval_data)):
        if data is not None and step.example_spec is not None:
            check_batch({key: data[key] for key in step.example_spec if key in data}, step.example_spec, where=name)
    if num_classes is not None:
        check_labels("training data", train_data["targets"], num_classes)
        if eval_data is not None:
            check_labels("evaluation data", eval_data["targets"], num_classes)
