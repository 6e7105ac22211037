"""What a training run keeps in its workdir, and how the loop reads it back.

``metrics.jsonl`` (one line per epoch and run), ``checkpoints/<step>`` (the latest few, each with
the whole train state and a JSON record of the loop's progress) and, when the best evaluation is
watched, ``best_checkpoint/<step>`` (the state of the best evaluation so far). Without a workdir
every method is a no-op, so the loop reads the same either way.
"""

import os
from pathlib import Path
from typing import Any

import jax

from jax_zoo.train.checkpoints import CheckpointError, Checkpoints, CheckpointPolicy
from jax_zoo.train.records import append_jsonl, write_jsonl_atomic

CHECKPOINTS = "checkpoints"
BEST_CHECKPOINT = "best_checkpoint"


def load_final_state(workdir: str | os.PathLike, target: Any) -> tuple[Any, dict[str, Any]]:
    """The state a finished (or interrupted) run in ``workdir`` ends with, and its record."""
    with Checkpoints(Path(workdir) / CHECKPOINTS) as checkpoints:
        state, record = checkpoints.restore(target)
    if record.get("final_state_step") not in (None, record.get("step")):
        with Checkpoints(Path(workdir) / BEST_CHECKPOINT, keep=1) as best:
            state, _ = best.restore(target, step=record["final_state_step"])
    return state, record


class RunFiles:
    """A run's checkpoints (the latest few, and the best evaluation's) and its metrics file.

    ``run_record`` (e.g. the entry and its config) is saved in every checkpoint; checkpoints
    saved by another run are refused rather than resumed. Only process 0 writes the metrics
    file (orbax coordinates the checkpoint writes of all processes).
    """

    def __init__(self, workdir: str | os.PathLike | None, policy: CheckpointPolicy, keeps_best: bool, run_record: dict):
        self.run_record = run_record
        self.latest = self.best = None
        if workdir is not None:
            workdir = Path(workdir)
            self.latest = Checkpoints(workdir / CHECKPOINTS, keep=policy.keep)
            if keeps_best:
                self.best = Checkpoints(workdir / BEST_CHECKPOINT, keep=1)
        writes = workdir is not None and jax.process_index() == 0
        self.metrics_path = workdir / "metrics.jsonl" if writes else None

    def resume(self, target: Any) -> tuple[Any, dict[str, Any] | None]:
        """The latest checkpoint's state and progress record, or ``target`` and None."""
        if self.latest is None or self.latest.latest_step() is None:
            return target, None
        state, record = self.latest.restore(target)
        if record["run"] != self.run_record:
            raise CheckpointError(
                f"checkpoints in {self.latest.directory} belong to another run: saved "
                f"{record['run']}, this run is {self.run_record}"
            )
        return state, record

    def rewrite_metrics(self, records: list[dict[str, Any]]) -> None:
        """Replaces the metrics file with the latest checkpoint's records (none without one)."""
        if self.metrics_path is not None:
            write_jsonl_atomic(self.metrics_path, records)

    def append_metrics(self, record: dict[str, Any]) -> None:
        if self.metrics_path is not None:
            append_jsonl(self.metrics_path, record)

    def save(self, step: int, state: Any, record: dict[str, Any]) -> None:
        if self.latest is not None:
            self.latest.save(step, state, record)

    def save_best(self, step: int, state: Any, records: list[dict[str, Any]]) -> None:
        if self.best is not None:
            self.best.save(step, state, {"run": self.run_record, "step": step, "records": records})

    def restore_best(self, target: Any, step: int | None = None) -> Any:
        """The best checkpoint's state at ``step`` (default: the latest), or None without one."""
        if self.best is None or self.best.latest_step() is None:
            return None
        state, _ = self.best.restore(target, step=step)
        return state

    @property
    def directory(self) -> str | None:
        return self.latest and str(self.latest.directory)

    def wait(self) -> None:
        if self.latest is not None:
            self.latest.wait()

    def close(self) -> None:
        for manager in (self.latest, self.best):
            if manager is not None:
                manager.close()
