"""Checks batches against what a step was built for, before anything is traced or compiled."""

from collections.abc import Mapping

import jax
import numpy as np

ExampleSpec = Mapping[str, jax.ShapeDtypeStruct]
"""One example's shape and dtype per batch key, without the batch dimension."""

_KIND_NAMES = {"f": "floating", "i": "integer", "u": "integer", "b": "boolean", "c": "complex"}


class InputError(ValueError):
    """Data or settings handed to the harness that it cannot train on."""


class BatchSpecError(InputError):
    """A batch does not have the keys, shapes or dtypes its step was built for."""


def _kind(dtype) -> str:
    return _KIND_NAMES.get(np.dtype(dtype).kind, np.dtype(dtype).name)


def _dtype_of(value) -> np.dtype:
    dtype = getattr(value, "dtype", None)
    return np.dtype(dtype) if dtype is not None else np.asarray(value).dtype


def _describe(shape, dtype) -> str:
    return f"{np.dtype(dtype).name}{list(shape)}"


def check_batch(batch: Mapping[str, jax.typing.ArrayLike], spec: ExampleSpec, *, where: str) -> None:
    """Raises ``BatchSpecError`` naming the expected and the given key, shape or dtype.

    Each ``batch[key]`` must be ``[batch, *spec[key].shape]`` with a dtype of the same kind
    (floating, integer, boolean) as ``spec[key].dtype``; all keys share one batch size.
    """
    if not isinstance(batch, Mapping):
        raise BatchSpecError(
            f"{where}: expected a batch dict with keys {sorted(spec)}, got {type(batch).__name__}"
        )
    missing = sorted(set(spec) - set(batch))
    if missing:
        raise BatchSpecError(
            f"{where}: batch is missing {missing}; expected keys {sorted(spec)}, got {sorted(batch)}"
        )
    sizes = {}
    for key, expected in spec.items():
        value = batch[key]
        shape, dtype = np.shape(value), _dtype_of(value)
        want = ("batch", *expected.shape)
        if len(shape) != len(want) or tuple(shape[1:]) != tuple(expected.shape):
            raise BatchSpecError(
                f"{where}: batch[{key!r}] should have shape [{', '.join(map(str, want))}] "
                f"(rank {len(want)}), got {list(shape)} (rank {len(shape)})"
            )
        if _kind(dtype) != _kind(expected.dtype):
            raise BatchSpecError(
                f"{where}: batch[{key!r}] should be {_kind(expected.dtype)} like "
                f"{np.dtype(expected.dtype).name}, got {np.dtype(dtype).name} "
                f"({_describe(shape, dtype)})"
            )
        sizes[key] = shape[0]
    if len(set(sizes.values())) > 1:
        raise BatchSpecError(f"{where}: batch entries disagree on the batch size: {sizes}")
    if 0 in sizes.values():
        raise BatchSpecError(f"{where}: the batch is empty; expected at least one example, got batch sizes {sizes}")
