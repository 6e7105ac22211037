"""``zoo train --distributed --coordinator HOST:PORT --num-processes 2 --process-id I``: two real
processes on one machine (CPU devices, gloo collectives) train one run in one workdir. Process 0
alone writes ``config.json``, ``metrics.jsonl`` and ``results.json``, each once; stopped midway,
the same two commands resume it; the result equals a one-process run's within float tolerance.

Each process runs the ``zoo`` command's own ``jax_zoo.cli.main`` under a Python audit hook
(``sys.addaudithook``) that logs every file it opens for writing, creates, renames or removes in
the workdir: which process wrote what is read from the logs, not inferred from the files."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest
import tiny_zoo  # noqa: F401  (registers tiny_mlp)

import jax_zoo as zoo
from jax_zoo.train import load_final_state

pytestmark = pytest.mark.slow

TESTS = Path(__file__).parent
STOP_AT_STEP = 17  # in epoch 2 of 3 (12 steps each), two steps after the checkpoint of step 15

AUDITED_ZOO = """
import atexit, json, os, sys
workdir, log, stop_at_step = os.path.realpath(sys.argv[1]), sys.argv[2], int(sys.argv[3])
written = []
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

def inside(path):
    path = os.path.realpath(os.fsdecode(path)) if isinstance(path, (str, bytes, os.PathLike)) else ""
    return os.path.relpath(path, workdir) if path.startswith(workdir + os.sep) else None

def audit(event, args):
    if event == "open" and (args[1] and set(str(args[1])) & set("wax+") or args[2] & WRITE_FLAGS):
        paths = [args[0]]
    elif event in ("os.rename", "os.remove", "os.mkdir", "os.rmdir", "shutil.rmtree"):
        paths = [args[1] if event == "os.rename" else args[0]]
    else:
        return
    for relative in filter(None, map(inside, paths)):
        written.append([event, relative])

atexit.register(lambda: open(log, "w").write(json.dumps(written)))
sys.addaudithook(audit)
import tiny_zoo, jax_zoo.api.train as api
if stop_at_step:  # a preemption at a known step: save there and leave, as `zoo train` would on SIGTERM
    train_and_evaluate = api.train_and_evaluate
    def stopped(*args, **kwargs):
        assert train_and_evaluate(*args, stop_at_step=stop_at_step, **kwargs)["completed"] is False
        sys.exit(0)
    api.train_and_evaluate = stopped
from jax_zoo.cli import main
sys.exit(main(sys.argv[4:]))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def two_processes(workdir: Path, logs: Path, stop_at_step: int = 0) -> list[list[tuple[str, str]]]:
    """``zoo train tiny_mlp --distributed ...`` as processes 0 and 1; what each wrote in the workdir."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", AUDITED_ZOO, str(workdir), str(logs / f"process{index}.json"), str(stop_at_step),
             "train", "tiny_mlp", "--workdir", str(workdir), "--no-progress", "--distributed",
             "--coordinator", f"127.0.0.1:{port}", "--num-processes", "2", "--process-id", str(index)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for index in range(2)
    ]
    try:
        outputs = [process.communicate(timeout=300) for process in processes]
    finally:
        for process in processes:
            process.kill()
    for index, (process, (_, stderr)) in enumerate(zip(processes, outputs)):
        assert process.returncode == 0, f"process {index}: exit {process.returncode}\n{stderr[-3000:]}"
    return [[tuple(event) for event in json.loads((logs / f"process{index}.json").read_text())] for index in range(2)]


def count(written, wanted: str, name: str) -> int:
    """How often ``written`` holds event ``wanted`` (``"open"`` for writing, ``"os.rename"``) on ``name``."""
    return sum(event == wanted and path == name for event, path in written)


def files_written(written) -> set[str]:
    """The run's files written, their temporary files (``.config.json.xyz``) left out."""
    return {path for _, path in outside_checkpoints(written) if not path.startswith(".")}


def outside_checkpoints(written) -> list[tuple[str, str]]:
    """Writes other than orbax's, which coordinates the checkpoint writes of all processes."""
    return [(event, path) for event, path in written if path.split(os.sep)[0] != "checkpoints"]


def test_two_processes_through_the_command_line_write_once_from_process_0_resume_and_match_one_process(tmp_path):
    workdir, logs = tmp_path / "two", tmp_path / "logs"
    logs.mkdir()
    first, second = two_processes(workdir, logs, STOP_AT_STEP)
    assert outside_checkpoints(second) == [], "process 1 wrote the run's files"
    assert files_written(first) == {"config.json", "metrics.jsonl"}
    assert count(first, "os.rename", "config.json") == 1 and count(first, "open", "metrics.jsonl") == 1  # epoch 1
    assert [json.loads(line)["epoch"] for line in (workdir / "metrics.jsonl").read_text().splitlines()] == [1]

    first, second = two_processes(workdir, logs)
    assert outside_checkpoints(second) == [], "process 1 wrote the run's files"
    assert files_written(first) == {"config.json", "metrics.jsonl", "results.json"}
    assert count(first, "os.rename", "config.json") == 1 and count(first, "os.rename", "results.json") == 1
    # the log rewritten once from the checkpoint it resumes (epoch 1), then epochs 2 and 3 appended
    assert count(first, "os.rename", "metrics.jsonl") == 1 and count(first, "open", "metrics.jsonl") == 2
    assert [json.loads(line)["epoch"] for line in (workdir / "metrics.jsonl").read_text().splitlines()] == [1, 2, 3]
    results = json.loads((workdir / "results.json").read_text())
    assert results["resumed_from_step"] == STOP_AT_STEP and results["steps"] == 36

    reference = zoo.train_and_evaluate("tiny_mlp", tmp_path / "one", progress=False)
    assert results["test"]["count"] == reference["test"]["count"]
    assert results["test"]["loss"] == pytest.approx(reference["test"]["loss"], rel=1e-4)
    target = zoo.build("tiny_mlp").state
    two_states, one_state = (load_final_state(path, target)[0] for path in (workdir, tmp_path / "one"))
    for two, one in zip(jax.tree.leaves(two_states.params), jax.tree.leaves(one_state.params)):
        np.testing.assert_allclose(np.asarray(two), np.asarray(one), rtol=2e-4, atol=2e-6)
