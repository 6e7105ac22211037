"""Evaluation over a whole split, each example counted exactly once."""

import jax
import numpy as np

from jax_zoo.train.batching import Arrays, eval_batches
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
    for batch in eval_batches(arrays, batch_size):
        accumulator.add(eval_step(state, parallel.shard_batch(batch) if parallel else batch))
    return accumulator.result()


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
