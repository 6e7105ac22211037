"""Batches of a split: shuffled full batches for training, padded ones for evaluation.

``arrays`` is a dict of equally long numpy arrays (``inputs``, ``targets``, ...), or a split kept
on disk that reads ahead (``ReadsAhead``, e.g. ``jax_zoo.datasets.record_arrays``): both give
the same batches in the same order.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

Arrays = Mapping[str, np.ndarray]


@runtime_checkable
class ReadsAhead(Protocol):
    """A split outside memory: columns that index like arrays, and a reader of whole batches
    that reads the next ones while the current step runs."""

    def read_ahead(self, index_batches: Sequence[np.ndarray]) -> Iterator[dict[str, np.ndarray]]: ...


def is_streamed(arrays: Arrays) -> bool:
    return isinstance(arrays, ReadsAhead)


def batches_at(arrays: Arrays, index_batches: Iterable[np.ndarray]) -> Iterator[dict[str, np.ndarray]]:
    """The rows of each index array in turn: indexed in memory, or read ahead from disk."""
    if is_streamed(arrays):
        return arrays.read_ahead(list(index_batches))
    return ({key: value[indices] for key, value in arrays.items()} for indices in index_batches)


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
    return batches_at(arrays, train_batch_indices(num_examples(arrays), batch_size, seed=seed, epoch=epoch,
                                                  start_batch=start_batch))


def train_batch_indices(size: int, batch_size: int, *, seed: int, epoch: int, start_batch: int = 0) -> list[np.ndarray]:
    """The row indices of ``train_batches``'s batches."""
    order = epoch_permutation(size, seed, epoch)
    return [order[start : start + batch_size] for start in range(start_batch * batch_size, size - batch_size + 1, batch_size)]


def stacked_train_batches(
    arrays: Arrays, batch_size: int, *, rows: Sequence[np.ndarray], seeds: Sequence[int], epoch: int,
    start_batch: int = 0,
) -> Iterator[dict[str, np.ndarray]]:
    """The batches ``train_batches`` gives run ``r`` on its own ``rows[r]`` in the order of its
    own ``seeds[r]``, stacked: ``<...>[runs, batch, ...]``. Every run makes the same number of
    steps (``len(rows[r]) // batch_size``)."""
    orders = [np.asarray(own)[epoch_permutation(len(own), seed, epoch)] for own, seed in zip(rows, seeds)]
    starts = range(start_batch * batch_size, len(orders[0]) - batch_size + 1, batch_size)
    return batches_at(arrays, [np.stack([order[start : start + batch_size] for order in orders]) for start in starts])


def eval_batches(arrays: Arrays, batch_size: int, *, rows: slice = slice(None)) -> Iterator[dict[str, np.ndarray]]:
    """Every example exactly once, in order; the last batch is padded to ``batch_size`` with
    copies of the first example and ``mask`` (``<float32>[batch]``) is 0 on the padding.
    ``rows``: only these rows of each batch (one process's block), mask included."""
    size = num_examples(arrays)
    starts = range(0, size, batch_size)
    indices = [np.concatenate([np.arange(start, min(start + batch_size, size)),
                               np.zeros(max(start + batch_size - size, 0), np.int64)])[rows] for start in starts]
    for start, batch in zip(starts, batches_at(arrays, indices)):
        batch["mask"] = (np.arange(batch_size) < size - start).astype(np.float32)[rows]
        yield batch
