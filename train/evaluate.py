"""Evaluation over a whole split, each example counted exactly once."""

from collections.abc import Iterator, Sequence

import jax
import numpy as np

from jax_zoo.train.batching import Arrays, batches_at, eval_batches, is_streamed
from jax_zoo.train.metrics import MetricAccumulator
from jax_zoo.train.parallel import DataParallel
from jax_zoo.train.state import TrainState
from jax_zoo.train.steps import Step


def evaluate(
    eval_step: Step, state: TrainState, arrays: Arrays, batch_size: int, parallel: DataParallel | None = None
) -> dict[str, float]:
    """Means of the eval step's metrics over every example of ``arrays`` (padding masked out).

    With ``parallel``, batches are sharded over its devices (``state`` must be replicated there).
    """
    accumulator = MetricAccumulator()
    own_rows = parallel is not None and is_streamed(arrays) and jax.process_count() > 1
    rows = parallel.process_rows(batch_size) if own_rows else slice(None)
    for batch in eval_batches(arrays, batch_size, rows=rows):
        accumulator.add(eval_step(state, parallel.shard_batch(batch, local=own_rows) if parallel else batch))
    return accumulator.result()


def evaluate_stacked(
    stacked_eval_step: Step, states: TrainState, arrays: Arrays, batch_size: int,
    rows: Sequence[np.ndarray] | None = None, parallel: DataParallel | None = None,
) -> list[dict[str, float]]:
    """Each stacked run's metrics (``jax_zoo.train.stacked.make_stacked_eval_step``) over all of
    ``arrays`` (a shared batch) or over its own ``rows[r]`` of it (a per-run batch, padded and
    masked to one length)."""
    accumulator = MetricAccumulator()
    batches = eval_batches(arrays, batch_size) if rows is None else _per_run_eval_batches(arrays, batch_size, rows)
    batch_axis = 0 if rows is None else 1
    for batch in batches:
        accumulator.add(stacked_eval_step(states, parallel.shard_batch(batch, batch_axis) if parallel else batch))
    return accumulator.per_run()


def _per_run_eval_batches(arrays: Arrays, batch_size: int, rows: Sequence[np.ndarray]) -> Iterator[dict[str, np.ndarray]]:
    """``<...>[runs, batch, ...]``: run ``r``'s ``rows[r]`` in order, padded with row 0 (``mask`` 0)."""
    length = -(-max(len(r) for r in rows) // batch_size) * batch_size
    padded = np.stack([np.concatenate([r, np.zeros(length - len(r), r.dtype)]) for r in rows])
    real = np.stack([np.arange(length) < len(r) for r in rows]).astype(np.float32)
    starts = range(0, length, batch_size)
    for start, batch in zip(starts, batches_at(arrays, [padded[:, start : start + batch_size] for start in starts])):
        yield batch | {"mask": real[:, start : start + batch_size]}


def predict(
    predict_step: Step, state: TrainState, arrays: Arrays, batch_size: int, parallel: DataParallel | None = None
) -> np.ndarray:
    """The model's outputs for every example of ``arrays``, in order, padding removed."""
    outputs = []
    for batch in eval_batches(arrays, batch_size):
        output = predict_step(state, parallel.shard_batch(batch) if parallel else batch)
        outputs.append((output, batch["mask"] > 0))
    gather = parallel.gather if parallel else (lambda array: np.asarray(jax.device_get(array)))
    return np.concatenate([gather(output)[real] for output, real in outputs])
