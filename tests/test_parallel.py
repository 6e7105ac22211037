"""The same training code on 1 device, 8 devices and 2 processes x 2 devices agrees (``fit`` from
Python; ``zoo train --distributed`` with a workdir, resumed: test_distributed.py)."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name("parallel_worker.py")


def run_worker(out, devices, *distributed, stacked=False, streamed=False):
    env = {**os.environ, "PYTHONPATH": str(WORKER.parent)} | ({"STACKED_RUNS": "1"} if stacked else {})
    env |= {"STREAMED": "1"} if streamed else {}
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(out), str(devices), *map(str, distributed)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(process, timeout=300):
    _, stderr = process.communicate(timeout=timeout)
    assert process.returncode == 0, stderr[-3000:]


@pytest.fixture(scope="module")
def single_device(tmp_path_factory):
    out = tmp_path_factory.mktemp("one") / "params.npz"
    finish(run_worker(out, 1))
    return np.load(out)


def assert_same_training(result, reference, devices):
    assert int(result["devices"]) == devices
    names = [name for name in reference.files if name.startswith("[")]
    assert names and sorted(names) == sorted(n for n in result.files if n.startswith("["))
    for name in names:
        np.testing.assert_allclose(result[name], reference[name], rtol=2e-4, atol=2e-6, err_msg=name)
    assert float(result["eval_loss"]) == pytest.approx(float(reference["eval_loss"]), rel=1e-4)


def test_eight_devices_match_one(single_device, tmp_path):
    out = tmp_path / "params.npz"
    finish(run_worker(out, 8))
    assert_same_training(np.load(out), single_device, devices=8)


def test_stacked_runs_on_four_devices_match_one(tmp_path):
    reference, sharded = tmp_path / "one.npz", tmp_path / "four.npz"
    finish(run_worker(reference, 1, stacked=True))
    finish(run_worker(sharded, 4, stacked=True))
    assert_same_training(np.load(sharded), np.load(reference), devices=4)


def test_two_processes_of_two_devices_match_one_process(single_device, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "params.npz"
    workers = [run_worker(out, 2, process, 2, port) for process in range(2)]
    for worker in workers:
        finish(worker)
    assert_same_training(np.load(out), single_device, devices=4)


def test_two_processes_streaming_from_records_read_only_their_own_rows(single_device, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "params.npz"
    workers = [run_worker(out, 2, process, 2, port, streamed=True) for process in range(2)]
    for worker in workers:
        finish(worker)
    assert_same_training(np.load(out), single_device, devices=4)
    # 2 epochs of 8 batches of 32, 2 evaluations of 3 batches of 40: each process reads its half.
    for process in range(2):
        assert json.loads(Path(f"{out}.rows{process}.json").read_text()) == {"train": 2 * 8 * 16, "eval": 2 * 3 * 20}


def test_a_global_batch_must_divide_over_the_devices(tmp_path):
    script = (
        "import os; os.environ['XLA_FLAGS'] = '--xla_force_host_platform_device_count=8'\n"
        "from harness_helpers import SPEC, digits, fresh_state\n"
        "from jax_zoo.train import InputError, fit, make_eval_step, make_train_step, softmax_cross_entropy\n"
        "try:\n"
        "    fit(fresh_state(), train_step=make_train_step(softmax_cross_entropy, example_spec=SPEC),\n"
        "        eval_step=make_eval_step(softmax_cross_entropy, example_spec=SPEC), train_data=digits(64),\n"
        "        eval_data=digits(16), batch_size=30, eval_batch_size=16, epochs=1, seed=0, progress=False)\n"
        "except InputError as error:\n"
        "    print(error)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(WORKER.parent)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert "batch_size 30 must divide evenly over the 8 devices (e.g. 24)" in done.stdout, done.stderr[-2000:]
