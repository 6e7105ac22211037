"""``zoo sweep``, ``zoo cv --parallel`` and ``zoo train --seeds``: configs as stacked runs of one program."""

import json

import pytest

from jax_zoo.cli import main
from jax_zoo.core.errors import ConfigError
from jax_zoo.api import cross_validation, stacked
from jax_zoo.train import thread_groups
from jax_zoo.api.build import build
from jax_zoo.api.stacked import program_difference, stacking_loses
from jax_zoo.api.sweep import parse_grid, summarize
from jax_zoo.train.thread_groups import usable_cores


def test_the_grid_is_parsed_and_malformed_settings_are_refused():
    assert parse_grid(["learning_rate=1e-3, 3e-3", "seed=0"]) == {"learning_rate": ["1e-3", "3e-3"], "seed": ["0"]}
    with pytest.raises(ConfigError, match="name=value"):
        parse_grid(["learning_rate"])
    with pytest.raises(ConfigError, match="given twice"):
        parse_grid(["seed=0", "seed=1"])


def test_runs_train_in_sequence_where_stacking_measured_slower_on_a_cpu(monkeypatch):
    monkeypatch.setattr(thread_groups, "usable_cores", lambda: 8)
    assert "grouped convolutions" in stacking_loses(build("digits_cnn"), 8)
    parted = build("names_tutorial_rnn")  # its step takes two batch parts on a CPU, a core each
    assert "a core for each of its 2 batch parts" in stacking_loses(parted, 2)
    assert stacking_loses(parted, 3) is None  # three groups of runs take more cores than two parts
    assert stacking_loses(build("names_tutorial_rnn", batch_parts=1), 2) is None
    monkeypatch.setattr(thread_groups, "usable_cores", lambda: 1)
    assert stacking_loses(parted, 2) is None  # one core: the parts run in one program
    monkeypatch.setattr(stacked.jax, "default_backend", lambda: "gpu")
    assert stacking_loses(build("digits_cnn"), 8) is None


def test_seeds_and_learning_rates_share_a_program_widths_and_smoothing_do_not():
    base = build("digits_cnn").experiment
    assert program_difference(base, build("digits_cnn", {"seed": 3, "learning_rate": 0.01}).experiment) == []
    assert program_difference(base, build("digits_cnn", {"label_smoothing": 0.0}).experiment) == ["loss"]
    assert program_difference(base, build("digits_cnn", {"batch_size": 16}).experiment) == ["batch_size"]


def test_the_summary_averages_over_seeds_and_names_the_best_run():
    runs = [
        {"values": {"learning_rate": lr, "seed": seed}, "diverged": None, "validation": {"accuracy": acc, "loss": 1.0}}
        for lr, seed, acc in ((0.1, 0, 0.5), (0.1, 1, 0.7), (0.2, 0, 0.9), (0.2, 1, 0.8))
    ]
    runs.append({"values": {"learning_rate": 0.3, "seed": 0}, "diverged": {"step": 3}, "validation": {}})
    summary = summarize(runs, {"learning_rate": [], "seed": []})
    assert summary["best"]["values"] == {"learning_rate": 0.2, "seed": 0}
    first = summary["settings"][0]
    assert first["values"] == {"learning_rate": 0.1} and first["seeds"] == 2
    assert first["accuracy"]["mean"] == pytest.approx(0.6) and first["accuracy"]["std"] == pytest.approx(0.1)
    assert len(summary["settings"]) == 2


@pytest.mark.slow
def test_parallel_cv_gives_the_sequential_numbers(tmp_path, capsys, monkeypatch):
    args = ["cv", "digits_cnn", "--folds", "3", "--set", "epochs=1", "--no-progress"]
    assert main([*args, "--workdir", str(tmp_path / "sequential")]) == 0
    # Stacked even where it is slower (a CNN on the CPU), to compare the two.
    monkeypatch.setattr(cross_validation, "stacking_loses", lambda built, runs: None)
    assert main([*args, "--parallel", "--workdir", str(tmp_path / "parallel")]) == 0
    sequential = json.loads((tmp_path / "sequential" / "cv.json").read_text())
    parallel = json.loads((tmp_path / "parallel" / "cv.json").read_text())
    assert parallel["parallel"] and not sequential["parallel"]
    assert parallel["batch_parts"] == sequential["batch_parts"] == 1
    for one, other in zip(sequential["folds"], parallel["folds"], strict=True):
        assert one["validation_examples"] == other["validation_examples"]
        assert other["accuracy"] == pytest.approx(one["accuracy"], abs=1 / 419 + 1e-9)
        assert other["loss"] == pytest.approx(one["loss"], rel=1e-4)


