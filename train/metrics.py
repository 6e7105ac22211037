"""Per-example metrics and their exact aggregation over an epoch.

A metric function maps ``(outputs, targets)`` to ``<float32>[batch]``; steps report the masked
mean together with ``count`` (the number of real examples), and ``MetricAccumulator`` combines
batches weighted by that count, on the device, fetching only when asked.
"""

from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp

MetricFn = Callable[[jnp.ndarray, jnp.ndarray], jnp.ndarray]


def accuracy(logits: jnp.ndarray, labels: jnp.ndarray) -> jnp.ndarray:
    """1.0 where the arg-max of ``<float>[batch, classes]`` equals the ``<int>[batch]`` label."""
    return (logits.argmax(axis=-1) == labels).astype(jnp.float32)


class MetricAccumulator:
    """Count-weighted running sums of step metrics, kept as device arrays until ``result``."""

    def __init__(self) -> None:
        self._sums: dict[str, jax.Array] | None = None

    def add(self, metrics: Mapping[str, jax.Array]) -> None:
        count = metrics["count"]
        weighted = {name: value * count for name, value in metrics.items() if name != "count"}
        weighted["count"] = count
        if self._sums is None:
            self._sums = weighted
        else:
            self._sums = jax.tree.map(jnp.add, self._sums, weighted)

    def result(self) -> dict[str, float]:
        """Means over every example added so far, plus the example ``count``."""
        if self._sums is None:
            return {}
        sums = jax.device_get(self._sums)
        count = float(sums["count"])
        means = {name: float(value) / count for name, value in sums.items() if name != "count"}
        means["count"] = int(count)
        return means
