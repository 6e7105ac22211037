"""Evaluation over a whole split, each example counted exactly once."""

import jax
import numpy as np

from train.batching import Arrays, eval_batches
from train.metrics import MetricAccumulator
from train.state import TrainState
from train.steps import Step


def evaluate(eval_step: Step, state: TrainState, arrays: Arrays, batch_size: int) -> dict[str, float]:
    """Means of the eval step's metrics over every example of ``arrays`` (padding masked out)."""
    accumulator = MetricAccumulator()
    for batch in eval_batches(arrays, batch_size):
        accumulator.add(eval_step(state, batch))
    return accumulator.result()


def predict(predict_step: Step, state: TrainState, arrays: Arrays, batch_size: int) -> np.ndarray:
    """The model's outputs for every example of ``arrays``, in order, padding removed."""
    outputs = [
        (predict_step(state, batch), batch["mask"] > 0) for batch in eval_batches(arrays, batch_size)
    ]
    return np.concatenate([np.asarray(jax.device_get(out))[real] for out, real in outputs])
