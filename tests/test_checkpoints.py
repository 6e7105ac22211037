import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jax_zoo.models import SimpleCNN
from jax_zoo.train import CheckpointError, Checkpoints, create_train_state


def state_for(num_classes):
    model = SimpleCNN(num_classes=num_classes)
    variables = model.init(jax.random.PRNGKey(0), jnp.zeros((1, 8, 8, 1)))
    return create_train_state(model.apply, variables, optax.adam(1e-3), jax.random.PRNGKey(1))


def test_round_trip_restores_every_array_and_the_record(tmp_path):
    state = state_for(10)
    with Checkpoints(tmp_path / "checkpoints") as checkpoints:
        checkpoints.save(7, state, {"entry": "digits_cnn"})
    with Checkpoints(tmp_path / "checkpoints") as checkpoints:
        assert checkpoints.latest_step() == 7
        restored, record = checkpoints.restore(jax.eval_shape(lambda: state_for(10)))
    assert record == {"entry": "digits_cnn"}
    for saved, loaded in zip(jax.tree.leaves(state), jax.tree.leaves(restored)):
        np.testing.assert_array_equal(saved, loaded)


def test_restoring_into_other_shapes_names_the_mismatch(tmp_path):
    with Checkpoints(tmp_path) as checkpoints:
        checkpoints.save(1, state_for(10), {})
        with pytest.raises(CheckpointError, match=r"params/fc2/bias: expected float32\[7\], checkpoint has float32\[10\]"):
            checkpoints.restore(state_for(7))


def test_an_empty_directory_has_no_checkpoint(tmp_path):
    with Checkpoints(tmp_path) as checkpoints, pytest.raises(CheckpointError, match="no checkpoint in"):
        checkpoints.restore(state_for(10))
