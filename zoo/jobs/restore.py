"""Runs read back: a workdir's config, its trained state, its evaluation on any split."""

import dataclasses
import json
import os
import warnings
from pathlib import Path
from typing import Any

from train import evaluate, load_final_state
from zoo.core.errors import WorkdirError
from zoo.datasets import load_dataset
from zoo.jobs.build import Built, build_from_config, for_testing


def read_run_config(workdir: str | os.PathLike) -> dict[str, Any]:
    path = Path(workdir) / "config.json"
    if not path.is_file():
        raise WorkdirError(f"{workdir} holds no run: expected {path}, written by `zoo train`")
    return json.loads(path.read_text())


def restore(workdir: str | os.PathLike, entry: str | None = None) -> Built:
    """The entry trained in ``workdir``, rebuilt from its saved config with the saved state.

    ``entry``, when given, must be the entry the workdir was trained for.
    """
    run = read_run_config(workdir)
    if entry is not None and run["entry"] != entry:
        raise WorkdirError(f"{workdir} was trained for entry {run['entry']!r}, not {entry!r}")
    built = build_from_config(run["entry"], run["config"])
    checkpoints_dir = Path(workdir) / "checkpoints"
    if not checkpoints_dir.is_dir():
        raise WorkdirError(f"{workdir} has no checkpoint: expected {checkpoints_dir}, written while `zoo train` runs")
    state, _ = load_final_state(workdir, built.state)
    return dataclasses.replace(built, state=state)


def evaluate_workdir(entry: str, workdir: str | os.PathLike, split: str = "test") -> dict[str, float]:
    """Restores the state saved in ``workdir`` and evaluates it on ``split`` (warning when the run trained on it)."""
    return evaluate_trained(restore(workdir, entry), split)


def evaluate_trained(trained: Built, split: str = "test") -> dict[str, float]:
    """The eval step's metrics of ``trained``'s state on ``split``, read by the entry's test
    model (a warning when the run trained on ``split``)."""
    data = load_dataset(trained.experiment.dataset, split)
    train_split = trained.experiment.train_split
    if set(split.split("+")) & set(train_split.split("+")):
        warnings.warn(
            f"{trained.name} trained on {train_split!r}: its metrics on split {split!r} are not held out", stacklevel=2
        )
    state = for_testing(trained.experiment, trained.state)
    return evaluate(trained.eval_step, state, data, trained.experiment.eval_batch_size)
