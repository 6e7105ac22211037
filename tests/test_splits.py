import numpy as np
import pytest

from zoo.datasets.splits import validation_slice


def test_a_seeded_stratified_disjoint_slice():
    labels = np.repeat(np.arange(5), 40)
    train, validation = validation_slice(labels, 50)
    assert len(validation) == 50 and np.bincount(labels[validation]).tolist() == [10] * 5
    assert not set(train) & set(validation) and len(train) + len(validation) == 200
    again_train, again_validation = validation_slice(labels, 50)
    np.testing.assert_array_equal(validation, again_validation)
    assert not np.array_equal(validation, validation_slice(labels, 50, seed=1)[1])


def test_impossible_sizes_are_rejected():
    with pytest.raises(ValueError, match="validation size must be between 1 and 9, got 10"):
        validation_slice(np.zeros(10), 10)
