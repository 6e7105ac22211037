import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jax_zoo.models import SimpleCNN
from jax_zoo.train import (
    BatchSpecError, accuracy, create_train_state, evaluate, make_eval_step, make_train_step, softmax_cross_entropy,
)

SPEC = {
    "inputs": jax.ShapeDtypeStruct((8, 8, 1), jnp.float32),
    "targets": jax.ShapeDtypeStruct((), jnp.int32),
}


def fresh_state(learning_rate=1e-2):
    model = SimpleCNN(num_classes=10)
    variables = model.init(jax.random.PRNGKey(0), jnp.zeros((1, 8, 8, 1)))
    return create_train_state(model.apply, variables, optax.adam(learning_rate), jax.random.PRNGKey(1))


def fixed_batch(size=16):
    rng = np.random.default_rng(0)
    return {
        "inputs": rng.uniform(size=(size, 8, 8, 1)).astype(np.float32),
        "targets": rng.integers(0, 10, size=size).astype(np.int32),
    }


@pytest.mark.slow
def test_one_step_lowers_the_loss_and_changes_every_parameter():
    train_step = make_train_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC)
    eval_step = make_eval_step(softmax_cross_entropy, example_spec=SPEC)
    state, batch = fresh_state(), fixed_batch()
    before = jax.tree.map(np.array, state.params)
    loss_before = float(eval_step(state, batch)["loss"])
    state, metrics = train_step(state, batch)
    assert float(metrics["loss"]) == pytest.approx(loss_before, rel=1e-5)
    assert float(eval_step(state, batch)["loss"]) < loss_before
    unchanged = [
        jax.tree_util.keystr(path)
        for path, old, new in zip(
            (p for p, _ in jax.tree_util.tree_flatten_with_path(before)[0]),
            jax.tree.leaves(before), jax.tree.leaves(state.params),
        )
        if np.array_equal(old, np.asarray(new))
    ]
    assert unchanged == []
    assert int(state.step) == 1


@pytest.mark.slow
def test_train_step_donates_the_input_state():
    train_step = make_train_step(softmax_cross_entropy)
    state = fresh_state()
    kernel = state.params["fc1"]["kernel"]
    train_step(state, fixed_batch())
    assert kernel.is_deleted()


@pytest.mark.slow
def test_eval_counts_every_example_once_whatever_the_batch_size():
    eval_step = make_eval_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC)
    state, data = fresh_state(), fixed_batch(size=13)  # a prime number of examples
    whole = evaluate(eval_step, state, data, batch_size=13)
    for batch_size in (1, 4, 5, 20):
        metrics = evaluate(eval_step, state, data, batch_size=batch_size)
        assert metrics["count"] == 13
        assert metrics["loss"] == pytest.approx(whole["loss"], rel=1e-5)
        assert metrics["accuracy"] == pytest.approx(whole["accuracy"])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda b: {**b, "inputs": b["inputs"][..., 0]}, r"shape \[batch, 8, 8, 1\] \(rank 4\), got \[16, 8, 8\] \(rank 3\)"),
        (lambda b: {**b, "inputs": np.zeros((16, 28, 28, 1), np.float32)}, r"got \[16, 28, 28, 1\]"),
        (lambda b: {**b, "inputs": (b["inputs"] * 255).astype(np.uint8)}, r"should be floating like float32, got uint8"),
        (lambda b: {**b, "targets": b["targets"].astype(np.float32)}, r"should be integer like int32, got float32"),
        (lambda b: {"inputs": b["inputs"]}, r"missing \['targets'\]"),
        (lambda b: {**b, "targets": b["targets"][:3]}, r"disagree on the batch size"),
    ],
)
def test_a_wrong_batch_is_rejected_before_tracing(change, message):
    train_step = make_train_step(softmax_cross_entropy, example_spec=SPEC)
    with pytest.raises(BatchSpecError, match=message):
        train_step(fresh_state(), change(fixed_batch()))


@pytest.mark.slow
def test_augment_runs_inside_the_train_step_with_a_per_step_key():
    seen_keys = []

    def blank_out(key, inputs):
        seen_keys.append(key.shape)
        return jnp.zeros_like(inputs)

    train_step = make_train_step(softmax_cross_entropy, augment=blank_out)
    eval_step = make_eval_step(softmax_cross_entropy)
    state, batch = fresh_state(), fixed_batch()
    blank_loss = float(eval_step(state, {**batch, "inputs": np.zeros_like(batch["inputs"])})["loss"])
    _, metrics = train_step(state, batch)
    assert float(metrics["loss"]) == pytest.approx(blank_loss, rel=1e-5)
    assert seen_keys == [(2,)], "augment is traced once, inside jit"


def test_predict_returns_outputs_for_every_example_in_order():
    from jax_zoo.train import make_predict_step, predict

    state, data = fresh_state(), fixed_batch(size=11)
    outputs = predict(make_predict_step(example_spec=SPEC), state, data, batch_size=4)
    assert outputs.shape == (11, 10)
    np.testing.assert_allclose(outputs, state.apply_fn({"params": state.params}, data["inputs"]), rtol=1e-5, atol=1e-6)
