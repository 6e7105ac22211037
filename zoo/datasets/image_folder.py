"""A folder of one's own pictures as a dataset: one subfolder per class (torchvision's ``ImageFolder``).

    my_digits/0/a.png, my_digits/0/b.jpg, ..., my_digits/9/...         split with a seed, or
    my_digits/train/0/..., my_digits/validation/0/..., my_digits/test/0/...   split already

Class names are the class folders' names, sorted; every file below a class folder (hidden ones
aside) must be an image Pillow reads (PNG, JPEG, BMP, ... of any size and mode). Without
``train/`` and ``test/`` folders (``validation/`` is optional) each class is split with
``own_data.stratified_split``. Pictures are converted by ``image_files.image_example`` for the
dataset named ``like`` (an entry's, so they meet its model as its training images did), or,
without ``like``, read as they are: then they must share one size.

    info = jax_zoo.image_folder("my_digits", like="digits")   # a registered dataset
    jax_zoo.load_dataset(info.name, "train")["inputs"].shape  # (n, 8, 8, 1)
"""

import dataclasses
import hashlib
import importlib.metadata
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from jax_zoo.core.errors import DataError, ZooError
from jax_zoo.datasets.image_files import image_example, read_image
from jax_zoo.datasets.image_recipes import GREY_MODES
from jax_zoo.datasets.own_data import (
    SPLITS, OwnData, SplitRule, default_name, file_digest, free_name, register_own, stratified_split,
)
from jax_zoo.datasets.record_arrays import COLUMNS_FILE, RecordArrays, write_record_arrays
from jax_zoo.datasets.registry import Arrays, DatasetInfo, data_dir, dataset_info

SHOWN = 5
"""Problem files named in an error, at most."""


def image_folder(
    directory: str | os.PathLike, *, like: str | None = None, validation: float = 0.1, test: float = 0.1,
    seed: int = 0, name: str | None = None, storage: str = "auto",
) -> DatasetInfo:
    """Registers the image folder ``directory`` as a dataset (named ``name``, default the
    folder's name) and returns its ``DatasetInfo``; see the module for the layout and the split,
    ``STORAGES`` for ``storage``."""
    record = scan_image_folder(directory, SplitRule(validation=validation, test=test, seed=seed), like=like, name=name)
    return register_image_folder(record, storage=storage)


def scan_image_folder(
    directory: str | os.PathLike, rule: SplitRule, *, like: str | None, name: str | None = None,
) -> OwnData:
    """The record of ``directory``'s images (each file's class and hash, the split), checked
    for an empty folder, a lone class, a class of one image or test classes train lacks."""
    root = Path(directory).resolve()
    layout = _layout(root)
    per_split = {split: _class_files(folder, root) for split, folder in layout.items()}
    if "train" in per_split:
        class_names = sorted(per_split["train"])
        for split in ("validation", "test"):
            unseen = sorted(set(per_split.get(split, {})) - set(class_names))
            if unseen:
                raise DataError(
                    f"{root / split}: class folder(s) {', '.join(unseen)} are not in {root / 'train'}: a model cannot "
                    f"learn a class its training images never show; add them to train/ or remove them"
                )
    else:
        class_names = sorted(per_split[None])
    if len(class_names) < 2:
        raise DataError(f"{root}: one class folder ({class_names[0]}); expected at least two classes to tell apart")
    training = per_split.get("train", per_split.get(None))
    lonely = [f"{name}/ ({len(files)} image)" for name, files in training.items() if len(files) < 2]
    if lonely:
        raise DataError(
            f"{root}: class folder {', '.join(lonely)} holds a single file; expected at least 2 images per class "
            f"(one to train on, one to hold out), more for a model to learn from"
        )
    members = _members(per_split, class_names, rule, root)
    return OwnData(
        name=name or default_name(root), kind="image_folder", source=str(root),
        split=dataclasses.replace(rule, given=True) if "train" in per_split else rule,
        members=members, class_names=tuple(class_names), details={"like": like},
    )


STORAGES = ("auto", "memory", "records")
"""Where converted pictures are kept: ``memory`` (numpy arrays, fastest), ``records`` (ArrayRecord
files read by rows while training, ``jax_zoo.datasets.record_arrays``: the pictures are not held
in memory), or ``auto``: records when the arrays would take more than ``MEMORY_SHARE`` of the
machine's memory."""
MEMORY_SHARE = 0.25


