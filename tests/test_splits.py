import numpy as np
import pytest

from jax_zoo.datasets.splits import validation_slice


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


def test_image_split_scales_pixels_and_carves_validation_out_of_train():
    from jax_zoo.datasets.splits import image_split

    official = {
        "train": {"image": np.full((6_000, 2, 2, 1), 255, np.uint8), "label": np.repeat(np.arange(10), 600)},
        "test": {"image": np.zeros((7, 2, 2, 1), np.uint8), "label": np.arange(7)},
    }
    train, validation, test = (image_split(split, official.__getitem__) for split in ("train", "validation", "test"))
    assert len(train[1]) == 1_000 and len(validation[1]) == 5_000 and len(test[1]) == 7
    assert train[0].dtype == np.float32 and train[0].max() == 1.0 and test[1].dtype == np.int32
