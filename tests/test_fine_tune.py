"""Fine-tuning: a new head on a trained body, what was loaded, and a frozen body."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jax_zoo as zoo
from jax_zoo.api.fine_tune import head_variables, merged
from jax_zoo.api.freezing import frozen_body
from jax_zoo.api.run_data import retargeted
from jax_zoo.models import FlipAveraged, ResNet20

# Datasets of one's own are registered by name in the process: gone after each test.
pytestmark = pytest.mark.usefixtures("own_registrations")


def experiment(entry: str):
    return zoo.get(entry)(**zoo.resolve_config(entry))


@pytest.mark.parametrize("entry, head", [
    ("digits_cnn", {"params/fc2/bias", "params/fc2/kernel"}),
    ("fashion_lenet", {"params/fc3/bias", "params/fc3/kernel"}),
    ("names_tutorial_rnn", {"params/cell/i2o/bias", "params/cell/i2o/kernel"}),
    ("numbers_en_fr", set()),
])
def test_the_head_is_what_the_number_of_classes_shapes(entry, head):
    assert head_variables(experiment(entry)) == head


def test_a_wrapped_network_is_retargeted_inside():
    model, found = retargeted(FlipAveraged(ResNet20(num_classes=10)), {"num_classes": 4, "vocab_size": 9})
    assert found == {"num_classes"} and model.member.num_classes == 4


def test_merged_takes_what_fits_and_renews_what_is_asked():
    fresh = {"params": {"body": jnp.zeros(3), "head": jnp.zeros((3, 5)), "embed": jnp.zeros((7, 2))}}
    trained = {"params": {"body": jnp.ones(3), "head": jnp.ones((3, 5)), "embed": jnp.ones((6, 2)), "gone": jnp.ones(1)}}
    variables, loaded, new = merged(fresh, trained, renew={"params/head"})
    assert loaded == ["params/body"] and new == ["params/embed", "params/head"]
    assert variables["params"]["body"].sum() == 3 and variables["params"]["head"].sum() == 0


def test_pretrained_with_other_classes_keeps_the_body_and_renews_the_head():
    shipped = zoo.pretrained("digits_cnn")
    five = zoo.pretrained("digits_cnn", num_classes=5)
    assert five.new == ("params/fc2/bias", "params/fc2/kernel") and "2 variables new for 5 classes" in five.source
    assert np.array_equal(five.variables["params"]["conv1"]["kernel"], shipped.variables["params"]["conv1"]["kernel"])
    assert five.apply(jnp.zeros((1, 8, 8, 1))).shape == (1, 5)
    assert zoo.pretrained("digits_cnn", num_classes=10).new == ()
    with pytest.raises(zoo.ConfigError, match="num_classes: expected at least 2 classes"):
        zoo.pretrained("digits_cnn", num_classes=1)


@pytest.mark.parametrize("epochs", [None, 1])
def test_a_frozen_body_gets_no_update_until_it_is_freed(epochs):
    base = experiment("digits_cnn")
    frozen = frozen_body(base, {"params/fc2/kernel", "params/fc2/bias"}, epochs)
    params = jax.tree.map(jnp.ones_like, zoo.build("digits_cnn").state.params)
    tx = frozen.make_optimizer(steps_per_epoch=2)
    state = tx.init(params)
    moved = []
    for _ in range(3):
        updates, state = tx.update(jax.tree.map(jnp.ones_like, params), state, params)
        moved.append((bool(jnp.any(updates["conv1"]["kernel"] != 0)), bool(jnp.any(updates["fc2"]["kernel"] != 0))))
    assert moved == [(False, True), (False, True), (epochs is not None, True)]
    assert isinstance(tx, optax.GradientTransformation)
