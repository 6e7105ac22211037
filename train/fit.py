"""The fit loop: epochs of jitted train steps, an exact evaluation after each, and a workdir
that lets any run be stopped and resumed bit for bit.

Workdir layout: ``metrics.jsonl`` (one line per epoch), ``checkpoints/<step>`` (the latest few,
each with the whole train state and a JSON record of the loop's progress) and, with early
stopping, ``best_checkpoint/<step>`` (the best evaluation so far).

Resuming is exact because nothing random is carried between steps: the data order of epoch
``e`` is a function of ``(seed, e)``, step ``n``'s randomness is ``fold_in(key, n)``, and the
record holds the epoch's running metric sums, the history and the early-stopping state.
"""

import dataclasses
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
from tqdm.auto import tqdm

from jax_zoo.train.batching import Arrays, num_examples, train_batches
from jax_zoo.train.checkpoints import CheckpointError, Checkpoints
from jax_zoo.train.compilation import CompilationLog
from jax_zoo.train.early_stopping import EarlyStoppingPolicy, MetricWatch
from jax_zoo.train.evaluate import evaluate
from jax_zoo.train.input_checks import check_fit_inputs, check_watched_metric
from jax_zoo.train.metrics import MetricAccumulator
from jax_zoo.train.nonfinite import NonFiniteError, describe_offender
from jax_zoo.train.parallel import DataParallel
from jax_zoo.train.preemption import Preempted, stop_on_signals
from jax_zoo.train.records import append_jsonl, write_jsonl_atomic
from jax_zoo.train.state import TrainState
from jax_zoo.train.steps import Step

CHECKPOINTS = "checkpoints"
BEST_CHECKPOINT = "best_checkpoint"


@dataclasses.dataclass(frozen=True)
class CheckpointPolicy:
    """When to save: every ``every_epochs`` epochs and/or ``every_steps`` steps (None: never by
    that measure), always after the last epoch and on a stop signal; keep the last ``keep``."""

    every_epochs: int | None = 1
    every_steps: int | None = None
    keep: int = 3
    best_metric: str | None = None
    """Also keep the checkpoint of the best evaluation by this record key (e.g. ``eval_accuracy``)."""
    best_mode: str = "max"

    def best_watch_policy(self) -> EarlyStoppingPolicy | None:
        """Best-checkpoint tracking without stopping: a watch that never runs out of patience."""
        if self.best_metric is None:
            return None
        return EarlyStoppingPolicy(metric=self.best_metric, mode=self.best_mode, patience=2**62, restore_best=False)

    def __post_init__(self):
        for name in ("every_epochs", "every_steps"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"checkpoint {name} must be None or >= 1, got {value}")
        if self.keep < 1:
            raise ValueError(f"checkpoint keep must be >= 1, got {self.keep}")


@dataclasses.dataclass
class FitResult:
    state: TrainState
    """The final state: the best evaluation's when early stopping restores the best."""
    history: list[dict[str, Any]]
    """One record per epoch: ``train_*`` and ``eval_*`` metrics, ``epoch``, ``step``, ``epoch_seconds``."""
    wall_seconds: float
    compile_seconds: float
    """Tracing, lowering and XLA compilation inside this call (included in ``wall_seconds``)."""
    completed: bool
    """False when ``stop_at_step`` ended the call before the last epoch."""
    resumed_from_step: int | None = None
    stopped_early: bool = False
    best_step: int | None = None
    nonfinite_steps: list[int] = dataclasses.field(default_factory=list)


class _NonFiniteLog:
    """Per-step finiteness flags, kept on the device and read with a lag, so that checking
    them never makes the host wait for the step it just dispatched. Skipped steps are printed
    as they are found and listed in the epoch records, checkpoints and results."""

    def __init__(self, policy: str, params, seen: list[int]):
        self.policy, self.params = policy, params
        self.steps = list(seen)
        self._pending: list[tuple[int, jax.Array, jax.Array]] = []

    def add(self, step: int, metrics: dict) -> None:
        if "nonfinite" in metrics:
            self._pending.append((step, metrics.pop("nonfinite"), metrics.pop("nonfinite_source")))
        if self.policy == "fail" and len(self._pending) > 1:
            self.resolve(keep_last=True)

    def resolve(self, keep_last: bool = False) -> None:
        ready = self._pending[:-1] if keep_last else self._pending
        self._pending = self._pending[-1:] if keep_last else []
        for step, flag, source in ready:
            if float(flag):
                quantity = describe_offender(int(source), self.params)
                if self.policy == "fail":
                    raise NonFiniteError(step, quantity)
                tqdm.write(f"skipped step {step}: {quantity} contains NaN or inf (nan_policy='skip')")
                self.steps.append(step)


