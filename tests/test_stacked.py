"""Stacked runs: K runs in one compiled program give each run's own numbers, and stop on their own."""

import jax
import numpy as np
import optax
import pytest
from harness_helpers import SPEC, assert_trees_bitwise_equal, digits, fresh_state, metric_history

from jax_zoo.train import CheckpointPolicy, Checkpoints, EarlyStoppingPolicy, accuracy, epoch_permutation, fit, make_eval_step, make_train_step, softmax_cross_entropy
from jax_zoo.train.fit import fit_stacked
from jax_zoo.train.stacked import SwitchedOptState, stack_runs, unstack_run

BATCH = 32
CLEAN, EVAL = digits(200), digits(64, offset=200)


def steps(nan_policy="fail"):
    train_step = make_train_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC, nan_policy=nan_policy)
    return train_step, make_eval_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC)


def assert_close(left, right):
    # vmapped products sum in another order than the single run's: float32 roundings apart
    for a, b in zip(jax.tree.leaves(left), jax.tree.leaves(right), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)


def alone(seed, learning_rate, data=CLEAN, epochs=1):
    train_step, eval_step = steps()
    return fit(fresh_state(seed, learning_rate), train_step=train_step, eval_step=eval_step, train_data=data,
               eval_data=EVAL, batch_size=BATCH, epochs=epochs, seed=seed, progress=False)


@pytest.mark.slow
def test_each_stacked_run_equals_the_run_alone_seeds_and_learning_rates_differing():
    runs = [(0, 3e-3), (1, 3e-3), (1, 1e-2)]
    train_step, eval_step = steps()
    result = fit_stacked(
        stack_runs([fresh_state(seed, rate) for seed, rate in runs]), train_step=train_step,
        eval_step=eval_step, train_data=CLEAN, eval_data=EVAL, batch_size=BATCH, epochs=1,
        seeds=[seed for seed, _ in runs], progress=False,
    )
    for index, (seed, rate) in enumerate(runs):
        single = alone(seed, rate)
        assert_close(unstack_run(result.states, index).params, single.state.params)
        assert_close(unstack_run(result.states, index).opt_state, single.state.opt_state)
        assert result.histories[index][0]["eval_accuracy"] == pytest.approx(single.history[0]["eval_accuracy"])
        assert result.histories[index][0]["train_loss"] == pytest.approx(single.history[0]["train_loss"], rel=1e-5)


@pytest.mark.slow
def test_hyperparameters_in_the_optimizer_state_need_one_optimizer():
    tx = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1)
    states = []
    for rate in (0.1, 0.3):
        state = fresh_state(0)
        opt_state = tx.init(state.params)
        opt_state.hyperparams["learning_rate"] = np.float32(rate)
        states.append(state.replace(tx=tx, opt_state=opt_state))
    stacked = stack_runs(states)
    assert not isinstance(stacked.opt_state, SwitchedOptState)
    train_step, eval_step = steps()
    result = fit_stacked(stacked, train_step=train_step, eval_step=eval_step, train_data=CLEAN, eval_data=None,
                         batch_size=BATCH, epochs=1, seeds=[0, 0], progress=False)
    state = fresh_state(0).replace(tx=optax.sgd(0.3), opt_state=optax.sgd(0.3).init(fresh_state(0).params))
    train_step, eval_step = steps()
    single = fit(state, train_step=train_step, eval_step=eval_step, train_data=CLEAN, eval_data=None,
                 batch_size=BATCH, epochs=1, seed=0, progress=False)
    assert_close(unstack_run(result.states, 1).params, single.state.params)


def test_runs_with_optimizer_states_of_different_structure_are_refused():
    with pytest.raises(ValueError, match="optimizer states differ in structure"):
        stack_runs([fresh_state(0), fresh_state(0).replace(tx=optax.sgd(0.1), opt_state=optax.sgd(0.1).init({}))])


@pytest.mark.slow
@pytest.mark.parametrize("nan_policy", ["fail", "skip"])
def test_a_diverging_run_is_reported_and_masked_while_the_others_go_on(nan_policy):
    data = {key: value.copy() for key, value in CLEAN.items()}
    data["inputs"][199] = np.nan
    rows = [np.arange(0, 160), np.arange(40, 200)]  # only run 1 reads the poisoned example
    train_step, eval_step = steps(nan_policy)
    result = fit_stacked(
        stack_runs([fresh_state(0), fresh_state(0)]), train_step=train_step, eval_step=eval_step,
        train_data=data, train_indices=rows, eval_data=EVAL, batch_size=BATCH, epochs=2, seeds=[0, 0], progress=False,
    )
    order = epoch_permutation(160, 0, 0)
    bad_step = int(np.flatnonzero(order == 159)[0]) // BATCH
    healthy = alone(0, 3e-3, {key: value[rows[0]] for key, value in CLEAN.items()}, epochs=2)
    assert_close(unstack_run(result.states, 0).params, healthy.state.params)
    assert result.diverged[0] is None and len(result.nonfinite_steps[0]) == 0
    assert all(np.isfinite(leaf).all() for leaf in jax.tree.leaves(unstack_run(result.states, 1).params))
    if nan_policy == "fail":
        assert result.diverged[1] == {"step": bad_step, "quantity": "the batch's inputs"}
        assert int(unstack_run(result.states, 1).step) == bad_step
        assert len(result.histories[1]) == 1 and len(result.histories[0]) == 2
    else:
        assert result.diverged[1] is None and len(result.nonfinite_steps[1]) >= 1
        assert len(result.histories[1]) == 2


