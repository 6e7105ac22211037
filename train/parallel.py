"""Data parallelism on a ``jax.sharding.Mesh`` with one axis, ``data``.

The global batch is split along its first axis over every device of every process; the train
state is replicated. ``jax.jit`` then partitions the step (GSPMD) and inserts the gradient
all-reduce, so one train step serves 1 device, N devices and N hosts unchanged.
"""

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec


class DataParallel:
    """Shardings of a data-parallel run over ``devices`` (default: all devices of all processes)."""

    def __init__(self, devices=None):
        self.mesh = Mesh(np.asarray(devices if devices is not None else jax.devices()), ("data",))
        self.batch_sharding = NamedSharding(self.mesh, PartitionSpec("data"))
        self.replicated = NamedSharding(self.mesh, PartitionSpec())

    @property
    def device_count(self) -> int:
        return self.mesh.size

    def replicate(self, tree):
        """Every leaf on every device (processes must pass equal values: they start from one seed)."""
        if jax.process_count() == 1:
            return jax.device_put(tree, self.replicated)
        return jax.tree.map(
            lambda leaf: jax.make_array_from_process_local_data(self.replicated, np.asarray(leaf)), tree
        )

    def shard_batch(self, batch: dict[str, np.ndarray], batch_axis: int = 0) -> dict[str, jax.Array]:
        """A global batch (the same on every process) split over the devices along ``batch_axis``
        (1 for the per-run batches of stacked runs, ``<...>[runs, batch, ...]``).

        With several processes each contributes only its own contiguous block of rows, through
        ``jax.make_array_from_process_local_data``.
        """
        sharding = self.batch_sharding if batch_axis == 0 else NamedSharding(
            self.mesh, PartitionSpec(*[None] * batch_axis, "data")
        )
        if jax.process_count() == 1:
            return jax.device_put(dict(batch), sharding)
        count, index = jax.process_count(), jax.process_index()
        sharded = {}
        for key, value in batch.items():
            rows = value.shape[batch_axis] // count
            local = np.asarray(np.take(value, np.arange(index * rows, (index + 1) * rows), axis=batch_axis))
            sharded[key] = jax.make_array_from_process_local_data(sharding, local, value.shape)
        return sharded

    def gather(self, array: jax.Array) -> np.ndarray:
        """The whole (possibly sharded over processes) array on this host."""
        if jax.process_count() == 1:
            return np.asarray(jax.device_get(array))
        return np.asarray(multihost_utils.process_allgather(array, tiled=True))
