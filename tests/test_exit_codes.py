"""Every exit status of ``zoo``, through the command line: 0 done, 1 non-finite values under
``nan_policy=fail``, 2 bad input (one paragraph, no traceback, nothing in the workdir changed),
75 stopped by SIGTERM or SIGINT after saving."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import jax
import numpy as np
import pytest
import tiny_zoo
from harness_helpers import replaced_loader

import jax_zoo as zoo
from jax_zoo.cli import main
from jax_zoo.train import epoch_permutation, load_final_state

ENTRY = "tiny_mlp"


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(directory: Path) -> dict[str, str]:
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*")) if path.is_file()
    }


def assert_one_paragraph(err: str, message: str) -> None:
    assert message in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("exit") / "finished"
    zoo.train_and_evaluate(ENTRY, workdir, progress=False)
    return workdir


@pytest.fixture(scope="module")
def unfinished(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("exit") / "unfinished"
    zoo.train_and_evaluate(ENTRY, workdir, progress=False, stop_at_step=17)
    return workdir


@pytest.fixture
def copy_of(tmp_path):
    def copy(workdir: Path) -> Path:
        return Path(shutil.copytree(workdir, tmp_path / workdir.name))

    return copy


@pytest.mark.slow
def test_0_a_finished_run_and_its_evaluation(finished, capsys):
    code, out, _ = run(["train", ENTRY, "--workdir", str(finished), "--no-progress"], capsys)
    assert code == 0 and "already holds a finished run" in out
    code, out, _ = run(["eval", ENTRY, "--workdir", str(finished)], capsys)
    results = json.loads((finished / "results.json").read_text())
    assert code == 0 and f"accuracy {results['test']['accuracy']:.2%}" in out


@pytest.mark.slow
def test_0_zoo_eval_on_another_split_evaluates_the_chosen_parameters_there(finished, capsys):
    records = [json.loads(line) for line in (finished / "metrics.jsonl").read_text().splitlines()]
    best = min(records, key=lambda record: record["eval_loss"])
    code, out, err = run(["eval", ENTRY, "--workdir", str(finished), "--split", "validation"], capsys)
    assert code == 0, err
    assert out == (f"{ENTRY} ({finished}): validation accuracy {best['eval_accuracy']:.2%}, "
                   f"loss {best['eval_loss']:.4g} on 64 examples\n")
    with pytest.warns(UserWarning, match="tiny_mlp trained on 'train': its metrics on split 'train' are not held out"):
        code, out, _ = run(["eval", ENTRY, "--workdir", str(finished), "--split", "train"], capsys)
    assert code == 0 and out.startswith(f"{ENTRY} ({finished}): train accuracy ") and out.endswith(" on 192 examples\n")


@pytest.mark.slow
def test_1_non_finite_values_under_the_fail_policy_keep_the_last_good_checkpoint(tmp_path, capsys):
    """One training image of NaN, met by the 8th step of the first epoch, after the checkpoint of step 5."""
    poisoned = tiny_zoo.blobs("train")
    poisoned["inputs"][epoch_permutation(len(poisoned["targets"]), seed=0, epoch=0)[7 * 16]] = np.nan
    workdir = tmp_path / "diverged"
    with replaced_loader("tiny_blobs", lambda split, directory: poisoned if split == "train" else tiny_zoo.blobs(split)):
        code, _, err = run(["train", ENTRY, "--workdir", str(workdir), "--no-progress"], capsys)
    assert code == 1, err
    assert_one_paragraph(err, "zoo train: training failed: step 7: the batch's inputs contains NaN or inf")
    saved = sorted(int(p.name) for p in (workdir / "checkpoints").iterdir() if p.name.isdigit())
    assert saved == [5]
    state, _ = load_final_state(workdir, zoo.build(ENTRY).state)
    assert int(state.step) == 5 and all(np.isfinite(leaf).all() for leaf in jax.tree.leaves(state.params))
    assert not (workdir / "results.json").exists()


BAD_INPUT = {
    "unknown entry": (["train", "tiny_mpl"], "unknown entry 'tiny_mpl'. Did you mean 'tiny_mlp'?"),
    "unknown config key": (["train", ENTRY, "--set", "dropuot=0.1"], "Did you mean 'dropout'?"),
    "value of the wrong type": (["train", ENTRY, "--set", "epochs=3.5"], "epochs: expected int, got '3.5'"),
    "malformed --set": (["train", ENTRY, "--set", "epochs"], "--set expects name=value, got 'epochs'"),
    "value out of range": (["train", ENTRY, "--set", "batch_size=0"], "batch_size: expected a positive integer, got 0"),
    "unknown split": (["eval", ENTRY, "--workdir", "{finished}", "--split", "tset"], "unknown split 'tset'"),
    "workdir holding no run": (["eval", ENTRY, "--workdir", "{empty}"], "holds no run: expected"),
    "workdir of another entry": (["eval", "digits_cnn", "--workdir", "{finished}"], "was trained for entry 'tiny_mlp'"),
    "another config": (["train", ENTRY, "--workdir", "{finished}", "--set", "epochs=4"], "epochs: saved 3, asked 4"),
    "files but no config.json": (["train", ENTRY, "--workdir", "{stray}"], "holds files but no run (no config.json)"),
}


@pytest.mark.parametrize("args, message", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_2_bad_input_is_one_paragraph_and_changes_nothing(args, message, finished, copy_of, tmp_path, capsys):
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "notes.txt").write_text("mine")
    places = {"finished": copy_of(finished), "empty": tmp_path / "empty", "stray": stray}
    before = {name: snapshot(path) if path.exists() else None for name, path in places.items()}
    args = [arg.format(**places) for arg in args]
    if args[0] == "train" and "--workdir" not in args:
        args += ["--workdir", str(tmp_path / "new")]
    code, _, err = run(args, capsys)
    assert code == 2
    assert_one_paragraph(err, message)
    assert {name: snapshot(path) if path.exists() else None for name, path in places.items()} == before
    assert not (tmp_path / "new").exists()


def _write(relative: str, content: bytes):
    def damage(workdir: Path) -> None:
        (workdir / relative).write_bytes(content)

    return damage


def _latest_checkpoint(workdir: Path) -> str:
    return "checkpoints/" + str(max(int(p.name) for p in (workdir / "checkpoints").iterdir() if p.name.isdigit()))


def _in_latest_checkpoint(relative: str, content: bytes):
    def damage(workdir: Path) -> None:
        (workdir / _latest_checkpoint(workdir) / relative).write_bytes(content)

    return damage


def _truncate_largest_array(workdir: Path) -> None:
    files = sorted((workdir / _latest_checkpoint(workdir) / "state").rglob("d/*"), key=lambda p: p.stat().st_size)
    files[-1].write_bytes(files[-1].read_bytes()[: files[-1].stat().st_size // 2])


DAMAGE = {
    "config.json not JSON": (_write("config.json", b'{"entry": "tiny_mlp", "con'), "config.json is damaged"),
    "config.json not UTF-8": (_write("config.json", b"\xff\xfe\x00"), "config.json is damaged"),
    "config.json of another shape": (_write("config.json", b"[1, 2]"), 'expected {"entry": name, "config": {...}}'),
    "config.json with a bad value": (
        _write("config.json", json.dumps({"entry": ENTRY, "config": {"epochs": "three"}}).encode()),
        "does not fit entry 'tiny_mlp': epochs: expected int, got 'three'",
    ),
    "config.json with an unknown key": (
        _write("config.json", json.dumps({"entry": ENTRY, "config": {"epochz": 3}}).encode()),
        "unknown config key 'epochz'",
    ),
    "state metadata not JSON": (_in_latest_checkpoint("state/_METADATA", b"\x00garbage"), "is damaged or incomplete"),
    "record not JSON": (_in_latest_checkpoint("record/metadata", b'{"run": '), "is damaged or incomplete"),
    "array data truncated": (_truncate_largest_array, "is damaged or incomplete"),
}


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("command", ["train", "eval"])
@pytest.mark.parametrize("damage, message", DAMAGE.values(), ids=DAMAGE.keys())
def test_2_a_damaged_workdir_is_named_and_left_as_it_is(damage, message, command, unfinished, copy_of, capsys):
    workdir = copy_of(unfinished)
    damage(workdir)
    before = snapshot(workdir)
    args = [command, ENTRY, "--workdir", str(workdir)] + (["--no-progress"] if command == "train" else [])
    code, _, err = run(args, capsys)
    assert code == 2
    assert_one_paragraph(err, message)
    assert snapshot(workdir) == before


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_orbax_reads_past_a_damaged_checkpoint_metadata_file(unfinished, copy_of, capsys):
    """``_CHECKPOINT_METADATA`` holds only timestamps: orbax logs it and restores the arrays."""
    workdir = copy_of(unfinished)
    _in_latest_checkpoint("_CHECKPOINT_METADATA", b"{")(workdir)
    intact = zoo.evaluate_workdir(ENTRY, unfinished, "validation")
    assert zoo.evaluate_workdir(ENTRY, workdir, "validation") == intact


def test_2_a_damaged_results_json_is_named_and_left_as_it_is(finished, copy_of, capsys):
    workdir = copy_of(finished)
    (workdir / "results.json").write_text('{"entry": "tiny_mlp", "test": {"accu')
    before = snapshot(workdir)
    code, _, err = run(["train", ENTRY, "--workdir", str(workdir), "--no-progress"], capsys)
    assert code == 2
    assert_one_paragraph(err, "results.json is damaged")
    code, _, err = run(["results", str(workdir)], capsys)
    assert code == 2
    assert_one_paragraph(err, "expected a results.json written by `zoo train`")
    assert snapshot(workdir) == before


@pytest.mark.slow
def test_a_damaged_metrics_log_is_rewritten_from_the_checkpoint(unfinished, finished, copy_of, capsys):
    """``metrics.jsonl`` is a log the checkpoint's record is authoritative for: never read, rebuilt on resume."""
    workdir = copy_of(unfinished)
    (workdir / "metrics.jsonl").write_bytes(b'{"epoch": 1, "train_lo\x00\xff')
    code, _, err = run(["train", ENTRY, "--workdir", str(workdir), "--no-progress"], capsys)
    assert code == 0, err

    def epochs(path):
        return [{k: v for k, v in json.loads(line).items() if k != "epoch_seconds"} for line in path.read_text().splitlines()]

    assert epochs(workdir / "metrics.jsonl") == epochs(finished / "metrics.jsonl")


