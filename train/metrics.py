"""Per-example metrics and their exact aggregation over an epoch.

A metric function maps ``(outputs, targets)`` to ``<float32>[batch]``; steps report the masked
mean together with ``count`` (the number of real examples), and ``MetricAccumulator`` combines
batches weighted by that count, on the device, fetching only when asked.
"""

from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp
import numpy as np

from jax_zoo.train.losses import mean_token_nll, squared_error  # noqa: F401  (squared_error is a metric too)

MetricFn = Callable[[jnp.ndarray, jnp.ndarray], jnp.ndarray]


def accuracy(logits: jnp.ndarray, labels: jnp.ndarray) -> jnp.ndarray:
    """1.0 where the arg-max of ``<float>[batch, classes]`` equals the ``<int>[batch]`` label."""
    return (logits.argmax(axis=-1) == labels).astype(jnp.float32)


def bits_per_character(logits: jnp.ndarray, targets: jnp.ndarray) -> jnp.ndarray:
    """Each example's mean negative log2-likelihood over its non-pad (id 0) targets, for
    ``<float>[batch, time, vocab]`` logits and ``<int>[batch, time]`` targets."""
    return mean_token_nll(logits, targets) / np.log(2.0)


def token_accuracy(logits: jnp.ndarray, targets: jnp.ndarray) -> jnp.ndarray:
    """Each example's fraction of non-pad (id 0) targets predicted by the arg-max."""
    real = (targets != 0).astype(jnp.float32)
    hits = (logits.argmax(axis=-1) == targets).astype(jnp.float32) * real
    return hits.sum(axis=-1) / jnp.maximum(real.sum(axis=-1), 1.0)


def exact_match(logits: jnp.ndarray, targets: jnp.ndarray) -> jnp.ndarray:
    """1.0 where the arg-max of ``<float>[batch, time, vocab]`` equals every non-pad (id 0) target
    of ``<int>[batch, time]``: a whole sequence right, up to and including its end marker."""
    wrong = (logits.argmax(axis=-1) != targets) & (targets != 0)
    return 1.0 - wrong.any(axis=-1).astype(jnp.float32)


def perplexity(bits: float) -> float:
    """Per-token perplexity from mean bits per token: ``2 ** bits``. Average bits first, never
    perplexities, so that the result is the perplexity of all tokens together."""
    return float(2.0**bits)


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """``<int64>[true class, predicted class]`` counts."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels), np.asarray(predictions)), 1)
    return matrix


def classification_report(confusion: np.ndarray) -> dict:
    """Per-class accuracy (recall), precision, F1 and their macro averages from a confusion matrix."""
    true_positives = np.diag(confusion).astype(np.float64)
    support = confusion.sum(axis=1)
    predicted = confusion.sum(axis=0)
    recall = np.divide(true_positives, support, out=np.zeros_like(true_positives), where=support > 0)
    precision = np.divide(true_positives, predicted, out=np.zeros_like(true_positives), where=predicted > 0)
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros_like(true_positives), where=denominator > 0)
    return {
        "per_class_accuracy": recall.tolist(),
        "per_class_precision": precision.tolist(),
        "per_class_f1": f1.tolist(),
        "macro_f1": float(f1.mean()),
        "confusion_matrix": confusion.tolist(),
    }


class MetricAccumulator:
    """Count-weighted running sums of step metrics, kept as device arrays until ``result``.

    Metrics are scalars (one run) or carry a leading ``[runs]`` axis (stacked runs,
    ``jax_zoo.train.stacked``); ``result`` and ``per_run`` give the means of either. ``sums()``
    and ``MetricAccumulator(sums)`` round-trip the running sums exactly (float32 values as
    Python floats), so an epoch interrupted by a checkpoint resumes with identical sums.
    """

    def __init__(self, sums: Mapping[str, float | list[float]] | None = None) -> None:
        self._sums: dict[str, jax.Array] | None = None
        if sums:
            self._sums = {name: jnp.asarray(value, jnp.float32) for name, value in sums.items()}

    def sums(self) -> dict[str, float | list[float]]:
        """The running count-weighted sums as Python floats, or lists of them for stacked runs
        (``{}`` before the first ``add``)."""
        if self._sums is None:
            return {}
        return {name: np.asarray(value).tolist() for name, value in jax.device_get(self._sums).items()}

    def add(self, metrics: Mapping[str, jax.Array]) -> None:
        """Adds one step's metrics (means over its ``count`` examples), weighted by ``count``."""
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
        return _means(jax.device_get(self._sums))

    def per_run(self) -> list[dict[str, float]]:
        """``result`` of each run, for metrics with a leading ``[runs]`` axis."""
        if self._sums is None:
            return []
        sums = jax.device_get(self._sums)
        return [_means({name: value[run] for name, value in sums.items()}) for run in range(len(sums["count"]))]


def _means(sums: Mapping[str, np.ndarray]) -> dict[str, float]:
    count = float(sums["count"])
    means = {name: float(value) / count if count else float("nan") for name, value in sums.items() if name != "count"}
    means["count"] = int(count)
    return means


def top_k_accuracy(logits: jnp.ndarray, labels: jnp.ndarray, *, k: int = 5) -> jnp.ndarray:
    """1.0 where the ``<int>[batch]`` label is among the ``k`` largest of ``<float>[batch, classes]``.

    Ties are broken by class index, as in ``jax.lax.top_k``. Use as a metric with
    ``functools.partial(top_k_accuracy, k=3)``.
    """
    if not 1 <= k <= logits.shape[-1]:
        raise ValueError(f"k: expected 1 <= k <= {logits.shape[-1]} classes, got {k}")
    _, top = jax.lax.top_k(logits, k)
    return (top == labels[:, None]).any(axis=-1).astype(jnp.float32)
