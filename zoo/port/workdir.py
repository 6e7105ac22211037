"""``zoo port`` and ``zoo export``: a PyTorch ``state_dict`` file (``.pt`` or ``.safetensors``) to a
zoo workdir and back; ``zoo export`` also writes the shipped weights, and flax's own layout.

A ported workdir is a run at step 0: ``config.json`` and one checkpoint whose state holds the
PyTorch weights and a fresh optimizer, with the record ``jax_zoo.train.fit`` writes. So ``zoo eval`` and
``zoo predict`` read it as a trained run, and ``zoo train`` resumes it: fine-tuning for the
config's ``epochs`` (choose them, and the learning rate, with ``--set`` when porting).
"""

import hashlib
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jax
from flax import traverse_util

from jax_zoo.train import Checkpoints
from jax_zoo.train.fit import CHECKPOINTS
from jax_zoo.train.records import write_json_atomic
from jax_zoo.core.config import resolve_config
from jax_zoo.core.errors import ConfigError, StateDictError, WorkdirError
from jax_zoo.datasets import split_size
from jax_zoo.api.build import build_from_config, example_input, initial_state
from jax_zoo.port import from_torch, load_state_dict, save_state_dict, state_dict_arrays, to_torch


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def port_to_workdir(
    entry: str, torch_file: str | os.PathLike, workdir: str | os.PathLike, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Writes ``workdir`` (new or empty) holding ``entry``'s model with the weights of ``torch_file``.

    Everything is checked before anything is written, and the workdir appears complete or not
    at all. Returns the checkpoint's record.
    """
    workdir, torch_file = Path(workdir), Path(torch_file)
    if workdir.exists() and (not workdir.is_dir() or any(workdir.iterdir())):
        raise WorkdirError(f"workdir {workdir} is not empty: `zoo port` writes a new run; choose an empty or new --workdir")
    state_dict = load_state_dict(torch_file)  # first: an untrusted file is refused before anything else
    # The layouts read the reference model's layers (a variant may fuse some, e.g. a pooling).
    built = build_from_config(entry, resolve_config(entry, overrides), implementation="reference")
    experiment = built.experiment
    variables = from_torch(state_dict, experiment.model, example_input(experiment.dataset))
    state = initial_state(experiment, split_size(experiment.dataset, experiment.train_split), variables)
    run = {"entry": entry, "config": built.config}
    # The record train.fit saves at a step (see fit's save()): zoo train resumes from it at step 0.
    record = {
        "run": run, "step": 0, "epoch": 0, "position": 0, "seed": experiment.seed, "history": [],
        "epoch_sums": {}, "early_stopping": None, "nonfinite_steps": [], "finished": False,
        "final_state_step": None, "ported_from": {"file": str(torch_file.absolute()), "sha256": _sha256(torch_file)},
    }
    workdir.parent.mkdir(parents=True, exist_ok=True)
    staging = workdir.parent / f".{workdir.name}.port-{os.getpid()}"
    staging.mkdir()
    try:
        write_json_atomic(staging / "config.json", run)
        with Checkpoints(staging / CHECKPOINTS, keep=None) as checkpoints:
            checkpoints.save(0, state, record)
        if workdir.exists():
            workdir.rmdir()  # empty, checked above
        staging.rename(workdir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return record


EXPORT_LAYOUTS = ("torch", "flax")
"""``torch``: the PyTorch ``state_dict`` keys and shapes (``jax_zoo.port.layouts``); ``flax``: one
tensor per flattened variable path (``params/conv1/kernel``), for any model."""


def export_weights_file(
    entry: str, workdir: str | os.PathLike | None, out: str | os.PathLike, layout: str = "torch"
) -> dict[str, Any]:
    """Writes the variables ``zoo eval`` reads from ``workdir`` (the moving average when the run
    keeps one), or the shipped weights when ``workdir`` is None, to ``out``: safetensors for a
    ``.safetensors`` path, ``torch.save`` for ``.pt`` (PyTorch layout only). Returns what was
    written, name -> array or tensor."""
    from jax_zoo.api.pretrained import from_workdir, pretrained
    from jax_zoo.api.weights_format import safetensors_bytes

    out = Path(out)
    if layout not in EXPORT_LAYOUTS:
        raise ConfigError(f"--layout: expected one of {', '.join(EXPORT_LAYOUTS)}, got {layout!r}")
    if out.suffix not in (".safetensors", ".pt") or (out.suffix == ".pt" and layout != "torch"):
        raise ConfigError(
            f"{out}: expected a .safetensors file (any layout) or a .pt file (PyTorch layout), got "
            f"{out.suffix or 'no suffix'}{' with --layout flax' if out.suffix == '.pt' else ''}"
        )
    loaded = pretrained(entry) if workdir is None else from_workdir(workdir, entry)
    variables = jax.device_get(loaded.variables)
    if layout == "flax":
        data = safetensors_bytes(variables)
        partial = out.with_name(f".{out.name}.partial")
        partial.write_bytes(data)
        os.replace(partial, out)
        return traverse_util.flatten_dict(variables, sep="/")
    model = loaded.experiment.model
    example = example_input(loaded.experiment.dataset)
    try:
        state_dict = to_torch(variables, model, example) if out.suffix == ".pt" else state_dict_arrays(variables, model, example)
    except StateDictError as error:
        raise StateDictError(f"{error} (--layout flax writes any model's variables by their path)") from None
    save_state_dict(state_dict, out)
    return state_dict
