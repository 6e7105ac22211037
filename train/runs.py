"""What the training loop (``jax_zoo.train.loop``) trains: one run, or stacked runs.

Both answer the loop's few questions the same way: the batches of an epoch, one step, the
epoch's metrics per run, the evaluation per run, and how the best states are kept. ``OneRun``
calls the train step itself (nothing stacked, nothing vmapped); ``StackedRuns`` calls its
vmapped step (``jax_zoo.train.stacked``) with the runs still training.
"""

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import jax
import jax.numpy as jnp
import numpy as np

from jax_zoo.train.batching import (
    Arrays, batches_at, is_streamed, num_examples, stacked_train_batches, train_batch_indices, train_batches,
)
from jax_zoo.train.evaluate import evaluate, evaluate_stacked
from jax_zoo.train.input_checks import InputError
from jax_zoo.train.metrics import MetricAccumulator
from jax_zoo.train.parallel import DataParallel
from jax_zoo.train.stacked import make_stacked_eval_step, make_stacked_train_step, run_count, where_active
from jax_zoo.train.state import TrainState
from jax_zoo.train.steps import Step
from jax_zoo.train.thread_groups import ThreadGroups


class GroupParts:
    """Stacked states held as their thread groups' parts between steps (``StackedRuns.whole`` joins them)."""

    def __init__(self, parts: list[TrainState]):
        self.parts = parts


class EvalScores(Protocol):
    """Scores of a state computed outside the eval step after each evaluation, e.g. of decoded
    outputs: ``scores(state) -> {name: value}``, the names listed in ``metric_names``; the
    epoch record holds them as ``eval_<name>`` beside the eval step's metrics."""

    metric_names: tuple[str, ...]

    def __call__(self, state: TrainState) -> dict[str, float]: ...


class OneRun:
    """One train state, trained and evaluated by the steps themselves: what ``fit`` trains."""

    count = 1
    stacked = False
    """Its checkpoint record holds the run's progress as its own fields; under
    ``nan_policy="fail"`` a non-finite step ends the call (``NonFiniteError``)."""

    def __init__(
        self, *, train_step: Step, eval_step: Step, train_data: Arrays, eval_data: Arrays | None, batch_size: int,
        eval_batch_size: int, seed: int, parallel: DataParallel, eval_scores: EvalScores | None = None,
    ):
        self.train_step, self.eval_step, self.parallel = train_step, eval_step, parallel
        self.eval_scores = eval_scores
        self.extra_eval_names = tuple(eval_scores.metric_names) if eval_scores is not None else ()
        self.train_data, self.eval_data = train_data, eval_data
        self.batch_size, self.eval_batch_size, self.seeds = batch_size, eval_batch_size, [seed]
        self.steps_per_epoch = num_examples(train_data) // batch_size

    def place(self, state: TrainState, active: list[bool]) -> TrainState:
        return self.parallel.replicate(state)

    def batches(self, epoch: int, start_batch: int) -> Iterator[dict[str, np.ndarray]]:
        if not self.reads_own_rows:
            return train_batches(self.train_data, self.batch_size, seed=self.seeds[0], epoch=epoch, start_batch=start_batch)
        indices = train_batch_indices(
            num_examples(self.train_data), self.batch_size, seed=self.seeds[0], epoch=epoch, start_batch=start_batch,
        )
        return batches_at(self.train_data, [rows[self.parallel.process_rows(len(rows))] for rows in indices])

    @property
    def reads_own_rows(self) -> bool:
        """Whether each process reads only its own rows of each batch: data on disk, several processes."""
        return is_streamed(self.train_data) and jax.process_count() > 1

    def step(self, state: TrainState, batch: dict[str, np.ndarray]) -> tuple[TrainState, dict[str, jax.Array]]:
        return self.train_step(state, self.parallel.shard_batch(batch, local=self.reads_own_rows))

    @staticmethod
    def whole(state: TrainState) -> TrainState:
        """The state itself: nothing is split."""
        return state

    def close(self) -> None:
        """Nothing to stop."""

    def train_means(self, accumulator: MetricAccumulator) -> list[dict[str, float]]:
        return [accumulator.result()]

    def evaluate(self, state: TrainState) -> list[dict[str, float]]:
        metrics = evaluate(self.eval_step, state, self.eval_data, self.eval_batch_size, self.parallel)
        return [metrics | (self.eval_scores(state) if self.eval_scores is not None else {})]

    def set_active(self, active: list[bool]) -> None:
        """Nothing to mask: the loop ends when its one run stops."""

    def keep_best(self, state: TrainState, improved: list[bool], kept: Any) -> Any:
        """A host copy of the state (the next step donates its arrays)."""
        return jax.tree.map(self.parallel.gather, state)

    def with_best(self, state: TrainState, has_best: list[bool], kept: Any) -> TrainState:
        return self.parallel.replicate(kept)

    @staticmethod
    def label(run: int) -> dict[str, int]:
        """What an epoch record says of its run: nothing, there is one."""
        return {}