def register_image_folder(
    record: OwnData, directory: str | os.PathLike | None = None, *, storage: str = "auto",
) -> DatasetInfo:
    """Reads and converts ``record``'s images (from ``directory``, default where they were
    recorded), each checked against its recorded hash, and registers them under a free name,
    kept as ``storage`` says (``STORAGES``). Records are prepared once, in
    ``data_dir()/own_records/``, named by the record (its files' hashes and split), and read
    again by any later run of the same files."""
    if storage not in STORAGES:
        raise ZooError(f"storage: expected one of {', '.join(STORAGES)}, got {storage!r}")
    root = Path(directory or record.source)
    reader = _PictureReader(root, record.details.get("like"), total=sum(len(m) for m in record.members.values()))
    if storage == "auto":
        storage = "records" if _arrays_bytes(record, reader) > MEMORY_SHARE * _memory_bytes() else "memory"
    arrays = _in_records(record, reader) if storage == "records" else _in_memory(record, reader)
    like = record.details.get("like")
    named = dataclasses.replace(record, name=free_name(record))
    register_own(
        named, arrays, num_classes=len(record.class_names), description=f"images of {root} ({len(record.class_names)} classes)",
        image_recipe=dataset_info(like).image_recipe if like else None,
    )
    return dataset_info(named.name)


def records_folder(record: OwnData) -> Path:
    """Where ``record``'s pictures are kept as records: named by its files' hashes and split, the
    dataset whose conversion they went through and the package's version (a new release, whose
    conversion may differ, prepares them again)."""
    like = record.details.get("like")
    conversion = [like, dataset_info(like).image_recipe if like else None, package_version()]
    digest = hashlib.sha256(json.dumps([record.members, conversion], sort_keys=True).encode()).hexdigest()[:16]
    return data_dir() / "own_records" / f"{record.name}-{digest}"


def package_version() -> str:
    try:
        return importlib.metadata.version("jax-zoo")
    except importlib.metadata.PackageNotFoundError:  # a source tree on the path, not installed
        return "source"


class _PictureReader:
    """Reads and converts a record's pictures, noting the files it cannot read."""

    def __init__(self, root: Path, like: str | None, total: int):
        self.root, self.like, self.total = root, like, total
        self.problems: list[str] = []
        self.readable = 0
        self.first_size: tuple[tuple[int, ...], str] | None = None

    def read(self, relative: str, digest: str) -> np.ndarray | None:
        path = self.root / relative
        try:
            data = path.read_bytes()
        except OSError as error:
            self.problems.append(f"{relative} ({type(error).__name__}: gone or unreadable)")
            return None
        if file_digest(data) != digest:
            self.problems.append(f"{relative} (changed since it was recorded)")
            return None
        try:
            pixels = _pixels(path, self.like)
        except ZooError as error:
            self.problems.append(f"{relative} ({str(error).removeprefix(f'{path}: ').replace(str(path), relative)})")
            return None
        self.readable += 1
        self._check_size(relative, pixels.shape)
        return pixels

    def _check_size(self, relative: str, shape: tuple[int, ...]) -> None:
        if self.first_size is None:
            self.first_size = (shape, relative)
            return
        first, one = self.first_size
        if shape != first:
            raise DataError(
                f"{self.root}: pictures of several sizes ({one}: {first[1]}x{first[0]}x{first[2]}, {relative}: "
                f"{shape[1]}x{shape[0]}x{shape[2]}) cannot be stacked as they are; expected one size, or convert them "
                f"as an entry's dataset's pictures (like=..., as `zoo train ENTRY --data` does)"
            )

    def raise_problems(self) -> None:
        if self.problems:
            raise DataError(
                f"{self.root}: {len(self.problems)} of {self.total} files cannot be read as images: "
                f"{'; '.join(self.problems[:SHOWN])}{'; ...' if len(self.problems) > SHOWN else ''}. {self.readable} are "
                f"readable images; remove or move the others (every file below a class folder must be a picture)"
            )


def _in_memory(record: OwnData, reader: _PictureReader) -> dict[str, Arrays]:
    arrays = {}
    for split, members in record.members.items():
        pixels = [reader.read(relative, digest) for relative, _, digest in members]
        if not reader.problems:
            arrays[split] = {"inputs": np.stack(pixels), "targets": np.asarray([label for _, label, _ in members], np.int32)}
    reader.raise_problems()
    return arrays


def _in_records(record: OwnData, reader: _PictureReader) -> dict[str, RecordArrays]:
    """Each split written as records unless written before; on an unreadable file every other
    file is still tried (the error counts them) and nothing is kept."""
    folder = records_folder(record)
    try:
        for split, members in record.members.items():
            if reader.problems:
                for relative, _, digest in members:
                    reader.read(relative, digest)
            elif not (folder / split / COLUMNS_FILE).is_file():
                try:
                    write_record_arrays(folder / split, _rows(members, reader))
                except _Unreadable:
                    pass
        reader.raise_problems()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return {split: RecordArrays.open(folder / split) for split in record.members}


