"""Every Fashion-MNIST entry, built with its default config, trains on real images; bad input is named."""

import jax
import numpy as np
import pytest

import jax_zoo as zoo
from jax_zoo.train import BatchSpecError
from jax_zoo.api.build import build
from jax_zoo.api import train as train_job

pytestmark = pytest.mark.slow

FASHION_ENTRIES = zoo.list_entries("fashion_*")


@pytest.fixture(scope="module")
def validation(fashion_mnist_files):
    return zoo.load_dataset("fashion_mnist_local", "validation")


def test_every_fashion_entry_is_tested_here():
    assert FASHION_ENTRIES == ["fashion_denoise_ae", "fashion_lenet", "fashion_resnet", "fashion_simple_cnn", "fashion_vgg"]


@pytest.mark.parametrize("entry", FASHION_ENTRIES)
def test_defaults_train_on_real_images_and_change_every_parameter(entry, fashion_mnist_files):
    # A warmup's first steps move BatchNorm scales of 1.0 by less than float32 resolves.
    no_warmup = {"warmup_epochs": 0} if "warmup_epochs" in zoo.default_config(entry) else {}
    built = build(entry, {"batch_size": 16, **no_warmup})
    data = zoo.load_dataset(built.experiment.dataset, "validation")
    before = [np.array(leaf) for leaf in jax.tree.leaves(built.state.params)]
    state = built.state
    for start in (0, 16):
        state, metrics = built.train_step(state, {key: value[start : start + 16] for key, value in data.items()})
        assert np.isfinite(float(metrics["loss"]))
    after = jax.tree.leaves(state.params)
    assert all(not np.array_equal(old, new) for old, new in zip(before, after))
    assert built.experiment.eval_split in ("validation", None), "hyperparameters are chosen on validation, never test"


def test_the_resnet_fits_train_and_validation_once_its_recipe_is_chosen(fashion_mnist_files):
    final = build("fashion_resnet").experiment
    assert (final.train_split, final.eval_split) == ("train+validation", None)
    choosing = build("fashion_resnet", {"train_split": "train"}).experiment
    assert (choosing.train_split, choosing.eval_split) == ("train", "validation")
    with pytest.raises(zoo.ConfigError, match=r"train_split: expected one of 'train', 'train\+validation', got 'test'"):
        build("fashion_resnet", {"train_split": "test"})


def test_the_denoiser_reports_the_noisy_inputs_mse_beside_its_own(fashion_mnist_files):
    built = build("fashion_denoise_ae")
    assert built.experiment.task == "denoising"
    test = zoo.load_dataset("fashion_mnist_local_denoising", "test")
    report = train_job.test_report(built, built.state, {key: value[:200] for key, value in test.items()})
    assert set(report) == {"loss", "mse", "count", "noisy_input_mse"}
    assert report["noisy_input_mse"] == pytest.approx(0.09, abs=0.01)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda x: x[:, :24, :24], r"should have shape \[batch, 28, 28, 1\] \(rank 4\), got \[4, 24, 24, 1\]"),
        (lambda x: np.repeat(x, 3, axis=-1), r"should have shape \[batch, 28, 28, 1\] \(rank 4\), got \[4, 28, 28, 3\]"),
        (lambda x: (x * 255).astype(np.uint8), r"should be floating like float32, got uint8"),
    ],
    ids=["wrong-size", "wrong-channels", "uint8"],
)
def test_images_the_entry_cannot_take_are_named(validation, change, message):
    built = build("fashion_lenet")
    batch = {"inputs": change(validation["inputs"][:4]), "targets": validation["targets"][:4]}
    with pytest.raises(BatchSpecError, match=message):
        built.train_step(built.state, batch)


def test_float_images_where_integer_labels_belong_are_named(validation):
    built = build("fashion_lenet")
    with pytest.raises(BatchSpecError, match=r"batch\['targets'\] should be integer like int32, got float32"):
        built.eval_step(built.state, {"inputs": validation["inputs"][:4], "targets": validation["inputs"][:4, 0, 0, 0]})


@pytest.mark.parametrize(
    "entry, overrides, message",
    [
        ("fashion_resnet", {"depth": "resnet99"}, r"depth: expected one of 'resnet20', 'resnet32', 'resnet56', 'resnet18', got 'resnet99'"),
        ("fashion_resnet", {"warmup_epochs": 60}, r"warmup_epochs: expected a value in \[0, epochs = 55\), got 60"),
        ("fashion_resnet", {"test_time_shift": -1}, r"test_time_shift: expected a non-negative number of pixels, got -1"),
        ("fashion_resnet", {"test_time_flip": False}, r"test_time_shift: expected 0 with test_time_flip=False \(shifted views are averaged with their mirrors\), got 1"),
        ("fashion_vgg", {"dropout": 1.0}, r"dropout: expected a value in \[0, 1\), got 1.0"),
        ("fashion_vgg", {"schedule": "linear"}, r"schedule: expected one of 'cosine', 'step', 'onecycle', got 'linear'"),
        ("fashion_simple_cnn", {"source": "web"}, r"source: expected one of 'local', 'tfds', got 'web'"),
    ],
)
def test_bad_config_values_are_named(entry, overrides, message):
    with pytest.raises(zoo.ConfigError, match=message):
        build(entry, overrides)