@pytest.mark.slow
def test_a_sweep_trains_seeds_and_learning_rates_in_one_program(tmp_path, capsys):
    code = main(["sweep", "digits_cnn", "--set", "learning_rate=1e-3,3e-3", "--set", "seed=0,1",
                 "--set", "epochs=1", "--workdir", str(tmp_path), "--no-progress", "--runs-as", "stacked"])
    out = capsys.readouterr().out
    assert code == 0 and "4 configs in one program" in out and "over 2 seed(s)" in out
    summary = json.loads((tmp_path / "sweep.json").read_text())
    assert summary["programs"] == 1 and len(summary["runs"]) == 4
    assert [run["values"]["learning_rate"] for run in summary["runs"]] == [1e-3, 1e-3, 3e-3, 3e-3]
    assert summary["best"]["validation"]["accuracy"] == max(r["validation"]["accuracy"] for r in summary["runs"])
    lines = (tmp_path / "program-0" / "metrics.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["run"] for line in lines) == [0, 1, 2, 3]
    # on one CPU device the stacked runs train in one group per core
    program = json.loads((tmp_path / "program-0" / "results.json").read_text())
    assert program["runs_as"] == "stacked" and program["thread_groups"] == min(usable_cores(), 4)


@pytest.mark.slow
def test_a_value_that_changes_the_program_runs_one_program_after_another(tmp_path, capsys):
    code = main(["sweep", "digits_cnn", "--set", "batch_size=32,64", "--set", "epochs=1",
                 "--workdir", str(tmp_path), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "2 configs in 2 programs, run one after another: the values of batch_size" in out
    assert (tmp_path / "program-1" / "results.json").is_file()


@pytest.mark.slow
def test_train_seeds_reports_every_run_and_their_averaged_prediction(tmp_path, capsys):
    code = main(["train", "digits_cnn", "--seeds", "2", "--set", "epochs=1", "--workdir", str(tmp_path),
                 "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "digits_cnn seed 0: test" in out and "averaged prediction of 2 runs" in out
    results = json.loads((tmp_path / "results.json").read_text())
    assert [run["config"]["seed"] for run in results["runs"]] == [0, 1]
    assert len(results["test"]["runs"]) == 2 and results["test"]["ensemble"]["count"] == 360
    assert main(["train", "digits_cnn", "--seeds", "2", "--set", "epochs=1", "--workdir", str(tmp_path),
                 "--no-progress"]) == 0
    assert json.loads((tmp_path / "results.json").read_text()) == results


@pytest.mark.slow
def test_cnn_seeds_on_a_cpu_train_one_after_another_as_each_would_alone(tmp_path, capsys):
    assert main(["train", "digits_cnn", "--seeds", "2", "--set", "epochs=1", "--workdir", str(tmp_path / "seeds"),
                 "--no-progress"]) == 0
    assert "2 runs one after another, sharing one compiled step" in capsys.readouterr().out
    results = json.loads((tmp_path / "seeds" / "results.json").read_text())
    assert results["runs_as"] == "sequence" and (tmp_path / "seeds" / "run-1" / "metrics.jsonl").is_file()
    assert main(["train", "digits_cnn", "--set", "seed=1", "--set", "epochs=1", "--workdir", str(tmp_path / "alone"),
                 "--no-progress"]) == 0
    alone = json.loads((tmp_path / "alone" / "results.json").read_text())["test"]
    assert {key: results["test"]["runs"][1][key] for key in ("accuracy", "loss")} == {key: alone[key] for key in ("accuracy", "loss")}


def test_runs_as_is_for_seeds_only(capsys):
    assert main(["train", "digits_cnn", "--runs-as", "stacked"]) == 2
    assert "--runs-as stacked: says how the runs of --seeds N train" in capsys.readouterr().err


def test_seeds_refuse_restart_without_training(tmp_path, capsys):
    code = main(["train", "digits_cnn", "--seeds", "2", "--restart", "--workdir", str(tmp_path / "run")])
    assert code == 2 and "--seeds trains its runs in one process" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
