import numpy as np
import pytest

import jax_zoo as zoo
from jax_zoo.datasets.fashion_mnist import official_split
from jax_zoo.datasets.splits import VALIDATION_SIZE, validation_slice


@pytest.fixture(scope="module")
def splits(fashion_mnist_files):
    return {split: zoo.load_dataset("fashion_mnist_local", split) for split in ("train", "validation", "test")}


@pytest.mark.slow
def test_official_split_sizes_and_pixel_statistics(splits, data_dir):
    assert {name: len(split["targets"]) for name, split in splits.items()} == {"train": 55_000, "validation": 5_000, "test": 10_000}
    train = splits["train"]
    assert train["inputs"].shape == (55_000, 28, 28, 1) and train["inputs"].dtype == np.float32
    assert train["targets"].dtype == np.int32 and 0.0 == train["inputs"].min() and train["inputs"].max() == 1.0
    full_train = official_split("train", data_dir)["image"]
    assert full_train.shape == (60_000, 28, 28, 1) and full_train.mean() == pytest.approx(72.94, abs=0.01)


def test_validation_is_a_seeded_stratified_slice_of_the_official_train_set(splits, data_dir):
    labels = official_split("train", data_dir)["label"]
    train_positions, validation_positions = validation_slice(labels, VALIDATION_SIZE)
    assert np.bincount(splits["validation"]["targets"]).tolist() == [500] * 10
    assert np.bincount(splits["test"]["targets"]).tolist() == [1000] * 10
    assert not set(train_positions) & set(validation_positions)
    images = official_split("train", data_dir)["image"]
    np.testing.assert_array_equal(splits["validation"]["inputs"][:3], images[validation_positions[:3]].astype(np.float32) / 255.0)


@pytest.mark.slow
def test_denoising_targets_are_clean_and_held_out_inputs_carry_fixed_noise(fashion_mnist_files):
    train = zoo.load_dataset("fashion_mnist_local_denoising", "train")
    test = zoo.load_dataset("fashion_mnist_local_denoising", "test")
    clean_test = zoo.load_dataset("fashion_mnist_local", "test")["inputs"]
    np.testing.assert_array_equal(train["inputs"], train["targets"])
    np.testing.assert_array_equal(test["targets"], clean_test)
    noise = test["inputs"] - test["targets"]
    assert noise.std() == pytest.approx(0.3, abs=0.001) and np.mean(noise**2) == pytest.approx(0.09, abs=0.001)
    validation = zoo.load_dataset("fashion_mnist_local_denoising", "validation")
    assert not np.allclose(validation["inputs"][:10] - validation["targets"][:10], noise[:10])


def test_a_missing_debian_package_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path))
    with pytest.raises(zoo.ZooError, match=r"expected the four IDX files in .*apt-get install dataset-fashion-mnist.*source=tfds"):
        zoo.datasets.fashion_mnist.clean_split("test", tmp_path / "data")


def test_a_final_fit_reads_train_and_validation_joined(splits):
    joined = zoo.load_dataset("fashion_mnist_local", "train+validation")
    assert len(joined["targets"]) == zoo.split_size("fashion_mnist_local", "train+validation") == 60_000
    np.testing.assert_array_equal(joined["inputs"][:55_000], splits["train"]["inputs"])
    np.testing.assert_array_equal(joined["targets"][55_000:], splits["validation"]["targets"])
    assert not joined["inputs"].flags.writeable
