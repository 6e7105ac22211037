"""An entry trained on one's own files: which files it reads, and its model fitted to them.

``zoo train ENTRY --data PATH`` (``train_and_evaluate(..., data=PATH)``) reads what the entry's
own dataset holds, from the user's files:

- an image classifier (``digits_cnn``, ``fashion_*``): an image folder
  (``jax_zoo.datasets.image_folder``), each picture converted as the entry's dataset's were;
- a character classifier (``names_*``): a table of ``text`` and ``label``;
- a sequence-to-sequence entry (``numbers_en_fr``, ``bible_en_es``, ``docstring_summary``): a
  table of ``source`` and ``target`` (``jax_zoo.datasets.text_files``).

The files are read and checked before anything is written; the run keeps their record in
``<workdir>/data.json`` (``own_data.RECORD_FILE``), which ``zoo eval``, ``zoo predict`` and a
resumed run read the files again by (``--data``, when given, must hold the same files). The
entry's model is the same network with its sizes fitted to the data (``on_dataset``): as many
classes, characters or subwords as the data has.
"""

import atexit
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import flax.linen as nn

from jax_zoo.core import registry
from jax_zoo.core.config import resolve_config
from jax_zoo.core.errors import ConfigError, DataError, WorkdirError
from jax_zoo.core.experiment import Experiment
from jax_zoo.datasets import dataset_info
from jax_zoo.datasets.char_vocabulary import CharVocabulary
from jax_zoo.datasets.image_folder import register_image_folder, scan_image_folder
from jax_zoo.datasets.own_data import RECORD_FILE, OwnData, SplitRule, changes, is_own, own_record, read_record
from jax_zoo.datasets.text_files import register_text_classes, register_text_pairs, scan_text_classes, scan_text_pairs
from jax_zoo.datasets.text_pairs import RUN_TOKENIZERS, text_pair_datasets, text_pair_tokenizers

TEXT_TASKS = ("translation", "summarization")
WHAT_IT_READS = {
    "image_folder": "a folder of class folders of images",
    "text_classes": "a TSV or CSV table of text and label",
    "text_pairs": "a TSV or CSV table of source and target",
}


def data_kind(experiment: Experiment) -> str | None:
    """What files of one's own ``experiment``'s model can learn from (``WHAT_IT_READS``), or None."""
    info = dataset_info(experiment.dataset)
    inputs = info.example_spec["inputs"]
    if experiment.task == "classification" and info.image_recipe is not None:
        return "image_folder"
    if experiment.task == "classification" and inputs.dtype.kind == "i" and len(inputs.shape) == 1:
        return "text_classes"
    if experiment.task in TEXT_TASKS and experiment.dataset in text_pair_datasets():
        return "text_pairs"
    return None


def run_data(
    entry: str, workdir: str | os.PathLike, data: str | os.PathLike | None, *, split: SplitRule | None = None,
    restart: bool = False, fine_tuning: bool = False, storage: str = "auto",
) -> OwnData | None:
    """The data of one's own a run in ``workdir`` trains on, read, checked and registered, or
    None for the entry's own dataset. Writes nothing (``train_and_evaluate`` writes ``data.json`` once the run starts).

    ``data`` is the files for a new run, or for a run in progress the same files again (where
    they lie now); a run in progress without ``data`` reads those it recorded. ``fine_tuning``
    keeps an entry's fixed character vocabularies, so its trained embeddings read the same ids.
    ``storage``: where converted pictures are kept (``jax_zoo.datasets.image_folder.STORAGES``).
    """
    workdir = Path(workdir)
    saved = None if restart else read_record(workdir)
    if saved is not None:
        if split is not None and split != saved.split:
            raise WorkdirError(
                f"workdir {workdir} holds a run whose data was split by {saved.split}, not {split}; resume without "
                f"the split options, pass --restart to start over, or choose another --workdir"
            )
        return reopen(saved, workdir, data, storage=storage)
    if data is None:
        return None
    if (workdir / "config.json").is_file() and not restart:
        raise WorkdirError(
            f"workdir {workdir} holds a run on the entry's own dataset, not on {data}; pass --restart to move it "
            f"aside, or choose another --workdir"
        )
    experiment = registry.get(entry)(**resolve_config(entry))
    kind = data_kind(experiment)
    if kind is None:
        readers = ", ".join(f"{what} ({kind})" for kind, what in WHAT_IT_READS.items())
        raise DataError(f"entry {entry!r} ({experiment.task} on {experiment.dataset!r}) learns from no files of one's own; --data serves entries that read {readers}")
    return _first_read(kind, experiment, Path(data), split or SplitRule(), fine_tuning, storage)


def reopen(
    record: OwnData, workdir: str | os.PathLike, data: str | os.PathLike | None = None, *, storage: str = "auto",
) -> OwnData:
    """``record``'s data registered again from where it was read, or from ``data`` (which must
    then hold the same files); a file gone or changed is a ``DataError`` naming it."""
    if data is not None and record.kind == "image_folder":
        found = scan_image_folder(data, record.split, like=record.details.get("like"))
        if not found.same_files(record):
            raise DataError(
                f"{Path(data).resolve()} holds other images than the run in {workdir} was trained on "
                f"({changes(record, found)}); pass the folder it was trained on, or train a new run"
            )
    if record.kind == "image_folder":
        info = register_image_folder(record, data, storage=storage)
    elif record.kind == "text_classes":
        info = register_text_classes(record, data)
    else:
        info = register_text_pairs(record, Path(workdir) / RUN_TOKENIZERS, data)
    return own_record(info.name)


