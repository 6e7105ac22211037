"""The PyTorch side of ``zoo bench``: every entry has a twin and a recipe, and they train as the entry does."""

import math

import numpy as np
import optax
import pytest
from ci_setup import require_extra

from jax_zoo.bench.torch_recipes import RECIPES, TorchRecipe, recipe_for
from jax_zoo.core import registry
from jax_zoo.core.config import resolve_config
from jax_zoo.datasets import dataset_info
from jax_zoo.models import Seq2Seq

torch = require_extra("torch", "torch")

from jax_zoo.bench.torch_process import TorchProcess, TwinTask  # noqa: E402  (needs torch)
from jax_zoo.bench.torch_training import (  # noqa: E402
    as_tensor, augment_function, loss_function, schedule_multiplier, train_step,
)
from jax_zoo.bench.torch_twins import twin_network  # noqa: E402

pytestmark = pytest.mark.usefixtures("torch_module")
# Smaller versions of the entries whose default networks take seconds a step on a CPU; for
# fashion_vgg, a learning rate at which a few steps on four images do not overshoot.
SMALLER = {
    "fashion_vgg": {"learning_rate": 0.005},
    "names_bilstm": {"ngram_buckets": 97, "ensemble_size": 2},
    "kjv_char_lstm": {"hidden_size": 32},
    "bible_en_es": {"hidden_size": 16, "embed_dim": 8},
    "docstring_summary": {"hidden_size": 16, "embed_dim": 8},
}


def test_every_entry_of_the_zoo_has_a_pytorch_recipe():
    # The zoo's own entries: other tests register entries of their own in the same process.
    builtin = {entry for entry in registry.list_entries() if registry.get(entry).__module__.startswith("jax_zoo.entries")}
    assert set(RECIPES) == builtin


def token_ranges(model, length: int) -> np.ndarray:
    """``[length]``: how many token ids each input position takes (a Seq2Seq's source, then target)."""
    member = getattr(model, "member", model)
    if isinstance(member, Seq2Seq):
        source = member.source_length
        return np.array([member.source_vocab_size] * source + [member.target_vocab_size] * (length - source))
    return np.full(length, member.vocab_size)


def tiny_batch(experiment, size: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Uniform images, or token ids without padding, of the entry's shapes."""
    info = dataset_info(experiment.dataset)
    inputs, targets = info.example_spec["inputs"], info.example_spec["targets"]
    rng = np.random.default_rng(0)
    if np.issubdtype(inputs.dtype, np.integer):
        highs = token_ranges(experiment.model, inputs.shape[0])
        batch_inputs = rng.integers(1, highs, size=(size, *inputs.shape))
    else:
        batch_inputs = rng.uniform(size=(size, *inputs.shape)).astype(np.float32)
    if not np.issubdtype(targets.dtype, np.integer):
        return batch_inputs, rng.uniform(size=(size, *targets.shape)).astype(np.float32)
    if targets.shape:  # next tokens: the target side's ids
        return batch_inputs, rng.integers(1, token_ranges(experiment.model, inputs.shape[0])[-1], size=(size, *targets.shape))
    return batch_inputs, rng.integers(0, info.num_classes, size=size)


@pytest.mark.slow
@pytest.mark.parametrize("entry", sorted(RECIPES))
def test_the_twin_of_every_entry_trains_with_its_recipe(entry):
    config = resolve_config(entry, SMALLER.get(entry))
    experiment = registry.get(entry)(**config)
    recipe = recipe_for(entry, config)
    inputs, targets = tiny_batch(experiment)
    torch.manual_seed(0)
    network = twin_network(experiment.model, inputs.shape[1:])
    loss = loss_function(recipe)

    def training_loss() -> float:
        """In training mode (BatchNorm on the batch's statistics), with the same dropout masks each time."""
        network.train()
        torch.manual_seed(1)
        with torch.no_grad():
            return float(loss(network(as_tensor(inputs, "cpu")), as_tensor(targets, "cpu")))

    before = training_loss()
    if recipe.loss == "mean_squared_error":
        assert 0 < before < 1
    else:  # near the uniform guess's cross-entropy at PyTorch's initialization
        classes = network(as_tensor(inputs, "cpu")).shape[-1]
        assert 0.5 * math.log(classes) < before < 2 * math.log(classes)
    step = train_step(network, recipe, inputs, targets, total_steps=10, steps_per_epoch=5)
    for _ in range(3):
        step()
    assert training_loss() < before


@pytest.mark.parametrize("schedule, expected", [
    ("cosine", optax.cosine_decay_schedule(1.0, 100)),
    ("warmup_cosine", optax.warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=20, decay_steps=100)),
    ("onecycle", optax.cosine_onecycle_schedule(100, 1.0)),
    ("step", optax.piecewise_constant_schedule(1.0, {50: 0.1, 75: 0.1})),
])
def test_the_learning_rate_schedules_are_optaxs(schedule, expected):
    multiplier = schedule_multiplier(TorchRecipe("sgd", 1.0, schedule, warmup_epochs=2), 100, 10)
    steps = [0, 1, 19, 20, 29, 30, 31, 49, 51, 74, 76, 99, 100]
    np.testing.assert_allclose([multiplier(t) for t in steps], [float(expected(t)) for t in steps], rtol=1e-5, atol=1e-7)


def test_the_sgd_recipe_decays_kernels_only():
    from jax_zoo.bench.torch_training import make_optimizer

    network = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
    optimizer, _ = make_optimizer(network, TorchRecipe("sgd", 0.1, momentum=0.9, nesterov=True, weight_decay=5e-4), 10, 1)
    decayed = {id(p) for group in optimizer.param_groups if group["weight_decay"] for p in group["params"]}
    assert decayed == {id(network[0].weight)}


def test_an_independent_ensembles_loss_averages_its_members():
    loss = loss_function(TorchRecipe("adam", 1e-3, label_smoothing=0.1))
    logits, labels = torch.randn(4, 3, 5), torch.tensor([0, 1, 2, 3])
    each = [loss(logits[:, member], labels) for member in range(3)]
    assert torch.allclose(loss(logits, labels), torch.stack(each).mean())


def test_the_in_step_augmentations_keep_shapes_and_padding():
    images = torch.rand(8, 1, 28, 28)
    augment = augment_function(TorchRecipe("sgd", 0.1, crop_padding=2, flip=True, cutout_size=4))
    assert augment(images).shape == images.shape
    shifted = augment_function(TorchRecipe("sgd", 0.1, crop_padding=2))(images)
    # Every crop is a window of the zero-padded image: its pixels are the image's or zeros.
    assert set(np.unique(np.isin(shifted.numpy(), np.append(images.numpy(), 0.0)))) == {True}
    tokens = torch.tensor([[5, 6, 7, 0, 0]] * 50)
    dropped = augment_function(TorchRecipe("adamw", 1e-3, token_dropout=0.3, token_replacement=1))(tokens)
    assert (dropped[:, 3:] == 0).all() and set(dropped[:, :3].unique().tolist()) <= {1, 5, 6, 7}
    assert (dropped == 1).any()


@pytest.mark.slow
def test_a_twin_that_fails_reports_its_error_instead_of_a_time():
    from jax_zoo.models import SimpleCNN

    images = np.zeros((2, 8, 8, 1), np.float32)
    task = TwinTask("train_step", SimpleCNN(), (8, 8, 1), images, np.zeros(2, np.int32), recipe=None, warmup=1)
    process = TorchProcess(task)
    process.close()
    assert not process.ok and "AttributeError" in process.info["error"]
