"""A seeded, stratified validation slice carved out of a training split."""

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

VALIDATION_SEED = 0
VALIDATION_SIZE = 5_000


def validation_slice(
    labels: np.ndarray, size: int, seed: int = VALIDATION_SEED, *, stratified: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """``(train_positions, validation_positions)``: ``size`` positions of ``labels`` held out,
    stratified by class (unless ``stratified=False``) and fixed by ``seed``; both sorted,
    disjoint, together every position.

    ``train_test_split(range(len(labels)), test_size=size, stratify=labels, random_state=seed)``.
    """
    from sklearn.model_selection import train_test_split

    if not 0 < size < len(labels):
        raise ValueError(f"validation size must be between 1 and {len(labels) - 1}, got {size}")
    train, validation = train_test_split(
        np.arange(len(labels)), test_size=size, stratify=labels if stratified else None, random_state=seed,
    )
    return np.sort(train), np.sort(validation)


@dataclasses.dataclass(frozen=True)
class CarvedValidation:
    """The ``validation`` split of a dataset registered without one: ``size`` examples of its
    ``train`` split held out, fixed by ``seed``, stratified by class when the targets are class
    labels; ``train`` keeps the rest. Keras' ``validation_split``, drawn at random rather than
    from the end. A run records it (``record``), so a run of other splits is not resumed."""

    size: int
    seed: int = VALIDATION_SEED
    stratified: bool = True

    @classmethod
    def of(cls, share: float | int, train_size: int, *, seed: int = VALIDATION_SEED, stratified: bool = True):
        """``share`` of ``train_size`` examples: a fraction in (0, 1), rounded up as scikit-learn's
        ``test_size`` is, or a count."""
        if isinstance(share, bool) or not isinstance(share, int | float):
            raise TypeError(f"validation_from_train: expected a fraction in (0, 1) or a count, got {share!r}")
        size = math.ceil(share * train_size) if isinstance(share, float) else share
        if isinstance(share, float) and not 0 < share < 1 or not 0 < size < train_size:
            raise ValueError(
                f"validation_from_train: expected a fraction in (0, 1) or a count in [1, {train_size - 1}] "
                f"of the {train_size} train examples, got {share!r}"
            )
        return cls(size, seed, stratified)

    def split_sizes(self, sizes: dict[str, int]) -> dict[str, int]:
        return {**sizes, "train": sizes["train"] - self.size, "validation": self.size}

    def loader(self, load: Callable[[str, Path], dict[str, np.ndarray]]) -> Callable[[str, Path], dict[str, np.ndarray]]:
        """``load`` with ``train`` and ``validation`` read as the two parts of its ``train``."""

        def load_split(split: str, directory: Path) -> dict[str, np.ndarray]:
            if split not in ("train", "validation"):
                return load(split, directory)
            arrays = load("train", directory)
            train, validation = validation_slice(arrays["targets"], self.size, self.seed, stratified=self.stratified)
            positions = train if split == "train" else validation
            return {key: value[positions] for key, value in arrays.items()}

        return load_split

    def record(self) -> dict[str, Any]:
        return {"validation_from_train": dataclasses.asdict(self)}


def image_split(split: str, official_split: Callable[[str], dict[str, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """``(<float32>[n, h, w, c] in [0, 1], <int32>[n])`` of ``train``, ``validation`` or ``test``.

    ``official_split("train" | "test")`` gives uint8 ``image`` and ``label`` arrays; ``train``
    and ``validation`` divide the official training set with ``validation_slice``.
    """
    official = official_split("test" if split == "test" else "train")
    positions = slice(None)
    if split != "test":
        train, validation = validation_slice(official["label"], VALIDATION_SIZE)
        positions = train if split == "train" else validation
    return official["image"][positions].astype(np.float32) / 255.0, official["label"][positions].astype(np.int32)
