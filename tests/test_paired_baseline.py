import json

import numpy as np
import pytest

from jax_zoo.baselines.paired import main, paired_comparison


def test_paired_comparison_counts_who_is_right_and_tests_the_split():
    targets = np.arange(10) % 3
    model = targets.copy()
    baseline = targets.copy()
    baseline[:6] = (targets[:6] + 1) % 3  # six names only the model gets right
    model[9] = baseline[9] = (targets[9] + 1) % 3  # one name neither gets right
    comparison = paired_comparison(targets, model, baseline)
    assert comparison == {
        "count": 10, "model_accuracy": 0.9, "baseline_accuracy": 0.3, "both_right": 3, "only_model_right": 6, "only_baseline_right": 0, "both_wrong": 1,
        "mcnemar_exact_p": pytest.approx(2 * 0.5**6),
    }
    assert paired_comparison(targets, baseline, model)["mcnemar_exact_p"] == pytest.approx(2 * 0.5**6)


def test_two_classifiers_that_never_disagree_are_not_told_apart():
    targets = np.array([0, 1, 2])
    assert paired_comparison(targets, targets, targets)["mcnemar_exact_p"] == 1.0


def test_predictions_of_another_length_are_refused():
    with pytest.raises(ValueError, match=r"expected three arrays of one shape, got targets \(3,\), model \(2,\), baseline \(3,\)"):
        paired_comparison(np.zeros(3), np.zeros(2), np.zeros(3))


def refused(workdir, capsys) -> str:
    """``main([workdir])``'s message, having checked it exits 2 and writes nothing."""
    with pytest.raises(SystemExit) as exit_:
        main([str(workdir)])
    assert exit_.value.code == 2 and not (workdir / "paired_with_baseline.json").exists()
    return capsys.readouterr().err


def test_a_run_on_another_dataset_is_refused(tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps({"entry": "digits_cnn", "config": {}}))
    assert "expected a run on the names dataset, got entry 'digits_cnn' on 'digits'" in refused(tmp_path, capsys)


def test_a_workdir_without_a_run_is_refused(tmp_path, capsys):
    assert "holds no run" in refused(tmp_path, capsys)


def test_a_run_of_an_unknown_entry_is_refused(tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps({"entry": "names_transformer", "config": {}}))
    assert "names_transformer" in refused(tmp_path, capsys)


@pytest.mark.parametrize("argv, expected", [
    ([], "expected a WORKDIR or --pretrained ENTRY"),
    (["runs/x", "--pretrained", "names_bilstm"], "expected a WORKDIR or --pretrained ENTRY"),
    (["--pretrained", "names_tutorial_rnn"], "--pretrained needs --output FILE"),
])
def test_the_model_to_compare_is_one_workdir_or_one_shipped_entry(argv, expected, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2 and expected in capsys.readouterr().err


def test_shipped_weights_of_another_dataset_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--pretrained", "digits_cnn", "--output", str(tmp_path / "x.json")])
    assert exit_.value.code == 2 and "expected a names entry, got 'digits_cnn'" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()
