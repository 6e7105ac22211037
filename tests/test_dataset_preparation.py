"""A dataset preparation killed with SIGKILL: the next one prepares it whole and leaves no debris."""

import os
import signal
import subprocess
import sys
import time

import pytest

from jax_zoo.datasets import load_dataset

pytestmark = pytest.mark.slow


def test_a_preparation_killed_midway_is_redone_without_leftovers(tmp_path):
    # Surnames: reading the names pickle takes seconds, inside TFDS's incomplete.* directory.
    script = "import sys; from jax_zoo.datasets import load_dataset; load_dataset('names', 'train', sys.argv[1])"
    preparing = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], env={**os.environ},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not list(tmp_path.glob("*/incomplete.*")) and time.monotonic() < deadline and preparing.poll() is None:
        time.sleep(0.01)
    preparing.send_signal(signal.SIGKILL)
    assert preparing.wait(timeout=60) == -signal.SIGKILL, "the preparation finished before it could be killed"
    assert list(tmp_path.glob("*/incomplete.*")), "the kill left TFDS's temporary directory behind"

    sizes = {split: len(load_dataset("names", split, tmp_path)["targets"]) for split in ("train", "validation", "test")}
    assert sizes == {"train": 26598, "validation": 3325, "test": 3325}
    assert not list(tmp_path.glob("*/incomplete.*"))