def data_summary(record: OwnData) -> dict[str, Any]:
    """What ``config.json`` and ``results.json`` say of a run's own data (``data.json`` holds all)."""
    return {
        "name": record.name, "kind": record.kind, "source": record.source, "split_sizes": record.split_sizes,
        **({"class_names": list(record.class_names)} if record.class_names else {}), "record": RECORD_FILE,
    }


def command_options(record: OwnData | None, init_record: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The ``zoo train`` words that read ``record``'s files and split and freeze as the run did."""
    words = []
    if record is not None:
        words += ["--data", record.source]
        if not record.split.given:
            words += ["--validation-fraction", str(record.split.validation), "--test-fraction", str(record.split.test),
                      "--split-seed", str(record.split.seed)]
    freeze = (init_record or {}).get("freeze")
    if freeze:
        words += ["--freeze", freeze["variables"]] + (["--freeze-epochs", str(freeze["epochs"])] if freeze["epochs"] else [])
    return tuple(words)


def on_dataset(experiment: Experiment, dataset: str) -> Experiment:
    """``experiment`` on the registered dataset of one's own ``dataset``: its model (and test
    model) with as many classes, characters or subwords as the data, validation between epochs
    only when the data has a validation split."""
    record = own_record(dataset)
    sizes = model_sizes(record, dataset)
    model, found = retargeted(experiment.model, sizes)
    missing = sorted(set(sizes) - found)
    if missing:
        raise DataError(f"{type(experiment.model).__name__} has no field {', '.join(missing)} to fit to {dataset!r}")
    has_validation = "validation" in record.split_sizes
    train_split = experiment.train_split if has_validation else "train"
    return dataclasses.replace(
        experiment, dataset=dataset, model=model,
        final_eval_model=retargeted(experiment.final_eval_model, sizes)[0] if experiment.final_eval_model is not None else None,
        train_split=train_split, eval_split="validation" if has_validation and experiment.eval_split else None,
    )


def model_sizes(record: OwnData, dataset: str) -> dict[str, int]:
    """The model fields the data decides: classes, vocabulary sizes, source length, markers."""
    if record.kind == "image_folder":
        return {"num_classes": len(record.class_names)}
    if record.kind == "text_classes":
        return {"num_classes": len(record.class_names), "vocab_size": CharVocabulary(record.details["characters"]).size}
    tokenizers = text_pair_tokenizers(dataset)
    return {
        "source_vocab_size": tokenizers.source.size, "target_vocab_size": tokenizers.target.size,
        "source_length": tokenizers.source_length, "bos_id": tokenizers.bos_id, "eos_id": tokenizers.eos_id,
    }


def retargeted(module: nn.Module, fields: Mapping[str, Any]) -> tuple[nn.Module, set[str]]:
    """``module`` with every field named in ``fields`` set to its value, in it and in the modules
    it holds (an ensemble's or a test-time wrapper's member), and the names found."""
    updates, found = {}, set()
    for field in dataclasses.fields(module):
        if field.name in ("parent", "name"):
            continue
        value = getattr(module, field.name)
        if field.name in fields:
            updates[field.name], found = fields[field.name], found | {field.name}
        elif isinstance(value, nn.Module):
            updates[field.name], inner = retargeted(value, fields)
            found |= inner
    return module.clone(**updates), found


def _first_read(
    kind: str, experiment: Experiment, path: Path, split: SplitRule, fine_tuning: bool, storage: str,
) -> OwnData:
    if kind == "image_folder":
        record = scan_image_folder(path, split, like=experiment.dataset)
        return own_record(register_image_folder(record, storage=storage).name)
    if storage != "auto":
        raise ConfigError(f"--storage {storage}: chooses where an image folder's pictures are kept; {path} is a table of texts")
    if kind == "text_classes":
        vocabulary = _entry_vocabulary(experiment.dataset) if fine_tuning else None
        return own_record(register_text_classes(scan_text_classes(path, split, vocabulary=vocabulary)).name)
    like = text_pair_tokenizers(experiment.dataset)
    fixed = fine_tuning and isinstance(like.source, CharVocabulary)
    if fine_tuning and not fixed:
        raise DataError(
            f"fine-tuning on pairs of one's own keeps the entry's tokenizers, and {experiment.dataset!r}'s are subword "
            f"models trained on its own texts; train from scratch on {path} (without --init-from)"
        )
    # A new run's subword models, until the run copies them into its workdir (``save_run_tokenizers``).
    tokenizers_dir = Path(tempfile.mkdtemp(prefix="jax-zoo-tokenizers-"))
    atexit.register(shutil.rmtree, tokenizers_dir, ignore_errors=True)
    record = scan_text_pairs(path, split, like=like, tokenizers_dir=tokenizers_dir, fixed=fixed)
    return own_record(register_text_pairs(record, tokenizers_dir).name)


def _entry_vocabulary(dataset: str) -> CharVocabulary | None:
    """The characters ``dataset``'s texts are read with (to fine-tune a model trained on it)."""
    if is_own(dataset):
        return CharVocabulary(own_record(dataset).details["characters"])
    if dataset == "names":
        from jax_zoo.datasets.names import VOCABULARY

        return VOCABULARY
    return None