def _initial_progress() -> dict[str, Any]:
    return {"history": [], "epoch_sums": {}, "early_stopping": None, "nonfinite_steps": [], "finished": False}


def load_final_state(workdir: str | os.PathLike, target: TrainState) -> tuple[TrainState, dict[str, Any]]:
    """The state a finished (or interrupted) run in ``workdir`` ends with, and its record."""
    with Checkpoints(Path(workdir) / CHECKPOINTS) as checkpoints:
        state, record = checkpoints.restore(target)
    if record.get("final_state_step") not in (None, record.get("step")):
        with Checkpoints(Path(workdir) / BEST_CHECKPOINT, keep=1) as best:
            state, _ = best.restore(target, step=record["final_state_step"])
    return state, record


class _RunFiles:
    """A run's checkpoints (latest few, and the best evaluation's) in ``workdir``; all no-ops
    without a workdir, so the loop reads the same either way."""

    def __init__(self, workdir: Path | None, policy: CheckpointPolicy, keeps_best: bool, run_record: dict):
        self.run_record = run_record
        self.latest = self.best = None
        if workdir is not None:
            self.latest = Checkpoints(workdir / CHECKPOINTS, keep=policy.keep)
            if keeps_best:
                self.best = Checkpoints(workdir / BEST_CHECKPOINT, keep=1)
        writes = workdir is not None and jax.process_index() == 0  # process 0 writes for all
        self.metrics_path = workdir / "metrics.jsonl" if writes else None

    def resume(self, state: TrainState) -> tuple[TrainState, dict[str, Any], int | None]:
        """The latest checkpoint's state and progress record, or ``state`` and a fresh record."""
        if self.latest is None or self.latest.latest_step() is None:
            return state, _initial_progress(), None
        state, progress = self.latest.restore(state)
        if progress["run"] != self.run_record:
            raise CheckpointError(
                f"checkpoints in {self.latest.directory} belong to another run: saved "
                f"{progress['run']}, this run is {self.run_record}"
            )
        if self.metrics_path is not None:
            # The checkpoint's history is authoritative: a kill between writing an epoch's line
            # and saving its checkpoint must not leave that epoch twice in the file.
            write_jsonl_atomic(self.metrics_path, progress["history"])
        return state, progress, int(state.step)

    def save(self, step: int, state: TrainState, record: dict[str, Any]) -> None:
        if self.latest is not None:
            self.latest.save(step, state, record)

    def save_best(self, step: int, state: TrainState, record: dict[str, Any]) -> None:
        self.best.save(step, state, {"run": self.run_record, "step": step, "record": record})

    def append_metrics(self, record: dict[str, Any]) -> None:
        if self.metrics_path is not None:
            append_jsonl(self.metrics_path, record)

    def wait(self) -> None:
        if self.latest is not None:
            self.latest.wait()

    def close(self) -> None:
        for manager in (self.latest, self.best):
            if manager is not None:
                manager.close()


