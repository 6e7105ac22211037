import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jax_zoo.models import SimpleCNN
from jax_zoo.train import create_train_state, make_train_step, softmax_cross_entropy


@pytest.mark.slow
def test_two_states_from_one_init_both_train():
    """An optimizer comparison: the step donates its state, never the caller's variables."""
    model = SimpleCNN(num_classes=10)
    variables = model.init(jax.random.PRNGKey(0), jnp.zeros((1, 8, 8, 1)), train=False)
    step = make_train_step(softmax_cross_entropy)
    rng = np.random.default_rng(0)
    batch = {"inputs": rng.uniform(size=(4, 8, 8, 1)).astype(np.float32), "targets": np.arange(4, dtype=np.int32)}
    losses = {}
    for name, tx in {"sgd": optax.sgd(0.1), "adam": optax.adam(1e-3)}.items():
        state = create_train_state(model.apply, variables, tx, jax.random.PRNGKey(1))
        for _ in range(2):
            state, metrics = step(state, batch)
        losses[name] = float(metrics["loss"])
    assert all(np.isfinite(list(losses.values())))
    assert not jax.tree.leaves(variables)[0].is_deleted()
