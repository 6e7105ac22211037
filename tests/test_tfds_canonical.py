"""The online-only canonical TFDS datasets, tested offline: mock_data for the pipelines, a
patched TensorFlow lookup and socket for the fail-fast messages. Nothing here touches the network."""

import socket
import time

import numpy as np
import pytest
import tensorflow_datasets as tfds

import jax_zoo as zoo
from jax_zoo.train import check_batch
from jax_zoo.datasets import dataset_info, tfds_canonical
from jax_zoo.api.build import build

MOCK_SIZE = 5_100  # just above the 5,000-image validation slice
# The official splits' sizes (TFDS catalog), less the 5,000 training images held out for validation.
REAL_SPLIT_SIZES = {
    "mnist": {"train": 55_000, "validation": 5_000, "test": 10_000},
    "cifar10": {"train": 45_000, "validation": 5_000, "test": 10_000},
}


@pytest.fixture
def mocked_tfds(monkeypatch, tmp_path):
    """Random data of each dataset's real feature spec; the online check passes."""
    monkeypatch.setattr(tfds_canonical, "require_online", lambda name: None)
    tfds_canonical.official_split.cache_clear()
    with tfds.testing.mock_data(num_examples=MOCK_SIZE):
        yield tmp_path
    tfds_canonical.official_split.cache_clear()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mnist", "cifar10"])
def test_canonical_splits_match_their_registered_spec(mocked_tfds, name):
    info = dataset_info(name)
    splits = {split: info.load(split, mocked_tfds) for split in ("train", "validation", "test")}
    for split, arrays in splits.items():
        check_batch(arrays, info.example_spec, where=f"{name} {split}")
        assert 0.0 <= arrays["inputs"].min() and arrays["inputs"].max() <= 1.0
    assert len(splits["validation"]["targets"]) == 5_000 and len(splits["train"]["targets"]) == MOCK_SIZE - 5_000
    assert info.split_sizes == REAL_SPLIT_SIZES[name]


@pytest.mark.slow
@pytest.mark.parametrize("entry, source_dataset", [("mnist_simple_cnn", "mnist"), ("cifar10_resnet20", "cifar10")])
def test_online_entries_train_on_their_pipeline(mocked_tfds, entry, source_dataset):
    built = build(entry, {"batch_size": 16})
    assert built.experiment.dataset == source_dataset
    train = dataset_info(source_dataset).load("train", mocked_tfds)
    state = built.state
    for start in (0, 16):
        state, metrics = built.train_step(state, {key: value[start : start + 16] for key, value in train.items()})
    assert int(state.step) == 2 and np.isfinite(float(metrics["loss"]))


def test_the_fashion_source_option_picks_the_canonical_dataset(mocked_tfds):
    assert zoo.get("fashion_simple_cnn")(source="tfds").dataset == "fashion_mnist"
    assert zoo.get("fashion_denoise_ae")(source="tfds").dataset == "fashion_mnist_denoising"
    denoising = dataset_info("fashion_mnist_denoising").load("test", mocked_tfds)
    assert np.mean((denoising["inputs"] - denoising["targets"]) ** 2) == pytest.approx(0.09, abs=0.002)
    with pytest.raises(zoo.ConfigError, match=r"source: expected one of 'local', 'tfds', got 'kaggle'"):
        zoo.get("fashion_resnet")(source="kaggle")


def test_without_tensorflow_the_message_says_what_to_install(monkeypatch):
    find_spec = tfds_canonical.importlib.util.find_spec
    monkeypatch.setattr(
        tfds_canonical.importlib.util, "find_spec", lambda name: None if name == "tensorflow" else find_spec(name)
    )
    with pytest.raises(zoo.ZooError, match=r"'mnist' comes from TFDS online .* pip install -e \"\.\[tf\]\""):
        zoo.load_dataset("mnist", "train")


def test_offline_it_fails_within_seconds_naming_the_local_source(monkeypatch):
    def unreachable(address, timeout):
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(tfds_canonical.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(socket, "create_connection", unreachable)
    start = time.perf_counter()
    with pytest.raises(zoo.ZooError, match=r"downloaded once from fashion-mnist\..*cannot be reached .*source=local"):
        zoo.load_dataset("fashion_mnist", "test")
    assert time.perf_counter() - start < 10
