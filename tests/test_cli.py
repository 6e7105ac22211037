import json
import subprocess

import pytest

from jax_zoo.cli import main


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory, zoo_command):
    """``zoo train`` end to end on digits, two epochs, as a user runs it."""
    workdir = tmp_path_factory.mktemp("cli") / "digits"
    done = subprocess.run(
        [*zoo_command, "train", "--workdir", str(workdir), "--set", "epochs=2", "--no-progress"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return workdir, done.stdout


@pytest.mark.slow
def test_train_prints_test_metrics_and_writes_the_run(trained):
    workdir, stdout = trained
    assert "digits_cnn: test accuracy" in stdout and "on 360 examples" in stdout
    results = json.loads((workdir / "results.json").read_text())
    assert results["entry"] == "digits_cnn" and results["config"]["epochs"] == 2
    assert results["test"]["count"] == 360 and results["test"]["accuracy"] > 0.8
    assert results["compile_seconds"] > 0 and results["versions"]["jax"]
    lines = (workdir / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2]
    assert (workdir / "checkpoints").is_dir()


@pytest.mark.slow
def test_eval_restores_the_saved_parameters(trained, capsys):
    workdir, _ = trained
    results = json.loads((workdir / "results.json").read_text())
    code, out, _ = run(["eval", "digits_cnn", "--workdir", str(workdir)], capsys)
    assert code == 0
    assert f"accuracy {results['test']['accuracy']:.2%}" in out


@pytest.mark.slow
def test_a_finished_workdir_reports_its_results_and_refuses_another_config(trained, capsys):
    workdir, _ = trained
    code, out, _ = run(["train", "--workdir", str(workdir), "--no-progress"], capsys)
    assert code == 0 and "already holds a finished run" in out and "test accuracy" in out
    code, _, err = run(["train", "--workdir", str(workdir), "--set", "epochs=3"], capsys)
    assert code == 2 and "with another config (epochs: saved 2, asked 3)" in err


@pytest.mark.slow
def test_list_and_show(capsys):
    code, out, _ = run(["list"], capsys)
    assert code == 0 and "digits_cnn" in out and "SimpleCNN" in out
    code, out, _ = run(["show", "digits_cnn"], capsys)
    assert code == 0 and '"learning_rate": 0.001' in out and "fc1" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "digit_cnn"], "unknown entry 'digit_cnn'. Did you mean 'digits_cnn'?"),
        (["train", "--set", "learnin_rate=0.1"], "Did you mean 'learning_rate'?"),
        (["train", "--set", "epochs=many"], "epochs: expected int, got 'many'"),
        (["train", "--set", "epochs"], "--set expects name=value, got 'epochs'"),
        (["show", "digits_cnn", "--set", "learning_rate=-1"], "learning_rate: expected a value > 0, got -1.0"),
        (["eval", "digits_cnn", "--workdir", "{tmp}"], "holds no run: expected"),
    ],
)
def test_bad_input_is_one_clear_paragraph_without_traceback(args, message, tmp_path, capsys):
    args = [arg.format(tmp=tmp_path) for arg in args]
    code, _, err = run(args + (["--workdir", str(tmp_path / "new")] if args[0] == "train" else []), capsys)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "new").exists(), "a rejected run must not leave a workdir behind"


def test_eval_of_a_workdir_trained_for_another_entry(capsys, tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"entry": "other_entry", "config": {}}))
    code, _, err = run(["eval", "digits_cnn", "--workdir", str(tmp_path)], capsys)
    assert code == 2 and "was trained for entry 'other_entry', not 'digits_cnn'" in err


@pytest.mark.slow
def test_the_console_script_exits_nonzero_without_a_traceback(tmp_path, zoo_command):
    done = subprocess.run([*zoo_command, "eval", "digits_cnn", "--workdir", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "zoo eval: error:" in done.stderr and "Traceback" not in done.stderr


def test_training_into_another_entrys_workdir_is_refused(tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps({"entry": "fashion_resnet", "config": {}}))
    code, _, err = run(["train", "digits_cnn", "--workdir", str(tmp_path)], capsys)
    assert code == 2 and "holds a run of entry 'fashion_resnet', not 'digits_cnn'; pass --restart" in err


@pytest.mark.slow
def test_restart_moves_the_old_run_aside_instead_of_deleting_it(tmp_path, capsys):
    workdir = tmp_path / "run"
    workdir.mkdir()
    (workdir / "config.json").write_text(json.dumps({"entry": "fashion_resnet", "config": {}}))
    code, out, _ = run(["train", "--workdir", str(workdir), "--restart", "--set", "epochs=1", "--no-progress"], capsys)
    assert code == 0 and "Moved the previous run aside to" in out
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("run.old-")]
    assert len(kept) == 1 and json.loads((kept[0] / "config.json").read_text())["entry"] == "fashion_resnet"
    assert json.loads((workdir / "results.json").read_text())["entry"] == "digits_cnn"


def test_the_recorded_command_carries_the_xla_flags_it_ran_with(monkeypatch):
    from jax_zoo.api.train import command_line

    monkeypatch.delenv("XLA_FLAGS", raising=False)
    assert command_line("digits_cnn", {"epochs": 2}, "runs/d") == "zoo train digits_cnn --workdir runs/d --set epochs=2"
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_experimental_ynn_fusion_type=")
    assert command_line("digits_cnn", None, "runs/d") == (
        "XLA_FLAGS=--xla_cpu_experimental_ynn_fusion_type= zoo train digits_cnn --workdir runs/d"
    )


@pytest.mark.slow
def test_evaluating_on_a_split_the_run_trained_on_says_it_is_not_held_out(trained):
    import jax_zoo as zoo

    workdir, _ = trained
    with pytest.warns(UserWarning, match=r"digits_cnn trained on 'train': its metrics on split 'train' are not held out"):
        zoo.evaluate_workdir("digits_cnn", workdir, "train")
