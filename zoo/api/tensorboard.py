"""TensorBoard event files of a run's epoch records, written beside ``metrics.jsonl``.

Written with tensorboardX, which needs neither TensorFlow nor TensorBoard; view them with
``tensorboard --logdir runs/`` (each workdir is one run). Each metric is a section holding its
train and validation curves by step (``loss/train``, ``loss/validation``), plus
``time/epoch_seconds``.

Asked for (``zoo train --tensorboard``), not on whenever tensorboardX is installed: tensorboardX
imports PyTorch when that is installed too, which makes a run start seconds later.
"""

import os
from typing import Any

from jax_zoo.core.errors import ZooError

PREFIXES = {"train": "train", "eval": "validation"}


def scalars(record: dict[str, Any]) -> dict[str, float]:
    """``{"train_loss": 0.3, "eval_accuracy": 0.9, "epoch_seconds": 1.2, ...}`` ->
    ``{"loss/train": 0.3, "accuracy/validation": 0.9, "time/epoch_seconds": 1.2}``."""
    tags = {}
    for key, value in record.items():
        prefix, _, name = key.partition("_")
        if prefix in PREFIXES and name and isinstance(value, (int, float)):
            tags[f"{name}/{PREFIXES[prefix]}"] = float(value)
    if "epoch_seconds" in record:
        tags["time/epoch_seconds"] = float(record["epoch_seconds"])
    return tags


class EpochEvents:
    """A callable for ``jax_zoo.train.fit``'s ``on_epoch_end``: each record becomes scalar events at its
    step, flushed at once so a running TensorBoard shows every finished epoch."""

    def __init__(self, logdir: str | os.PathLike):
        try:
            from tensorboardX import SummaryWriter
        except ImportError:
            raise ZooError(
                "--tensorboard: expected the tensorboardX package, which is not installed "
                "(pip install 'jax-zoo[tensorboard]')"
            ) from None
        self.writer = SummaryWriter(logdir=str(logdir))

    def __call__(self, record: dict[str, Any]) -> None:
        for tag, value in scalars(record).items():
            self.writer.add_scalar(tag, value, global_step=record["step"])
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()
