"""The ``zoo`` command starts without loading what it does not use, and prints only what the user needs."""

import importlib
import json
import os
import pkgutil
import subprocess
import sys

import pytest

import jax_zoo.datasets
from jax_zoo.datasets import dataset_info, list_datasets
from jax_zoo.datasets.registry import BUILTIN_MODULES

RUN_AND_LIST_MODULES = """
import json, sys
from jax_zoo.cli import main
try:
    status = main(sys.argv[2:])
except SystemExit as exit:
    status = exit.code
with open(sys.argv[1], "w") as file:
    json.dump({"status": status, "modules": sorted(sys.modules)}, file)
"""


def modules_loaded_by(args: list[str], tmp_path) -> set[str]:
    """The modules a fresh process holds after ``zoo ARGS`` (run as the console script runs it)."""
    report = tmp_path / "modules.json"
    command = [sys.executable, "-c", RUN_AND_LIST_MODULES, str(report), *args]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    outcome = json.loads(report.read_text())
    assert outcome["status"] == 0, f"zoo {' '.join(args)} exited with {outcome['status']}"
    return set(outcome["modules"])


def test_help_imports_neither_jax_nor_a_dataset(tmp_path):
    loaded = modules_loaded_by(["--help"], tmp_path)
    assert "jax_zoo.cli" in loaded
    assert not {"jax", "tensorflow_datasets", "jax_zoo.datasets"} & loaded


@pytest.mark.slow
@pytest.mark.parametrize("args", [["list"], ["show", "digits_cnn"]])
def test_listing_and_describing_entries_import_no_tfds(args, tmp_path):
    loaded = modules_loaded_by(args, tmp_path)
    assert "jax_zoo.entries.digits_cnn" in loaded
    assert "tensorflow_datasets" not in loaded
    assert not {module for module in loaded if module.startswith("jax_zoo.datasets.builders")}


def test_each_dataset_of_the_zoo_is_registered_by_the_module_the_registry_names():
    for module in pkgutil.walk_packages(jax_zoo.datasets.__path__, "jax_zoo.datasets."):
        importlib.import_module(module.name)
    assert {name: dataset_info(name).load.__module__ for name in BUILTIN_MODULES} == {
        name: f"jax_zoo.datasets.{module}" for name, module in BUILTIN_MODULES.items()
    }
    zoo_modules = {f"jax_zoo.datasets.{module}" for module in BUILTIN_MODULES.values()}
    registered_by_zoo = {name for name in list_datasets() if dataset_info(name).load.__module__ in zoo_modules}
    assert registered_by_zoo == set(BUILTIN_MODULES)


# At a batch of 1024 windows the LSTM's train step holds buffers larger than the "recurrent"
# preset's 24 MiB heaps, for each of which XLA logs a warning when it compiles the step.
SMALL_HEAP_STEP = [
    "bench", "kjv_char_lstm", "--no-torch", "--steps", "1", "--repeats", "1", "--batch-size", "1024",
    "--set", "hidden_size=8", "--set", "embed_dim=8",
]


@pytest.mark.slow
def test_a_recurrent_entrys_command_prints_no_xla_warning_unless_the_user_asks(zoo_command):
    environment = {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}

    def bench(**settings) -> str:
        done = subprocess.run(
            [*zoo_command, *SMALL_HEAP_STEP], capture_output=True, text=True, timeout=600, env=environment | settings,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout + done.stderr

    quiet = bench()
    assert "kjv_char_lstm (CharLanguageModel, batch 1024" in quiet
    assert "heap_simulator" not in quiet and "larger than the per-heap size limit" not in quiet
    assert "larger than the per-heap size limit" in bench(TF_CPP_MIN_LOG_LEVEL="0"), "the user's own level is kept"
