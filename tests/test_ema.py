"""A moving average of the weights: kept by the train step, read by evaluation, saved with the state."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from harness_helpers import SPEC, assert_trees_bitwise_equal, digits

import jax_zoo as zoo
from jax_zoo.api.build import initial_state
from jax_zoo.models import ResNet
from jax_zoo.train import (
    accuracy, create_train_state, evaluate, fit, make_eval_step, make_train_step, softmax_cross_entropy,
)
from jax_zoo.core.errors import ConfigError

TRAIN, EVAL = digits(192), digits(64, offset=192)
BATCH = 32


def resnet_state(ema_decay=None, ema_start=0):
    """A one-block ResNet, so the average covers BatchNorm statistics as well as parameters."""
    model = ResNet(stage_sizes=(1,), num_filters=4)
    variables = model.init(jax.random.PRNGKey(0), jnp.zeros((1, 8, 8, 1)))
    optimizer = optax.sgd(0.1, momentum=0.9)
    return create_train_state(
        model.apply, variables, optimizer, jax.random.PRNGKey(1), ema_decay=ema_decay, ema_start=ema_start
    )


def batch(step):
    part = slice(step * BATCH % len(TRAIN["targets"]), step * BATCH % len(TRAIN["targets"]) + BATCH)
    return {name: values[part] for name, values in TRAIN.items()}


def variables_of(state):
    return jax.tree.map(np.array, {"params": state.params, "batch_stats": state.batch_stats})


@pytest.mark.slow
def test_the_average_is_the_mean_of_the_steps_then_an_exponential_one():
    train_step = make_train_step(softmax_cross_entropy, example_spec=SPEC)
    state = resnet_state(ema_decay=0.6)  # the plain mean for 2 steps, then weight 1 - 0.6 = 0.4 on the newest
    seen = []
    for step in range(5):
        state, _ = train_step(state, batch(step))
        seen.append(variables_of(state))
    expected = seen[0]
    for count, variables in enumerate(seen[1:], start=2):
        weight = max(0.4, 1 / count)  # 1/2, then 0.4 (not 1/3), 0.4, 0.4
        expected = jax.tree.map(lambda old, new, w=weight: w * new + (1 - w) * old, expected, variables)
    jax.tree.map(lambda want, got: np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7), expected, state.ema)
    assert not np.allclose(state.ema["params"]["stem"]["kernel"], state.params["stem"]["kernel"])
    assert not np.allclose(state.ema["batch_stats"]["stem_norm"]["mean"], state.batch_stats["stem_norm"]["mean"])


@pytest.mark.slow
def test_a_late_start_follows_the_weights_then_takes_the_plain_mean_of_the_last_steps():
    train_step = make_train_step(softmax_cross_entropy, example_spec=SPEC)
    state = resnet_state(ema_decay=0.999, ema_start=3)  # a horizon longer than the run: the plain mean
    seen = []
    for step in range(6):
        state, _ = train_step(state, batch(step))
        seen.append(variables_of(state))
        if step < 3:
            jax.tree.map(lambda want, got: np.testing.assert_array_equal(got, want), seen[-1], state.ema)
    expected = jax.tree.map(lambda *steps: sum(steps) / 3, *seen[3:])
    jax.tree.map(lambda want, got: np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6), expected, state.ema)


def test_an_average_starts_after_whole_epochs_of_the_run():
    experiment = dataclasses.replace(zoo.get("digits_cnn")(), ema_decay=0.999, ema_start_epoch=2)
    assert initial_state(experiment, train_examples=10 * experiment.batch_size + 3).ema_start == 20
    with pytest.raises(ConfigError, match=r"ema_start_epoch: expected an epoch count in \[0, epochs = 3\), got 3"):
        dataclasses.replace(zoo.get("digits_cnn")(epochs=3), ema_decay=0.999, ema_start_epoch=3)
    with pytest.raises(ConfigError, match="ema_start_epoch: expected with ema_decay set"):
        dataclasses.replace(zoo.get("digits_cnn")(), ema_start_epoch=1)


@pytest.mark.slow
def test_evaluation_reads_the_average_instead_of_the_latest_weights():
    train_step = make_train_step(softmax_cross_entropy, example_spec=SPEC)
    eval_step = make_eval_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC)
    state = resnet_state(ema_decay=0.9)
    for step in range(6):
        state, _ = train_step(state, batch(step))
    averaged = state.replace(params=state.ema["params"], batch_stats=state.ema["batch_stats"], ema=None)
    latest = state.replace(ema=None)
    assert evaluate(eval_step, state, EVAL, 64) == evaluate(eval_step, averaged, EVAL, 64)
    assert evaluate(eval_step, state, EVAL, 64)["loss"] != evaluate(eval_step, latest, EVAL, 64)["loss"]


def test_a_skipped_non_finite_step_leaves_the_average_alone():
    train_step = make_train_step(softmax_cross_entropy, example_spec=SPEC, nan_policy="skip")
    state, _ = train_step(resnet_state(ema_decay=0.9), batch(0))
    before = jax.tree.map(np.array, state.ema)
    poisoned = {name: values.copy() for name, values in batch(1).items()}
    poisoned["inputs"][3] = np.inf
    state, metrics = train_step(state, poisoned)
    assert float(metrics["nonfinite"]) == 1.0
    assert_trees_bitwise_equal(state.ema, before)


@pytest.mark.slow
def test_a_resumed_run_carries_its_average_on(tmp_path):
    train_step = make_train_step(softmax_cross_entropy, example_spec=SPEC)
    eval_step = make_eval_step(softmax_cross_entropy, example_spec=SPEC)

    def run(workdir, **options):
        return fit(
            resnet_state(ema_decay=0.95), train_step=train_step, eval_step=eval_step, train_data=TRAIN,
            eval_data=EVAL, batch_size=BATCH, epochs=2, seed=0, workdir=workdir, progress=False,
            run_record={"entry": "test"}, **options,
        )

    whole = run(tmp_path / "whole")
    assert not run(tmp_path / "halves", stop_at_step=7).completed
    resumed = run(tmp_path / "halves")
    assert resumed.resumed_from_step == 7
    assert_trees_bitwise_equal(resumed.state.ema, whole.state.ema)
    assert resumed.history[-1]["eval_loss"] == whole.history[-1]["eval_loss"]


def test_without_a_decay_the_state_keeps_no_average():
    state = resnet_state()
    assert state.ema is None and state.for_evaluation() is state


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.5])
def test_a_decay_outside_zero_one_is_refused(decay):
    with pytest.raises(ValueError, match=rf"ema_decay: expected None or a value in \(0, 1\), got {decay}"):
        resnet_state(ema_decay=decay)
    with pytest.raises(ConfigError, match=rf"ema_decay: expected None or a value in \(0, 1\), got {decay}"):
        dataclasses.replace(zoo.get("digits_cnn")(), ema_decay=decay)


@pytest.mark.parametrize("decay", [1.0, -0.5])
def test_an_entry_refuses_a_decay_it_cannot_use(decay):
    expected = rf"ema_decay: expected 0 \(no averaging\) or a value in \(0, 1\), got {decay}"
    with pytest.raises(ConfigError, match=expected):
        zoo.get("fashion_resnet")(ema_decay=decay)