def _signalled_run(workdir: Path, sig: signal.Signals) -> subprocess.CompletedProcess:
    """``zoo train`` of a long tiny run, sent ``sig`` once its first epoch is logged."""
    tests = str(Path(__file__).parent)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [tests, os.environ.get("PYTHONPATH")]))}
    script = "import sys, tiny_zoo; from jax_zoo.cli import main; sys.exit(main(sys.argv[1:]))"
    args = ["train", ENTRY, "--workdir", str(workdir), "--set", "epochs=100000", "--no-progress"]
    process = subprocess.Popen([sys.executable, "-c", script, *args], env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not (workdir / "metrics.jsonl").is_file() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_75_a_signal_saves_a_final_checkpoint_and_says_how_to_resume(sig, tmp_path):
    done = _signalled_run(tmp_path, sig)
    assert done.returncode == 75, done.stderr
    assert_one_paragraph(done.stderr, f"zoo train: stopped by {sig.name} at step ")
    assert "run the same command again to resume" in done.stderr
    stopped_at = int(done.stderr.split(" at step ")[1].split(":")[0])
    saved = max(int(p.name) for p in (tmp_path / "checkpoints").iterdir() if p.name.isdigit())
    assert saved == stopped_at and not any("tmp" in p.name for p in (tmp_path / "checkpoints").iterdir())
