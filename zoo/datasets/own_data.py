"""Datasets made of one's own files: their record, their split, their registration.

An image folder (``image_folder``) or a table of texts (``text_files``) becomes a registered
dataset like the zoo's own (``jax_zoo.load_dataset(name, split)``), described by an ``OwnData``
record: where the files are, which of them (with a content hash each) make each split, the
class names and what was learnt from the train split (vocabularies). A run keeps the record in
``<workdir>/data.json``, so ``zoo eval``, ``zoo predict`` and a resumed run read the same
examples again, and files that changed since are named rather than read.
"""

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np

from jax_zoo.core.errors import DataError
from jax_zoo.datasets.registry import Arrays, dataset_info, list_datasets, register_dataset

RECORD_FILE = "data.json"
"""A run's record of its own data: ``<workdir>/data.json``."""
SPLITS = ("train", "validation", "test")
DEFAULT_VALIDATION, DEFAULT_TEST, DEFAULT_SEED = 0.1, 0.1, 0
KINDS = ("image_folder", "text_classes", "text_pairs")


@dataclasses.dataclass(frozen=True)
class SplitRule:
    """How the files were divided: ``given`` by the user (``train/``, ``test/``, ...), or drawn
    with ``seed``: ``validation`` and ``test`` fractions of each class (or of all pairs)."""

    given: bool = False
    validation: float = DEFAULT_VALIDATION
    test: float = DEFAULT_TEST
    seed: int = DEFAULT_SEED

    def __post_init__(self):
        if not (0 <= self.validation < 1 and 0 < self.test < 1 and self.validation + self.test < 1):
            raise DataError(
                f"split fractions: expected a validation fraction in [0, 1), a test fraction in (0, 1) and their sum "
                f"below 1, got validation {self.validation} and test {self.test}"
            )
        if not isinstance(self.seed, int) or self.seed < 0:
            raise DataError(f"split seed: expected a non-negative integer, got {self.seed!r}")


@dataclasses.dataclass(frozen=True)
class OwnData:
    """A dataset of one's own files as a run records it (``data.json``)."""

    name: str
    kind: str
    """``"image_folder"``, ``"text_classes"`` or ``"text_pairs"``."""
    source: str
    """The folder or file read, as an absolute path."""
    split: SplitRule
    members: Mapping[str, Sequence[Sequence[Any]]]
    """Per split, its examples in order: ``[relative path, class index, sha256]`` of each image,
    ``[file, line]`` of each row of a table."""
    class_names: tuple[str, ...] | None = None
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """What the kind needs besides: ``like`` (the dataset whose pictures images are made into),
    file hashes, vocabularies and lengths learnt from the train split."""

    @property
    def split_sizes(self) -> dict[str, int]:
        return {split: len(self.members[split]) for split in SPLITS if self.members.get(split)}

    def same_files(self, other: "OwnData") -> bool:
        """Whether ``other`` holds the same examples, split the same way (wherever they lie)."""
        fields = ("kind", "members", "class_names")
        return all(getattr(self, name) == getattr(other, name) for name in fields) and (
            self.details.get("files") == other.details.get("files")
        )

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"class_names": list(self.class_names) if self.class_names else None}

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> "OwnData":
        return cls(
            name=record["name"], kind=record["kind"], source=record["source"], split=SplitRule(**record["split"]),
            members={split: [list(member) for member in members] for split, members in record["members"].items()},
            class_names=tuple(record["class_names"]) if record.get("class_names") else None,
            details=record.get("details") or {},
        )


