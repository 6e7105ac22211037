"""The training loop behind ``fit`` and ``fit_stacked``: epochs of steps, an exact evaluation after
each, and a workdir (``jax_zoo.train.run_files``) that lets any run be stopped and resumed bit for bit.

What it trains is one run or stacked runs (``jax_zoo.train.runs``); everything else is done here,
once for both: resuming, stopping on a signal or at a step, non-finite steps, early stopping,
checkpoints (every few steps or epochs, and the best evaluation's), the metrics file and the
outcome. Resuming is exact because nothing random is carried between steps: the data order of
epoch ``e`` is a function of ``(seed, e)``, step ``n``'s randomness is ``fold_in(key, n)``, and the
checkpoint's record holds the epoch's running metric sums and, per run, its history, its
early-stopping state, its skipped steps and the step it diverged at.
"""

import dataclasses
import os
import time
from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from tqdm.auto import tqdm

from jax_zoo.train.checkpoints import CheckpointPolicy
from jax_zoo.train.compilation import CompilationLog
from jax_zoo.train.early_stopping import EarlyStoppingPolicy, MetricWatch
from jax_zoo.train.input_checks import check_watched_metric
from jax_zoo.train.metrics import MetricAccumulator
from jax_zoo.train.nonfinite import NonFiniteError, NonFiniteLog
from jax_zoo.train.preemption import Preempted, stop_on_signals
from jax_zoo.train.run_files import RunFiles
from jax_zoo.train.runs import OneRun, StackedRuns
from jax_zoo.train.steps import Step

EpochCallback = Callable[[dict[str, Any]], None]


@dataclasses.dataclass
class RunProgress:
    """One run's progress: its epoch records, the watch on its best evaluation, and the
    non-finite step that stopped it (``{"step", "quantity"}``; stacked runs only)."""

    seed: int
    history: list[dict[str, Any]]
    watch: MetricWatch | None
    diverged: dict[str, Any] | None = None

    @property
    def stopped_early(self) -> bool:
        return bool(self.watch and self.watch.should_stop)

    @property
    def active(self) -> bool:
        return self.diverged is None and not self.stopped_early

    @property
    def best_step(self) -> int | None:
        return self.watch.best_step if self.watch else None


@dataclasses.dataclass
class LoopOutcome:
    state: Any
    """The final state (stacked for stacked runs): each run's best when early stopping restores it."""
    progress: list[RunProgress]
    nonfinite_steps: list[list[int]]
    wall_seconds: float
    compile_seconds: float
    completed: bool
    resumed_from_step: int | None


def run_loop(
    runs: OneRun | StackedRuns, state: Any, *, train_step: Step, eval_step: Step, has_eval_data: bool, epochs: int,
    workdir: str | os.PathLike | None, progress: bool, checkpoint_policy: CheckpointPolicy,
    early_stopping: EarlyStoppingPolicy | None, run_record: dict[str, Any] | None, stop_at_step: int | None,
    on_epoch_end: EpochCallback | None,
) -> LoopOutcome:
    """Trains ``runs`` from ``state`` (or the workdir's latest checkpoint) for ``epochs`` epochs."""
    watch_policy = early_stopping or _best_checkpoint_watch(checkpoint_policy)
    if watch_policy is not None:
        check_watched_metric(
            watch_policy.metric, train_step, eval_step if has_eval_data else None, runs.extra_eval_names,
        )
    files = RunFiles(workdir, checkpoint_policy, watch_policy is not None, dict(run_record or {}))
    try:
        loop = _Loop(
            runs, state, files=files, nan_policy=getattr(train_step, "nan_policy", "off"), has_eval_data=has_eval_data,
            epochs=epochs, checkpoint_policy=checkpoint_policy, watch_policy=watch_policy, stop_at_step=stop_at_step,
            on_epoch_end=on_epoch_end,
        )
        return loop.run(progress)
    finally:
        files.close()


def _best_checkpoint_watch(policy: CheckpointPolicy) -> EarlyStoppingPolicy | None:
    """Best-checkpoint tracking without stopping: a watch that never runs out of patience."""
    if policy.best_metric is None:
        return None
    return EarlyStoppingPolicy(metric=policy.best_metric, mode=policy.best_mode, patience=2**62, restore_best=False)


