"""``zoo train`` reads the test split once, after the last epoch: never while training, never when
stopped early, never again once the run has finished (``zoo cv``'s own test is in
test_cross_validation.py)."""

import json

import pytest
import tiny_zoo
from harness_helpers import replaced_loader

import jax_zoo as zoo
from jax_zoo.cli import main


@pytest.mark.slow
def test_zoo_train_reads_the_test_split_once_after_the_last_epoch(tmp_path, capsys):
    workdir = tmp_path / "run"
    reads = []

    def recording(split, directory):
        logged = (workdir / "metrics.jsonl").read_text().splitlines() if (workdir / "metrics.jsonl").exists() else []
        reads.append((split, len(logged), (workdir / "results.json").exists()))
        return tiny_zoo.blobs(split)

    with replaced_loader("tiny_blobs", recording):
        stopped = zoo.train_and_evaluate("tiny_mlp", workdir, progress=False, stop_at_step=17)
        assert stopped["completed"] is False
        assert [split for split, _, _ in reads] == ["train", "validation"], "a run stopped in epoch 2 read no test"
        reads.clear()
        assert main(["train", "tiny_mlp", "--workdir", str(workdir), "--no-progress"]) == 0
        assert json.loads((workdir / "results.json").read_text())["epochs"] == 3
        # train and validation come from this process's cache of loaded splits; test once, after epoch 3
        assert reads == [("test", 3, False)]
        reads.clear()
        assert main(["train", "tiny_mlp", "--workdir", str(workdir), "--no-progress"]) == 0
        assert reads == [], "a finished run reports its saved results"
    assert "already holds a finished run" in capsys.readouterr().out
