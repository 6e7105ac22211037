"""A run stopped anywhere and resumed equals the run that never stopped, bit for bit."""

import json
import signal
import subprocess
import sys
import time

import pytest
import tiny_zoo  # noqa: F401  (registers tiny_mlp at collection, as every test module that uses it)
from harness_helpers import SPEC, assert_trees_bitwise_equal, digits, fresh_state, metric_history

import jax_zoo as zoo
from jax_zoo.train import (
    CheckpointError, CheckpointPolicy, Checkpoints, accuracy, fit, load_final_state, make_eval_step, make_train_step,
    softmax_cross_entropy,
)

TRAIN, EVAL = digits(300), digits(97, offset=300)
BATCH, EPOCHS = 32, 3  # 9 steps per epoch, 27 in all


@pytest.fixture(scope="module")
def steps():
    return (
        make_train_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
        make_eval_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
    )


def run_fit(steps, workdir, **options):
    train_step, eval_step = steps
    return fit(
        fresh_state(), train_step=train_step, eval_step=eval_step, train_data=TRAIN, eval_data=EVAL,
        batch_size=BATCH, epochs=EPOCHS, seed=3, workdir=workdir, progress=False,
        run_record={"entry": "test"}, **options,
    )


@pytest.fixture(scope="module")
def golden(steps, tmp_path_factory):
    return run_fit(steps, tmp_path_factory.mktemp("golden"))


@pytest.mark.slow
@pytest.mark.parametrize("stop_at", [13, 18], ids=["mid-epoch", "epoch-boundary"])
def test_stopped_and_resumed_equals_uninterrupted(steps, golden, tmp_path, stop_at):
    partial = run_fit(steps, tmp_path, stop_at_step=stop_at)
    assert not partial.completed and int(partial.state.step) == stop_at
    with (tmp_path / "metrics.jsonl").open("a") as lines:  # as if killed after logging an epoch it never saved
        lines.write(json.dumps({"epoch": 99, "step": 0}) + "\n")
    resumed = run_fit(steps, tmp_path)
    assert resumed.completed and resumed.resumed_from_step == stop_at
    assert_trees_bitwise_equal(resumed.state.params, golden.state.params)
    assert_trees_bitwise_equal(resumed.state.opt_state, golden.state.opt_state)
    assert metric_history(resumed.history) == metric_history(golden.history)
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert metric_history(lines) == metric_history(golden.history)


@pytest.mark.slow
def test_a_metrics_line_no_complete_checkpoint_holds_is_dropped_when_the_run_starts_over(steps, golden, tmp_path):
    # as if killed after logging epoch 1, while its first checkpoint was still being written
    (tmp_path / "metrics.jsonl").write_text(json.dumps(golden.history[0]) + "\n")
    restarted = run_fit(steps, tmp_path)
    assert restarted.resumed_from_step is None
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert metric_history(lines) == metric_history(golden.history)


@pytest.mark.slow
def test_checkpoints_every_n_steps_keep_the_last_k(steps, tmp_path):
    run_fit(steps, tmp_path, checkpoint_policy=CheckpointPolicy(every_epochs=None, every_steps=4, keep=2))
    with Checkpoints(tmp_path / "checkpoints") as checkpoints:
        assert checkpoints.steps() == [24, 27]
        record = checkpoints.read_record()
    assert record["finished"] and record["epoch"] == 3 and record["position"] == 0
    assert record["seed"] == 3 and len(record["history"]) == 3


@pytest.mark.slow
def test_checkpoints_of_another_run_are_refused(steps, golden, tmp_path):
    run_fit(steps, tmp_path, stop_at_step=5)
    train_step, eval_step = steps
    with pytest.raises(CheckpointError, match="belong to another run"):
        fit(
            fresh_state(), train_step=train_step, eval_step=eval_step, train_data=TRAIN, eval_data=EVAL,
            batch_size=BATCH, epochs=EPOCHS, seed=3, workdir=tmp_path, progress=False,
            run_record={"entry": "another"},
        )


@pytest.mark.slow
def test_a_leftover_temporary_checkpoint_is_cleaned_up(steps, golden, tmp_path):
    run_fit(steps, tmp_path, stop_at_step=9)
    leftover = tmp_path / "checkpoints" / "12.orbax-checkpoint-tmp"
    leftover.mkdir()
    (leftover / "partial").write_text("interrupted write")
    resumed = run_fit(steps, tmp_path)
    assert not leftover.exists() and resumed.resumed_from_step == 9
    assert_trees_bitwise_equal(resumed.state.params, golden.state.params)


