import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.models import ResNet, ResNet18, ResNet20, ResNet32, ResNet56


def parameter_count(variables) -> int:
    return sum(leaf.size for leaf in jax.tree.leaves(variables["params"]))


@pytest.mark.slow
@pytest.mark.parametrize(
    "model, parameters",
    # He et al. report 0.27 M, 0.46 M and 0.85 M for the CIFAR ResNet-20/32/56 (identity shortcuts;
    # ours project with 1x1 convolutions where the shape changes); ResNet-18 has ~11.2 M.
    [(ResNet20, 272_474), (ResNet32, 466_906), (ResNet56, 855_770), (ResNet18, 11_173_962)],
    ids=["resnet20", "resnet32", "resnet56", "resnet18"],
)
def test_the_named_variants_have_their_published_sizes(model, parameters):
    shapes = jax.eval_shape(lambda: model(num_classes=10).init(jax.random.PRNGKey(0), jnp.zeros((1, 32, 32, 3))))
    assert parameter_count(shapes) == parameters


def test_logits_for_28_and_32_pixel_images_and_a_strided_stem():
    for model, size, channels in [
        (ResNet(stage_sizes=(1, 1), num_filters=4, num_classes=7), 28, 1),
        (ResNet(stage_sizes=(1, 1), num_filters=4, num_classes=7), 32, 3),
        (ResNet(stage_sizes=(1, 1), num_filters=4, num_classes=7, stem_strides=2), 28, 1),
    ]:
        x = jnp.ones((2, size, size, channels))
        variables = jax.eval_shape(model.init, jax.random.PRNGKey(0), x)
        assert jax.eval_shape(model.apply, variables, x).shape == (2, 7)


@pytest.mark.slow
def test_batch_norm_statistics_update_in_training_and_are_used_in_evaluation():
    model = ResNet(stage_sizes=(1,), num_filters=4)
    x = jax.random.normal(jax.random.PRNGKey(1), (8, 12, 12, 1)) * 3 + 2
    variables = model.init(jax.random.PRNGKey(0), x)
    logits, updates = model.apply(variables, x, train=True, mutable=["batch_stats"])
    before, after = variables["batch_stats"]["stem_norm"]["mean"], updates["batch_stats"]["stem_norm"]["mean"]
    assert not np.allclose(before, after)
    evaluated = model.apply(variables, x, train=False)
    assert np.array_equal(evaluated, model.apply(variables, x)), "evaluation is deterministic"
    assert not np.allclose(evaluated, logits), "evaluation uses the running averages, not the batch's"


@pytest.mark.slow
def test_each_block_starts_as_the_identity_plus_relu():
    from jax_zoo.models import BasicBlock

    block = BasicBlock(filters=3)
    x = jax.random.normal(jax.random.PRNGKey(0), (2, 5, 5, 3))
    variables = block.init(jax.random.PRNGKey(1), x)
    np.testing.assert_allclose(block.apply(variables, x), jax.nn.relu(x), atol=1e-6)
