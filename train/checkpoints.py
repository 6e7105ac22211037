"""Checkpoints through orbax's ``CheckpointManager``: the train state plus a JSON record per step.

Orbax writes each step into a temporary directory and renames it when complete, so a crash never
leaves a partial checkpoint that looks finished.
"""

import os
from pathlib import Path
from typing import Any

import jax
import numpy as np
import orbax.checkpoint as ocp


class CheckpointError(Exception):
    """A checkpoint is missing, or does not match the state it is restored into."""


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
        path = name
        if path not in saved_leaves:
            problems.append(f"{name}: expected by the model, absent from the checkpoint")
        elif path not in target_leaves:
            problems.append(f"{name}: in the checkpoint, unknown to the model")
        else:
            have, want = saved_leaves[path], target_leaves[path]
            if tuple(have.shape) != tuple(want.shape) or np.dtype(have.dtype) != np.dtype(want.dtype):
                problems.append(
                    f"{name}: expected {np.dtype(want.dtype).name}{list(want.shape)}, "
                    f"checkpoint has {np.dtype(have.dtype).name}{list(have.shape)}"
                )
    return problems


class Checkpoints:
    """Saves and restores ``(state, record)`` pairs under ``directory/<step>/``."""

    def __init__(self, directory: str | os.PathLike, *, max_to_keep: int | None = 3):
        self.directory = Path(directory).absolute()
        options = ocp.CheckpointManagerOptions(max_to_keep=max_to_keep, create=True)
        self._manager = ocp.CheckpointManager(
            self.directory,
            options=options,
            item_handlers={"state": ocp.StandardCheckpointHandler(), "record": ocp.JsonCheckpointHandler()},
        )

    def save(self, step: int, state: Any, record: dict[str, Any]) -> None:
        """Saves and waits until the checkpoint is complete on disk."""
        self._manager.save(
            step,
            args=ocp.args.Composite(state=ocp.args.StandardSave(state), record=ocp.args.JsonSave(record)),
            force=True,
        )
        self._manager.wait_until_finished()

    def latest_step(self) -> int | None:
        return self._manager.latest_step()

    def restore(self, target: Any, step: int | None = None) -> tuple[Any, dict[str, Any]]:
        """Restores into the structure of ``target`` (arrays or ``jax.ShapeDtypeStruct``s).

        Raises ``CheckpointError`` when there is no checkpoint, or when any array's shape or
        dtype differs from the target's (never a partial restore).
        """
        step = self.latest_step() if step is None else step
        if step is None:
            raise CheckpointError(f"no checkpoint in {self.directory}: expected a trained run's checkpoints there")
        saved = self._manager.item_metadata(step)["state"]
        problems = _mismatches(saved, _shape_dtype(target))
        if problems:
            shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            raise CheckpointError(
                f"checkpoint {self.directory / str(step)} does not fit this model: {shown}"
            )
        restored = self._manager.restore(
            step,
            args=ocp.args.Composite(
                state=ocp.args.StandardRestore(_shape_dtype(target)), record=ocp.args.JsonRestore()
            ),
        )
        return restored["state"], restored["record"]

    def close(self) -> None:
        self._manager.close()

    def __enter__(self) -> "Checkpoints":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