@pytest.mark.slow
def test_interrupted_stacked_runs_resume_to_the_same_runs(tmp_path):
    def run(workdir, stop_at_step=None):
        train_step, eval_step = steps()
        return fit_stacked(
            stack_runs([fresh_state(0, 3e-3), fresh_state(1, 1e-2)]), train_step=train_step,
            eval_step=eval_step, train_data=CLEAN, eval_data=EVAL, batch_size=BATCH, epochs=2, seeds=[0, 1],
            workdir=workdir, progress=False, stop_at_step=stop_at_step, run_record={"test": "resume"},
        )

    whole = run(tmp_path / "whole")
    first = run(tmp_path / "split", stop_at_step=200 // BATCH)  # the end of epoch 1
    assert not first.completed and len(first.histories[0]) == 1
    second = run(tmp_path / "split")
    assert second.completed and second.resumed_from_step == 200 // BATCH
    assert_trees_bitwise_equal(second.states.params, whole.states.params)
    strip = [[{k: v for k, v in r.items() if k != "epoch_seconds"} for r in h] for h in (second.histories)]
    assert strip == [[{k: v for k, v in r.items() if k != "epoch_seconds"} for r in h] for h in whole.histories]
    lines = (tmp_path / "split" / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 4


@pytest.mark.slow
def test_early_stopping_freezes_a_run_at_its_best_while_the_others_train():
    frozen = fresh_state(0, learning_rate=0.0)  # its validation loss never improves after the first epoch
    train_step, eval_step = steps()
    result = fit_stacked(
        stack_runs([fresh_state(0), frozen]), train_step=train_step, eval_step=eval_step, train_data=CLEAN,
        eval_data=EVAL, batch_size=BATCH, epochs=3, seeds=[0, 0], progress=False,
        early_stopping=EarlyStoppingPolicy(metric="eval_loss", patience=0),
    )
    assert result.stopped_early == [False, True]
    assert [len(history) for history in result.histories] == [3, 2]
    # Each run ends at its best evaluation (restore_best): the frozen one at its first epoch.
    assert result.best_steps[1] == 200 // BATCH
    assert [int(step) for step in result.states.step] == result.best_steps


def stacked_run(workdir, *, stop_at_step=None, early_stopping=None, epochs=2, checkpoint_policy=CheckpointPolicy(),
                 learning_rates=(3e-3, 1e-2)):
    train_step, eval_step = steps()
    return fit_stacked(
        stack_runs([fresh_state(seed, rate) for seed, rate in enumerate(learning_rates)]), train_step=train_step, eval_step=eval_step,
        train_data=CLEAN, eval_data=EVAL, batch_size=BATCH, epochs=epochs, seeds=[0, 1], workdir=workdir,
        progress=False, stop_at_step=stop_at_step, run_record={"test": "stacked"}, early_stopping=early_stopping,
        checkpoint_policy=checkpoint_policy,
    )


@pytest.mark.slow
def test_stacked_runs_resume_mid_epoch_from_a_step_checkpoint(tmp_path):
    every_two_steps = CheckpointPolicy(every_steps=2, keep=2)
    whole = stacked_run(tmp_path / "whole", checkpoint_policy=every_two_steps)
    first = stacked_run(tmp_path / "split", stop_at_step=3, checkpoint_policy=every_two_steps)  # 6 steps an epoch
    assert not first.completed and first.histories == [[], []]
    with Checkpoints(tmp_path / "split" / "checkpoints") as checkpoints:
        assert checkpoints.steps() == [2, 3]
    second = stacked_run(tmp_path / "split", checkpoint_policy=every_two_steps)
    assert second.completed and second.resumed_from_step == 3
    assert_trees_bitwise_equal(second.states, whole.states)
    assert [metric_history(h) for h in second.histories] == [metric_history(h) for h in whole.histories]


@pytest.mark.slow
def test_the_best_checkpoint_holds_each_runs_best_and_a_finished_workdir_returns_it(tmp_path):
    patience = EarlyStoppingPolicy(metric="eval_loss", patience=0)
    result = stacked_run(tmp_path, early_stopping=patience, epochs=3, learning_rates=(3e-3, 0.0))
    assert result.stopped_early == [False, True] and result.best_steps[1] == 200 // BATCH
    with Checkpoints(tmp_path / "best_checkpoint", keep=1) as best:
        assert best.steps() == [max(result.best_steps)]
        saved, record = best.restore(result.states)
    assert_trees_bitwise_equal(saved, result.states)
    assert [int(step) for step in result.states.step] == result.best_steps
    again = stacked_run(tmp_path, early_stopping=patience, epochs=3, learning_rates=(3e-3, 0.0))
    assert again.resumed_from_step is not None and again.best_steps == result.best_steps
    assert_trees_bitwise_equal(again.states, result.states)