def fit(
    state: TrainState,
    *,
    train_step: Step,
    eval_step: Step,
    train_data: Arrays,
    eval_data: Arrays | None,
    batch_size: int,
    epochs: int,
    seed: int,
    eval_batch_size: int | None = None,
    workdir: str | os.PathLike | None = None,
    progress: bool = True,
    checkpoint_policy: CheckpointPolicy = CheckpointPolicy(),
    early_stopping: EarlyStoppingPolicy | None = None,
    run_record: dict[str, Any] | None = None,
    num_classes: int | None = None,
    stop_at_step: int | None = None,
    parallel: DataParallel | None = None,
    on_epoch_end: Callable[[dict[str, Any]], None] | None = None,
) -> FitResult:
    """Trains for ``epochs`` epochs, evaluating on ``eval_data`` after each (none when it is None).

    With a ``workdir``, checkpoints are saved by ``checkpoint_policy`` and a workdir that already
    holds checkpoints is resumed from the latest one (``run_record``, e.g. the entry and its
    config, must then equal the saved one). SIGTERM/SIGINT finish the current step, save and
    raise ``Preempted``. ``stop_at_step`` saves and returns once that global step is done.
    Inputs are validated before anything is compiled (``jax_zoo.train.input_checks``).

    Training is data-parallel over ``parallel`` (default: every device of every process; see
    ``jax_zoo.train.parallel``): batches are sharded, the state replicated, and only process 0 writes
    ``metrics.jsonl`` (orbax coordinates the checkpoint writes of all processes).

    ``on_epoch_end(record)``, when given, is called with each epoch's record once it is logged
    (e.g. to write TensorBoard events beside ``metrics.jsonl``).
    """
    parallel = parallel or DataParallel()
    check_fit_inputs(
        train_step=train_step, eval_step=eval_step, train_data=train_data, eval_data=eval_data,
        batch_size=batch_size, eval_batch_size=eval_batch_size, epochs=epochs, seed=seed,
        num_classes=num_classes, device_count=parallel.device_count,
    )
    watch_policy = early_stopping or checkpoint_policy.best_watch_policy()
    if watch_policy is not None:
        check_watched_metric(watch_policy.metric, train_step, eval_step if eval_data is not None else None)
    files = _RunFiles(
        Path(workdir) if workdir is not None else None, checkpoint_policy, watch_policy is not None,
        dict(run_record or {}),
    )
    try:
        loop = _Loop(
            state, files=files, train_step=train_step, eval_step=eval_step, train_data=train_data,
            eval_data=eval_data, batch_size=batch_size, eval_batch_size=eval_batch_size or batch_size,
            epochs=epochs, seed=seed, checkpoint_policy=checkpoint_policy, watch_policy=watch_policy,
            stop_at_step=stop_at_step, parallel=parallel, on_epoch_end=on_epoch_end,
        )
        return loop.run(progress)
    finally:
        files.close()


