"""Stacked runs in groups whose steps run at once, each called from a host thread of its own.

XLA:CPU runs a program on the thread that calls it; only a large product spreads over the
cores. A stacked step of small runs is a chain of small batched products, so it keeps about
one core busy however many runs it holds. Split into groups, one per core, each group's step
called from its own thread, the runs train on every core. Each run's numbers are those it gets
in one program of all the runs, up to float rounding (a product batched over fewer runs may sum
in another order); groups of two sizes compile two programs. A train step in batch parts
(``jax_zoo.train.steps.PartedTrainStep``) uses the same threads, one per part.
"""

import functools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the system says, else all)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_thread_groups(run_count: int, device_count: int) -> int:
    """One group per usable core on a single CPU device, at most one per run; 1 elsewhere (an
    accelerator runs a stacked step as one program, and several devices take the batch apart)."""
    if device_count != 1 or jax.default_backend() != "cpu":
        return 1
    return max(1, min(usable_cores(), run_count))


def group_slices(run_count: int, groups: int) -> list[slice]:
    """``groups`` contiguous slices of ``range(run_count)``, sizes differing by at most one."""
    if not 1 <= groups <= run_count:
        raise ValueError(f"thread groups: expected 1 to {run_count} (the run count), got {groups}")
    bounds = np.linspace(0, run_count, groups + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


@functools.partial(jax.jit, static_argnums=1)
def _split(tree: Any, bounds: tuple[tuple[int, int], ...]) -> list[Any]:
    return [jax.tree.map(lambda leaf: leaf[start:stop], tree) for start, stop in bounds]


@jax.jit
def _join(parts: list[Any]) -> Any:
    return jax.tree.map(lambda *leaves: jnp.concatenate(leaves), *parts)


class ThreadGroups:
    """Splits stacked trees into the groups' parts, calls a function on each part from its own
    thread (``map``, also what runs a train step's batch parts), and joins the parts' results
    back into stacked trees."""

    def __init__(self, run_count: int, groups: int):
        self.slices = group_slices(run_count, groups)
        self._pool = ThreadPoolExecutor(max_workers=max(1, groups - 1), thread_name_prefix="zoo-group")
        self._called_sizes: set[int] = set()
        self._bounds = tuple((part.start, part.stop) for part in self.slices)

    @property
    def count(self) -> int:
        return len(self.slices)

    def split(self, tree: Any) -> list[Any]:
        """Each group's part of a stacked tree of device arrays (a new buffer per part)."""
        return _split(tree, self._bounds)

    def split_host(self, tree: Any, axis: int = 0) -> list[Any]:
        """Each group's part of a tree of host arrays, views along ``axis``."""
        index = (slice(None),) * axis
        return [jax.tree.map(lambda leaf: leaf[index + (part,)], tree) for part in self.slices]

    def join(self, parts: Sequence[Any]) -> Any:
        """The groups' parts as one stacked tree."""
        return _join(list(parts))

    def map(self, function: Callable[..., Any], *per_group: Sequence[Any]) -> list[Any]:
        """``function(*args)`` for each group's arguments, at once: the first group on the calling
        thread, the others each on a thread of its own. A group size called for the first time
        runs alone first, so that its program compiles once."""
        arguments = list(zip(*per_group))
        results: dict[int, Any] = {}
        for index, part in enumerate(self.slices):
            size = part.stop - part.start
            if size not in self._called_sizes:
                results[index] = function(*arguments[index])
                self._called_sizes.add(size)
        pending = {index: self._pool.submit(function, *arguments[index])
                   for index in range(1, len(arguments)) if index not in results}
        if 0 not in results:
            results[0] = function(*arguments[0])
        for index, future in pending.items():
            results[index] = future.result()
        return [results[index] for index in range(len(arguments))]

    def close(self) -> None:
        self._pool.shutdown(wait=True)
