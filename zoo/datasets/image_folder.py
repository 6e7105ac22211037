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
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from jax_zoo.core.errors import DataError, ZooError
from jax_zoo.datasets.image_files import image_example, read_image
from jax_zoo.datasets.image_recipes import GREY_MODES
from jax_zoo.datasets.own_data import (
    SPLITS, OwnData, SplitRule, default_name, file_digest, free_name, register_own, stratified_split,
)
from jax_zoo.datasets.registry import Arrays, DatasetInfo, dataset_info

SHOWN = 5
"""Problem files named in an error, at most."""


def image_folder(
    directory: str | os.PathLike, *, like: str | None = None, validation: float = 0.1, test: float = 0.1,
    seed: int = 0, name: str | None = None,
) -> DatasetInfo:
    """Registers the image folder ``directory`` as a dataset (named ``name``, default the
    folder's name) and returns its ``DatasetInfo``; see the module for the layout and the split."""
    record = scan_image_folder(directory, SplitRule(validation=validation, test=test, seed=seed), like=like, name=name)
    return register_image_folder(record)


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


def register_image_folder(record: OwnData, directory: str | os.PathLike | None = None) -> DatasetInfo:
    """Reads and converts ``record``'s images (from ``directory``, default where they were
    recorded), each checked against its recorded hash, and registers them under a free name."""
    root = Path(directory or record.source)
    like = record.details.get("like")
    arrays, problems, readable = {}, [], 0
    for split, members in record.members.items():
        pixels = []
        for relative, label, digest in members:
            path = root / relative
            try:
                data = path.read_bytes()
            except OSError as error:
                problems.append(f"{relative} ({type(error).__name__}: gone or unreadable)")
                continue
            if file_digest(data) != digest:
                problems.append(f"{relative} (changed since it was recorded)")
                continue
            try:
                pixels.append((relative, _pixels(path, like)))
                readable += 1
            except ZooError as error:
                problems.append(f"{relative} ({str(error).removeprefix(f'{path}: ').replace(str(path), relative)})")
        if not problems:
            arrays[split] = _stacked(pixels, [label for _, label, _ in members], like, root)
    if problems:
        raise DataError(
            f"{root}: {len(problems)} of {sum(len(m) for m in record.members.values())} files cannot be read as "
            f"images: {'; '.join(problems[:SHOWN])}{'; ...' if len(problems) > SHOWN else ''}. {readable} are "
            f"readable images; remove or move the others (every file below a class folder must be a picture)"
        )
    named = dataclasses.replace(record, name=free_name(record))
    register_own(
        named, arrays, num_classes=len(record.class_names), description=f"images of {root} ({len(record.class_names)} classes)",
        image_recipe=dataset_info(like).image_recipe if like else None,
    )
    return dataset_info(named.name)


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


def _stacked(pixels: list[tuple[str, np.ndarray]], labels: list[int], like: str | None, root: Path) -> Arrays:
    shapes = {}
    for relative, array in pixels:
        shapes.setdefault(array.shape, relative)
    if len(shapes) > 1:
        (first, one), (second, other) = list(shapes.items())[:2]
        raise DataError(
            f"{root}: pictures of several sizes ({one}: {first[1]}x{first[0]}x{first[2]}, {other}: "
            f"{second[1]}x{second[0]}x{second[2]}) cannot be stacked as they are; expected one size, or convert them "
            f"as an entry's dataset's pictures (like=..., as `zoo train ENTRY --data` does)"
        )
    return {"inputs": np.stack([array for _, array in pixels]), "targets": np.asarray(labels, np.int32)}


def _visible(paths) -> list[Path]:
    return [path for path in paths if not path.name.startswith(".")]
