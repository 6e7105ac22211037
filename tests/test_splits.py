import json
import re

import flax.linen as nn
import jax
import numpy as np
import optax
import pytest

import jax_zoo as zoo
from jax_zoo.cli import main
from jax_zoo.datasets import register_dataset
from jax_zoo.datasets.splits import validation_slice
from jax_zoo.train import accuracy, softmax_cross_entropy


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


# A user's dataset of MNIST's shape: train and test, no validation split.
SHAPED_SIZES = {"train": 120, "test": 40}


def load_shaped(split, directory):
    """Class ``c`` of 3 lights up row ``c`` of a 4x4 noise image; seeded per split."""
    rng = np.random.default_rng(list(SHAPED_SIZES).index(split))
    targets = np.arange(SHAPED_SIZES[split], dtype=np.int32) % 3
    inputs = rng.uniform(0, 0.5, (len(targets), 4, 4, 1)).astype(np.float32)
    inputs[np.arange(len(targets)), targets] += 0.5
    return {"inputs": inputs, "targets": targets}


class Linear(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = False):
        return nn.Dense(3)(x.reshape(x.shape[0], -1))


def register_shaped(**options):
    register_dataset(
        "mnist_shaped", split_sizes=SHAPED_SIZES, num_classes=3, example_spec={
            "inputs": jax.ShapeDtypeStruct((4, 4, 1), np.float32), "targets": jax.ShapeDtypeStruct((), np.int32),
        }, **options,
    )(load_shaped)

    @zoo.register(name="mnist_shaped_linear")
    def entry(*, epochs: int = 2) -> zoo.Experiment:
        return zoo.Experiment(Linear(), optax.adam(0.05), softmax_cross_entropy, "mnist_shaped", 15, epochs,
                              metrics={"accuracy": accuracy})


def test_an_entry_on_a_dataset_without_validation_is_refused_before_training_naming_the_ways_out(
    own_registrations, tmp_path, capsys
):
    register_shaped()
    message = (
        "dataset 'mnist_shaped' has no 'validation' split (its splits: test, train), which entry "
        "'mnist_shaped_linear' evaluates after every epoch; expected one of: register the dataset with "
        "validation_from_train=0.1"
    )
    with pytest.raises(zoo.ConfigError, match=re.escape(message) + r".*eval_split=None"):
        zoo.train_and_evaluate("mnist_shaped_linear", tmp_path / "python", progress=False)
    assert main(["train", "mnist_shaped_linear", "--workdir", str(tmp_path / "cli"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "python").exists() and not (tmp_path / "cli").exists()


@pytest.mark.slow
def test_a_validation_split_carved_out_of_train_is_seeded_stratified_and_recorded_in_the_run(
    own_registrations, tmp_path, capsys
):
    register_shaped(validation_from_train=0.25)
    assert zoo.dataset_info("mnist_shaped").split_sizes == {"train": 90, "test": 40, "validation": 30}
    train, validation = (zoo.load_dataset("mnist_shaped", split) for split in ("train", "validation"))
    official = load_shaped("train", None)
    rows = {row.tobytes() for row in official["inputs"]}
    assert {row.tobytes() for row in np.concatenate([train["inputs"], validation["inputs"]])} == rows
    assert np.bincount(validation["targets"]).tolist() == [10, 10, 10]
    assert np.array_equal(validation["inputs"], official["inputs"][validation_slice(official["targets"], 30)[1]])
    results = zoo.train_and_evaluate("mnist_shaped_linear", tmp_path / "run", progress=False)
    recorded = {"validation_from_train": {"size": 30, "seed": 0, "stratified": True}}
    assert results["validation_from_train"] == recorded["validation_from_train"]
    assert json.loads((tmp_path / "run" / "config.json").read_text()) == {
        "entry": "mnist_shaped_linear", "config": {"epochs": 2}, **recorded,
    }
    assert all("eval_loss" in json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines())
    capsys.readouterr()
    assert main(["eval", "mnist_shaped_linear", "--workdir", str(tmp_path / "run"), "--split", "validation"]) == 0
    assert "on 30 examples" in capsys.readouterr().out


@pytest.mark.parametrize("options, message", [
    ({"split_sizes": {"train": 10, "validation": 2, "test": 2}, "validation_from_train": 0.1},
     r"expected split_sizes with 'train' and without 'validation', got \['test', 'train', 'validation'\]"),
    ({"validation_from_train": 1.5}, r"expected a fraction in \(0, 1\) or a count in \[1, 119\] of the 120 train examples, got 1.5"),
    ({"validation_from_train": 120}, r"a count in \[1, 119\] .* got 120"),
])
def test_an_impossible_carve_out_is_refused_at_registration(options, message):
    with pytest.raises(ValueError, match=message):
        register_dataset("never_registered", example_spec={}, **{"split_sizes": SHAPED_SIZES, **options})
