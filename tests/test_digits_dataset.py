import numpy as np
import pytest

import jax_zoo as zoo
from jax_zoo.datasets.builders.digits import Digits
from jax_zoo.datasets.tfds_local import prepare, read_split


def test_split_sizes_and_value_ranges():
    train, test = zoo.load_dataset("digits", "train"), zoo.load_dataset("digits", "test")
    validation = zoo.load_dataset("digits", "validation")
    assert train["inputs"].shape == (1257, 8, 8, 1) and test["inputs"].shape == (360, 8, 8, 1)
    assert validation["inputs"].shape == (180, 8, 8, 1)
    assert train["inputs"].dtype == np.float32 and train["targets"].dtype == np.int32
    assert 0.0 <= train["inputs"].min() and train["inputs"].max() == 1.0
    assert set(np.unique(train["targets"])) == set(range(10)) == set(np.unique(test["targets"]))


def test_the_splits_are_disjoint_and_cover_all_1797_digits(data_dir):
    builder = prepare(Digits, data_dir)
    splits = [read_split(builder, split, "index")["index"] for split in ("train", "validation", "test")]
    assert len(set(np.concatenate(splits))) == sum(map(len, splits))
    assert sorted(np.concatenate(splits)) == list(range(1797))


def test_held_out_splits_are_stratified_by_class():
    test = zoo.load_dataset("digits", "test")
    counts = np.bincount(test["targets"], minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37
    validation = np.bincount(zoo.load_dataset("digits", "validation")["targets"], minlength=10)
    assert validation.min() >= 17 and validation.max() <= 19


def test_loaded_arrays_are_read_only():
    with pytest.raises(ValueError, match="read-only"):
        zoo.load_dataset("digits", "train")["inputs"][0, 0, 0, 0] = 1.0


def test_unknown_dataset_and_split_are_named():
    with pytest.raises(zoo.UnknownNameError, match="unknown dataset 'digts'. Did you mean 'digits'"):
        zoo.dataset_info("digts")
    with pytest.raises(zoo.UnknownNameError, match="unknown split 'valid' of dataset 'digits'"):
        zoo.load_dataset("digits", "valid")
