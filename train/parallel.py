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

    def shard_batch(self, batch: dict[str, np.ndarray], batch_axis: int = 0, *, local: bool = False) -> dict[str, jax.Array]:
        """A global batch (the same on every process) split over the devices along ``batch_axis``
        (1 for the per-run batches of stacked runs, ``<...>[runs, batch, ...]``).

        With several processes each contributes only its own contiguous block of rows
        (``process_rows``), through ``jax.make_array_from_process_local_data``; ``local`` says
        ``batch`` holds only that block already (read from disk by this process alone).
        """
        sharding = self.batch_sharding if batch_axis == 0 else NamedSharding(
            self.mesh, PartitionSpec(*[None] * batch_axis, "data")
        )
        if jax.process_count() == 1:
            return jax.device_put(dict(batch), sharding)
        count = jax.process_count()
        sharded = {}
        for key, value in batch.items():
            shape = list(value.shape)
            if local:
                shape[batch_axis] *= count
                block = value
            else:
                block = value[(slice(None),) * batch_axis + (self.process_rows(shape[batch_axis]),)]
            sharded[key] = jax.make_array_from_process_local_data(sharding, np.asarray(block), tuple(shape))
        return sharded

    @staticmethod
    def process_rows(size: int) -> slice:
        """This process's contiguous block of a global batch of ``size`` rows."""
        rows = size // jax.process_count()
        return slice(jax.process_index() * rows, (jax.process_index() + 1) * rows)

    def gather(self, array: jax.Array) -> np.ndarray:
        """The whole (possibly sharded over processes) array on this host."""
        if jax.process_count() == 1:
            return np.asarray(jax.device_get(array))
        return np.asarray(multihost_utils.process_allgather(array, tiled=True))
