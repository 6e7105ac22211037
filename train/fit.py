"""The fit loop: epochs of jitted train steps, an exact evaluation after each, logged to the workdir."""

import dataclasses
import os
import time
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from train.batching import Arrays, num_examples, steps_per_epoch, train_batches
from train.compilation import CompilationLog
from train.evaluate import evaluate
from train.metrics import MetricAccumulator
from train.records import append_jsonl
from train.state import TrainState
from train.steps import Step


@dataclasses.dataclass
class FitResult:
    state: TrainState
    history: list[dict[str, Any]]
    """One record per epoch: ``train_*`` and ``eval_*`` metrics, ``epoch``, ``step``, ``epoch_seconds``."""
    wall_seconds: float
    compile_seconds: float
    """Tracing, lowering and XLA compilation inside ``fit`` (included in ``wall_seconds``)."""


def _prefixed(prefix: str, metrics: dict[str, float]) -> dict[str, float]:
    return {f"{prefix}_{name}": value for name, value in metrics.items() if name != "count"}


def fit(
    state: TrainState,
    *,
    train_step: Step,
    eval_step: Step,
    train_data: Arrays,
    eval_data: Arrays,
    batch_size: int,
    epochs: int,
    seed: int,
    eval_batch_size: int | None = None,
    workdir: str | os.PathLike | None = None,
    progress: bool = True,
) -> FitResult:
    """Trains for ``epochs`` epochs and evaluates on ``eval_data`` after each.

    The training order of epoch ``e`` is a function of ``(seed, e)`` alone. Metrics stay on the
    device during an epoch and are fetched once at its end; each epoch's record is appended to
    ``workdir/metrics.jsonl`` when a workdir is given.
    """
    train_size = num_examples(train_data)
    if not 1 <= batch_size <= train_size:
        raise ValueError(f"batch_size must be between 1 and the {train_size} training examples, got {batch_size}")
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    eval_batch_size = eval_batch_size or batch_size
    metrics_path = Path(workdir) / "metrics.jsonl" if workdir is not None else None
    steps = steps_per_epoch(train_data, batch_size)
    history = []
    start = time.perf_counter()
    with CompilationLog() as compilation, tqdm(
        total=epochs * steps, unit="step", disable=not progress, dynamic_ncols=True, leave=False
    ) as bar:
        for epoch in range(epochs):
            epoch_start = time.perf_counter()
            bar.set_description(f"epoch {epoch + 1}/{epochs}")
            train_metrics = MetricAccumulator()
            for batch in train_batches(train_data, batch_size, seed=seed, epoch=epoch):
                state, metrics = train_step(state, batch)
                train_metrics.add(metrics)
                bar.update()
            record = {"epoch": epoch + 1, "step": (epoch + 1) * steps}
            record |= _prefixed("train", train_metrics.result())
            record |= _prefixed("eval", evaluate(eval_step, state, eval_data, eval_batch_size))
            record["epoch_seconds"] = time.perf_counter() - epoch_start
            history.append(record)
            bar.set_postfix({k: f"{v:.4g}" for k, v in record.items() if k.startswith("eval_")})
            if metrics_path is not None:
                append_jsonl(metrics_path, record)
    return FitResult(
        state=state,
        history=history,
        wall_seconds=time.perf_counter() - start,
        compile_seconds=compilation.seconds(),
    )