class _Loop:
    """One call of ``fit``: the state, the position and the progress record, epoch by epoch."""

    def __init__(
        self, state, *, files: _RunFiles, train_step: Step, eval_step: Step, train_data: Arrays,
        eval_data: Arrays | None, batch_size: int, eval_batch_size: int, epochs: int, seed: int,
        checkpoint_policy: CheckpointPolicy, watch_policy: EarlyStoppingPolicy | None,
        stop_at_step: int | None, parallel: DataParallel, on_epoch_end: Callable[[dict[str, Any]], None] | None,
    ):
        self.start = time.perf_counter()
        self.files, self.train_step, self.eval_step = files, train_step, eval_step
        self.train_data, self.eval_data = train_data, eval_data
        self.batch_size, self.eval_batch_size, self.epochs, self.seed = batch_size, eval_batch_size, epochs, seed
        self.checkpoint_policy, self.stop_at_step, self.parallel = checkpoint_policy, stop_at_step, parallel
        self.on_epoch_end = on_epoch_end
        self.steps_per_epoch = num_examples(train_data) // batch_size
        self.total_steps = epochs * self.steps_per_epoch
        state, record, self.resumed_from = files.resume(state)
        self.state = parallel.replicate(state)
        self.step = int(self.state.step)
        self.history = list(record["history"])
        self.watch = MetricWatch(watch_policy, record["early_stopping"]) if watch_policy else None
        self.restore_best = bool(watch_policy and watch_policy.restore_best)
        self.nonfinite = _NonFiniteLog(getattr(train_step, "nan_policy", "off"), self.state.params, record["nonfinite_steps"])
        self.accumulator = MetricAccumulator(record["epoch_sums"])
        self.finished = record["finished"]
        self.best_in_memory = None
        self.saved_at = None
        self.stop_request = None

    def run(self, progress: bool) -> FitResult:
        with CompilationLog() as self.compilation, stop_on_signals() as self.stop_request, tqdm(
            total=self.total_steps, initial=self.step, unit="step", disable=not progress, dynamic_ncols=True,
            leave=False,
        ) as self.bar:
            while self.step < self.total_steps and not self.finished:
                if not self._epoch():
                    return self._result(completed=False)
            self.files.wait()
            if self.restore_best and self.watch.best_step not in (None, self.step):
                if self.best_in_memory is not None:
                    self.state = self.parallel.replicate(self.best_in_memory)
                else:
                    self.state, _ = self.files.best.restore(self.state, step=self.watch.best_step)
            return self._result(completed=True, stopped_early=bool(self.watch and self.watch.should_stop))

    def _epoch(self) -> bool:
        """Trains to the end of the current epoch and closes it; False when told to stop first."""
        epoch, position = divmod(self.step, self.steps_per_epoch)
        self.bar.set_description(f"epoch {epoch + 1}/{self.epochs}")
        epoch_start = time.perf_counter()
        batches = train_batches(self.train_data, self.batch_size, seed=self.seed, epoch=epoch, start_batch=position)
        for batch in batches:
            self.state, metrics = self.train_step(self.state, self.parallel.shard_batch(batch))
            self.nonfinite.add(self.step, metrics)
            self.accumulator.add(metrics)
            self.step += 1
            self.bar.update()
            if self.step % self.steps_per_epoch == 0:
                break  # the epoch's end is handled below, before any stop
            if self._stop_now():
                return False
            if self.checkpoint_policy.every_steps and self.step % self.checkpoint_policy.every_steps == 0:
                self._save()
        self._close_epoch(epoch, epoch_start)
        return self.finished or not self._stop_now()

    def _close_epoch(self, epoch: int, epoch_start: float) -> None:
        """The epoch's record (train and eval metrics), early stopping's verdict and its checkpoint."""
        self.nonfinite.resolve()
        record = {"epoch": epoch + 1, "step": self.step}
        skipped = [s for s in self.nonfinite.steps if self.step - self.steps_per_epoch <= s < self.step]
        if skipped:
            record["skipped_steps"] = skipped
        record |= _prefixed("train", self.accumulator.result())
        if self.eval_data is not None:
            metrics = evaluate(self.eval_step, self.state, self.eval_data, self.eval_batch_size, self.parallel)
            record |= _prefixed("eval", metrics)
        record["epoch_seconds"] = time.perf_counter() - epoch_start
        self.history.append(record)
        self.accumulator = MetricAccumulator()
        self.bar.set_postfix({k: f"{v:.4g}" for k, v in record.items() if k.startswith("eval_")})
        self.files.append_metrics(record)
        if self.on_epoch_end is not None:
            self.on_epoch_end(record)
        if self.watch and self.watch.update(record):
            if self.files.best is not None:
                self.files.save_best(self.step, self.state, record)
            elif self.restore_best:
                self.best_in_memory = jax.tree.map(self.parallel.gather, self.state)
        self.finished = bool(self.watch and self.watch.should_stop) or self.step == self.total_steps
        every = self.checkpoint_policy.every_epochs
        if self.finished or (every and (epoch + 1) % every == 0):
            final_step = self.watch.best_step if (self.finished and self.restore_best) else None
            self._save(finished=self.finished, final_state_step=final_step)

    def _save(self, finished: bool = False, final_state_step: int | None = None) -> None:
        self.nonfinite.resolve()
        self.saved_at = self.step
        self.files.save(self.step, self.state, {
            "run": self.files.run_record, "step": self.step, "epoch": self.step // self.steps_per_epoch,
            "position": self.step % self.steps_per_epoch, "seed": self.seed, "history": self.history,
            "epoch_sums": self.accumulator.sums(),
            "early_stopping": self.watch.state_dict() if self.watch else None,
            "nonfinite_steps": self.nonfinite.steps, "finished": finished,
            "final_state_step": final_state_step,
        })

    def _stop_now(self) -> bool:
        """Saves and says to stop when asked to (a signal or ``stop_at_step``)."""
        if not (self.stop_request or self.step == self.stop_at_step):
            return False
        if self.saved_at != self.step:
            self._save()
        self.files.wait()
        if self.stop_request:
            directory = self.files.latest and str(self.files.latest.directory)
            raise Preempted(self.stop_request.signal_name, self.step, directory)
        return True

    def _result(self, completed: bool, stopped_early: bool = False) -> FitResult:
        return FitResult(
            state=self.state,
            history=self.history,
            wall_seconds=time.perf_counter() - self.start,
            compile_seconds=self.compilation.seconds(),
            completed=completed,
            resumed_from_step=self.resumed_from,
            stopped_early=stopped_early,
            best_step=self.watch.best_step if self.watch else None,
            nonfinite_steps=list(self.nonfinite.steps),
        )


def _prefixed(prefix: str, metrics: dict[str, float]) -> dict[str, float]:
    return {f"{prefix}_{name}": value for name, value in metrics.items() if name != "count"}
