"""Checkpoints through orbax's ``CheckpointManager``: a pytree plus a JSON record per step.

Orbax writes each step into ``<step>.orbax-checkpoint-tmp`` and renames it when complete, so a
crash never leaves a partial checkpoint that looks finished; leftover temporary directories are
removed when the directory is opened again. Saves are asynchronous: ``save`` returns once the
arrays are copied off the device (so the next donating step may reuse them) and the files are
written in the background; ``wait`` (and ``close``) block until they are final.
"""

import dataclasses
import os
from pathlib import Path
from typing import Any

import jax
import numpy as np
import orbax.checkpoint as ocp


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

    def __post_init__(self):
        for name in ("every_epochs", "every_steps"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"checkpoint {name} must be None or >= 1, got {value}")
        if self.keep < 1:
            raise ValueError(f"checkpoint keep must be >= 1, got {self.keep}")


class CheckpointError(Exception):
    """A checkpoint is missing, damaged, or does not match what it is restored into."""


def _shape_dtype(tree: Any) -> Any:
    return jax.tree.map(ocp.utils.to_shape_dtype_struct, tree)


def _leaves_by_name(tree: Any) -> dict[str, Any]:
    # Orbax's metadata tree names nodes by dict keys where the state has attributes and tuples,
    # so leaves are matched by the plain names along their paths.
    def name(path) -> str:
        parts = (getattr(key, "key", getattr(key, "name", getattr(key, "idx", key))) for key in path)
        return "/".join(str(part) for part in parts)

    return {name(path): leaf for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]}


def _mismatches(saved: Any, target: Any) -> list[str]:
    saved_leaves, target_leaves = _leaves_by_name(saved), _leaves_by_name(target)
    problems = []
    for name in sorted(set(saved_leaves) | set(target_leaves)):
        if name not in saved_leaves:
            problems.append(f"{name}: expected by the model, absent from the checkpoint")
        elif name not in target_leaves:
            problems.append(f"{name}: in the checkpoint, unknown to the model")
        else:
            have, want = saved_leaves[name], target_leaves[name]
            if tuple(have.shape) != tuple(want.shape) or np.dtype(have.dtype) != np.dtype(want.dtype):
                problems.append(
                    f"{name}: expected {np.dtype(want.dtype).name}{list(want.shape)}, "
                    f"checkpoint has {np.dtype(have.dtype).name}{list(have.shape)}"
                )
    return problems


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:300]}" if text else type(error).__name__


class Checkpoints:
    """Saves and restores ``(tree, record)`` pairs under ``directory/<step>/``, keeping the last ``keep``."""

    def __init__(self, directory: str | os.PathLike, *, keep: int | None = 3):
        self.directory = Path(directory).absolute()
        options = ocp.CheckpointManagerOptions(
            max_to_keep=keep, create=True, cleanup_tmp_directories=True, enable_async_checkpointing=True
        )
        self._manager = ocp.CheckpointManager(
            self.directory,
            options=options,
            item_handlers={"state": ocp.StandardCheckpointHandler(), "record": ocp.JsonCheckpointHandler()},
        )

    def save(self, step: int, tree: Any, record: dict[str, Any]) -> None:
        """Starts saving; the checkpoint becomes visible only once complete (see ``wait``)."""
        self.wait()
        self._manager.save(
            step,
            args=ocp.args.Composite(state=ocp.args.StandardSave(tree), record=ocp.args.JsonSave(record)),
            force=True,
        )

    def wait(self) -> None:
        """Blocks until every started save is complete on disk."""
        self._manager.wait_until_finished()

    def steps(self) -> list[int]:
        """The steps of the complete checkpoints on disk, oldest first."""
        return sorted(self._manager.all_steps())

    def latest_step(self) -> int | None:
        """The newest complete checkpoint's step, or ``None`` when there is none."""
        return self._manager.latest_step()

    def read_record(self, step: int | None = None) -> dict[str, Any]:
        """The record saved with ``step`` (default: the latest), without reading its arrays."""
        step = self._existing_step(step)
        try:
            return self._manager.restore(step, args=ocp.args.Composite(record=ocp.args.JsonRestore()))["record"]
        except Exception as error:
            raise self._damaged(step, error) from None

    def restore(self, target: Any, step: int | None = None) -> tuple[Any, dict[str, Any]]:
        """Restores into the structure of ``target`` (arrays or ``jax.ShapeDtypeStruct``s).

        Raises ``CheckpointError`` when there is no checkpoint, when any array's shape or dtype
        differs from the target's, or when files are missing or unreadable: never a partial
        restore.
        """
        step = self._existing_step(step)
        try:
            saved = self._manager.item_metadata(step)["state"]
        except Exception as error:
            raise self._damaged(step, error) from None
        if saved is None:
            raise self._damaged(step, FileNotFoundError("the state's metadata is missing"))
        problems = _mismatches(saved, _shape_dtype(target))
        if problems:
            shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            raise CheckpointError(f"checkpoint {self.directory / str(step)} does not fit this model: {shown}")
        try:
            restored = self._manager.restore(
                step,
                args=ocp.args.Composite(
                    state=ocp.args.StandardRestore(_shape_dtype(target)), record=ocp.args.JsonRestore()
                ),
            )
        except Exception as error:
            raise self._damaged(step, error) from None
        return restored["state"], restored["record"]

    def _existing_step(self, step: int | None) -> int:
        self.wait()
        steps = self.steps()
        if not steps:
            raise CheckpointError(f"no checkpoint in {self.directory}: expected a trained run's checkpoints there")
        step = steps[-1] if step is None else step
        if step not in steps:
            raise CheckpointError(f"no checkpoint for step {step} in {self.directory}; it holds steps {steps}")
        return step

    def _damaged(self, step: int, error: Exception) -> CheckpointError:
        others = [s for s in self.steps() if s != step]
        return CheckpointError(
            f"checkpoint {self.directory / str(step)} is damaged or incomplete ({_first_line(error)}). "
            f"Other checkpoints there: {others or 'none'}; move the damaged step directory away to "
            f"resume from an earlier one, or start over with --restart"
        )

    def close(self) -> None:
        """Waits for pending saves, then releases the checkpoint manager."""
        self._manager.wait_until_finished()
        self._manager.close()

    def __enter__(self) -> "Checkpoints":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
