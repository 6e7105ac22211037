"""A seeded, stratified validation slice carved out of a training split."""

import numpy as np

VALIDATION_SEED = 0


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