def _files(directory):
    return sorted((p for p in directory.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)


# Orbax leaves its unfinished read coroutines behind when a restore fails; they are collected later.
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("damage", ["truncate", "delete"])
def test_a_damaged_checkpoint_is_a_clear_error_not_a_partial_restore(steps, tmp_path, damage):
    run_fit(steps, tmp_path, stop_at_step=9)
    state_files = _files(tmp_path / "checkpoints" / "9" / "state")
    target = state_files[-1]  # the largest: array data
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    else:
        target.unlink()
    with pytest.raises(CheckpointError, match=r"checkpoints/9 is damaged or incomplete .* start over with --restart"):
        run_fit(steps, tmp_path)


@pytest.mark.slow
def test_load_final_state_restores_what_fit_returned(steps, golden, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("final")
    result = run_fit(steps, workdir)
    state, record = load_final_state(workdir, fresh_state())
    assert_trees_bitwise_equal(state.params, result.state.params)
    assert record["finished"]


OVERRIDES = {"epochs": 3, "batch_size": 16}  # 89 steps per epoch


@pytest.fixture(scope="module")
def golden_entry_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("golden_entry")
    results = zoo.train_and_evaluate("digits_cnn", workdir, OVERRIDES, progress=False)
    return workdir, results


def _zoo_train(workdir):
    sets = [word for name, value in OVERRIDES.items() for word in ("--set", f"{name}={value}")]
    return [sys.executable, "-m", "jax_zoo.cli", "train", "--workdir", str(workdir), "--no-progress", *sets]


def _same_final_state(workdir, golden_dir):
    target = zoo.build("digits_cnn", OVERRIDES).state
    assert_trees_bitwise_equal(load_final_state(workdir, target)[0], load_final_state(golden_dir, target)[0])


@pytest.mark.slow
def test_sigterm_saves_exits_75_and_the_resumed_run_equals_the_golden_one(golden_entry_run, tmp_path):
    golden_dir, golden = golden_entry_run
    process = subprocess.Popen(_zoo_train(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (tmp_path / "metrics.jsonl").exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # the first epoch has been evaluated: training is under way
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 75, stderr
    message = [line for line in stderr.splitlines() if line.startswith("zoo train: stopped by SIGTERM at step")]
    assert len(message) == 1 and "run the same command again to resume" in message[0]
    resumed = subprocess.run(_zoo_train(tmp_path), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert 0 < results["resumed_from_step"] < results["steps"]
    assert results["test"] == golden["test"]
    _same_final_state(tmp_path, golden_dir)


@pytest.mark.slow
def test_a_new_process_resumes_mid_epoch_exactly(golden_entry_run, tmp_path):
    golden_dir, golden = golden_entry_run
    script = (
        f"import sys, jax_zoo as zoo; r = zoo.train_and_evaluate('digits_cnn', sys.argv[1], {OVERRIDES!r}, "
        "progress=False, stop_at_step=100); print(r.get('completed', True))"
    )
    first = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert first.returncode == 0 and first.stdout.strip() == "False", first.stderr
    resumed = zoo.train_and_evaluate("digits_cnn", tmp_path, progress=False)
    assert resumed["resumed_from_step"] == 100 and resumed["test"] == golden["test"]
    history = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    golden_history = [json.loads(line) for line in (golden_dir / "metrics.jsonl").read_text().splitlines()]
    assert metric_history(history) == metric_history(golden_history)
    _same_final_state(tmp_path, golden_dir)


RANDOM_RUNS = {
    "dropout and augmentation": {"dropout": 0.3, "augment": True},
    "BatchNorm and a moving average": {"batch_norm": True, "ema_decay": 0.9},
}


@pytest.mark.slow
@pytest.mark.parametrize("overrides", RANDOM_RUNS.values(), ids=RANDOM_RUNS.keys())
def test_randomness_and_statistics_survive_a_resume_bit_for_bit(overrides, tmp_path):
    """Step ``n``'s dropout mask and augmentation come from ``fold_in(key, n)``; BatchNorm
    statistics and the moving average travel in the checkpoint: a resumed run draws the same."""

    golden = zoo.train_and_evaluate("tiny_mlp", tmp_path / "golden", overrides, progress=False)
    stopped = zoo.train_and_evaluate("tiny_mlp", tmp_path / "resumed", overrides, progress=False, stop_at_step=17)
    assert stopped["completed"] is False
    resumed = zoo.train_and_evaluate("tiny_mlp", tmp_path / "resumed", progress=False)
    assert resumed["resumed_from_step"] == 17 and resumed["test"] == golden["test"]
    target = zoo.build("tiny_mlp", overrides).state
    golden_state, _ = load_final_state(tmp_path / "golden", target)
    resumed_state, _ = load_final_state(tmp_path / "resumed", target)
    assert_trees_bitwise_equal(resumed_state, golden_state)
