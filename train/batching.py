"""Batches from in-memory arrays: shuffled full batches for training, padded ones for evaluation.

``arrays`` is a dict of equally long numpy arrays (``inputs``, ``targets``, ...).
"""

from collections.abc import Iterator, Mapping, Sequence

import numpy as np

Arrays = Mapping[str, np.ndarray]


def num_examples(arrays: Arrays) -> int:
    sizes = {key: len(value) for key, value in arrays.items()}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"expected arrays of one common length, got lengths {sizes}")
    return next(iter(sizes.values()))


def epoch_permutation(size: int, seed: int, epoch: int) -> np.ndarray:
    """The order of epoch ``epoch``: a pure function of ``(seed, epoch)``."""
    return np.random.default_rng([seed, epoch]).permutation(size)


def train_batches(
    arrays: Arrays, batch_size: int, *, seed: int, epoch: int, start_batch: int = 0
) -> Iterator[dict[str, np.ndarray]]:
    """Full batches in a fresh order each epoch; the last ``size % batch_size`` examples of that
    order are left out (a different few each epoch), so every step has the same shape.

    ``start_batch`` skips the epoch's first batches, to resume in the middle of an epoch.
    """
    size = num_examples(arrays)
    order = epoch_permutation(size, seed, epoch)
    for start in range(start_batch * batch_size, size - batch_size + 1, batch_size):
        indices = order[start : start + batch_size]
        yield {key: value[indices] for key, value in arrays.items()}


def stacked_train_batches(
    arrays: Arrays, batch_size: int, *, rows: Sequence[np.ndarray], seeds: Sequence[int], epoch: int,
    start_batch: int = 0,
) -> Iterator[dict[str, np.ndarray]]:
    """The batches ``train_batches`` gives run ``r`` on its own ``rows[r]`` in the order of its
    own ``seeds[r]``, stacked: ``<...>[runs, batch, ...]``. Every run makes the same number of
    steps (``len(rows[r]) // batch_size``)."""
    orders = [np.asarray(own)[epoch_permutation(len(own), seed, epoch)] for own, seed in zip(rows, seeds)]
    for start in range(start_batch * batch_size, len(orders[0]) - batch_size + 1, batch_size):
        indices = np.stack([order[start : start + batch_size] for order in orders])
        yield {key: value[indices] for key, value in arrays.items()}


def eval_batches(arrays: Arrays, batch_size: int) -> Iterator[dict[str, np.ndarray]]:
    """Every example exactly once, in order; the last batch is padded to ``batch_size`` with
    copies of the first example and ``mask`` (``<float32>[batch]``) is 0 on the padding."""
    size = num_examples(arrays)
    for start in range(0, size, batch_size):
        indices = np.arange(start, min(start + batch_size, size))
        real = len(indices)
        indices = np.concatenate([indices, np.zeros(batch_size - real, dtype=indices.dtype)])
        batch = {key: value[indices] for key, value in arrays.items()}
        batch["mask"] = (np.arange(batch_size) < real).astype(np.float32)
        yield batch
