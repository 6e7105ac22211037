"""Stacked runs in thread groups: each run trains as in one stacked program (to float rounding) and resumes bit for bit."""

import jax
import numpy as np
import pytest
from harness_helpers import SPEC, assert_trees_bitwise_equal, digits, fresh_state, metric_history

from jax_zoo.train import EarlyStoppingPolicy, accuracy, make_eval_step, make_train_step, softmax_cross_entropy
from jax_zoo.train import thread_groups
from jax_zoo.train.fit import fit_stacked
from jax_zoo.train.stacked import stack_runs

BATCH = 32
CLEAN, EVAL = digits(200), digits(64, offset=200)
RATES = (3e-3, 0.0, 1e-2)  # run 1 never improves: early stopping freezes it


def test_groups_cover_the_runs_in_contiguous_slices_of_near_equal_size():
    for runs in range(1, 9):
        for groups in range(1, runs + 1):
            slices = thread_groups.group_slices(runs, groups)
            assert [i for part in slices for i in range(runs)[part]] == list(range(runs))
            sizes = [part.stop - part.start for part in slices]
            assert len(sizes) == groups and max(sizes) - min(sizes) <= 1
    for bad in (0, 4):
        with pytest.raises(ValueError, match=r"expected 1 to 3 \(the run count\), got"):
            thread_groups.group_slices(3, bad)


def test_one_group_per_core_on_one_cpu_device_and_never_more_than_the_runs(monkeypatch):
    monkeypatch.setattr(thread_groups, "usable_cores", lambda: 4)
    assert thread_groups.default_thread_groups(run_count=8, device_count=1) == 4
    assert thread_groups.default_thread_groups(run_count=3, device_count=1) == 3
    assert thread_groups.default_thread_groups(run_count=8, device_count=2) == 1  # the devices share the batch


def three_runs(groups, workdir=None, stop_at_step=None):
    data = {key: value.copy() for key, value in CLEAN.items()}
    data["inputs"][199] = np.nan
    rows = [np.arange(0, 160)] * 2 + [np.arange(40, 200)]  # run 2 reads the poisoned example and diverges
    train_step = make_train_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC, nan_policy="fail")
    eval_step = make_eval_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC)
    return fit_stacked(
        stack_runs([fresh_state(seed, rate) for seed, rate in enumerate(RATES)]), train_step=train_step,
        eval_step=eval_step, train_data=data, train_indices=rows, eval_data=EVAL, batch_size=BATCH, epochs=3,
        seeds=range(3), workdir=workdir, progress=False, stop_at_step=stop_at_step, run_record={"test": "groups"},
        early_stopping=EarlyStoppingPolicy(metric="eval_loss", patience=0), thread_groups=groups,
    )


def assert_close(left, right):
    # A group's vmapped convolutions may sum in another order than three runs' do; fifteen Adam
    # steps carry those roundings to about 1e-5 in weights near zero. A run given another's
    # state or batch would be off by far more.
    for a, b in zip(jax.tree.leaves(left), jax.tree.leaves(right), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-4)


@pytest.mark.slow
def test_runs_in_groups_train_as_in_one_program_and_resume_bit_for_bit(tmp_path):
    one_program = three_runs(groups=1)
    assert one_program.thread_groups == 1
    assert one_program.stopped_early[1] and one_program.diverged[2] is not None  # both paths are exercised
    grouped = three_runs(groups=2)  # runs 0-1 and run 2: two programs
    assert grouped.thread_groups == 2
    assert_close(grouped.states, one_program.states)
    for history, reference in zip(grouped.histories, one_program.histories, strict=True):
        assert [record["epoch"] for record in history] == [record["epoch"] for record in reference]
        for record, expected in zip(history, reference):
            assert record["eval_loss"] == pytest.approx(expected["eval_loss"], rel=1e-5)
    assert grouped.diverged == one_program.diverged and grouped.stopped_early == one_program.stopped_early
    assert grouped.best_steps == one_program.best_steps

    stopped = three_runs(groups=2, workdir=tmp_path, stop_at_step=7)  # mid-epoch 2 (5 steps an epoch)
    assert not stopped.completed
    resumed = three_runs(groups=2, workdir=tmp_path)
    assert resumed.completed and resumed.resumed_from_step == 7
    assert_trees_bitwise_equal(resumed.states, grouped.states)
    assert [metric_history(h) for h in resumed.histories] == [metric_history(h) for h in grouped.histories]
