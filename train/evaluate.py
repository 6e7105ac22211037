"""Evaluation over a whole split, each example counted exactly once."""

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