class _Unreadable(Exception):
    """A split had files that are not pictures: its records are not written."""


def _rows(members: list, reader: _PictureReader) -> Iterator[dict[str, np.ndarray]]:
    """One split's examples, read one at a time; every file is tried before a failure is raised."""
    for relative, label, digest in members:
        pixels = reader.read(relative, digest)
        if pixels is not None and not reader.problems:
            yield {"inputs": pixels, "targets": np.int32(label)}
    if reader.problems:
        raise _Unreadable


def _arrays_bytes(record: OwnData, reader: _PictureReader) -> int:
    """The converted pictures' size in memory, from the first picture's."""
    relative, _, digest = next(iter(record.members.values()))[0]
    pixels = reader.read(relative, digest)
    reader.problems.clear()  # read again, and reported with the others', by the storage chosen
    reader.readable, reader.first_size = 0, None
    return 0 if pixels is None else sum(len(members) for members in record.members.values()) * (pixels.nbytes + 4)


def _memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _layout(root: Path) -> dict[str | None, Path]:
    """``{split: folder}`` when ``root`` holds ``train/`` and ``test/`` (``validation/`` optional),
    else ``{None: root}``."""
    if not root.is_dir():
        raise DataError(f"{root}: expected a folder of class folders of images, found {'a file' if root.exists() else 'nothing'}")
    children = _visible(root.iterdir())
    loose = sorted(child.name for child in children if not child.is_dir())
    if loose:
        raise DataError(
            f"{root}: file(s) {', '.join(loose[:SHOWN])} lie beside the class folders; expected only one folder per "
            f"class (or train/, validation/, test/), each holding its images"
        )
    names = {child.name for child in children}
    if not names & set(SPLITS):
        return {None: root}
    if names - set(SPLITS) or not {"train", "test"} <= names:
        raise DataError(
            f"{root}: holds {', '.join(sorted(names))}; expected either class folders only, or train/ and test/ "
            f"(validation/ optional), each of class folders"
        )
    return {split: root / split for split in SPLITS if split in names}


def _class_files(folder: Path, root: Path) -> dict[str, list[str]]:
    """``{class name: [file path relative to root, ...]}`` of ``folder``'s class folders."""
    classes = sorted(child for child in _visible(folder.iterdir()) if child.is_dir())
    loose = sorted(child.name for child in _visible(folder.iterdir()) if not child.is_dir())
    if loose:
        raise DataError(f"{folder}: file(s) {', '.join(loose[:SHOWN])} lie outside any class folder; expected one folder per class")
    if not classes:
        raise DataError(
            f"{folder}: no class folders; expected one folder per class, each holding its images "
            f"(PNG, JPEG, BMP), e.g. {folder}/cat/1.png, {folder}/dog/1.png"
        )
    files = {}
    for directory in classes:
        found = sorted(
            path.relative_to(root).as_posix() for path in directory.rglob("*")
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(directory).parts)
        )
        if not found:
            raise DataError(f"{directory}: an empty class folder; expected its images (PNG, JPEG, BMP)")
        files[directory.name] = found
    return files


def _members(
    per_split: Mapping[str | None, Mapping[str, list[str]]], class_names: list[str], rule: SplitRule, root: Path,
) -> dict:
    """``{split: [[path, class index, digest], ...]}``: as given, or drawn by ``rule``."""
    def listed(files: Mapping[str, list[str]]) -> list[list]:
        return [[path, class_names.index(name), file_digest((root / path).read_bytes())]
                for name in sorted(files) for path in files[name]]

    if None not in per_split:
        return {split: listed(files) for split, files in per_split.items()}
    everything = listed(per_split[None])
    positions = stratified_split(np.array([label for _, label, _ in everything]), rule)
    members = {split: [everything[i] for i in positions[split]] for split in SPLITS}
    if not members["test"]:
        raise DataError(
            f"test fraction {rule.test}: rounds to no test image in any class; expected more images per class "
            f"or a larger test fraction"
        )
    return {split: chosen for split, chosen in members.items() if chosen}


def _pixels(path: Path, like: str | None) -> np.ndarray:
    if like is not None:
        return image_example(path, like).pixels
    image, _ = read_image(path)
    image = image.convert("L" if image.mode in GREY_MODES else "RGB")
    pixels = np.asarray(image, np.float32) / 255
    return pixels[..., None] if pixels.ndim == 2 else pixels


def _visible(paths) -> list[Path]:
    return [path for path in paths if not path.name.startswith(".")]
