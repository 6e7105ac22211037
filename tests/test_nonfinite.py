"""A non-finite batch is skipped and logged, or stops the run naming the step and the quantity."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from harness_helpers import SPEC, digits, fresh_state

from jax_zoo.train import (
    Checkpoints, NonFiniteError, accuracy, epoch_permutation, fit, make_eval_step, make_train_step, softmax_cross_entropy,
)
from jax_zoo.train.nonfinite import describe_offender, finiteness, inputs_are_finite

BATCH, EPOCHS, SEED = 32, 2, 0
CLEAN, EVAL = digits(200), digits(64, offset=200)


def poisoned(value: float, index: int = 5):
    data = {key: array.copy() for key, array in CLEAN.items()}
    data["inputs"][index] = value
    return data


def steps_holding(index: int) -> list[int]:
    """The global steps whose batch contains example ``index`` (the tail of each epoch is dropped)."""
    per_epoch = len(CLEAN["targets"]) // BATCH
    found = []
    for epoch in range(EPOCHS):
        position = int(np.flatnonzero(epoch_permutation(len(CLEAN["targets"]), SEED, epoch) == index)[0])
        if position < per_epoch * BATCH:
            found.append(epoch * per_epoch + position // BATCH)
    return found


def run(data, nan_policy, workdir=None):
    return fit(
        fresh_state(),
        train_step=make_train_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC, nan_policy=nan_policy),
        eval_step=make_eval_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
        train_data=data, eval_data=EVAL, batch_size=BATCH, epochs=EPOCHS, seed=SEED,
        workdir=workdir, progress=False,
    )


@pytest.mark.slow
def test_skip_leaves_the_state_untouched_and_logs_the_steps():
    result = run(poisoned(np.nan), "skip")
    assert result.nonfinite_steps == steps_holding(5) and result.nonfinite_steps
    assert all(np.isfinite(leaf).all() for leaf in jax.tree.leaves(result.state.params))
    assert all(np.isfinite(record["train_loss"]) for record in result.history)
    assert int(result.state.step) == EPOCHS * (200 // BATCH)
    logged = [step for record in result.history for step in record.get("skipped_steps", [])]
    assert logged == result.nonfinite_steps


@pytest.mark.slow
def test_fail_names_the_step_and_the_inputs_and_keeps_the_last_good_checkpoint(tmp_path):
    per_epoch = len(CLEAN["targets"]) // BATCH
    # An example dropped from the first epoch's batches: the first bad step comes after epoch 1's checkpoint.
    index = next(i for i in range(len(CLEAN["targets"])) if steps_holding(i) and steps_holding(i)[0] >= per_epoch)
    bad_step = steps_holding(index)[0]
    with pytest.raises(NonFiniteError, match=rf"step {bad_step}: the batch's inputs contains NaN or inf"):
        run(poisoned(np.nan, index), "fail", workdir=tmp_path)
    with Checkpoints(tmp_path / "checkpoints") as checkpoints:
        assert checkpoints.steps() == [per_epoch]
        state, _ = checkpoints.restore(fresh_state())
    assert all(np.isfinite(leaf).all() for leaf in jax.tree.leaves(state.params))


@pytest.mark.slow
def test_fail_names_the_loss_when_finite_inputs_overflow():
    with pytest.raises(NonFiniteError, match=r"the loss contains NaN or inf"):
        run(poisoned(3e38), "fail")


@pytest.mark.slow
def test_off_lets_non_finite_values_through():
    result = run(poisoned(np.nan), "off")
    assert not np.isfinite(result.history[0]["train_loss"])


@pytest.mark.parametrize("position", ["first", "last"])
def test_a_non_finite_gradient_is_named_by_its_parameter_path(position):
    params = fresh_state().params
    paths = [jax.tree_util.keystr(path) for path, _ in jax.tree_util.tree_flatten_with_path(params)[0]]
    leaves, treedef = jax.tree.flatten(params)
    inputs, loss = inputs_are_finite(jnp.ones((4, 8, 8, 1))), jnp.float32(2.3)
    check = jax.jit(finiteness)
    finite, _ = check(inputs, loss, treedef.unflatten([jnp.zeros_like(leaf) for leaf in leaves]))
    assert bool(finite)
    for index, leaf in enumerate(leaves):
        grads = [jnp.zeros_like(other) for other in leaves]
        # The first and last element of each leaf: the seams of the one vector they are searched as.
        grads[index] = grads[index].ravel().at[0 if position == "first" else -1].set(np.inf).reshape(leaf.shape)
        finite, offender = check(inputs, loss, treedef.unflatten(grads))
        assert not bool(finite)
        assert describe_offender(int(offender), params) == f"the gradient of params{paths[index]}"