def stratified_split(labels: np.ndarray, rule: SplitRule) -> dict[str, np.ndarray]:
    """Sorted positions of ``labels`` per split: of each class's ``n`` examples, ``n * test``
    held out for test and ``n * validation`` for validation, rounded half up (at least one left
    to train on), drawn with ``numpy.random.default_rng(seed)`` class by class.

    By hand rather than scikit-learn's ``train_test_split(stratify=...)``, which refuses a test
    set smaller than the number of classes and classes too small to appear in every split."""
    rng = np.random.default_rng(rule.seed)
    parts = {split: [] for split in SPLITS}
    for label in np.unique(labels):
        positions = rng.permutation(np.flatnonzero(labels == label))
        test = min(int(len(positions) * rule.test + 0.5), len(positions) - 1)
        validation = min(int(len(positions) * rule.validation + 0.5), len(positions) - 1 - test)
        parts["test"].append(positions[:test])
        parts["validation"].append(positions[test : test + validation])
        parts["train"].append(positions[test + validation :])
    return {split: np.sort(np.concatenate(chosen)).astype(np.int64) for split, chosen in parts.items()}


def file_digest(data: bytes) -> str:
    """A file's sha256, shortened to 16 hex digits (enough to tell an edited file)."""
    return hashlib.sha256(data).hexdigest()[:16]


def default_name(source: str | os.PathLike) -> str:
    """A dataset name from a folder's or file's name: letters, digits, ``_``, ``-`` and ``.``."""
    stem = Path(source).resolve()
    stem = stem.stem if stem.is_file() else stem.name
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("_") or "own_data"


def free_name(record: OwnData) -> str:
    """``record.name``, or ``<name>-<hash>`` when a different dataset holds that name (one of the zoo's)."""
    if record.name not in list_datasets() or _registered_records.get(record.name) == record.to_json():
        return record.name
    digest = hashlib.sha256(json.dumps(record.to_json()["members"]).encode()).hexdigest()[:8]
    return f"{record.name}-{digest}"


_registered_records: dict[str, dict[str, Any]] = {}


def register_own(
    record: OwnData, arrays: Mapping[str, Arrays], *, num_classes: int | None = None, image_recipe: str | None = None,
    description: str,
) -> None:
    """Registers ``record``'s ``arrays`` (per split) as dataset ``record.name``."""
    first = arrays["train"]
    spec = {key: jax.ShapeDtypeStruct(value.shape[1:], value.dtype) for key, value in first.items()}
    register_dataset(
        record.name, example_spec=spec, split_sizes={split: len(arrays[split]["targets"]) for split in arrays},
        num_classes=num_classes, description=description, class_names=record.class_names, image_recipe=image_recipe,
    )(lambda split, directory: arrays[split])
    _registered_records[record.name] = record.to_json()


def is_own(dataset: str) -> bool:
    """Whether ``dataset`` was registered from one's own files in this process."""
    return dataset in _registered_records


def own_record(dataset: str) -> OwnData:
    """The record ``dataset`` was registered from (``is_own(dataset)`` must hold)."""
    dataset_info(dataset)
    return OwnData.from_json(_registered_records[dataset])


def read_record(workdir: str | os.PathLike) -> OwnData | None:
    """The run's ``data.json`` record, or None when it trained on one of the zoo's datasets."""
    path = Path(workdir) / RECORD_FILE
    if not path.is_file():
        return None
    try:
        return OwnData.from_json(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataError(
            f"{path} is damaged: expected the record of the run's own data, could not read it "
            f"({type(error).__name__}: {error}); nothing was changed"
        ) from None


def changes(saved: OwnData, found: OwnData) -> str:
    """What differs between the files a run recorded and those found now, in a few words."""
    before = {json.dumps(member) for split in saved.members.values() for member in split}
    after = {json.dumps(member) for split in found.members.values() for member in split}
    added, removed = len(after - before), len(before - after)
    if saved.class_names != found.class_names:
        return f"classes {list(saved.class_names or ())} then, {list(found.class_names or ())} now"
    if added or removed:
        return f"{added} example(s) new or changed, {removed} gone or changed"
    if saved.details.get("files") != found.details.get("files"):
        return "the files' contents changed"
    return "the same files split another way (other fractions or seed)"