class StackedRuns:
    """Stacked states (``jax_zoo.train.stacked.stack_runs``): run ``r`` trains on ``train_data`` rows
    ``train_rows[r]`` (default: every row) in the order of its own ``seeds[r]``, exactly the batches
    ``OneRun`` would give it alone; when every run has the same rows and seed, the batch is shared
    (read once, not stacked). Run ``r`` is evaluated on its own ``eval_rows[r]`` or on all of it."""

    stacked = True
    """The checkpoint record lists the runs' progress; under ``nan_policy="fail"`` a run whose
    step is not finite keeps its last good state and stops, the others go on."""
    extra_eval_names: tuple[str, ...] = ()
    """Stacked runs are scored by their eval step alone."""

    def __init__(
        self, states: TrainState, *, train_step: Step, eval_step: Step, train_data: Arrays, eval_data: Arrays | None,
        batch_size: int, eval_batch_size: int, seeds: Sequence[int], train_rows: Sequence[np.ndarray] | None,
        eval_rows: Sequence[np.ndarray] | None, parallel: DataParallel, thread_groups: int = 1,
    ):
        self.count = run_count(states)
        if len(seeds) != self.count:
            raise InputError(f"expected one seed per run ({self.count}), got {len(seeds)}")
        self.seeds, self.parallel = list(seeds), parallel
        self.shared = train_rows is None and len(set(self.seeds)) == 1
        self.train_rows = _rows(train_rows, num_examples(train_data), self.count)
        steps = {len(rows) // batch_size for rows in self.train_rows}
        if len(steps) != 1 or 0 in steps:
            raise InputError(
                f"runs must make the same number of steps per epoch with batch_size {batch_size}, "
                f"got training sets of {sorted({len(rows) for rows in self.train_rows})} examples"
            )
        self.steps_per_epoch = steps.pop()
        self.eval_rows = None if eval_rows is None else _rows(eval_rows, num_examples(eval_data), self.count)
        self.train_step = make_stacked_train_step(train_step, shared_batch=self.shared)
        self.eval_step = make_stacked_eval_step(eval_step, shared_batch=eval_rows is None)
        self.train_data, self.eval_data = train_data, eval_data
        self.batch_size, self.eval_batch_size = batch_size, eval_batch_size
        self.batch_axis = 0 if self.shared else 1
        self.active = None
        self.groups = ThreadGroups(self.count, thread_groups) if thread_groups != 1 else None
        self.active_parts = None

    def place(self, states: TrainState, active: list[bool]) -> TrainState:
        self.set_active(active)
        return self.parallel.replicate(states)

    def batches(self, epoch: int, start_batch: int) -> Iterator[dict[str, np.ndarray]]:
        if self.shared:
            return train_batches(self.train_data, self.batch_size, seed=self.seeds[0], epoch=epoch, start_batch=start_batch)
        return stacked_train_batches(
            self.train_data, self.batch_size, rows=self.train_rows, seeds=self.seeds, epoch=epoch, start_batch=start_batch,
        )

    def step(self, states: Any, batch: dict[str, np.ndarray]) -> tuple[Any, dict[str, jax.Array]]:
        if self.groups is None:
            states, self.active, metrics = self.train_step(states, self.parallel.shard_batch(batch, self.batch_axis), self.active)
            return states, metrics
        # In thread groups the states stay split from step to step; ``whole`` joins them.
        parts = states.parts if isinstance(states, GroupParts) else self.groups.split(states)
        if self.active_parts is None:
            self.active_parts = self.groups.split(self.active)
        batches = [batch] * self.groups.count if self.shared else self.groups.split_host(batch)
        batches = [self.parallel.shard_batch(part, self.batch_axis) for part in batches]
        outputs = self.groups.map(self.train_step, parts, batches, self.active_parts)
        self.active_parts = [active for _, active, _ in outputs]
        return GroupParts([state for state, _, _ in outputs]), self.groups.join([metrics for _, _, metrics in outputs])

    def whole(self, states: Any) -> TrainState:
        """The stacked states as one tree (thread groups hold their parts between steps)."""
        if not isinstance(states, GroupParts):
            return states
        self.active = self.groups.join(self.active_parts)
        return self.groups.join(states.parts)

    def close(self) -> None:
        """Stops the groups' threads."""
        if self.groups is not None:
            self.groups.close()

    def train_means(self, accumulator: MetricAccumulator) -> list[dict[str, float]]:
        return accumulator.per_run()

    def evaluate(self, states: TrainState) -> list[dict[str, float]]:
        return evaluate_stacked(self.eval_step, states, self.eval_data, self.eval_batch_size, self.eval_rows, self.parallel)

    def set_active(self, active: list[bool]) -> None:
        """Which runs train on: a stopped or diverged one keeps its state."""
        self.active = self.parallel.replicate(jnp.asarray(active))
        self.active_parts = None

    def keep_best(self, states: TrainState, improved: list[bool], kept: Any) -> TrainState:
        """The improved runs' states beside the others' kept best, in buffers of their own (the
        next step donates the states' arrays)."""
        return _select(jnp.asarray(improved), states, states if kept is None else kept)

    def with_best(self, states: TrainState, has_best: list[bool], kept: TrainState) -> TrainState:
        return _select(jnp.asarray(has_best), kept, states)

    @staticmethod
    def label(run: int) -> dict[str, int]:
        return {"run": run}


_select = jax.jit(where_active)


def _rows(indices: Sequence[np.ndarray] | None, size: int, count: int) -> list[np.ndarray]:
    if indices is None:
        return [np.arange(size)] * count
    if len(indices) != count:
        raise InputError(f"expected one index array per run ({count}), got {len(indices)}")
    return [np.asarray(rows) for rows in indices]
