"""``zoo cv``: stratified K-fold cross-validation of an entry on its training split."""

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jax_zoo.train import cross_validate
from jax_zoo.train.records import environment, write_json_atomic
from jax_zoo.datasets import load_dataset
from jax_zoo.api.build import build, initial_state
from jax_zoo.api.stacked import stacking_loses
from jax_zoo.api.train import class_count


def cross_validate_entry(
    entry: str,
    folds: int,
    workdir: str | os.PathLike,
    overrides: Mapping[str, Any] | None = None,
    *,
    progress: bool = False,
    parallel: bool = False,
    announce=print,
) -> dict[str, Any]:
    """Runs ``folds``-fold CV on the training split (the test split is never read) and writes
    ``workdir/cv.json``. Every fold starts from the entry's seeded initialisation, with its
    optimizer's schedule sized by the fold's own training examples. ``parallel``: the folds
    are stacked runs of one compiled program (``jax_zoo.train.fit_stacked``), with the same numbers,
    except where stacking is slower (``jax_zoo.api.stacked.stacking_loses``): then they train one
    after another, which is said, and ``cv.json`` records ``"runs_as"``."""
    start = time.perf_counter()
    built = build(entry, overrides)
    experiment = built.experiment
    why_in_sequence = stacking_loses(built, folds) if parallel else None
    if why_in_sequence is not None:
        parallel = False
        announce(f"the {folds} folds one after another, sharing one compiled step: {why_in_sequence} (docs/vmap.md)")
    summary = cross_validate(
        lambda train_examples: initial_state(experiment, train_examples),
        train_step=built.train_step,
        eval_step=built.eval_step,
        data=load_dataset(experiment.dataset, experiment.train_split),
        folds=folds,
        batch_size=experiment.batch_size,
        eval_batch_size=experiment.eval_batch_size,
        epochs=experiment.epochs,
        seed=experiment.seed,
        num_classes=class_count(experiment),
        progress=progress,
        parallel=parallel,
    )
    summary = {"entry": entry, "config": built.config, "k": folds, "runs_as": "stacked" if parallel else "sequence",
               "batch_parts": built.batch_parts, **summary}
    summary["wall_seconds"] = round(time.perf_counter() - start, 3)
    summary |= environment()
    write_json_atomic(Path(workdir) / "cv.json", summary)
    return summary