class _Loop:
    """One call: the state, the position, each run's progress, epoch by epoch."""

    def __init__(
        self, runs: OneRun | StackedRuns, state: Any, *, files: RunFiles, nan_policy: str, has_eval_data: bool,
        epochs: int, checkpoint_policy: CheckpointPolicy, watch_policy: EarlyStoppingPolicy | None,
        stop_at_step: int | None, on_epoch_end: EpochCallback | None,
    ):
        self.start = time.perf_counter()
        self.runs, self.files, self.has_eval_data, self.epochs = runs, files, has_eval_data, epochs
        self.checkpoint_policy, self.stop_at_step, self.on_epoch_end = checkpoint_policy, stop_at_step, on_epoch_end
        self.steps_per_epoch = runs.steps_per_epoch
        self.total_steps = epochs * self.steps_per_epoch
        self.restore_best = bool(watch_policy and watch_policy.restore_best)
        # Stacked runs merge each run's best into one tree, so they hold it; one run's best is
        # only held in memory when there is no workdir to hold it.
        self.holds_best = (self.restore_best or files.best is not None) and (runs.stacked or files.best is None)
        state, record = files.resume(state)
        self.resumed_from = None if record is None else record["step"]
        saved_runs = [{}] * runs.count if record is None else _saved_runs(record, runs.stacked)
        self.progress = [
            RunProgress(
                seed=seed, history=list(saved.get("history", [])), diverged=saved.get("diverged"),
                watch=MetricWatch(watch_policy, saved.get("early_stopping")) if watch_policy else None,
            )
            for seed, saved in zip(runs.seeds, saved_runs)
        ]
        self.nonfinite = NonFiniteLog(
            nan_policy, state.params, [saved.get("nonfinite_steps", []) for saved in saved_runs],
            on_fail=self._diverged, label=lambda run: f"run {run}: " if runs.stacked else "",
        )
        self.accumulator = MetricAccumulator(None if record is None else record["epoch_sums"])
        self.finished = record is not None and record["finished"]
        self.best = None
        # The metrics file as the checkpoint has it (nothing without one): a kill between writing
        # an epoch's line and its checkpoint being complete must not leave that epoch twice.
        self.files.rewrite_metrics(sorted(
            (line for run in self.progress for line in run.history), key=lambda line: (line["epoch"], line.get("run", 0)),
        ))
        if record is not None and self.holds_best:
            saved_best = self.files.restore_best(state)
            self.best = None if saved_best is None else self.runs.parallel.replicate(saved_best)
        self.state = runs.place(state, [run.active for run in self.progress])
        self.step = int(np.max(jax.device_get(self.state.step))) if record is None else record["step"]
        self.saved_at = None
        self.stop_request = None

    def run(self, progress: bool) -> LoopOutcome:
        with CompilationLog() as self.compilation, stop_on_signals() as self.stop_request, tqdm(
            total=self.total_steps, initial=self.step, unit="step", disable=not progress, dynamic_ncols=True,
            leave=False,
        ) as self.bar:
            while self.step < self.total_steps and not self.finished:
                if not self._epoch():
                    return self._outcome(completed=False)
            self.files.wait()
            self.state = self._final_state()
            return self._outcome(completed=True)

    def _epoch(self) -> bool:
        """Trains to the end of the current epoch and closes it; False when told to stop first."""
        epoch, position = divmod(self.step, self.steps_per_epoch)
        self.bar.set_description(f"epoch {epoch + 1}/{self.epochs}")
        epoch_start = time.perf_counter()
        for batch in self.runs.batches(epoch, position):
            self.state, metrics = self.runs.step(self.state, batch)
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
        """Each run's epoch record (train and eval metrics), early stopping's verdicts and the checkpoints."""
        self.state = self.runs.whole(self.state)
        self.nonfinite.resolve()
        first_step = epoch * self.steps_per_epoch
        train_metrics = self.runs.train_means(self.accumulator)
        eval_metrics = self.runs.evaluate(self.state) if self.has_eval_data else [{}] * self.runs.count
        self.accumulator = MetricAccumulator()
        records, improved = [], [False] * self.runs.count
        active = [run.active for run in self.progress]
        for index, run in enumerate(self.progress):
            if run.stopped_early or (run.diverged and run.diverged["step"] < first_step):
                continue  # stopped before this epoch
            record = self.runs.label(index) | {"epoch": epoch + 1, "step": run.diverged["step"] if run.diverged else self.step}
            skipped = [step for step in self.nonfinite.steps[index] if first_step <= step < self.step]
            if skipped:
                record["skipped_steps"] = skipped
            record |= _prefixed("train", train_metrics[index]) | _prefixed("eval", eval_metrics[index])
            record["epoch_seconds"] = time.perf_counter() - epoch_start
            run.history.append(record)
            records.append(record)
            self.files.append_metrics(record)
            if self.on_epoch_end is not None:
                self.on_epoch_end(record)
            if run.watch and run.diverged is None:
                improved[index] = run.watch.update(record)
        if len(records) == 1:
            self.bar.set_postfix({k: f"{v:.4g}" for k, v in records[0].items() if k.startswith("eval_")})
        if any(improved):
            if self.holds_best:
                self.best = self.runs.keep_best(self.state, improved, self.best)
            self.files.save_best(self.step, self.state if self.best is None else self.best, records)
        if active != [run.active for run in self.progress]:
            self.runs.set_active([run.active for run in self.progress])
        self.finished = self.step == self.total_steps or not any(run.active for run in self.progress)
        every = self.checkpoint_policy.every_epochs
        if self.finished or (every and (epoch + 1) % every == 0):
            self._save(finished=self.finished)

    def _diverged(self, index: int, step: int, quantity: str) -> None:
        """A non-finite step under ``nan_policy="fail"``: one run ends the call; among stacked runs it stops alone."""
        if not self.runs.stacked:
            raise NonFiniteError(step, quantity)
        self.progress[index].diverged = {"step": step, "quantity": quantity}
        tqdm.write(f"run {index}: step {step}: {quantity} contains NaN or inf; it stops with its last good state, "
                   f"the others go on")

    def _save(self, finished: bool = False) -> None:
        self.state = self.runs.whole(self.state)
        self.nonfinite.resolve()
        self.saved_at = self.step
        runs = [
            {"seed": run.seed, "history": run.history, "early_stopping": run.watch.state_dict() if run.watch else None,
             "nonfinite_steps": steps, "diverged": run.diverged}
            for run, steps in zip(self.progress, self.nonfinite.steps)
        ]
        self.files.save(self.step, self.state, {
            "run": self.files.run_record, "step": self.step, "epoch": self.step // self.steps_per_epoch,
            "position": self.step % self.steps_per_epoch, **({"runs": runs} if self.runs.stacked else runs[0]),
            "epoch_sums": self.accumulator.sums(), "finished": finished,
            "final_state_step": self._best_checkpoint_step() if finished and self.restore_best else None,
        })

    def _best_checkpoint_step(self) -> int | None:
        """The step of the best checkpoint, when it holds every run's best (the final state)."""
        steps = [run.best_step for run in self.progress]
        return None if None in steps else max(steps)

    def _final_state(self) -> Any:
        if not self.restore_best:
            return self.state
        if self.best is not None:
            return self.runs.with_best(self.state, [run.best_step is not None for run in self.progress], self.best)
        step = self._best_checkpoint_step()
        if step is None or step == self.step:
            return self.state
        return self.files.restore_best(self.state, step=step)

    def _stop_now(self) -> bool:
        """Saves and says to stop when asked to (a signal or ``stop_at_step``)."""
        if not (self.stop_request or self.step == self.stop_at_step):
            return False
        if self.saved_at != self.step:
            self._save()
        self.files.wait()
        if self.stop_request:
            raise Preempted(self.stop_request.signal_name, self.step, self.files.directory)
        return True

    def _outcome(self, completed: bool) -> LoopOutcome:
        self.state = self.runs.whole(self.state)
        return LoopOutcome(
            state=self.state, progress=self.progress, nonfinite_steps=[list(steps) for steps in self.nonfinite.steps],
            wall_seconds=time.perf_counter() - self.start, compile_seconds=self.compilation.seconds(),
            completed=completed, resumed_from_step=self.resumed_from,
        )


def _saved_runs(record: dict[str, Any], stacked: bool) -> list[dict[str, Any]]:
    """Each run's saved progress: a list for stacked runs, the record's own fields for one run."""
    return record["runs"] if stacked else [record]


def _prefixed(prefix: str, metrics: dict[str, float]) -> dict[str, float]:
    return {f"{prefix}_{name}": value for name, value in metrics.items() if name != "count"}
