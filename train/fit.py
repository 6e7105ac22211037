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

from train.batching import Arrays, num_examples, train_batches
from train.checkpoints import CheckpointError, Checkpoints
from train.compilation import CompilationLog
from train.early_stopping import EarlyStoppingPolicy, MetricWatch
from train.evaluate import evaluate
from train.input_checks import check_fit_inputs, check_watched_metric
from train.metrics import MetricAccumulator
from train.nonfinite import NonFiniteError, describe_offender
from train.parallel import DataParallel
from train.preemption import Preempted, stop_on_signals
from train.records import append_jsonl, write_jsonl_atomic
from train.state import TrainState
from train.steps import Step

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
    Inputs are validated before anything is compiled (``train.input_checks``).

    Training is data-parallel over ``parallel`` (default: every device of every process; see
    ``train.parallel``): batches are sharded, the state replicated, and only process 0 writes
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
    start = time.perf_counter()
    eval_batch_size = eval_batch_size or batch_size
    steps_per_epoch = num_examples(train_data) // batch_size
    total_steps = epochs * steps_per_epoch
    run_record = dict(run_record or {})
    workdir = Path(workdir) if workdir is not None else None
    checkpoints = best_checkpoints = None
    if workdir is not None:
        checkpoints = Checkpoints(workdir / CHECKPOINTS, keep=checkpoint_policy.keep)
        if watch_policy is not None:
            best_checkpoints = Checkpoints(workdir / BEST_CHECKPOINT, keep=1)
    try:
        progress_record, resumed_from = _initial_progress(), None
        if checkpoints is not None and checkpoints.latest_step() is not None:
            state, progress_record = checkpoints.restore(state)
            if progress_record["run"] != run_record:
                raise CheckpointError(
                    f"checkpoints in {checkpoints.directory} belong to another run: saved "
                    f"{progress_record['run']}, this run is {run_record}"
                )
            resumed_from = int(state.step)
        state = parallel.replicate(state)
        history = list(progress_record["history"])
        watch = MetricWatch(watch_policy, progress_record["early_stopping"]) if watch_policy else None
        restore_best = bool(watch_policy and watch_policy.restore_best)
        nonfinite = _NonFiniteLog(getattr(train_step, "nan_policy", "off"), state.params, progress_record["nonfinite_steps"])
        step = int(state.step)
        metrics_path = workdir / "metrics.jsonl" if workdir is not None and jax.process_index() == 0 else None
        if metrics_path is not None and resumed_from is not None:
            # The checkpoint's history is authoritative: a kill between writing an epoch's line
            # and saving its checkpoint must not leave that epoch twice in the file.
            write_jsonl_atomic(metrics_path, history)

        def save(finished: bool = False, final_state_step: int | None = None) -> None:
            nonfinite.resolve()
            if checkpoints is None:
                return
            record = {
                "run": run_record, "step": step, "epoch": step // steps_per_epoch,
                "position": step % steps_per_epoch, "seed": seed, "history": history,
                "epoch_sums": accumulator.sums(),
                "early_stopping": watch.state_dict() if watch else None,
                "nonfinite_steps": nonfinite.steps, "finished": finished,
                "final_state_step": final_state_step,
            }
            checkpoints.save(step, state, record)

        accumulator = MetricAccumulator(progress_record["epoch_sums"])
        finished = progress_record["finished"]
        best_in_memory = None
        with CompilationLog() as compilation, stop_on_signals() as stop_request, tqdm(
            total=total_steps, initial=step, unit="step", disable=not progress, dynamic_ncols=True, leave=False
        ) as bar:

            def stop_now() -> bool:
                """Saves and says to stop when asked to (signal or ``stop_at_step``)."""
                if not (stop_request or step == stop_at_step):
                    return False
                if saved_at != step:
                    save()
                if checkpoints is not None:
                    checkpoints.wait()
                if stop_request:
                    raise Preempted(stop_request.signal_name, step, checkpoints and str(checkpoints.directory))
                return True

            saved_at = None
            while step < total_steps and not finished:
                epoch, position = divmod(step, steps_per_epoch)
                bar.set_description(f"epoch {epoch + 1}/{epochs}")
                epoch_start = time.perf_counter()
                for batch in train_batches(train_data, batch_size, seed=seed, epoch=epoch, start_batch=position):
                    state, metrics = train_step(state, parallel.shard_batch(batch))
                    nonfinite.add(step, metrics)
                    accumulator.add(metrics)
                    step += 1
                    bar.update()
                    if step % steps_per_epoch == 0:
                        break  # the epoch's end is handled below, before any stop
                    if stop_now():
                        return _result(state, history, start, compilation, False, resumed_from, watch, nonfinite)
                    if checkpoint_policy.every_steps and step % checkpoint_policy.every_steps == 0:
                        save()
                        saved_at = step
                nonfinite.resolve()
                record = {"epoch": epoch + 1, "step": step}
                skipped = [s for s in nonfinite.steps if step - steps_per_epoch <= s < step]
                if skipped:
                    record["skipped_steps"] = skipped
                record |= _prefixed("train", accumulator.result())
                if eval_data is not None:
                    record |= _prefixed("eval", evaluate(eval_step, state, eval_data, eval_batch_size, parallel))
                record["epoch_seconds"] = time.perf_counter() - epoch_start
                history.append(record)
                accumulator = MetricAccumulator()
                bar.set_postfix({k: f"{v:.4g}" for k, v in record.items() if k.startswith("eval_")})
                if metrics_path is not None:
                    append_jsonl(metrics_path, record)
                if on_epoch_end is not None:
                    on_epoch_end(record)
                if watch and watch.update(record):
                    if best_checkpoints is not None:
                        best_checkpoints.save(step, state, {"run": run_record, "step": step, "record": record})
                    elif restore_best:
                        best_in_memory = jax.tree.map(parallel.gather, state)
                finished = bool(watch and watch.should_stop) or step == total_steps
                final_step = watch.best_step if (finished and restore_best) else None
                every = checkpoint_policy.every_epochs
                if finished or (every and (epoch + 1) % every == 0):
                    save(finished=finished, final_state_step=final_step)
                    saved_at = step
                if not finished and stop_now():
                    return _result(state, history, start, compilation, False, resumed_from, watch, nonfinite)
            if checkpoints is not None:
                checkpoints.wait()
            if restore_best and watch.best_step not in (None, step):
                if best_in_memory is not None:
                    state = parallel.replicate(best_in_memory)
                else:
                    state, _ = best_checkpoints.restore(state, step=watch.best_step)
            stopped_early = bool(watch and watch.should_stop)
            return _result(state, history, start, compilation, True, resumed_from, watch, nonfinite, stopped_early)
    finally:
        for manager in (checkpoints, best_checkpoints):
            if manager is not None:
                manager.close()


def _prefixed(prefix: str, metrics: dict[str, float]) -> dict[str, float]:
    return {f"{prefix}_{name}": value for name, value in metrics.items() if name != "count"}


def _result(state, history, start, compilation, completed, resumed_from, watch, nonfinite, stopped_early=False):
    return FitResult(
        state=state,
        history=history,
        wall_seconds=time.perf_counter() - start,
        compile_seconds=compilation.seconds(),
        completed=completed,
        resumed_from_step=resumed_from,
        stopped_early=stopped_early,
        best_step=watch.best_step if watch else None,
        nonfinite_steps=list(nonfinite.steps),
    )
