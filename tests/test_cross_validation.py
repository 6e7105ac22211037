import json

import numpy as np
import pytest
from harness_helpers import replaced_loader

from jax_zoo.train import InputError, stratified_folds
import jax_zoo as zoo
from jax_zoo.cli import main


def test_folds_are_disjoint_cover_everything_and_keep_class_shares():
    labels = np.repeat(np.arange(3), [10, 7, 4])
    folds = stratified_folds(labels, 3, seed=0)
    assert sorted(np.concatenate(folds)) == list(range(21))
    for label, count in ((0, 10), (1, 7), (2, 4)):
        per_fold = [int((labels[fold] == label).sum()) for fold in folds]
        assert max(per_fold) - min(per_fold) <= 1 and sum(per_fold) == count
    assert max(map(len, folds)) - min(map(len, folds)) <= 1
    assert all(np.array_equal(a, b) for a, b in zip(folds, stratified_folds(labels, 3, seed=0)))


@pytest.mark.parametrize("folds, message", [(1, "at least 2 folds, got 1"), (30, "30 folds need at least 30 examples")])
def test_impossible_fold_counts_are_rejected(folds, message):
    with pytest.raises(InputError, match=message):
        stratified_folds(np.zeros(21, dtype=int), folds, seed=0)


@pytest.mark.slow
def test_zoo_cv_reports_each_fold_and_compiles_the_steps_once(tmp_path, capsys):
    code = main(["cv", "digits_cnn", "--folds", "3", "--workdir", str(tmp_path), "--set", "epochs=2", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "digits_cnn, 3 folds: " in out and "accuracy 0." in out and " ± " in out
    summary = json.loads((tmp_path / "cv.json").read_text())
    assert [fold["validation_examples"] for fold in summary["folds"]] == [419, 419, 419]
    assert all(fold["train_examples"] == 838 for fold in summary["folds"])
    accuracies = [fold["accuracy"] for fold in summary["folds"]]
    assert summary["mean"]["accuracy"] == pytest.approx(np.mean(accuracies))
    assert summary["std"]["accuracy"] == pytest.approx(np.std(accuracies))
    assert summary["compiles"] == {"train_step": 1, "eval_step": 1}


@pytest.mark.slow
def test_each_fold_s_schedule_is_sized_by_the_fold(tmp_path, monkeypatch):
    """digits_cnn's cosine decay must end at the fold's last step, not the full split's."""
    from jax_zoo.core.experiment import Experiment
    from jax_zoo.api.cross_validation import cross_validate_entry

    asked = []
    make_optimizer = Experiment.make_optimizer
    monkeypatch.setattr(
        Experiment, "make_optimizer", lambda self, steps_per_epoch: asked.append(steps_per_epoch) or make_optimizer(self, steps_per_epoch)
    )
    cross_validate_entry("digits_cnn", 3, tmp_path, {"epochs": 1, "batch_size": 100})
    fold_steps = 838 // 100
    assert asked[-3:] == [fold_steps] * 3, "each fold's optimizer is made for the steps the fold runs"
    assert zoo.split_size("digits", "train") // 100 != fold_steps


@pytest.mark.slow
def test_zoo_cv_never_reads_the_test_split(tmp_path, capsys):
    reads = []

    def guarded(split, directory):
        reads.append(split)
        if split == "test":
            raise AssertionError("zoo cv read the test split")
        return load(split, directory)

    with replaced_loader("digits", guarded) as load:
        code = main(["cv", "digits_cnn", "--folds", "2", "--workdir", str(tmp_path), "--set", "epochs=1", "--no-progress"])
    assert code == 0 and reads == ["train"]
