"""``fit(eval_scores=...)``: scores computed outside the eval step join each evaluation, and early
stopping and the best checkpoint watch them like the eval step's metrics."""

import jax
import numpy as np
import pytest
from harness_helpers import SPEC, digits, fresh_state

from jax_zoo.train import (
    CheckpointPolicy, EarlyStoppingPolicy, accuracy, fit, make_eval_step, make_train_step, softmax_cross_entropy,
)
from jax_zoo.train.input_checks import InputError

STEPS = {
    "train_step": make_train_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
    "eval_step": make_eval_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
}


class ScriptedScores:
    """Scores an epoch's state by a script (best at the second epoch), remembering each step it saw."""

    metric_names = ("decoded",)

    def __init__(self, script):
        self.script, self.steps = list(script), []

    def __call__(self, state):
        self.steps.append(int(jax.device_get(state.step)))
        return {"decoded": self.script[len(self.steps) - 1]}


def run(tmp_path, scores, **options):
    return fit(
        fresh_state(), **STEPS, train_data=digits(128), eval_data=digits(64, offset=128), batch_size=32,
        epochs=3, seed=0, progress=False, workdir=tmp_path / "run", eval_scores=scores, **options,
    )


def test_the_scores_join_each_epoch_record_and_the_best_epoch_is_kept_by_them(tmp_path):
    scores = ScriptedScores([0.2, 0.5, 0.3])
    result = run(
        tmp_path, scores, checkpoint_policy=CheckpointPolicy(best_metric="eval_decoded", best_mode="max"),
        early_stopping=EarlyStoppingPolicy(metric="eval_decoded", mode="max", patience=3, restore_best=True),
    )
    assert [record["eval_decoded"] for record in result.history] == [0.2, 0.5, 0.3]
    assert all("eval_accuracy" in record for record in result.history)
    assert scores.steps == [4, 8, 12]  # after each epoch's steps, on the state evaluated
    assert result.best_step == 8 and int(result.state.step) == 8
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 3 and '"eval_decoded": 0.5' in lines[1]


def test_a_watched_score_must_be_one_the_records_hold(tmp_path):
    with pytest.raises(InputError, match="eval_decoded"):
        run(tmp_path, None, checkpoint_policy=CheckpointPolicy(best_metric="eval_decoded", best_mode="max"))


def test_scores_need_evaluation_data(tmp_path):
    with pytest.raises(InputError, match="eval_scores: expected evaluation data"):
        fit(
            fresh_state(), **STEPS, train_data=digits(64), eval_data=None, batch_size=32, epochs=1, seed=0,
            progress=False, eval_scores=ScriptedScores([0.0]),
        )


def test_a_resumed_run_scores_only_the_epochs_it_trains(tmp_path):
    first = ScriptedScores([0.2, 0.5, 0.3])
    run(tmp_path, first, stop_at_step=8)
    resumed = ScriptedScores([0.3])
    result = run(tmp_path, resumed)
    assert first.steps == [4, 8] and resumed.steps == [12]
    assert [record["eval_decoded"] for record in result.history] == [0.2, 0.5, 0.3]
    np.testing.assert_equal(result.completed, True)
