"""Runs read back: a workdir's config, its trained state, its evaluation on any split."""

import dataclasses
import json
import os
import warnings
from pathlib import Path
from typing import Any

from jax_zoo.train import evaluate, load_final_state
from jax_zoo.core import registry
from jax_zoo.core.config import resolve_config
from jax_zoo.core.errors import WorkdirError, ZooError
from jax_zoo.datasets import load_dataset
from jax_zoo.api.build import Built, build_from_config
from jax_zoo.api.freezing import as_trained
from jax_zoo.api.run_data import run_data


def read_json(path: Path, expected: str) -> Any:
    """A JSON file of a workdir; a damaged one is a ``WorkdirError`` naming it (left as it is)."""
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WorkdirError(
            f"{path} is damaged: expected {expected}, could not read it ({type(error).__name__}: {error}); "
            f"nothing was changed: move the workdir aside or pass --restart to train again"
        ) from None


def read_run_config(workdir: str | os.PathLike) -> dict[str, Any]:
    """``config.json``: ``{"entry": name, "config": {...}}`` as ``zoo train`` wrote it."""
    path = Path(workdir) / "config.json"
    if not path.is_file():
        raise WorkdirError(f"{workdir} holds no run: expected {path}, written by `zoo train`")
    run = read_json(path, "the JSON `zoo train` writes")
    if not (isinstance(run, dict) and isinstance(run.get("entry"), str) and isinstance(run.get("config"), dict)):
        raise WorkdirError(
            f"{path} is damaged: expected {{\"entry\": name, \"config\": {{...}}}} as `zoo train` writes it, "
            f"got {str(run)[:200]}; nothing was changed: move the workdir aside or pass --restart to train again"
        )
    return run


def saved_config(workdir: str | os.PathLike, run: dict[str, Any]) -> dict[str, Any]:
    """The run's config checked against its entry's hyperparameters (a hand-edited one is named)."""
    try:
        return resolve_config(run["entry"], registry.saved_config_values(run["entry"], run["config"]))
    except ZooError as error:
        raise WorkdirError(f"{Path(workdir) / 'config.json'} does not fit entry {run['entry']!r}: {error}") from None


def restore(
    workdir: str | os.PathLike, entry: str | None = None, data: str | os.PathLike | None = None, *,
    implementation: str | None = None,
) -> Built:
    """The entry trained in ``workdir``, rebuilt from its saved config with the saved state.

    ``entry``, when given, must be the entry the workdir was trained for. A run on files of
    one's own reads them again where its record says, or from ``data`` (the same files, moved).
    ``implementation`` is ``build``'s (the model's implementations share their variables).
    """
    run = read_run_config(workdir)
    if entry is not None and run["entry"] != entry:
        raise WorkdirError(f"{workdir} was trained for entry {run['entry']!r}, not {entry!r}")
    own = run_data(run["entry"], workdir, data)
    built = build_from_config(
        run["entry"], saved_config(workdir, run), dataset=own.name if own else None, implementation=implementation,
    )
    built = as_trained(built, run.get("init_from"))
    checkpoints_dir = Path(workdir) / "checkpoints"
    if not checkpoints_dir.is_dir():
        raise WorkdirError(f"{workdir} has no checkpoint: expected {checkpoints_dir}, written while `zoo train` runs")
    state, _ = load_final_state(workdir, built.state)
    return dataclasses.replace(built, state=state)


def evaluate_workdir(
    entry: str | None, workdir: str | os.PathLike, split: str = "test", data: str | os.PathLike | None = None,
    *, decode: bool = False,
) -> dict[str, float]:
    """Restores the state saved in ``workdir`` (``entry``'s, when given; its own files read from
    ``data`` when given) and evaluates it on ``split`` (warning when the run trained on it);
    ``decode`` adds the scores of ``split``'s outputs decoded as the test report decodes them
    (BLEU, chrF, ROUGE-L: sequence-to-sequence entries with text references)."""
    trained = restore(workdir, entry, data)
    metrics = evaluate_trained(trained, split)
    if decode:
        from jax_zoo.api.text_outputs import text_report  # sacrebleu loads only when a split is decoded

        state = trained.experiment.final_eval_state(trained.state)
        report = text_report(trained.experiment, state, load_dataset(trained.experiment.dataset, split), workdir, split)
        metrics |= {key: value for key, value in report.items() if isinstance(value, int | float)}
    return metrics


def evaluate_trained(trained: Built, split: str = "test") -> dict[str, float]:
    """The eval step's metrics of ``trained``'s state on ``split``, read by the entry's final
    evaluation model (a warning when the run trained on ``split``)."""
    data = load_dataset(trained.experiment.dataset, split)
    train_split = trained.experiment.train_split
    if set(split.split("+")) & set(train_split.split("+")):
        warnings.warn(
            f"{trained.name} trained on {train_split!r}: its metrics on split {split!r} are not held out", stacklevel=2
        )
    state = trained.experiment.final_eval_state(trained.state)
    return evaluate(trained.eval_step, state, data, trained.experiment.eval_batch_size)
