import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jax_zoo.models import ResNet20
from jax_zoo.train.regularization import decay_mask


@pytest.mark.slow
def test_the_mask_decays_kernels_and_leaves_biases_and_norm_scales_alone():
    variables = ResNet20(num_classes=10).init(jax.random.PRNGKey(0), jnp.zeros((1, 28, 28, 1)))
    masked = jax.tree_util.tree_flatten_with_path(decay_mask(variables["params"]))[0]
    decayed = {jax.tree_util.keystr(path) for path, decay in masked if decay}
    kept = {jax.tree_util.keystr(path) for path, decay in masked if not decay}
    assert decayed and all(path.endswith("['kernel']") for path in decayed)
    assert any(path.endswith("['scale']") for path in kept) and any(path.endswith("['bias']") for path in kept)
    assert all(path.endswith(("['scale']", "['bias']")) for path in kept)


@pytest.mark.slow
def test_weight_decay_with_the_mask_shrinks_kernels_only():
    params = {"dense": {"kernel": jnp.ones((3, 2)), "bias": jnp.ones(2)}, "norm": {"scale": jnp.ones(2)}}
    optimizer = optax.chain(optax.add_decayed_weights(0.1, mask=decay_mask), optax.sgd(1.0))
    zero_grads = jax.tree.map(jnp.zeros_like, params)
    updates, _ = optimizer.update(zero_grads, optimizer.init(params), params)
    new = optax.apply_updates(params, updates)
    np.testing.assert_allclose(new["dense"]["kernel"], 0.9)
    np.testing.assert_array_equal(new["dense"]["bias"], 1.0)
    np.testing.assert_array_equal(new["norm"]["scale"], 1.0)
    adamw = optax.adamw(0.1, weight_decay=0.5, mask=decay_mask)
    updates, _ = adamw.update(zero_grads, adamw.init(params), params)
    assert float(updates["dense"]["bias"][0]) == 0.0 and float(updates["dense"]["kernel"][0, 0]) < 0
