"""A seeded, stratified validation slice carved out of a training split."""

from collections.abc import Callable

import numpy as np

VALIDATION_SEED = 0
VALIDATION_SIZE = 5_000


def validation_slice(labels: np.ndarray, size: int, seed: int = VALIDATION_SEED) -> tuple[np.ndarray, np.ndarray]:
    """``(train_positions, validation_positions)``: ``size`` positions of ``labels`` held out,
    stratified by class and fixed by ``seed``; both sorted, disjoint, together every position.

    ``train_test_split(range(len(labels)), test_size=size, stratify=labels, random_state=seed)``.
    """
    from sklearn.model_selection import train_test_split

    if not 0 < size < len(labels):
        raise ValueError(f"validation size must be between 1 and {len(labels) - 1}, got {size}")
    train, validation = train_test_split(
        np.arange(len(labels)), test_size=size, stratify=labels, random_state=seed,
    )
    return np.sort(train), np.sort(validation)


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
