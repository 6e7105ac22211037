"""Early stopping on a validation metric: stops, restores the best parameters, survives a resume."""

import pytest
import tiny_zoo  # noqa: F401  (registers tiny_mlp at collection, as every test module that uses it)
from harness_helpers import SPEC, assert_trees_bitwise_equal, digits, fresh_state, metric_history

from jax_zoo.train import EarlyStoppingPolicy, InputError, accuracy, evaluate, fit, make_eval_step, make_train_step, softmax_cross_entropy

TRAIN, VALIDATION = digits(160), digits(200, offset=160)
POLICY = EarlyStoppingPolicy(metric="eval_loss", mode="min", patience=1, min_delta=0.0)


@pytest.fixture(scope="module")
def steps():
    return (
        make_train_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
        make_eval_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
    )


def run(steps, workdir=None, **options):
    train_step, eval_step = steps
    return fit(
        fresh_state(learning_rate=3e-2), train_step=train_step, eval_step=eval_step,
        train_data=TRAIN, eval_data=VALIDATION, batch_size=16, epochs=30, seed=0,
        workdir=workdir, progress=False, early_stopping=POLICY, **options,
    )


@pytest.fixture(scope="module")
def stopped(steps, tmp_path_factory):
    return run(steps, tmp_path_factory.mktemp("early"))


@pytest.mark.slow
def test_stops_once_the_metric_has_not_improved_for_patience_epochs(stopped):
    losses = [record["eval_loss"] for record in stopped.history]
    best = losses.index(min(losses))
    assert stopped.stopped_early and len(losses) < 30
    assert len(losses) == best + 1 + POLICY.patience + 1
    assert stopped.best_step == stopped.history[best]["step"]


def test_returns_the_best_parameters_not_the_last(steps, stopped):
    _, eval_step = steps
    final = evaluate(eval_step, stopped.state, VALIDATION, batch_size=64)
    assert final["loss"] == pytest.approx(min(r["eval_loss"] for r in stopped.history), rel=1e-6)
    assert int(stopped.state.step) == stopped.best_step


@pytest.mark.slow
def test_without_a_workdir_the_best_is_kept_in_memory(steps, stopped):
    in_memory = run(steps)
    assert_trees_bitwise_equal(in_memory.state.params, stopped.state.params)


@pytest.mark.slow
def test_its_state_survives_a_resume(steps, stopped, tmp_path):
    stop_at = stopped.history[1]["step"] + 3  # inside the third epoch
    assert not run(steps, tmp_path, stop_at_step=stop_at).completed
    resumed = run(steps, tmp_path)
    assert resumed.stopped_early and resumed.best_step == stopped.best_step
    assert metric_history(resumed.history) == metric_history(stopped.history)
    assert_trees_bitwise_equal(resumed.state.params, stopped.state.params)


def test_a_metric_the_records_do_not_hold_is_named(steps):
    train_step, eval_step = steps
    with pytest.raises(InputError, match=r"early stopping watches 'eval_f1', but epoch records hold \['train_loss', 'train_accuracy', 'eval_loss', 'eval_accuracy'\]"):
        fit(
            fresh_state(), train_step=train_step, eval_step=eval_step, train_data=TRAIN, eval_data=VALIDATION,
            batch_size=16, epochs=2, seed=0, progress=False, early_stopping=EarlyStoppingPolicy(metric="eval_f1"),
        )


@pytest.mark.slow
def test_the_best_checkpoint_can_be_kept_without_stopping(steps, stopped, tmp_path):
    from jax_zoo.train import CheckpointPolicy, Checkpoints

    train_step, eval_step = steps
    result = fit(
        fresh_state(learning_rate=3e-2), train_step=train_step, eval_step=eval_step,
        train_data=TRAIN, eval_data=VALIDATION, batch_size=16, epochs=6, seed=0, workdir=tmp_path, progress=False,
        checkpoint_policy=CheckpointPolicy(best_metric="eval_loss", best_mode="min"),
    )
    losses = [record["eval_loss"] for record in result.history]
    assert not result.stopped_early and len(losses) == 6 and int(result.state.step) == 60
    with Checkpoints(tmp_path / "best_checkpoint", keep=1) as best:
        assert best.steps() == [result.history[losses.index(min(losses))]["step"]] == [result.best_step]


@pytest.mark.slow
def test_without_evaluation_data_the_epochs_record_training_metrics_only(steps):
    train_step, eval_step = steps
    common = {
        "train_step": train_step, "eval_step": eval_step, "train_data": TRAIN, "eval_data": None,
        "batch_size": 16, "seed": 0, "progress": False,
    }
    result = fit(fresh_state(), epochs=2, **common)
    assert [sorted(record) for record in result.history] == [["epoch", "epoch_seconds", "step", "train_accuracy", "train_loss"]] * 2
    with pytest.raises(InputError, match=r"early stopping watches 'eval_loss', but epoch records hold \['train_loss', 'train_accuracy'\]"):
        fit(fresh_state(), epochs=2, early_stopping=POLICY, **common)
    watching_training = EarlyStoppingPolicy(metric="train_loss", mode="min", patience=1)
    assert fit(fresh_state(), epochs=2, early_stopping=watching_training, **common).completed


@pytest.mark.slow
def test_zoo_eval_and_zoo_restore_load_the_best_parameters_not_the_last(tmp_path, capsys):
    import jax_zoo as zoo
    from jax_zoo.train import Checkpoints
    from jax_zoo.cli import main

    overrides = {"patience": 0, "epochs": 40, "learning_rate": 0.2}
    results = zoo.train_and_evaluate("tiny_mlp", tmp_path, overrides, progress=False)
    assert results["stopped_early"] and results["final_state_step"] < results["steps"]
    target = zoo.build("tiny_mlp", overrides).state
    with Checkpoints(tmp_path / "best_checkpoint", keep=1) as best:
        best_state, _ = best.restore(target, step=results["final_state_step"])
    with Checkpoints(tmp_path / "checkpoints") as last:
        last_state, _ = last.restore(target)
    restored = zoo.restore(tmp_path, "tiny_mlp")
    assert_trees_bitwise_equal(restored.state.params, best_state.params)
    assert int(last_state.step) == results["steps"] != int(restored.state.step)
    assert main(["eval", "tiny_mlp", "--workdir", str(tmp_path)]) == 0
    assert f"loss {results['test']['loss']:.4g}" in capsys.readouterr().out
    last_metrics = evaluate(restored.eval_step, last_state, zoo.load_dataset("tiny_blobs", "test"), 64)
    assert last_metrics["loss"] != results["test"]["loss"], "the last parameters would have scored otherwise"
