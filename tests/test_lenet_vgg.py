import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.models import VGG, LeNet5


def parameter_count(variables) -> int:
    return sum(leaf.size for leaf in jax.tree.leaves(variables["params"]))


@pytest.mark.slow
def test_lenet5_has_61_706_parameters_and_the_classic_feature_maps():
    model = LeNet5(num_classes=10)
    variables = model.init(jax.random.PRNGKey(0), jnp.zeros((1, 28, 28, 1)))
    assert parameter_count(variables) == 61_706
    assert variables["params"]["fc1"]["kernel"].shape == (16 * 5 * 5, 120)
    assert model.apply(variables, jnp.ones((3, 28, 28, 1))).shape == (3, 10)


def test_vgg_widths_and_depth_are_configurable():
    model = VGG(num_classes=10, stage_widths=(4, 8, 16), convs_per_stage=3, dense_width=32)
    x = jnp.ones((2, 28, 28, 1))
    variables = jax.eval_shape(model.init, jax.random.PRNGKey(0), x)
    kernels = {name: p["kernel"].shape for name, p in variables["params"].items() if name.startswith("conv")}
    assert len(kernels) == 9 and kernels["conv3_3"] == (3, 3, 16, 16)
    assert variables["params"]["fc1"]["kernel"].shape == (3 * 3 * 16, 32), "28 -> 14 -> 7 -> 3"
    assert jax.eval_shape(model.apply, variables, x).shape == (2, 10)


@pytest.mark.slow
def test_vgg_dropout_and_batch_norm_act_only_in_training():
    model = VGG(num_classes=10, stage_widths=(4,), dense_width=16)
    x = jax.random.normal(jax.random.PRNGKey(0), (4, 8, 8, 1))
    variables = model.init(jax.random.PRNGKey(0), x)
    assert np.array_equal(model.apply(variables, x), model.apply(variables, x))
    run = lambda seed: model.apply(variables, x, train=True, rngs={"dropout": jax.random.PRNGKey(seed)}, mutable=["batch_stats"])
    (one, stats), (two, _) = run(1), run(2)
    assert not np.allclose(one, two)
    assert "norm1_1" in stats["batch_stats"]
    plain = VGG(num_classes=10, stage_widths=(4,), dense_width=16, batch_norm=False).init(jax.random.PRNGKey(0), x)
    assert "batch_stats" not in plain and "bias" in plain["params"]["conv1_1"]
