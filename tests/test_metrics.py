import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.train import (
    MetricAccumulator, accuracy, bits_per_character, classification_report, confusion_matrix, exact_match, perplexity,
    token_accuracy,
)


def test_accuracy_is_per_example():
    logits = jnp.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert accuracy(logits, jnp.array([1, 1, 1])).tolist() == [1.0, 0.0, 1.0]


def test_exact_match_needs_every_real_target_and_ignores_padding():
    targets = jnp.array([[4, 5, 3, 0], [4, 5, 3, 0], [4, 5, 3, 0]])
    predicted = jnp.array([[4, 5, 3, 7], [4, 5, 6, 3], [4, 6, 3, 0]])
    logits = jax.nn.one_hot(predicted, 8)
    assert exact_match(logits, targets).tolist() == [1.0, 0.0, 0.0]


def test_accumulator_weights_batches_by_their_example_count():
    accumulator = MetricAccumulator()
    accumulator.add({"loss": jnp.array(1.0), "accuracy": jnp.array(1.0), "count": jnp.array(3.0)})
    accumulator.add({"loss": jnp.array(4.0), "accuracy": jnp.array(0.0), "count": jnp.array(1.0)})
    assert accumulator.result() == {"loss": pytest.approx(7 / 4), "accuracy": pytest.approx(3 / 4), "count": 4}


def test_confusion_matrix_and_report_match_hand_counts():
    labels = np.array([0, 0, 0, 1, 1, 2])
    predictions = np.array([0, 0, 1, 1, 2, 2])
    confusion = confusion_matrix(labels, predictions, 3)
    assert confusion.tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    report = classification_report(confusion)
    assert report["per_class_accuracy"] == pytest.approx([2 / 3, 1 / 2, 1.0])
    assert report["per_class_precision"] == pytest.approx([1.0, 1 / 2, 1 / 2])
    f1 = [2 * (2 / 3) / (1 + 2 / 3), 0.5, 2 * 0.5 / 1.5]
    assert report["macro_f1"] == pytest.approx(np.mean(f1))


def test_a_class_never_predicted_has_zero_precision_not_nan():
    report = classification_report(confusion_matrix(np.array([0, 1]), np.array([0, 0]), 2))
    assert report["per_class_precision"] == [0.5, 0.0] and report["per_class_f1"][1] == 0.0


def test_top_k_accuracy_counts_the_label_among_the_k_largest():
    from jax_zoo.train import top_k_accuracy

    logits = jnp.array([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.2, 0.5, 0.3]])
    labels = jnp.array([1, 0, 1])
    assert top_k_accuracy(logits, labels, k=1).tolist() == accuracy(logits, labels).tolist() == [0.0, 0.0, 1.0]
    assert top_k_accuracy(logits, labels, k=2).tolist() == [1.0, 0.0, 1.0]
    assert top_k_accuracy(logits, labels, k=3).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"k: expected 1 <= k <= 3 classes, got 4"):
        top_k_accuracy(logits, labels, k=4)


def test_squared_error_is_the_mean_over_each_examples_elements():
    from jax_zoo.train import squared_error

    predictions = jnp.zeros((2, 2, 2, 1))
    targets = jnp.stack([jnp.full((2, 2, 1), 0.5), jnp.array([[[1.0], [0.0]], [[0.0], [0.0]]])])
    assert squared_error(predictions, targets).tolist() == [0.25, 0.25]


def test_bits_per_character_and_token_accuracy_skip_padding():
    uniform = jnp.zeros((2, 3, 8))  # every one of 8 symbols has probability 1/8: 3 bits
    targets = jnp.array([[3, 4, 0], [5, 0, 0]])
    np.testing.assert_allclose(bits_per_character(uniform, targets), [3.0, 3.0], rtol=1e-6)
    peaked = jax.nn.one_hot(jnp.array([[3, 1, 1], [5, 1, 1]]), 8) * 10
    np.testing.assert_allclose(token_accuracy(peaked, targets), [0.5, 1.0])
    assert perplexity(3.0) == 8.0
